"""Every domain event is an explicit class nested in its aggregate.

Each `@event` names a class declared in the aggregate's body (never a string the
library turns into a class), with a docstring and one annotated field per parameter
of the decorated method (same name, order, type and default), so mypy sees the
payload and read models can dispatch on `Goal.GoalSet` and the like. The topics
stored events carry (`module:Aggregate.EventName`) are pinned: renaming or moving
an event would leave stored events that no longer decode.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic

import service.domain
from service.application import MomentumApplication
from service.clock import FixedClock, using
from service.domain.base import MomentumAggregate
from service.domain.goal import Goal
from service.domain.reminder import Reminder
from service.domain.token import ApiToken
from tests.conftest import make_app
from tests.unit.domain.test_events import story

EVENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "action": {"Action": ("ActionLogged", "ActionEdited", "ActionRetracted")},
    "feedback": {
        "Feedback": ("FeedbackGiven", "FeedbackWithdrawn"),
        "Cheer": ("Cheered",),
        "Suggestion": ("SuggestionMade", "SuggestionAccepted", "SuggestionDeclined"),
    },
    "goal": {
        "Goal": (
            "GoalSet",
            "GoalRevised",
            "MilestoneAdded",
            "MilestoneCompleted",
            "MilestoneReopened",
            "ProgressRecorded",
            "GoalPaused",
            "GoalResumed",
            "GoalAchieved",
            "GoalAbandoned",
        )
    },
    "group": {
        "Group": (
            "GroupCreated",
            "MemberInvited",
            "MemberJoined",
            "MemberLeft",
            "MemberRemoved",
            "FacilitatorAdded",
            "BuddiesPaired",
            "BuddiesUnpaired",
        ),
        "GroupMembershipIndex": ("IndexOpened", "GroupEntered", "GroupExited"),
    },
    "idempotency": {
        "IdempotencyRecord": ("RequestRemembered", "RequestRememberedAgain")
    },
    "member": {
        "Member": (
            "Registered",
            "ProfileUpdated",
            "AspirationsSet",
            "WeeklyTargetSet",
            "NotificationPreferencesChanged",
            "AwayPeriodSet",
            "AwayPeriodCancelled",
            "RoleGranted",
            "RoleRevoked",
            "NotificationsRead",
            "PasswordChanged",
            "SessionsEnded",
            "CalendarFeedReset",
            "Erased",
        ),
        "EmailIndex": ("EmailClaimed", "EmailReleased", "EmailClaimedAgain"),
    },
    "mentorship": {
        "Mentorship": (
            "MentorshipProposed",
            "MentorshipRenewed",
            "MentorshipAccepted",
            "MentorshipDeclined",
            "MentorshipEnded",
        )
    },
    "reminder": {"Reminder": ("ReminderIssued",)},
    "review": {
        "Review": (
            "ReviewRecorded",
            "CommitmentKept",
            "CommitmentMissed",
            "ReviewAmended",
        )
    },
    "token": {"ApiToken": ("TokenIssued", "TokenRevoked")},
}
"""The events of each aggregate of each module of service.domain: their topics are
in the store and must never change."""

TOPICS = sorted(
    f"service.domain.{module}:{aggregate}.{name}"
    for module, aggregates in EVENTS.items()
    for aggregate, names in aggregates.items()
    for name in names
)


def _aggregates() -> list[type[MomentumAggregate]]:
    found = []
    for info in pkgutil.iter_modules(service.domain.__path__):
        module = importlib.import_module(f"service.domain.{info.name}")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, MomentumAggregate)
            and value is not MomentumAggregate
            and value.__module__ == module.__name__
        ]
    return found


AGGREGATES = _aggregates()
BASE_FIELDS = {f.name for f in dataclasses.fields(MomentumAggregate.Created)}


def _event_classes(aggregate: type[MomentumAggregate]) -> dict[str, type]:
    return {
        name: value
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and issubclass(value, CanMutateAggregate)
        and name not in ("Event", "Created")
    }


def _body(aggregate: type[MomentumAggregate]) -> list[ast.stmt]:
    source = textwrap.dedent(inspect.getsource(aggregate))
    (cls,) = ast.parse(source).body
    assert isinstance(cls, ast.ClassDef)
    return cls.body


def _decorated(
    body: list[ast.stmt],
) -> list[tuple[ast.FunctionDef, ast.expr]]:
    """Each method decorated with @event, and the decorator's argument."""
    found = []
    for node in body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Name)
                and decorator.func.id == "event"
            ):
                (arg,) = decorator.args
                found.append((node, arg))
            elif isinstance(decorator, ast.Name) and decorator.id == "event":
                found.append((node, decorator))
    return found


def test_the_aggregates_and_their_events_are_all_known() -> None:
    topics = sorted(
        get_topic(event_class)
        for aggregate in AGGREGATES
        for event_class in _event_classes(aggregate).values()
    )
    assert topics == TOPICS


@pytest.mark.parametrize("aggregate", AGGREGATES, ids=lambda a: a.__name__)
def test_every_event_is_a_declared_class_with_the_methods_parameters(
    aggregate: type[MomentumAggregate],
) -> None:
    body = _body(aggregate)
    declared = {node.name: node for node in body if isinstance(node, ast.ClassDef)}
    decorated = _decorated(body)
    assert {
        arg.id if isinstance(arg, ast.Name) else None for _, arg in decorated
    } == set(_event_classes(aggregate)), "@event must name a class declared here"
    for method, arg in decorated:
        assert isinstance(arg, ast.Name)
        node = declared[arg.id]
        event_class = getattr(aggregate, arg.id)
        docstring = ast.get_docstring(node)
        assert docstring, f"{arg.id} needs a docstring saying what happened"
        fields = {
            s.target.id: (ast.unparse(s.annotation), s.value and ast.unparse(s.value))
            for s in node.body
            if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
        }
        args = method.args
        positional = args.posonlyargs + args.args
        defaults = [None] * (len(positional) - len(args.defaults)) + args.defaults
        parameters = {
            a.arg: (
                ast.unparse(a.annotation) if a.annotation else "Any",
                default and ast.unparse(default),
            )
            for a, default in [
                *zip(positional, defaults, strict=True),
                *zip(args.kwonlyargs, args.kw_defaults, strict=True),
            ][1:]
            if not (method.name == "__init__" and a.arg == "id")
        }
        assert list(fields.items()) == list(parameters.items()), arg.id
        payload = [
            f.name for f in dataclasses.fields(event_class) if f.name not in BASE_FIELDS
        ]
        assert payload == list(parameters), arg.id
        created = issubclass(event_class, MomentumAggregate.Created)
        assert created == (method.name == "__init__"), arg.id


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def memory_app() -> Iterator[MomentumApplication]:
    application = make_app("memory://", FixedClock(NOW))
    yield application
    application.close()


def test_stored_events_decode_to_the_declared_classes(
    memory_app: MomentumApplication,
) -> None:
    with using(FixedClock(NOW)):
        aggregates = story(uuid4(), uuid4())
        member_id = uuid4()
        reminder = Reminder.issue(member_id, "inactivity", "member", day=date.today())
        token = ApiToken(
            id=uuid4(),
            member_id=member_id,
            expires_at=NOW + timedelta(days=30),
            actor_id=member_id,
        )
        token.revoke(member_id)
    aggregates += [reminder, token]
    memory_app.save(*aggregates)
    stored = [e for a in aggregates for e in memory_app.events.get(a.id)]
    assert sorted({get_topic(type(e)) for e in stored}) == TOPICS
    for event in stored:
        topic = memory_app.mapper.to_stored_event(event).topic
        module, path = topic.split(":")
        owner, name = path.split(".")
        assert type(event) is getattr(
            getattr(importlib.import_module(module), owner), name
        )
    for aggregate in aggregates:
        assert vars(memory_app.repository.get(aggregate.id)) == vars(aggregate)
    goal = next(a for a in aggregates if isinstance(a, Goal))
    goal_set = next(iter(memory_app.events.get(goal.id)))
    assert type(goal_set) is Goal.GoalSet
    assert isinstance(goal_set, MomentumAggregate.Created)
    assert goal_set.originator_topic == "service.domain.goal:Goal"
