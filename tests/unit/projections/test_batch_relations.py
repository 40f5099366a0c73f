"""Relations a batch at a time: built one event per batch they equal them built in
one batch (with erasures of mentees, mentors and group members, mentorships renewed
after an accepted mentor left, preferences, targets and profiles), on SQLite and
PostgreSQL; and both agree with the aggregates."""

from __future__ import annotations

import itertools
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from hypothesis import strategies as st

from projections.relations import Relations
from service import commands as c
from tests.conftest import PASSWORD
from tests.histories import History, member_ix, relation_operation
from tests.unit.projections.batch_check import Dump, equivalence_test, erased_members

EXTRAS = st.lists(
    st.tuples(
        st.sampled_from(["erase", "relink", "profile", "pair"]),
        member_ix,
        member_ix,
    ),
    max_size=5,
)


def _as_the_write_side_has_it(history: History, dump: Dump) -> None:
    """The rows agree with the aggregates: members (erased ones gone), every
    mentorship's status and mentor, every group's members."""
    repository = history.app.repository
    erased = erased_members(history)
    people = {row[0]: row[2:] for row in dump["rm_members"]}
    for member in history.members:
        if member in erased:
            assert str(member) not in people
        else:
            aggregate: Any = repository.get(member)
            shown = (
                aggregate.display_name,
                aggregate.timezone,
                aggregate.weekly_target,
            )
            assert people[str(member)] == shown
    links = {row[0]: row for row in dump["rm_mentor_links"]}
    for mentee, mentor in itertools.product(range(5), repeat=2):
        link = history.link(mentee, mentor)
        try:
            aggregate = repository.get(link)
        except AggregateNotFoundError:
            assert str(link) not in links
            continue
        if {history.m(mentee), history.m(mentor)} & erased:
            continue  # gone, or proposed to an erased member's email: either way
        mentor_id = None if aggregate.mentor_id is None else str(aggregate.mentor_id)
        assert links[str(link)][3:] == (mentor_id, aggregate.status)
    for group in history.groups:
        group_members: set[UUID] = repository.get(group).members
        expected = {str(m) for m in group_members if m not in erased}
        found = {row[1] for row in dump["rm_group_members"] if row[0] == str(group)}
        assert found == expected


def _extra(history: History, kind: str, i: int, j: int) -> None:
    """What the random histories leave out or rarely reach: erasure; a mentorship
    accepted, ended and proposed again (its mentor gone from the link) before its
    mentor is erased; a new profile, target and preferences; buddies in a group."""
    if kind == "erase":
        history.do(c.EraseMember(history.m(i), PASSWORD))
    elif kind == "relink":
        history.propose(i, j)
        history.answer(i, j, "accept", by_mentee=False)
        history.answer(i, j, "end", by_mentee=True)
        history.propose(i, j)
        history.do(c.EraseMember(history.m(j), PASSWORD))
    elif kind == "profile":
        history.move(i, j)
        history.target(i, j + 1)
        history.preferences(i, j * 5)
    else:
        history.create_group(i)
        history.invite_join(len(history.groups) - 1, j, by_email=False)
        history.add_facilitator(len(history.groups) - 1, j)
        history.leave(len(history.groups) - 1, i)


test_relations_in_one_batch_equal_them_one_event_per_batch = equivalence_test(
    lambda: [Relations()],
    EXTRAS,
    _extra,
    operations=relation_operation,
    check=_as_the_write_side_has_it,
)
