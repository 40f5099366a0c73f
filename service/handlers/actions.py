"""Handlers for actions: log, edit, retract."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from service import commands as c
from service.commands import Result
from service.domain.action import EDITABLE, Action
from service.domain.goal import Goal
from service.domain.visibility import wider_than
from service.errors import RuleViolationError, ValidationError
from service.uow import Handlers, UnitOfWork


def _check_goal_link(
    uow: UnitOfWork, owner_id: UUID, goal_id: Any, visibility: Any, *, linking: bool
) -> None:
    """The goal must be the member's own; open when `linking` the action to it;
    the action no more widely visible than the goal."""
    if goal_id is None:
        return
    goal = uow.find(Goal, goal_id) if isinstance(goal_id, UUID) else None
    if goal is None or goal.owner_id != owner_id:
        raise ValidationError("No such goal of yours.", "goal_id")
    if linking and goal.is_closed:
        raise RuleViolationError(
            f"This goal is {goal.status}: log actions on an open goal."
        )
    if wider_than(visibility, goal.visibility):
        raise ValidationError(
            f"An action cannot be shown more widely than its goal ({goal.visibility}).",
            "visibility",
        )


def log_action(uow: UnitOfWork, cmd: c.LogAction) -> Result:
    """Log an action (today by default, up to 30 days back, never in the future)."""
    member = uow.actor_view(cmd.actor_id)
    fields = {k: v for k, v in cmd.as_dict().items() if k != "actor_id"}
    if fields["occurred_on"] is None:
        del fields["occurred_on"]
    action = Action.log(cmd.actor_id, uow.today(member), **fields)
    _check_goal_link(uow, cmd.actor_id, action.goal_id, action.visibility, linking=True)
    uow.add(action)
    uow.primary = action
    return Result(action.id, action.version)


def edit_action(uow: UnitOfWork, cmd: c.EditAction) -> Result:
    """Edit an action's fields."""
    action = uow.own(
        Action, cmd.action_id, cmd.actor_id, cmd.expected_version, "action"
    )
    changes = dict(cmd.changes)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationError(f"{field} cannot be edited.", field)
    moved = "goal_id" in changes and changes["goal_id"] != action.goal_id
    action.edit(changes, uow.today(uow.actor_view(cmd.actor_id)), cmd.actor_id)
    _check_goal_link(
        uow, cmd.actor_id, action.goal_id, action.visibility, linking=moved
    )
    return Result(action.id, action.version)


def retract_action(uow: UnitOfWork, cmd: c.RetractAction) -> Result:
    """Retract an action."""
    action = uow.own(
        Action, cmd.action_id, cmd.actor_id, cmd.expected_version, "action"
    )
    action.retract(cmd.reason, cmd.actor_id)
    return Result(action.id, action.version)


HANDLERS: Handlers = {
    c.LogAction: log_action,
    c.EditAction: edit_action,
    c.RetractAction: retract_action,
}
"""The command this module handles → its handler (wired by the composition root)."""
