"""The timezones a member picks from: canonical IANA names only.

Every name `zoneinfo` knows stays valid for an account (`member.require_timezone`),
but the pickers list only "Area/Location" zones (Europe/Berlin), plus UTC: not
"Factory", "localtime", "posixrules", "Etc/GMT+3" or the old country names
("US/Eastern", "GB"). Backward aliases inside the areas ("Asia/Calcutta",
"Europe/Belfast") are dropped too when the tz database says so: a name tzdata
keeps only as a link, and that its country table (zone.tab) does not list.
Europe/Amsterdam, a link since 2022, stays: zone.tab lists it for its country.
"""

from __future__ import annotations

import importlib.resources
from functools import lru_cache
from zoneinfo import available_timezones

AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
"""The tz database's continents and oceans: the first part of a canonical name."""


def is_area_location(name: str) -> bool:
    """Whether `name` reads Area/Location (Area/Location/Sub too), e.g. Asia/Tokyo."""
    area, _, rest = name.partition("/")
    return area in AREAS and bool(rest)


def aliases(links: list[tuple[str, str]], country_zones: set[str]) -> set[str]:
    """The backward names among `links` ((target, name) pairs): links that the
    country table (zone.tab's names) does not list."""
    return {name for _, name in links if name not in country_zones}


def _tz_tables() -> tuple[list[tuple[str, str]], set[str]]:
    """The links of tzdata.zi and the names of zone.tab, from the tzdata package
    (empty if it cannot be read: then only the Area/Location rule applies)."""
    try:
        folder = importlib.resources.files("tzdata.zoneinfo")
        zi = (folder / "tzdata.zi").read_text(encoding="utf-8")
        tab = (folder / "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return [], set()
    links = [
        (parts[1], parts[2])
        for parts in (line.split() for line in zi.splitlines())
        if len(parts) == 3 and parts[0] == "L"
    ]
    zones = {
        line.split("\t")[2]
        for line in tab.splitlines()
        if line and not line.startswith("#")
    }
    return links, zones


@lru_cache(maxsize=1)
def canonical_timezones() -> tuple[str, ...]:
    """UTC, then every canonical Area/Location zone this machine knows, sorted."""
    links, country_zones = _tz_tables()
    dropped = aliases(links, country_zones)
    named = {
        zone
        for zone in available_timezones()
        if is_area_location(zone) and zone not in dropped
    }
    return ("UTC", *sorted(named))


def picker_timezones(current: str | None = None) -> tuple[str, ...]:
    """The zones a picker lists; a member's own zone stays listed even if it is an
    old alias, so saving the form never changes it unasked."""
    zones = canonical_timezones()
    if current and current not in zones:
        return (current, *zones)
    return zones
