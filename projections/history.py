"""Who an event concerns besides whoever caused it: what "my history" reads (issue 17).

The audit index (`projections.audit`) already says who caused each event and on
which item. A member's history also holds what others did that concerns them; two
small tables say which events those are, by id only (no content):

- `rm_history_parties`: the members party to a shared item, and the item it is
  about: a piece of feedback or a cheer (its author and the owner of the goal,
  action or review it is on), a mentor's suggestion (mentor and mentee; about the
  goal), a mentorship (the mentee from the proposal, the person asked once they
  answer). Every event of such an item concerns each of its parties: the owner
  sees feedback withdrawn, the mentor sees their suggestion accepted, the mentee
  sees the mentorship ended.
- `rm_history_mentions`: per event, the members a group, token or role event
  concerns: whoever acted and whoever it names (removed from a group, made a
  facilitator, paired with or unpaired from a buddy, given a role).

Events on a member's own account are found through the audit index (the account
is the item), so they need no row here. Both tables together hold every event of
the kinds "feedback", "cheer", "mentoring", "group" and (with the account's own
events) "account" for each member concerned, actor included: a history filtered by
one of those kinds reads them alone, never the whole of what the member caused.

The model applies a batch at a time (`projections.batching.BatchedProjection`): its
handlers only add rows and purge an erased member's, so `load` reads nothing, and
only the few event types above are handled (the runner passes the rest by class).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Index, String, Table

from projections.batching import Batch, BatchedProjection, Handlers
from projections.db import metadata
from service.domain.base import OPERATOR_ID
from service.domain.feedback import Cheer, Feedback, Suggestion
from service.domain.group import Group
from service.domain.member import Member
from service.domain.mentorship import Mentorship
from service.domain.token import ApiToken

parties = Table(
    "rm_history_parties",
    metadata,
    Column("aggregate_id", String(36), primary_key=True),
    Column("member_id", String(36), primary_key=True),
    # The goal, action or review the shared item is about (None: a mentorship).
    Column("item_id", String(36), nullable=True),
    Index("ix_rm_history_parties_member", "member_id", "item_id"),
)

mentions = Table(
    "rm_history_mentions",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
)

HANDLERS = Handlers[Batch]()
"""The handler of each event class: (rows, event, log position)."""


class History(BatchedProjection[Batch]):
    """Keeps the parties of shared items and who group, token and role events
    concern."""

    name = "history"
    tables = (parties, mentions)
    handlers = HANDLERS

    def load(self, conn: Connection, batch: Batch, events: Sequence[Any]) -> None:
        """Nothing: rows are only added, and purged by member."""


def _party(b: Batch, e: Any, member_id: Any, item_id: Any = None) -> None:
    b[parties].insert(
        aggregate_id=str(e.originator_id),
        member_id=str(member_id),
        item_id=str(item_id) if item_id is not None else None,
    )


@HANDLERS.on(Feedback.FeedbackGiven, Cheer.Cheered)
def _on_item(b: Batch, e: Any, _pos: int) -> None:
    _party(b, e, e.author_id, e.target_id)
    if e.target_owner_id != e.author_id:
        _party(b, e, e.target_owner_id, e.target_id)


@HANDLERS.on(Suggestion.SuggestionMade)
def _suggested(b: Batch, e: Suggestion.SuggestionMade, _pos: int) -> None:
    _party(b, e, e.mentor_id, e.goal_id)
    _party(b, e, e.mentee_id, e.goal_id)


@HANDLERS.on(Mentorship.MentorshipProposed)
def _proposed(b: Batch, e: Mentorship.MentorshipProposed, _pos: int) -> None:
    _party(b, e, e.mentee_id)


@HANDLERS.on(
    Mentorship.MentorshipRenewed,
    Mentorship.MentorshipAccepted,
    Mentorship.MentorshipDeclined,
    Mentorship.MentorshipEnded,
)
def _answered(b: Batch, e: Any, _pos: int) -> None:
    """Whoever answers is a party: the mentor accepting, the person asked who
    declines or ends the request."""
    _party(b, e, e.actor_id)


def _mention(b: Batch, position: int, *members: Any) -> None:
    for member in {m for m in members if m is not None and m != OPERATOR_ID}:
        b[mentions].insert(member_id=str(member), position=position)


@HANDLERS.on(
    Group.GroupCreated, Group.MemberInvited, Group.MemberJoined, Group.MemberLeft
)
def _group(b: Batch, e: Any, pos: int) -> None:
    _mention(b, pos, e.actor_id)


@HANDLERS.on(Group.MemberRemoved, Group.FacilitatorAdded)
def _named(b: Batch, e: Any, pos: int) -> None:
    _mention(b, pos, e.actor_id, e.member_id)


@HANDLERS.on(Group.BuddiesPaired, Group.BuddiesUnpaired)
def _buddies(b: Batch, e: Any, pos: int) -> None:
    _mention(b, pos, e.actor_id, e.member_a, e.member_b)


@HANDLERS.on(ApiToken.TokenIssued, ApiToken.TokenRevoked)
def _token(b: Batch, e: Any, pos: int) -> None:
    _mention(b, pos, e.actor_id)


@HANDLERS.on(Member.RoleGranted, Member.RoleRevoked)
def _role(b: Batch, e: Any, pos: int) -> None:
    """The admin who changed someone's role (the member's own account has it)."""
    if e.actor_id != e.originator_id:
        _mention(b, pos, e.actor_id)


@HANDLERS.on(Member.Erased)
def _erased(b: Batch, e: Member.Erased, _pos: int) -> None:
    """An erased member's history goes with them (SPEC 9); others' rows stay."""
    member_id = str(e.originator_id)
    b[parties].purge("member_id", [member_id])
    b[mentions].purge("member_id", [member_id])
