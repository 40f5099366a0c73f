"""Handlers for goals: set, revise, milestones, progress and status."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from service import commands as c
from service.clock import local_date
from service.commands import Result
from service.domain.goal import Goal
from service.domain.member import Member
from service.errors import InvalidFieldsError, ValidationError
from service.uow import Handlers, UnitOfWork

MAX_MILESTONES = 50


def set_day(goal: Goal, owner: Member) -> date:
    """The day the goal was set, in its owner's timezone (as the goal board shows)."""
    return local_date(goal.created_on, owner.timezone)


def set_goal(uow: UnitOfWork, cmd: c.SetGoal) -> Result:
    """Set a SMART goal, optionally with its first milestones (one atomic save)."""
    member = uow.actor(cmd.actor_id)
    fields = {
        k: v for k, v in cmd.as_dict().items() if k not in ("actor_id", "milestones")
    }
    fields["metric"] = dict(cmd.metric) if cmd.metric is not None else None
    if len(cmd.milestones) > MAX_MILESTONES:
        raise ValidationError(
            f"A roadmap can have at most {MAX_MILESTONES} milestones.", "milestones"
        )
    set_on = uow.today(member)
    goal = Goal.set(cmd.actor_id, set_on, **fields)
    milestone_ids = []
    errors: dict[str, str] = {}
    for i, m in enumerate(cmd.milestones):
        milestone_id = uuid4()
        try:
            goal.add_milestone(
                milestone_id, m.title, m.due_on, cmd.actor_id, set_on=set_on
            )
        except ValidationError as e:
            errors[f"milestones.{i}.{e.field}"] = e.message
        milestone_ids.append(milestone_id)
    if errors:
        raise InvalidFieldsError(errors)
    uow.add(goal)
    uow.primary = goal
    return Result(goal.id, goal.version, {"milestone_ids": milestone_ids})


def revise_goal(uow: UnitOfWork, cmd: c.ReviseGoal) -> Result:
    """Revise a goal with a reason."""
    goal = uow.own(Goal, cmd.goal_id, cmd.actor_id, cmd.expected_version, "goal")
    goal.revise(
        dict(cmd.changes), cmd.reason, uow.today(uow.actor(cmd.actor_id)), cmd.actor_id
    )
    return Result(goal.id, goal.version)


def add_milestone(uow: UnitOfWork, cmd: c.AddMilestone) -> Result:
    """Add a milestone; its id is in `extra`."""
    goal = uow.own(Goal, cmd.goal_id, cmd.actor_id, cmd.expected_version, "goal")
    milestone_id = uuid4()
    set_on = set_day(goal, uow.actor(cmd.actor_id))
    goal.add_milestone(milestone_id, cmd.title, cmd.due_on, cmd.actor_id, set_on=set_on)
    return Result(goal.id, goal.version, {"milestone_id": milestone_id})


def complete_milestone(uow: UnitOfWork, cmd: c.CompleteMilestone) -> Result:
    """Complete a milestone."""
    goal = uow.own(Goal, cmd.goal_id, cmd.actor_id, cmd.expected_version, "goal")
    goal.complete_milestone(cmd.milestone_id, cmd.actor_id)
    return Result(goal.id, goal.version)


def reopen_milestone(uow: UnitOfWork, cmd: c.ReopenMilestone) -> Result:
    """Reopen a completed milestone."""
    goal = uow.own(Goal, cmd.goal_id, cmd.actor_id, cmd.expected_version, "goal")
    goal.reopen_milestone(cmd.milestone_id, cmd.actor_id)
    return Result(goal.id, goal.version)


def record_progress(uow: UnitOfWork, cmd: c.RecordProgress) -> Result:
    """Record a new value of the goal's metric."""
    goal = uow.own(Goal, cmd.goal_id, cmd.actor_id, cmd.expected_version, "goal")
    goal.record_progress(cmd.value, cmd.note, cmd.actor_id)
    return Result(goal.id, goal.version)


def change_status(uow: UnitOfWork, cmd: c.ChangeGoalStatus) -> Result:
    """Pause, resume, achieve or abandon a goal."""
    goal = uow.own(Goal, cmd.goal_id, cmd.actor_id, cmd.expected_version, "goal")
    if cmd.change == "pause":
        goal.pause(cmd.note, cmd.actor_id)
    elif cmd.change == "resume":
        goal.resume(cmd.actor_id)
    elif cmd.change == "achieve":
        goal.achieve(cmd.note, cmd.actor_id)
    elif cmd.change == "abandon":
        goal.abandon(cmd.note, cmd.actor_id)
    else:
        raise ValidationError(
            f"Status change must be one of: {', '.join(c.GOAL_STATUS_CHANGES)}.",
            "change",
        )
    return Result(goal.id, goal.version)


HANDLERS: Handlers = {
    c.SetGoal: set_goal,
    c.ReviseGoal: revise_goal,
    c.AddMilestone: add_milestone,
    c.CompleteMilestone: complete_milestone,
    c.ReopenMilestone: reopen_milestone,
    c.RecordProgress: record_progress,
    c.ChangeGoalStatus: change_status,
}
"""The command this module handles → its handler (wired by the composition root)."""
