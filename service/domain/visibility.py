"""Who may see what (SPEC 9): the one statement of the visibility rule.

Pure functions over visibility levels and relations; they read no storage. The write
side (`service.access`) and every read model (`projections.journal`,
`projections.notifications_facts`, `projections.relations`, and the queries built on
them) find the facts — an item's own visibility, its goal's, how the viewer is related
to the owner — and ask this module what follows from them.

- An item is `private` (the owner), `mentors` (also accepted mentors) or `group` (also
  members of a group the owner belongs to). Goals and reviews show their own level.
- An action linked to a goal takes the goal's visibility unless set narrower; a linked
  goal that cannot be found counts as `private`; an action with no goal shows its own
  level, by default `mentors`.
- Feedback and cheers are seen by whoever can see the item they are on.
"""

from __future__ import annotations

from enum import Enum

from service.domain.base import VISIBILITIES, narrower_or_equal

PRIVATE, MENTORS, GROUP = VISIBILITIES
ACTION_WITHOUT_GOAL = MENTORS
"""What an action with no goal and no visibility of its own shows."""
UNKNOWN_GOAL = PRIVATE
"""What a linked goal that cannot be found (yet, or any more) counts as."""


class Relation(Enum):
    """How a viewer is related to an item's owner, closest first."""

    OWNER = "owner"
    MENTOR = "mentor"  # accepted, not ended
    GROUP_MEMBER = "group member"  # in at least one group with the owner now
    STRANGER = "stranger"


_SEEN_BY: dict[Relation, frozenset[str]] = {
    Relation.OWNER: frozenset({PRIVATE, MENTORS, GROUP}),
    Relation.MENTOR: frozenset({MENTORS, GROUP}),
    Relation.GROUP_MEMBER: frozenset({GROUP}),
    Relation.STRANGER: frozenset(),
}
"""The levels each relation may see. They nest (each relation sees all that a farther
one sees), so a viewer with several relations to the owner sees what the closest one
sees."""


def levels_seen_by(relation: Relation) -> frozenset[str]:
    """The item visibilities a viewer with this relation to the owner may see."""
    return _SEEN_BY[relation]


def audience(visibility: str) -> frozenset[Relation]:
    """The relations to the owner that may see an item shown with `visibility`."""
    return frozenset(r for r, levels in _SEEN_BY.items() if visibility in levels)


def action_visibility(
    own: str | None, goal_id: object, goal_visibility: str | None
) -> str:
    """An action's effective visibility.

    `own` is the action's own setting (None: not set), `goal_id` its goal (None: no
    goal) and `goal_visibility` that goal's visibility (None: the goal is not found,
    which counts as private)."""
    if goal_id is None:
        return own or ACTION_WITHOUT_GOAL
    widest = goal_visibility or UNKNOWN_GOAL
    if own is None or not narrower_or_equal(own, widest):
        return widest
    return own


def kept_under(goal_visibility: str) -> tuple[str, ...]:
    """The own visibilities a linked action keeps under a goal shown with
    `goal_visibility` (those strictly narrower); any other, or none, shows the goal's.
    For SQL that recomputes `action_visibility` for every action of a goal at once."""
    return VISIBILITIES[: VISIBILITIES.index(goal_visibility)]


def wider_than(visibility: object, goal_visibility: str) -> bool:
    """True if `visibility` is a level that shows an item to more people than
    `goal_visibility`: an action linked to that goal may not be set so."""
    return (
        isinstance(visibility, str)
        and visibility in VISIBILITIES
        and not narrower_or_equal(visibility, goal_visibility)
    )
