"""The five signals of a member's latest reviews, as a viewer may see them (SPEC 9).

The signals are the metrics read model's (`rm_metrics_reviews`, amended in place);
which reviews the viewer may see comes from the journal's items (their current
visibility) through `relations.visible_levels`, the one rule every query uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, select

from projections import journal as j
from projections import metrics_tables as m
from projections.relations import member_timezone, visible_levels
from service.clock import local_date
from service.domain.review import SIGNALS

LATEST = 12


@dataclass(frozen=True)
class SignalPoint:
    """One review's signals, on its owner's local day."""

    review_id: str
    day: date
    signals: dict[str, int]


def signal_history(
    conn: Connection, viewer_id: str, owner_id: str, limit: int = LATEST
) -> list[SignalPoint]:
    """The signals of `owner_id`'s latest `limit` reviews that `viewer_id` may see,
    oldest first; empty if they may see none."""
    levels = visible_levels(conn, viewer_id, owner_id)
    if not levels:
        return []
    r, items = m.reviews, j.items
    rows = conn.execute(
        select(r)
        .join(items, items.c.item_id == r.c.review_id)
        .where(r.c.member_id == owner_id, items.c.visibility.in_(levels))
        .order_by(r.c.at.desc(), r.c.review_id.desc())
        .limit(limit)
    ).all()
    zone = member_timezone(conn, owner_id) or "UTC"
    return [
        SignalPoint(
            row.review_id,
            local_date(row.at, zone),
            {name: getattr(row, name) for name in SIGNALS},
        )
        for row in reversed(rows)
    ]
