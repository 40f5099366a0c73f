"""The visibility rule of SPEC 9 as pure functions (`service.domain.visibility`)."""

from __future__ import annotations

from itertools import pairwise
from uuid import uuid4

import pytest

from service.domain.visibility import (
    Relation,
    action_visibility,
    audience,
    kept_under,
    levels_seen_by,
    wider_than,
)

LEVELS = ("private", "mentors", "group")


def test_each_relation_sees_its_levels_and_they_nest() -> None:
    assert levels_seen_by(Relation.OWNER) == {"private", "mentors", "group"}
    assert levels_seen_by(Relation.MENTOR) == {"mentors", "group"}
    assert levels_seen_by(Relation.GROUP_MEMBER) == {"group"}
    assert levels_seen_by(Relation.STRANGER) == set()
    for near, far in pairwise(Relation):
        assert levels_seen_by(near) >= levels_seen_by(far)


def test_audience_is_the_same_table_read_the_other_way() -> None:
    assert audience("private") == {Relation.OWNER}
    assert audience("mentors") == {Relation.OWNER, Relation.MENTOR}
    assert audience("group") == {
        Relation.OWNER,
        Relation.MENTOR,
        Relation.GROUP_MEMBER,
    }
    for relation in Relation:
        for level in LEVELS:
            assert (relation in audience(level)) is (level in levels_seen_by(relation))


@pytest.mark.parametrize("own", [None, *LEVELS])
@pytest.mark.parametrize("goal", LEVELS)
def test_a_linked_action_takes_its_goals_visibility_unless_set_narrower(
    own: str | None, goal: str
) -> None:
    shown = action_visibility(own, uuid4(), goal)
    if own is not None and LEVELS.index(own) < LEVELS.index(goal):
        assert shown == own
    else:
        assert shown == goal
    assert (own in kept_under(goal)) is (shown == own != goal)


def test_an_action_without_a_goal_shows_its_own_level_by_default_mentors() -> None:
    assert action_visibility(None, None, None) == "mentors"
    for own in LEVELS:
        assert action_visibility(own, None, "private") == own


@pytest.mark.parametrize("own", [None, *LEVELS])
def test_a_goal_that_cannot_be_found_counts_as_private(own: str | None) -> None:
    assert action_visibility(own, "some-goal-id", None) == "private"


def test_an_action_may_not_be_set_wider_than_its_goal() -> None:
    assert wider_than("group", "mentors")
    assert wider_than("mentors", "private")
    assert not wider_than("mentors", "mentors")
    assert not wider_than("private", "group")
    assert not wider_than(None, "private")
    assert not wider_than("everyone", "private")
