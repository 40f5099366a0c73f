"""The digests a member would get now, composed and rendered by the same code as the
emails (`notify`), for the JSON preview (`web.api.digests`) and the settings page.

The period is the member's digest frequency, weekly when their digests are off (the
preview then shows what they would get); `now` is the system's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from notify.digest_kinds import digest_kinds
from notify.digest_model import Period
from notify.digests import digest_for
from notify.render import RenderedDigest, render, span
from web.system import current_system as system

WHY_EMPTY = {
    "member": "nothing happened in the period and nothing is due or stalled",
    "mentor": "none of your mentees has anything new or worrying",
    "group": "nothing new happened in the groups you facilitate",
}


@dataclass(frozen=True)
class DigestPreview:
    """A digest as it would be emailed now: its period and its rendering."""

    period: Period
    shown: RenderedDigest

    @property
    def kind(self) -> str:
        """member, mentor or group."""
        return self.shown.kind

    @property
    def covers(self) -> str:
        """The days it covers, as the email says them (`Mon 2 Mar – Sun 8 Mar`)."""
        return span(self.period)

    @property
    def why_empty(self) -> str:
        """Why the sender would skip it (for an empty digest)."""
        return WHY_EMPTY[self.kind]


def preferred_period(preferences: dict[str, Any]) -> str:
    """The period of a member's digests: daily or weekly (weekly when off)."""
    return "daily" if preferences.get("digest") == "daily" else "weekly"


def _preview(
    conn: Connection, kind: str, member_id: UUID, period: str
) -> DigestPreview | None:
    running = system()
    digest = digest_for(conn, kind, member_id, running.now(), period)
    if digest is None:  # not projected yet
        return None
    return DigestPreview(digest.period, render(digest, running.settings.base_url))


def digest_preview(
    member_id: UUID, kind: str, period: str | None = None
) -> DigestPreview | None:
    """The member's digest of `kind` as it would be emailed now; None if the member
    is not in the read models yet. `period` defaults to their preference."""
    chosen = period or preferred_period(system().app.get_member(member_id).preferences)
    with system().read() as conn:
        return _preview(conn, kind, member_id, chosen)


def digest_previews(
    member_id: UUID, period: str, only: str | None = None
) -> list[DigestPreview]:
    """Each digest the member gets (theirs; mentor's; facilitator's), or only the
    one of kind `only` if they get it, as it would be emailed now for `period`."""
    with system().read() as conn:
        kinds = digest_kinds(conn, [str(member_id)]).get(str(member_id), ())
        kinds = tuple(kind for kind in kinds if only in (None, kind))
        found = (_preview(conn, kind, member_id, period) for kind in kinds)
        return [preview for preview in found if preview is not None]
