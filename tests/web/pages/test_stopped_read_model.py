"""A read model that cannot apply an event stops alone, loudly: the other read models
stay current, writes do not hang, `/healthz` turns degraded naming it, `/metrics`
exports it, answers and pages say what may be behind, and the admin page shows why."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection

import system as system_module
from projections.registry import all_models
from service import commands as c
from service.clock import FixedClock
from service.settings import Settings
from system import System, open_system
from tests.web.conftest import Api
from tests.web.helpers import set_goal
from tests.web.pages.conftest import Browsers, page_of
from tests.web.pages.test_admin import make_admin


class RefusesGoals:
    """A (test-only) read model with a bug: it cannot apply `Goal.GoalSet`."""

    name = "refuser"
    tables = ()

    def apply_batch(self, conn: Connection, events: list[tuple[Any, Any]]) -> None:
        if any(n.topic.endswith(":Goal.GoalSet") for n, _ in events):
            raise ValueError("cannot apply this goal")


@pytest.fixture
def system(backend: str, clock: FixedClock) -> Iterator[System]:
    """The system with every read model and the one that fails on goals."""
    running = open_system(
        Settings(database_url=backend, secret_key="test-secret"),
        clock=clock,
        password_profile="CHEAPEST",
        models=[*all_models(), RefusesGoals()],
    )
    yield running
    running.close()


def test_the_other_read_models_stay_current_and_health_names_the_stopped_one(
    api: Api,
) -> None:
    ann = api.join("Ann")
    assert api.get(None, "/healthz").json["status"] == "ok"
    goal_id = set_goal(api, ann, "private")  # returns once the others applied it
    position = api.events()

    goals = api.get(ann, "/goals")
    assert goals.status_code == 200
    assert [g["id"] for g in goals.json["items"]] == [goal_id]  # goals model is current
    assert goals.headers["Momentum-Stopped-Read-Models"] == "refuser"

    health = api.get(None, "/healthz")
    assert health.status_code == 503
    assert health.json["status"] == "degraded"
    assert health.json["stopped"] == [
        {"model": "refuser", "position": position, "event_type": "Goal.GoalSet"}
    ]
    positions = api.system.runner.positions()
    assert positions.pop("refuser") == position - 1  # stopped at the goal, not past
    assert set(positions.values()) == {position}

    # later events reach every other read model
    api.post(ann, "/actions", json={"category": "learning", "title": "Read"})
    after = api.system.runner.positions()
    assert after["refuser"] == position - 1
    assert after["journal"] == api.events()

    metrics = api.client.get("/metrics").get_data(as_text=True)
    assert 'momentum_read_model_stopped{model="refuser"} 1.0' in metrics
    assert 'momentum_read_model_stopped{model="journal"} 0.0' in metrics
    assert f'momentum_read_model_stopped_at{{model="refuser"}} {position}.0' in metrics


def test_pages_say_what_may_be_behind_and_the_admin_sees_why(
    api: Api, browsers: Browsers
) -> None:
    ada = make_admin(api)
    dashboard = browsers.of(ada).get("/")
    assert "may be behind" not in page_of(dashboard).get_text()
    set_goal(api, ada)

    text = " ".join(page_of(browsers.of(ada).get("/")).get_text().split())
    assert "Some of what this page shows may be behind" in text
    assert "(refuser)" in text
    lag = page_of(browsers.of(ada).get("/admin")).find(id="lag")
    assert lag is not None
    row = " ".join(lag.get_text().split())
    assert "stopped at event" in row
    assert "Goal.GoalSet" in row
    assert "ValueError: cannot apply this goal" in row


def test_a_write_does_not_wait_for_a_stopped_model_run_by_another_process(
    backend: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gunicorn's case: no follower in this process, the runner elsewhere. A write
    waits for the read models that can still reach it, not for the stopped one
    (before, every write then waited out the whole timeout)."""
    monkeypatch.setattr(system_module, "READ_YOUR_WRITES_TIMEOUT", 3600.0)
    web = open_system(
        Settings(database_url=backend, secret_key="test-secret"),
        clock=clock,
        password_profile="CHEAPEST",
        models=[*all_models(), RefusesGoals()],
        follow=False,
    )
    try:
        register = c.RegisterMember("ann@example.com", "a long passphrase", "Ann")
        ann = web.app.handle(register).id
        web.app.handle(
            c.SetGoal(
                ann,
                title="Give a talk at a meetup",
                horizon="short",
                why="Grow",
                due_on=web.now().date() + timedelta(days=60),
            )
        )
        web.runner.catch_up()  # the projector, elsewhere: the refuser stops
        head = web.app.recorder.max_notification_id()
        answered: list[bool] = []
        waiting = threading.Thread(
            target=lambda: answered.append(web.wait_for(head)), daemon=True
        )
        waiting.start()
        waiting.join(timeout=60)  # a condition, not a timing: it answers or hangs
        assert answered == [False]  # the others reached it; one model stopped
        assert web.runner.stopped()[0].name == "refuser"
    finally:
        web.close()
