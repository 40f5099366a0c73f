"""Triage and the first grace week (docs/metrics.md): a member who joined less than
7 days ago is listed last and not flagged for inactivity or low momentum; from day 7
the usual reasons apply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from projections.goals import GoalBoard
from projections.journal import Journal
from projections.mentoring import triage
from projections.metrics import Metrics
from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from tests.unit.projections.conftest import Sync


@pytest.fixture
def sync(project: Callable[..., Sync]) -> Sync:
    return project(Metrics(), GoalBoard(), Journal())


def _mentee(
    app: MomentumApplication, register: Callable[..., UUID], name: str, mentor: UUID
) -> UUID:
    mentee = register(name)
    link = app.handle(c.ProposeMentorship(mentee, "max@example.com")).id
    app.handle(c.AnswerMentorship(mentor, link, "accept"))
    return mentee


def test_a_new_member_is_not_flagged_in_their_first_week(
    app: MomentumApplication,
    register: Callable[..., UUID],
    clock: FixedClock,
    sync: Sync,
    query: Callable[..., Any],
) -> None:
    max_ = register("Max")
    old = _mentee(app, register, "Ola", max_)
    clock.advance(days=10)
    new = _mentee(app, register, "Nia", max_)  # joined now, nothing logged yet
    sync()
    cards = query(triage, str(max_), clock.now())
    assert [card.member_id for card in cards] == [str(old), str(new)]
    ola, nia = cards
    assert "no action logged yet" in ola.reasons and ola.metrics.rut_level == "high"
    assert nia.reasons == () and nia.metrics.new and nia.metrics.rut_level == "new"
    # a week later the grace is over: Nia is flagged as anyone would be
    later = query(triage, str(max_), clock.now() + timedelta(days=7))
    assert all("no action logged yet" in card.reasons for card in later)
    assert not any(card.metrics.new for card in later)
