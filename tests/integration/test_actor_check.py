"""A command's check of its actor reads the process's member view (no replay of
the member), yet sees what another process changed before it: an erasure, a new
timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from service import commands as c
from service.clock import FixedClock
from service.errors import AuthenticationError
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
