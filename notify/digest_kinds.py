"""Which digests a member gets (SPEC 8): their own always, the mentor's digest while
they mentor someone (an accepted mentorship), the group digest while they
facilitate a group. Read for many members at once, as the sender reads them."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection

from notify.recipients import groups_led_by, mentees_of


def digest_kinds(
    conn: Connection, member_ids: Collection[str]
) -> dict[str, tuple[str, ...]]:
    """Per member, the kinds of digest they get, in the order member, mentor, group."""
    wanted = sorted(set(member_ids))
    mentors = set(mentees_of(conn, wanted)) if wanted else set()
    facilitators = set(groups_led_by(conn, wanted)) if wanted else set()
    return {
        member_id: (
            "member",
            *(("mentor",) if member_id in mentors else ()),
            *(("group",) if member_id in facilitators else ()),
        )
        for member_id in wanted
    }
