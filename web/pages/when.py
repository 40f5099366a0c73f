"""When something happened, said in one zone: its owner's.

A journal entry's day is its owner's local day (SPEC 4), so its time is the owner's
clock too, and the zone is named when it is not the viewer's: a mentor in New York
reads a Berlin mentee's entry as "Fri 04 Dec 2026, 00:15 (Berlin time)", never her
date with his clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from service.clock import zone_info


@dataclass(frozen=True)
class Moment:
    """An instant in its owner's zone; `zone_note` is '' when the viewer shares it."""

    local: datetime
    zone_note: str

    @property
    def day(self) -> date:
        """The owner's local day."""
        return self.local.date()

    def text(self, with_time: bool = True) -> str:
        """'Fri 04 Dec 2026, 00:15 (Berlin time)'; the day alone without the time."""
        said = self.local.strftime("%a %d %b %Y")
        said += self.local.strftime(", %H:%M") if with_time else ""
        return f"{said} ({self.zone_note})" if self.zone_note else said


def zone_name(zone: str) -> str:
    """'Europe/Berlin' → 'Berlin time', 'America/New_York' → 'New York time'."""
    if "/" not in zone:
        return zone
    return zone.rsplit("/", 1)[1].replace("_", " ") + " time"


def owners_moment(at: datetime, owner_zone: str, viewer_zone: str) -> Moment:
    """`at` on the owner's clock, the zone named unless the viewer is in it."""
    local = at.astimezone(zone_info(owner_zone))
    return Moment(local, "" if owner_zone == viewer_zone else zone_name(owner_zone))
