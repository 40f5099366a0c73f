"""Momentum metrics (SPEC 5) and their daily series, now or as they were at the end
of a past day (`?as_of=YYYY-MM-DD`, `web.common.as_of`).

Yours, or a mentee's while you are their accepted mentor; anyone else's is a 404
(group members see each other's momentum on the group board). The past is asked of
the member's read models as they were (`System.read_as_of`) with the same queries.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from flask import Response, jsonify
from pydantic import BaseModel, Field

from projections.metrics_queries import daily_series, member_metrics
from projections.relations import is_mentor
from service.errors import NotFoundError
from web.api.common import ERRORS, QueryModel, blueprint
from web.auth import BEARER, caller
from web.common.as_of import AS_OF_QUERY, AsOfDay, Reading, reading
from web.system import current_system as system

api = blueprint("momentum", __name__, __doc__ or "")


class MomentumQuery(QueryModel):
    member: UUID | None = Field(
        None, description="Whose metrics (default: yours): yourself or a mentee."
    )
    as_of: AsOfDay | None = AS_OF_QUERY


class MomentumSeriesQuery(MomentumQuery):
    days: int = Field(90, ge=1, le=366, description="How many days, 1–366.")


class MomentumWeek(BaseModel):
    """Actions of one ISO week (Monday to Sunday)."""

    week: date = Field(description="The week's Monday.")
    actions: int


class RutRisk(BaseModel):
    """Rut risk (0–100), its level, whether it is rising, and its three parts."""

    score: int
    level: str = Field(json_schema_extra={"enum": ["low", "medium", "high", "new"]})
    rising: bool = Field(description="Risen by 20 or more within 14 days.")
    signals: float = Field(description="s: what the latest review says, 0–1.")
    momentum: float = Field(description="b: 1 − min(1, momentum / 100).")
    inactivity: float = Field(description="i: days since the last action / 21, ≤ 1.")


AS_OF = Field(
    description="The past day these are from, at its end in the member's timezone "
    "then; null: now (also for `as_of` today or later)."
)


class MomentumOut(BaseModel):
    """A member's metrics now, or at the end of the day `as_of` (SPEC 5)."""

    member_id: UUID
    momentum: int = Field(description="Shown: capped at 100.")
    momentum_uncapped: int = Field(
        description="As stored: the % of the target pace, may exceed 100."
    )
    trend: int = Field(
        description="Shown momentum now minus shown momentum 28 days ago."
    )
    weekly_target: int
    actions_this_week: int
    weekly_actions: list[MomentumWeek] = Field(description="12 weeks, this week last.")
    streak: int = Field(
        description="ISO weeks in a row with the (pro-rated) target met."
    )
    review_streak: int = Field(description="Weeks in a row with a review.")
    commitments_kept_percent: int | None = Field(
        description="Kept of marked commitments, reviews of the last 8 weeks."
    )
    rut_risk: RutRisk
    last_action_on: date | None
    days_since_action: int | None
    away_today: bool
    as_of: date | None = AS_OF


class MomentumDay(BaseModel):
    """Momentum at the end of one local day, and that day's actions."""

    day: date
    momentum: int = Field(description="Shown: capped at 100.")
    momentum_uncapped: int
    actions: int


class MomentumSeries(BaseModel):
    """The daily series of a member's momentum, oldest day first."""

    member_id: UUID
    days: list[MomentumDay]
    as_of: date | None = AS_OF


def _whose(viewer: UUID, member: UUID | None) -> str:
    """The member asked about, if the viewer is them or their accepted mentor (a
    read only for someone else's: most ask about themselves)."""
    if member is None or member == viewer:
        return str(viewer)
    with system().read() as conn:
        if not is_mentor(conn, str(viewer), str(member)):
            raise NotFoundError("No such member.")
    return str(member)


def _as_of(r: Reading) -> date | None:
    return r.past.day if r.past else None


@api.get("/momentum", responses={200: MomentumOut, **ERRORS}, security=BEARER)
def momentum(query: MomentumQuery) -> Response:
    """Momentum, trend, weekly actions, streaks, commitments kept and rut risk: now,
    or (`as_of`) at the end of a past day."""
    member = _whose(caller(), query.member)
    with reading(member, query.as_of) as r:
        found = member_metrics(r.conn, member, r.now)
    if found is None:
        raise NotFoundError("No such member.")
    out = MomentumOut(
        member_id=UUID(found.member_id),
        momentum=found.momentum_shown,
        momentum_uncapped=found.momentum,
        trend=found.trend,
        weekly_target=found.weekly_target,
        actions_this_week=found.actions_this_week,
        weekly_actions=[
            MomentumWeek(week=w, actions=n) for w, n in found.weekly_actions
        ],
        streak=found.streak,
        review_streak=found.review_streak,
        commitments_kept_percent=found.commitments_kept_percent,
        rut_risk=RutRisk(
            score=found.rut_risk,
            level=found.rut_level,
            rising=found.rising,
            signals=found.rut_signals,
            momentum=found.rut_momentum,
            inactivity=found.rut_inactivity,
        ),
        last_action_on=found.last_action_on,
        days_since_action=found.days_since_action,
        away_today=found.away_today,
        as_of=_as_of(r),
    )
    return jsonify(out.model_dump(mode="json"))


@api.get("/momentum/series", responses={200: MomentumSeries, **ERRORS}, security=BEARER)
def momentum_series(query: MomentumSeriesQuery) -> Response:
    """Momentum at the end of each of the last `days` days (today: now), or of the
    `days` days up to a past day (`as_of`), as they were then."""
    member = _whose(caller(), query.member)
    with reading(member, query.as_of) as r:
        points = daily_series(r.conn, member, r.now, query.days)
    if not points:
        raise NotFoundError("No such member.")
    out = MomentumSeries(
        member_id=UUID(member),
        days=[
            MomentumDay(
                day=p.day,
                momentum=min(100, p.momentum),
                momentum_uncapped=p.momentum,
                actions=p.actions,
            )
            for p in points
        ],
        as_of=_as_of(r),
    )
    return jsonify(out.model_dump(mode="json"))
