"""The notifications read model built one event per batch equals it built in one
batch (erasure, renames, read marks, requests to newcomers, withdrawn requests and
reminders included), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from hypothesis import strategies as st

from projections.notifications import Notifications
from service import commands as c
from tests.conftest import PASSWORD
from tests.histories import History
from tests.unit.projections.batch_check import Dump, equivalence_test

EXTRAS = st.lists(
    st.tuples(
        st.sampled_from(
            ["erase", "rename", "read", "newcomer", "withdraw", "remind", "renew"]
        ),
        st.integers(min_value=0, max_value=50),
    ),
    max_size=6,
)


def _extra(history: History, kind: str, i: int) -> None:
    """What the random histories leave out or rarely reach."""
    member = history.m(i)
    if kind == "erase":
        history.do(c.EraseMember(member, PASSWORD))
    elif kind == "rename":
        history.do(c.UpdateProfile(member, f"N{i}", "UTC"))
    elif kind == "read":
        history.read(i)
    elif kind == "newcomer":  # the requests waiting for this email reach them
        newcomer = f"{history.names[0]}-newcomer@example.com"
        history.do(c.RegisterMember(newcomer, PASSWORD, "Newcomer"))
    elif kind == "withdraw":
        history.propose(i, i + 1)
        history.answer(i, i + 1, "end", by_mentee=True)
    elif kind == "renew":
        history.answer(i, i + 1, "end", by_mentee=False)
        history.propose(i, i + 1)
        history.answer(i, i + 1, "accept", by_mentee=False)
    else:
        _remind(history, member, i)


def _remind(history: History, member: uuid.UUID, i: int) -> None:
    about = f"x{i}-{history.clock.now().isoformat()}"
    if i % 4 == 0 and history.milestones:
        _, goal, milestone = history.milestones[i % len(history.milestones)]
        reminder = c.IssueReminder(
            member, "milestone_due", about, "milestone", milestone, goal
        )
    elif i % 4 == 1:
        link = history.link(i, i + 1)
        reminder = c.IssueReminder(
            member, "requests_waiting", about, "mentorship", link
        )
    elif i % 4 == 2:
        reminder = c.IssueReminder(
            member, "requests_waiting", about, "suggestion", uuid.uuid4()
        )
    else:
        reminder = c.IssueReminder(
            member, "buddy_quiet", about, "member", history.m(i + 1)
        )
    history.do(reminder)


def _someone_was_notified(_history: History, rows: Dump) -> None:
    assert rows["rm_notifications_inbox"]


test_notifications_in_one_batch_equal_them_one_event_per_batch = equivalence_test(
    lambda: [Notifications()], EXTRAS, _extra, check=_someone_was_notified
)
