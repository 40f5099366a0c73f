"""The journal as the viewer may see it, a page at a time (API and pages alike)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Connection

from projections import journal_queries as jq
from service.errors import ValidationError
from web.system import current_system as system


def journal_page(
    viewer: UUID,
    *,
    limit: int,
    cursor: str | None = None,
    member_id: str | None = None,
    kind: str | None = None,
    goal_id: str | None = None,
    conn: Connection | None = None,
) -> jq.JournalPage:
    """A page of journal entries the viewer may see (API and pages alike), the
    query's ValueErrors as 422 naming `kind` or `cursor`; read from `conn` if given
    (the read models of a past day, `web.common.as_of.reading`)."""
    if kind is not None and kind not in jq.KIND_FILTERS:
        raise ValidationError(
            f"Unknown kind {kind!r}: use one of {', '.join(jq.KIND_FILTERS)}.",
            "kind",
        )
    if conn is None:
        with system().read() as live:
            return journal_page(
                viewer,
                limit=limit,
                cursor=cursor,
                member_id=member_id,
                kind=kind,
                goal_id=goal_id,
                conn=live,
            )
    try:
        return jq.entries(
            conn,
            str(viewer),
            member_id=member_id,
            kind=kind,
            goal_id=goal_id,
            limit=limit,
            cursor=cursor,
        )
    except ValueError as e:
        raise ValidationError(str(e), "cursor") from None
