"""The app as the end-to-end tests serve it: the demo data set in a SQLite file,
the real clock, the follower on, werkzeug on a random 127.0.0.1 port in a thread."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from entrypoints.demo import demo_accounts, load_demo
from notify.delivery import run_round
from notify.outbox import local_mail
from projections import journal_queries as jq
from projections.goals_queries import goal_board
from projections.groups import groups_of
from service import commands as c
from service.clock import FixedClock
from service.settings import Settings
from system import System, build_application, open_system
from web import create_app

ADMIN = "sofia"  # the demo member made an admin for the admin page


@dataclass
class Demo:
    """Ids from the demo data set that the page tests visit."""

    members: dict[str, uuid.UUID]
    emails: dict[str, str]
    goal_id: uuid.UUID  # Amara's goal with milestones
    metric_goal_id: uuid.UUID  # Amara's goal with a metric
    group_id: uuid.UUID
    join_token: str
    as_of: date
    mail_id: int  # a reminder to Amara in the local outbox (/dev/mail)
    review_id: uuid.UUID  # Amara's latest review her mentor Daniel may read
    action_id: uuid.UUID  # Amara's latest action Daniel may see (long-word notes)


@dataclass
class Served:
    """The running app: its base URL, the system behind it and the demo's ids."""

    base_url: str
    system: System
    demo: Demo


SECRET_KEY = "e2e-secret"
"""The served app's server secret (pages signed with it: unsubscribe links)."""


class QuietHandler(WSGIRequestHandler):
    """No request log lines in the test output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing."""


def _load_demo(settings: Settings) -> None:
    """Write the demo history ending now, as `momentum demo` does, plus an admin."""
    end = datetime.now(UTC).replace(microsecond=0)
    clock = FixedClock(end)
    app = build_application(settings, clock=clock, password_profile="CHEAPEST")
    try:
        load_demo(app, clock, end=end)
        app.handle(c.GrantRole(None, _demo_emails()[ADMIN]))
    finally:
        app.close()


def _demo_emails() -> dict[str, str]:
    return {a.email.split(".")[0]: a.email for a in demo_accounts()}


LONG_WORD = "Unbreakable" * 18 + "Xx"  # 200 characters, no place to break
"""A word longer than any screen is wide, in Amara's data (`_long_words`): pages
must wrap it, never scroll sideways."""


def _long_words(system: System, amara: uuid.UUID, goal_id: uuid.UUID) -> None:
    """A win shared with the group whose title (150 characters, the most a title
    takes), notes and link hold one long word each, and a milestone titled so."""
    system.write(
        c.LogAction(
            amara,
            "learning",
            LONG_WORD[:150],
            notes=f"{LONG_WORD} https://example.org/{LONG_WORD}",
            win=True,
            visibility="group",
        )
    )
    due = system.now().date() + timedelta(days=2)
    system.write(c.AddMilestone(amara, goal_id, LONG_WORD[:150], due_on=due))


def _demo_ids(system: System) -> Demo:
    """Look up the ids the page tests need; invite by link for the join page."""
    caught_up = system.wait_for(system.app.recorder.max_notification_id() or 0)
    assert caught_up, "the read models did not catch up with the demo"
    emails = _demo_emails()
    members = {}
    for key, email in emails.items():
        found = system.app.member_id_for_email(email)
        assert found is not None, f"demo member {email} missing"
        members[key] = found
    amara, sofia = str(members["amara"]), str(members["sofia"])
    with system.read() as conn:
        cards = goal_board(conn, amara, amara, system.now())
        groups = groups_of(conn, sofia)
    roadmap = next(g for g in cards if g.milestones_total)
    metric = next(g for g in cards if g.metric is not None)
    group_id = uuid.UUID(groups[0][0])
    invited = system.write(c.InviteToGroup(members["sofia"], group_id))
    _long_words(system, members["amara"], uuid.UUID(str(roadmap.goal_id)))
    today = system.now().date()
    # A round at noon on Amara's next Friday (her review day: no review yet that
    # week) leaves her review reminder in the local outbox.
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    noon = datetime.combine(friday, time(12), ZoneInfo("Europe/London"))
    run_round(system.engine, system.settings, noon, issue=system.app.handle)
    with system.read() as conn:
        mail = [m for m in local_mail(conn, amara) if m.kind == "reminder:review_due"]
    assert mail, "the round left no review reminder for Amara"
    return Demo(
        members=members,
        emails=emails,
        goal_id=uuid.UUID(str(roadmap.goal_id)),
        metric_goal_id=uuid.UUID(str(metric.goal_id)),
        group_id=group_id,
        join_token=str(invited.extra["token"]),
        as_of=today - timedelta(days=50),  # mid-way: the metric goal was active
        mail_id=mail[0].id,
        **_shown_to_mentor(system, amara, str(members["daniel"])),
    )


def _shown_to_mentor(system: System, amara: str, daniel: str) -> dict[str, uuid.UUID]:
    """Amara's latest review and action that her mentor Daniel may see."""
    found = {}
    with system.read() as conn:
        for kind in ("review", "action"):
            page = jq.entries(conn, daniel, member_id=amara, kind=kind, limit=1)
            found[f"{kind}_id"] = uuid.UUID(page.entries[0].item_id)
    return found


def serve(directory: Path) -> Iterator[Served]:
    """Load the demo, open the system, serve it in a thread until closed."""
    settings = Settings(
        database_url=f"sqlite:///{directory}/events.sqlite",
        secret_key=SECRET_KEY,
        var_dir=directory,
    )
    _load_demo(settings)
    system = open_system(settings, password_profile="CHEAPEST")
    try:
        demo = _demo_ids(system)
        with listening(system) as base_url:
            yield Served(base_url, system, demo)
    finally:
        system.close()


@contextlib.contextmanager
def listening(system: System) -> Iterator[str]:
    """Serve the app over `system` on a random 127.0.0.1 port in a thread; yield
    its base URL, stop serving after."""
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, create_app(system), threaded=True, request_handler=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
