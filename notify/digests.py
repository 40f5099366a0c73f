"""Composing digests (SPEC 8): the member's, the mentor's and the facilitator's, each
for a period of whole days before `now` (see `digest_model.Period`).

Select → compose → render → send → record: this is where digests are composed (one
module per kind: `member_digest`, `mentor_digest`, `group_digest`; `render` renders).
They read the read models in bulk, a fixed number of statements per chunk of `CHUNK`
recipients whatever their number (no query per member), so a sender can compose
10,000 weekly digests in one go; `empty` on a digest says it is not worth sending.

A period is whole days of the recipient's own timezone: `weekly` the last whole ISO
week (Monday to Sunday) before today's, whichever day the digest goes out on — the
weeks the charts, streaks and targets count, so "5 actions" in a digest is the bar
of that week on the dashboard; `daily` yesterday. One weekly digest per ISO week (the
period key names its Monday), so consecutive digests neither overlap nor leave a
gap. Changes "since the last digest" (rut risk, momentum) compare `now` with `now`
minus the period's length.

Visibility (SPEC 9): a member's digest shows their own items; a mentor's only what
the mentees let mentors see; a facilitator's only group-visible items. Numbers
(momentum, streaks, counts) are those the mentor view and the group board show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import Connection

from notify.batch import CHUNK
from notify.digest_model import (
    PERIOD_DAYS,
    Digest,
    GroupDigest,
    MemberDigest,
    MentorDigest,
    Period,
    period_for,
)
from notify.group_digest import group_digests
from notify.member_digest import member_digests
from notify.mentor_digest import mentor_digests

KINDS = ("member", "mentor", "group")
COMPOSERS: dict[str, Callable[..., Mapping[str, Digest]]] = {
    "member": member_digests,
    "mentor": mentor_digests,
    "group": group_digests,
}


def digest_for(
    conn: Connection, kind: str, member_id: object, now: datetime, period: str
) -> Digest | None:
    """One member's digest of a kind (member, mentor or group); None if unknown."""
    if kind not in COMPOSERS:
        raise ValueError(f"A digest kind is one of {', '.join(KINDS)}.")
    return COMPOSERS[kind](conn, [member_id], now, period).get(str(member_id))


__all__ = [
    "CHUNK",
    "KINDS",
    "PERIOD_DAYS",
    "Digest",
    "GroupDigest",
    "MemberDigest",
    "MentorDigest",
    "Period",
    "digest_for",
    "group_digests",
    "member_digests",
    "mentor_digests",
    "period_for",
]
