"""Handlers for mentorships, feedback, cheers and mentor suggestions."""

from __future__ import annotations

from uuid import uuid4

from service import access
from service import commands as c
from service.commands import Result
from service.domain.feedback import Cheer, Feedback, Suggestion, cheer_id
from service.domain.goal import Goal
from service.domain.member import normalise_email
from service.domain.mentorship import Mentorship, mentorship_id
from service.errors import ConflictError, NotFoundError, ValidationError
from service.handlers.goals import set_day
from service.uow import Handlers, UnitOfWork

ANSWERS = ("accept", "decline", "end")


def propose(uow: UnitOfWork, cmd: c.ProposeMentorship) -> Result:
    """A mentee invites someone, by email, to mentor them."""
    mentee = uow.actor(cmd.actor_id)
    email = normalise_email(cmd.mentor_email)
    existing = uow.find(Mentorship, mentorship_id(mentee.id, email))
    if existing is not None:
        existing.propose_again(cmd.message, cmd.actor_id)
        uow.primary = existing
        return Result(existing.id, existing.version)
    mentorship = Mentorship.propose(mentee.id, mentee.email, email, cmd.message)
    uow.add(mentorship)
    uow.primary = mentorship
    return Result(mentorship.id, mentorship.version)


def answer(uow: UnitOfWork, cmd: c.AnswerMentorship) -> Result:
    """The invited person accepts or declines; either side ends."""
    actor = uow.actor(cmd.actor_id)
    mentorship = uow.find(Mentorship, cmd.mentorship_id)
    invited = mentorship is not None and mentorship.mentor_email == actor.email
    is_mentee = mentorship is not None and mentorship.mentee_id == actor.id
    if mentorship is None or not (invited or is_mentee):
        raise NotFoundError("No such mentorship.")
    uow.primary = mentorship
    if cmd.answer == "end":
        mentorship.end(cmd.reason, actor.id)
    elif cmd.answer not in ANSWERS:
        raise ValidationError(f"Answer must be one of: {', '.join(ANSWERS)}.", "answer")
    elif not invited:
        raise NotFoundError("No such mentorship request for you.")
    elif cmd.answer == "accept":
        mentorship.accept(actor.id)
    else:
        mentorship.decline(actor.id)
    return Result(mentorship.id, mentorship.version)


def give_feedback(uow: UnitOfWork, cmd: c.GiveFeedback) -> Result:
    """Written feedback on an item the author may see."""
    uow.actor(cmd.actor_id)
    item = access.visible_item(uow, cmd.actor_id, cmd.target_kind, cmd.target_id)
    feedback = Feedback.give(
        cmd.actor_id, cmd.target_kind, item.id, item.owner_id, cmd.text
    )
    uow.add(feedback)
    uow.primary = feedback
    return Result(feedback.id, feedback.version)


def cheer(uow: UnitOfWork, cmd: c.CheerItem) -> Result:
    """Cheer an item the author may see (once per author per item)."""
    uow.actor(cmd.actor_id)
    item = access.visible_item(uow, cmd.actor_id, cmd.target_kind, cmd.target_id)
    if uow.find(Cheer, cheer_id(cmd.actor_id, item.id)) is not None:
        raise ConflictError("You already cheered this.")
    given = Cheer.give(cmd.actor_id, cmd.target_kind, item.id, item.owner_id)
    uow.add(given)
    uow.primary = given
    return Result(given.id, given.version)


def withdraw_feedback(uow: UnitOfWork, cmd: c.WithdrawFeedback) -> Result:
    """The author withdraws their feedback."""
    uow.actor(cmd.actor_id)
    feedback = uow.find(Feedback, cmd.feedback_id)
    if feedback is None or feedback.author_id != cmd.actor_id:
        raise NotFoundError("No such feedback of yours.")
    uow.primary = feedback
    feedback.withdraw(cmd.actor_id)
    return Result(feedback.id, feedback.version)


def make_suggestion(uow: UnitOfWork, cmd: c.MakeSuggestion) -> Result:
    """Only an accepted mentor suggests, on a goal of the mentee they may see."""
    uow.actor(cmd.actor_id)
    goal = access.visible_item(uow, cmd.actor_id, "goal", cmd.goal_id)
    assert isinstance(goal, Goal)
    if not access.is_accepted_mentor(uow, cmd.actor_id, goal.owner_id):
        raise NotFoundError("No such goal of a mentee of yours.")
    suggestion = Suggestion.make(
        cmd.actor_id, goal.owner_id, goal.id, cmd.kind, cmd.title, cmd.note, cmd.due_on
    )
    uow.add(suggestion)
    uow.primary = suggestion
    return Result(suggestion.id, suggestion.version)


def answer_suggestion(uow: UnitOfWork, cmd: c.AnswerSuggestion) -> Result:
    """The mentee accepts (the milestone joins the goal) or declines."""
    mentee = uow.actor(cmd.actor_id)
    suggestion = uow.find(Suggestion, cmd.suggestion_id)
    if suggestion is None or suggestion.mentee_id != cmd.actor_id:
        raise NotFoundError("No such suggestion for you.")
    uow.primary = suggestion
    if not cmd.accept:
        suggestion.decline(cmd.reason, cmd.actor_id)
        return Result(suggestion.id, suggestion.version)
    goal = uow.get(Goal, suggestion.goal_id, "goal")
    milestone_id = uuid4()
    goal.add_milestone(
        milestone_id,
        suggestion.title,
        suggestion.due_on,
        cmd.actor_id,
        set_on=set_day(goal, mentee),
    )
    suggestion.accept(milestone_id, cmd.actor_id)
    return Result(suggestion.id, suggestion.version, {"milestone_id": milestone_id})


HANDLERS: Handlers = {
    c.ProposeMentorship: propose,
    c.AnswerMentorship: answer,
    c.GiveFeedback: give_feedback,
    c.CheerItem: cheer,
    c.WithdrawFeedback: withdraw_feedback,
    c.MakeSuggestion: make_suggestion,
    c.AnswerSuggestion: answer_suggestion,
}
"""The command this module handles → its handler (wired by the composition root)."""
