"""A command's check of its actor reads the process's member view (no replay of
the member), yet sees what another process changed before it — or while it ran,
up to its append: an erasure, a new timezone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock
from service.errors import AuthenticationError
from service.uow import UnitOfWork
from tests.conftest import PASSWORD, make_app, registrar

AUCKLAND_MIDNIGHT = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)  # 00:30 on 3 March, NZDT


def test_the_actor_check_sees_another_processs_changes_at_once(
    backend: str, clock: FixedClock
) -> None:
    here, there = make_app(backend, clock), make_app(backend, clock)
    try:
        clock.set(AUCKLAND_MIDNIGHT)
        ann = registrar(here)("Ann")
        first = here.handle(c.LogAction(ann, "learning", "Read a chapter"))
        assert here.history(ann, first.id)[0].data["occurred_on"] == date(2026, 3, 2)

        there.handle(c.UpdateProfile(ann, "Ann", "Pacific/Auckland"))
        moved = here.handle(c.LogAction(ann, "learning", "Read another chapter"))
        assert here.history(ann, moved.id)[0].data["occurred_on"] == date(2026, 3, 3)

        there.handle(c.EraseMember(ann, PASSWORD))
        with pytest.raises(AuthenticationError):
            here.handle(c.LogAction(ann, "learning", "Read a third chapter"))
        with pytest.raises(AuthenticationError):
            here.handle(c.RetractAction(ann, first.id))
    finally:
        here.close()
        there.close()


def _between_check_and_append(
    app: MomentumApplication, command_type: type, meanwhile: Callable[[], object]
) -> None:
    """Run `meanwhile` once, in the first command of `command_type` that `app`
    handles from now on: after its handler checked the actor, before its append
    — a change another process commits while the command runs."""
    handler = app.handlers[command_type]
    pending = [meanwhile]

    def handle(uow: UnitOfWork, command: object) -> c.Result:
        result = handler(uow, command)
        while pending:
            pending.pop()()
        return result

    app.handlers[command_type] = handle


def _logged(app: MomentumApplication) -> int:
    """Actions logged in the store so far (sealed or not)."""
    found = app.recorder.select_notifications(start=None, limit=100_000)
    return sum(n.topic.endswith("Action.ActionLogged") for n in found)


def test_a_change_to_the_actor_committed_while_a_command_runs_is_not_missed(
    backend: str, clock: FixedClock
) -> None:
    """The command's view of its actor is checked in its append's transaction:
    a new timezone or an erasure committed elsewhere after the check and before
    the append is seen — the command runs again on the new state, once."""
    here, there = make_app(backend, clock), make_app(backend, clock)
    try:
        clock.set(AUCKLAND_MIDNIGHT)
        ann = registrar(here)("Ann")
        here.handle(c.LogAction(ann, "learning", "Read a chapter"))  # Ann seen here

        _between_check_and_append(
            here,
            c.LogAction,
            lambda: there.handle(c.UpdateProfile(ann, "Ann", "Pacific/Auckland")),
        )
        before = _logged(here)
        moved = here.handle(c.LogAction(ann, "learning", "Read another chapter"))
        assert here.history(ann, moved.id)[0].data["occurred_on"] == date(2026, 3, 3)
        assert _logged(here) == before + 1  # stored once, on the new state

        _between_check_and_append(
            here, c.LogAction, lambda: there.handle(c.EraseMember(ann, PASSWORD))
        )
        with pytest.raises(AuthenticationError):
            here.handle(c.LogAction(ann, "learning", "Read a third chapter"))
        assert _logged(here) == before + 1  # nothing stored after the erasure
    finally:
        here.close()
        there.close()


def test_an_append_brings_the_member_views_it_read_past_up_to_date(
    backend: str, clock: FixedClock
) -> None:
    """What an append's check read of the log (every member changed since the
    process last looked) is applied to the process's member views: Bob's new
    name, given elsewhere, shows here after Ann's command, as after a catch-up."""
    here, there = make_app(backend, clock), make_app(backend, clock)
    try:
        register = registrar(here)
        ann, bob = register("Ann"), register("Bob")
        here.handle(c.LogAction(ann, "learning", "Read a chapter"))
        assert here.member_view(bob).display_name == "Bob"
        there.handle(c.UpdateProfile(bob, "Robert", "UTC"))
        here.handle(c.LogAction(ann, "learning", "Read another chapter"))
        assert here.member_view(bob).display_name == "Robert"
    finally:
        here.close()
        there.close()
