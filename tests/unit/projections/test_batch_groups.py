"""The group board a batch at a time: built one event per batch it equals it built in
one batch (groups made, facilitators added, buddies paired and unpaired, members
leaving or removed with their pairs, members erased), on SQLite and
PostgreSQL; and both agree with the aggregates."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from projections.groups import GroupBoard
from service import commands as c
from tests.conftest import PASSWORD
from tests.histories import History, member_ix
from tests.unit.projections.batch_check import Dump, equivalence_test

OPERATIONS = st.one_of(
    st.tuples(st.just("create_group"), member_ix),
    st.tuples(st.just("invite_join"), member_ix, member_ix, st.booleans()),
    st.tuples(st.just("leave"), member_ix, member_ix),
    st.tuples(st.just("remove"), member_ix, member_ix),
    st.tuples(st.just("add_facilitator"), member_ix, member_ix),
    st.tuples(st.just("buddies"), member_ix, member_ix, member_ix, st.booleans()),
)
EXTRAS = st.lists(
    st.tuples(st.sampled_from(["erase", "pair_leave", "pair_remove"]), member_ix),
    max_size=5,
)


def _as_the_write_side_has_it(history: History, dump: Dump) -> None:
    """The rows agree with the aggregates: every group, its facilitators and its
    buddy pairs."""
    assert {str(g) for g in history.groups} <= {row[0] for row in dump["rm_groups"]}
    for group in history.groups:
        aggregate: Any = history.app.repository.get(group)
        leads = {
            row[1] for row in dump["rm_groups_facilitators"] if row[0] == str(group)
        }
        assert leads == {str(m) for m in aggregate.facilitators}
        pairs = {row[1:] for row in dump["rm_groups_buddies"] if row[0] == str(group)}
        paired = {tuple(sorted((str(a), str(b)))) for a, b in aggregate.buddies.items()}
        assert pairs == paired


def _extra(history: History, kind: str, i: int) -> None:
    """What the random histories rarely reach: a new group with two members paired
    who then leave or are removed (their pair goes), a facilitator added, erasure."""
    if kind == "erase":
        history.do(c.EraseMember(history.m(i), PASSWORD))
        return
    history.create_group(i)
    g = len(history.groups) - 1
    for k in (1, 2, 3):
        history.invite_join(g, i + k, by_email=False)
    history.add_facilitator(g, i + 1)
    history.buddies(g, i + 1, i + 2, unpair=False)
    history.buddies(g, i, i + 3, unpair=False)
    if kind == "pair_leave":
        history.leave(g, i + 1)
    else:
        history.remove(g, i + 3)


test_the_group_board_in_one_batch_equals_it_one_event_per_batch = equivalence_test(
    lambda: [GroupBoard()],
    EXTRAS,
    _extra,
    operations=OPERATIONS,
    check=_as_the_write_side_has_it,
)
