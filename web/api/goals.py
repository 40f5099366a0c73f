"""SMART goals, their roadmaps (milestones), progress, status, history and state as of
a time.

Lists and cards come from the goal board read model; `?as_of=` and the history come
from the event store. Only the owner changes a goal: for anyone else it is a 404,
exactly like a goal they may not see. `GET /goals?member=` of a member who shows the
caller nothing (or of no member at all) is an empty list, so existence never leaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from flask import Response

from projections import goals_queries as q
from service import commands as c
from service.domain.goal import Goal
from service.errors import NotFoundError, ValidationError
from web.api.common import (
    ERRORS,
    PageQuery,
    blueprint,
    if_match,
    paginate,
    takes_if_match,
    written,
)
from web.api.goals_schemas import (
    GoalBody,
    GoalHistoryPage,
    GoalListQuery,
    GoalMilestoneIn,
    GoalMilestonePath,
    GoalPage,
    GoalPatch,
    GoalPath,
    GoalProgressBody,
    GoalProgressSeriesOut,
    GoalQuery,
    GoalStatusBody,
    GoalWithMilestoneOut,
    history_out,
    series_out,
)
from web.auth import BEARER, caller, idempotency_key
from web.common.goals import GoalOut, card_out, goal_out, goal_state_out
from web.system import current_system as system

api = blueprint("goals", __name__, __doc__ or "")

GOAL = "/goals/<uuid:goal_id>"
MILESTONE = GOAL + "/milestones/<uuid:milestone_id>"
NOTE_FIELDS = ("reason", "reflection")
"""What the domain calls the `note` of a status change."""


def _current(viewer: UUID, goal_id: UUID) -> GoalOut:
    """The goal as the board shows it now, with its roadmap; 404 if not visible."""
    with system().read() as conn:
        card = q.goal_card(conn, str(viewer), str(goal_id), system().now())
        if card is None:
            raise NotFoundError("No such goal.")
        return goal_out(card, q.milestones(conn, str(viewer), str(goal_id)))


def _write(actor: UUID, command: c.Command, status: int = 200) -> Response:
    """Run the actor's command on one of their goals; answer with the goal read
    back (the read model already shows the write)."""
    result = system().write(command, idempotency_key())
    return written(_current(actor, result.id), result.version, status)


@contextmanager
def _note_errors() -> Iterator[None]:
    """Report the domain's reason/reflection errors under the body's `note`."""
    try:
        yield
    except ValidationError as error:
        if error.field not in NOTE_FIELDS:
            raise
        raise ValidationError(error.message, "note") from error


@api.post("/goals", responses={201: GoalOut, **ERRORS}, security=BEARER)
def set_goal(body: GoalBody) -> Response:
    """Set a SMART goal, optionally with its first milestones."""
    me = caller()
    command = c.SetGoal(
        actor_id=me,
        title=body.title,
        horizon=body.horizon,
        why=body.why,
        due_on=body.due_on,
        description=body.description,
        metric=body.metric.model_dump() if body.metric else None,
        visibility=body.visibility,
        milestones=tuple(c.NewMilestone(m.title, m.due_on) for m in body.milestones),
    )
    return _write(me, command, 201)


@api.get("/goals", responses={200: GoalPage, **ERRORS}, security=BEARER)
def list_goals(query: GoalListQuery) -> dict[str, Any]:
    """My goals, or another member's goals that I may see: active first, then by
    due date."""
    viewer = caller()
    owner = query.member or viewer
    with system().read() as conn:
        cards = q.goal_board(
            conn, str(viewer), str(owner), system().now(), status=query.status
        )
    items, cursor = paginate(cards, query, key=lambda card: card.goal_id)
    page = GoalPage(items=[card_out(card) for card in items], next_cursor=cursor)
    return page.model_dump(mode="json")


@api.get(GOAL, responses={200: GoalOut, **ERRORS}, security=BEARER)
def get_goal(path: GoalPath, query: GoalQuery) -> dict[str, Any]:
    """One goal with its roadmap, now or (`as_of`) as it was at that time."""
    viewer = caller()
    if query.as_of is None:
        return _current(viewer, path.goal_id).model_dump(mode="json")
    state = system().app.as_of(viewer, path.goal_id, query.as_of)
    if not isinstance(state, Goal):
        raise NotFoundError("No such goal.")
    return goal_state_out(state, query.as_of).model_dump(mode="json")


@api.patch(GOAL, responses={200: GoalOut, **ERRORS}, security=BEARER)
@takes_if_match
def revise_goal(path: GoalPath, body: GoalPatch) -> Response:
    """Revise some fields with a reason (`If-Match`: the version you edited)."""
    me = caller()
    command = c.ReviseGoal(
        me, path.goal_id, body.changes(), body.reason, expected_version=if_match()
    )
    return _write(me, command)


@api.post(
    GOAL + "/milestones",
    responses={201: GoalWithMilestoneOut, **ERRORS},
    security=BEARER,
)
@takes_if_match
def add_milestone(path: GoalPath, body: GoalMilestoneIn) -> Response:
    """Add a milestone to the roadmap; the answer names its id."""
    me = caller()
    command = c.AddMilestone(
        me, path.goal_id, body.title, body.due_on, expected_version=if_match()
    )
    result = system().write(command, idempotency_key())
    goal = _current(me, result.id)
    out = GoalWithMilestoneOut(
        **goal.model_dump(), milestone_id=result.extra["milestone_id"]
    )
    return written(out, result.version, 201)


@api.post(MILESTONE + "/complete", responses={200: GoalOut, **ERRORS}, security=BEARER)
@takes_if_match
def complete_milestone(path: GoalMilestonePath) -> Response:
    """Mark a milestone done (an unknown milestone is a 422 naming `milestone_id`)."""
    me = caller()
    command = c.CompleteMilestone(
        me, path.goal_id, path.milestone_id, expected_version=if_match()
    )
    return _write(me, command)


@api.post(MILESTONE + "/reopen", responses={200: GoalOut, **ERRORS}, security=BEARER)
@takes_if_match
def reopen_milestone(path: GoalMilestonePath) -> Response:
    """Mark a completed milestone as not done after all."""
    me = caller()
    command = c.ReopenMilestone(
        me, path.goal_id, path.milestone_id, expected_version=if_match()
    )
    return _write(me, command)


@api.post(GOAL + "/progress", responses={200: GoalOut, **ERRORS}, security=BEARER)
@takes_if_match
def record_progress(path: GoalPath, body: GoalProgressBody) -> Response:
    """Record a new value of the goal's metric."""
    me = caller()
    command = c.RecordProgress(
        me, path.goal_id, body.value, body.note, expected_version=if_match()
    )
    return _write(me, command)


@api.post(GOAL + "/status", responses={200: GoalOut, **ERRORS}, security=BEARER)
@takes_if_match
def change_status(path: GoalPath, body: GoalStatusBody) -> Response:
    """Pause, resume, achieve (note: reflection) or abandon (note: reason)."""
    me = caller()
    command = c.ChangeGoalStatus(
        me, path.goal_id, body.change, body.note, expected_version=if_match()
    )
    with _note_errors():
        return _write(me, command)


@api.get(GOAL + "/history", responses={200: GoalHistoryPage, **ERRORS}, security=BEARER)
def goal_history(path: GoalPath, query: PageQuery) -> dict[str, Any]:
    """Every event of the goal, oldest first: version, type, time, actor, data."""
    viewer = caller()
    _current(viewer, path.goal_id)  # a goal the caller may see, not another item
    entries = system().app.history(viewer, path.goal_id)
    items, cursor = paginate(entries, query, key=lambda entry: str(entry.version))
    return GoalHistoryPage(
        items=[history_out(entry) for entry in items], next_cursor=cursor
    ).model_dump(mode="json")


@api.get(
    GOAL + "/progress-series",
    responses={200: GoalProgressSeriesOut, **ERRORS},
    security=BEARER,
)
def progress_series(path: GoalPath) -> dict[str, Any]:
    """The metric's recorded values by day and the on-track line (for charts)."""
    viewer = caller()
    with system().read() as conn:
        series = q.progress_series(conn, str(viewer), str(path.goal_id))
    if series is None:
        raise NotFoundError("No such goal.")
    return series_out(series).model_dump(mode="json")
