"""The history model (who an event concerns) a batch at a time: built one event per
batch it equals it built in one batch, on SQLite and PostgreSQL, and its rows agree
with the log: the parties of every piece of feedback, cheer, suggestion and
accepted mentorship, the members named by others' group events, none of an erased
member's."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from projections.history import HANDLERS
from projections.history import History as HistoryModel
from projections.history_queries import SOURCES
from service import commands as c
from service.crypto import POLICY
from service.inspect import all_notifications
from tests.conftest import PASSWORD
from tests.histories import History, member_ix
from tests.unit.projections.batch_check import Dump, equivalence_test

EXTRAS = st.lists(
    st.tuples(st.sampled_from(["erase", "group", "feedback"]), member_ix), max_size=4
)
PARTIES = {
    "Feedback.FeedbackGiven": ("author_id", "target_owner_id"),
    "Cheer.Cheered": ("author_id", "target_owner_id"),
    "Suggestion.SuggestionMade": ("mentor_id", "mentee_id"),
    "Mentorship.MentorshipProposed": ("mentee_id",),
    "Mentorship.MentorshipRenewed": ("actor_id",),
    "Mentorship.MentorshipAccepted": ("actor_id",),
    "Mentorship.MentorshipDeclined": ("actor_id",),
    "Mentorship.MentorshipEnded": ("actor_id",),
}
MENTIONS = {
    "Group.GroupCreated": ("actor_id",),
    "Group.MemberInvited": ("actor_id",),
    "Group.MemberJoined": ("actor_id",),
    "Group.MemberLeft": ("actor_id",),
    "Group.MemberRemoved": ("actor_id", "member_id"),
    "Group.FacilitatorAdded": ("actor_id", "member_id"),
    "Group.BuddiesPaired": ("actor_id", "member_a", "member_b"),
    "Group.BuddiesUnpaired": ("actor_id", "member_a", "member_b"),
    "ApiToken.TokenIssued": ("actor_id",),
    "ApiToken.TokenRevoked": ("actor_id",),
}


def test_every_event_of_a_kind_read_from_these_tables_alone_is_kept() -> None:
    """A history filtered by feedback, cheer, mentoring or group reads only these
    tables (`history_queries.SOURCES`), so each of those events must be reachable
    from them: every group and token event is kept with its actor, every
    mentorship event adds its actor as a party, and the later events of feedback
    and suggestions are by a party of its first (the author withdraws, the mentee
    answers: the domain's rules)."""
    handled = {cls.__qualname__ for cls in HANDLERS.classes}
    every = set(POLICY)
    assert {n for n in every if n.startswith(("Group.", "ApiToken."))} <= handled
    assert {n for n in every if n.startswith("Mentorship.")} <= set(PARTIES)
    assert set(PARTIES) <= handled
    for kind in ("feedback", "cheer", "mentoring", "group"):
        assert "caused" not in SOURCES[kind]


def _from_the_log(history: History, dump: Dump) -> None:
    """The rows are what the log says, less every erased member's."""
    app = history.app
    erased, parties, named = set(), set(), set()
    for n in all_notifications(app):  # the store holds earlier examples' too
        event: Any = app.mapper.to_domain_event(n)
        name = type(event).__qualname__
        if name == "Member.Erased":
            erased.add(str(n.originator_id))
        for field in PARTIES.get(name, ()):
            parties.add((str(n.originator_id), str(getattr(event, field))))
        for field in MENTIONS.get(name, ()):
            named.add((str(getattr(event, field)), n.id))
    assert {r[:2] for r in dump["rm_history_parties"]} == {
        p for p in parties if p[1] not in erased
    }
    assert set(dump["rm_history_mentions"]) == {m for m in named if m[0] not in erased}


def _extra(history: History, kind: str, i: int) -> None:
    """An erasure; a group whose facilitator pairs, names and removes others;
    feedback and a cheer from the next member."""
    if kind == "erase":
        history.do(c.EraseMember(history.m(i), PASSWORD))
    elif kind == "group":
        history.create_group(i)
        g = len(history.groups) - 1
        for k in (1, 2, 3):
            history.invite_join(g, i + k, by_email=False)
        history.buddies(g, i + 1, i + 2, unpair=False)
        history.add_facilitator(g, i + 3)
        history.buddies(g, i + 1, i + 2, unpair=True)
        history.remove(g, i + 2)
    else:
        history.feedback(i + 1, i, cheer=False)
        history.feedback(i + 1, i, cheer=True)


test_the_history_model_in_one_batch_equals_it_one_event_per_batch = equivalence_test(
    lambda: [HistoryModel()], EXTRAS, _extra, check=_from_the_log
)
