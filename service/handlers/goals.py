"""Handlers for goals: set, revise, milestones, progress and status."""

from __future__ import annotations

from uuid import UUID, uuid4

from service import commands as c
from service.application import handles
from service.commands import Result
from service.domain.goal import Goal
from service.errors import InvalidFieldsError, NotFoundError, ValidationError
from service.uow import UnitOfWork

MAX_MILESTONES = 50


def own_goal(
    uow: UnitOfWork, actor_id: UUID, goal_id: UUID, expected: int | None
) -> Goal:
    """The actor's own goal; anyone else's is reported as not found."""
    uow.actor(actor_id)
    goal = uow.find(Goal, goal_id)
    if goal is None or goal.owner_id != actor_id:
        raise NotFoundError("No such goal.")
    uow.check_version(goal, expected)
    return goal


@handles(c.SetGoal)
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
    goal = Goal.set(cmd.actor_id, uow.today(member), **fields)
    milestone_ids = []
    errors: dict[str, str] = {}
    for i, m in enumerate(cmd.milestones):
        milestone_id = uuid4()
        try:
            goal.add_milestone(milestone_id, m.title, m.due_on, cmd.actor_id)
        except ValidationError as e:
            errors[f"milestones.{i}.{e.field}"] = e.message
        milestone_ids.append(milestone_id)
    if errors:
        raise InvalidFieldsError(errors)
    uow.add(goal)
    uow.primary = goal
    return Result(goal.id, goal.version, {"milestone_ids": milestone_ids})


@handles(c.ReviseGoal)
def revise_goal(uow: UnitOfWork, cmd: c.ReviseGoal) -> Result:
    """Revise a goal with a reason."""
    goal = own_goal(uow, cmd.actor_id, cmd.goal_id, cmd.expected_version)
    goal.revise(
        dict(cmd.changes), cmd.reason, uow.today(uow.actor(cmd.actor_id)), cmd.actor_id
    )
    return Result(goal.id, goal.version)


@handles(c.AddMilestone)
def add_milestone(uow: UnitOfWork, cmd: c.AddMilestone) -> Result:
    """Add a milestone; its id is in `extra`."""
    goal = own_goal(uow, cmd.actor_id, cmd.goal_id, cmd.expected_version)
    milestone_id = uuid4()
    goal.add_milestone(milestone_id, cmd.title, cmd.due_on, cmd.actor_id)
    return Result(goal.id, goal.version, {"milestone_id": milestone_id})


@handles(c.CompleteMilestone)
def complete_milestone(uow: UnitOfWork, cmd: c.CompleteMilestone) -> Result:
    """Complete a milestone."""
    goal = own_goal(uow, cmd.actor_id, cmd.goal_id, cmd.expected_version)
    goal.complete_milestone(cmd.milestone_id, cmd.actor_id)
    return Result(goal.id, goal.version)


@handles(c.ReopenMilestone)
def reopen_milestone(uow: UnitOfWork, cmd: c.ReopenMilestone) -> Result:
    """Reopen a completed milestone."""
    goal = own_goal(uow, cmd.actor_id, cmd.goal_id, cmd.expected_version)
    goal.reopen_milestone(cmd.milestone_id, cmd.actor_id)
    return Result(goal.id, goal.version)


@handles(c.RecordProgress)
def record_progress(uow: UnitOfWork, cmd: c.RecordProgress) -> Result:
    """Record a new value of the goal's metric."""
    goal = own_goal(uow, cmd.actor_id, cmd.goal_id, cmd.expected_version)
    goal.record_progress(cmd.value, cmd.note, cmd.actor_id)
    return Result(goal.id, goal.version)


@handles(c.ChangeGoalStatus)
def change_status(uow: UnitOfWork, cmd: c.ChangeGoalStatus) -> Result:
    """Pause, resume, achieve or abandon a goal."""
    goal = own_goal(uow, cmd.actor_id, cmd.goal_id, cmd.expected_version)
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
