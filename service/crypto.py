"""Personal content in events, sealed with the key of the member it belongs to (SPEC 9).

`SealingMapper` stores each event as the library does (JSON of the event's state),
except that the event type's *sealed fields* (see `POLICY`) are taken out, encrypted
together with AES-256-GCM under one member's key, and kept in the state as

    "_sealed_": {"v": 1, "k": "<member id hex>", "f": [field names], "c": "<base64>"}

(`c` is a 12-byte nonce followed by the ciphertext; the associated data binds it to
the event's aggregate id, version and topic, so it cannot be moved to another event).
Everything else stays in clear: ids, versions, type (topic), time, actor, and the
structure aggregates and read models need to replay (visibility, status, dates,
categories, flags). Reading an event whose key was shredded gives the same event
type with each sealed field replaced by a content-free value (`""`, `None`, `{}`…)
and `content_erased = True`, so aggregates still replay and projections still run;
every read model purges an erased member's rows on `Member.Erased`.

Whose key: a member's account events (Member.*) use that member's key; every other
event uses the key of the member who acted (`actor_id`) — who wrote it. Events that
were stored before this mapper existed have no `_sealed_` part and are read as they
are: erasure cannot shred them.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

from cryptography.exceptions import InvalidTag
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    find_id_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic

from service.ids import Id
from service.keys import KeyRing

SEALED = "_sealed_"
ERASED_FLAG = "content_erased"
FORMAT = 1
SIGNALS = ("motivation", "focus", "learning", "recognition", "satisfaction")

Redaction = Callable[[UUID], Any]
KeyOf = Callable[[Mapping[str, Any], UUID], Any]


def _const(value: Any) -> Redaction:
    return lambda _originator: value() if callable(value) else value


TEXT = _const("")
NONE = _const(None)
MAPPING = _const(dict)
LISTING = _const(list)


def erased_email(originator_id: UUID) -> str:
    """A unique, undeliverable address standing in for a shredded email."""
    return f"erased-{originator_id.hex}@erased.invalid"


def _by_actor(state: Mapping[str, Any], _originator: UUID) -> Any:
    return state.get("actor_id")


def _by_originator(_state: Mapping[str, Any], originator: UUID) -> Any:
    return originator


def _by_member(state: Mapping[str, Any], _originator: UUID) -> Any:
    return state.get("member_id")


def _by_requester(state: Mapping[str, Any], _originator: UUID) -> Any:
    """An idempotency record: its member, or before sign-up the account created."""
    result = state.get("result") or {}
    return state.get("actor_id") or (result.get("id") if result else None)


@dataclass(frozen=True)
class Seal:
    """Which member's key seals an event type, and its sealed fields with the
    content-free value each takes once the key is gone."""

    key_of: KeyOf
    fields: Mapping[str, Redaction] = field(default_factory=dict)


def _member(**fields: Redaction) -> Seal:
    return Seal(_by_originator, fields)


def _actor(**fields: Redaction) -> Seal:
    return Seal(_by_actor, fields)


POLICY: dict[str, Seal] = {
    # Account (the member's own key whoever acts, e.g. an admin granting a role).
    "Member.Registered": _member(
        email=erased_email,
        display_name=TEXT,
        timezone=_const("UTC"),
        password_hash=TEXT,
    ),
    "Member.ProfileUpdated": _member(
        display_name=TEXT, timezone=_const("UTC"), headline=TEXT
    ),
    "Member.AspirationsSet": _member(aspirations=TEXT, passions=TEXT, strengths=TEXT),
    "Member.WeeklyTargetSet": _member(),
    "Member.NotificationPreferencesChanged": _member(),  # settings, no content
    "Member.AwayPeriodSet": _member(reason=_const("other")),  # sick leave is health
    "Member.AwayPeriodCancelled": _member(),
    "Member.RoleGranted": _member(),
    "Member.RoleRevoked": _member(),
    "Member.NotificationsRead": _member(),
    "Member.PasswordChanged": _member(password_hash=TEXT),
    "Member.SessionsEnded": _member(),
    "Member.CalendarFeedReset": _member(),
    "Member.Erased": _member(),
    "EmailIndex.EmailClaimed": _actor(),  # ids only (its id: a keyed HMAC of the email)
    "EmailIndex.EmailReleased": _actor(),
    "EmailIndex.EmailClaimedAgain": _actor(),
    "ApiToken.TokenIssued": _actor(),
    "ApiToken.TokenRevoked": _actor(),
    # Goals, actions, reviews: only their owner acts on them.
    "Goal.GoalSet": _actor(title=TEXT, description=TEXT, why=TEXT, metric=NONE),
    "Goal.GoalRevised": _actor(changes=MAPPING, reason=TEXT),
    "Goal.MilestoneAdded": _actor(title=TEXT),
    "Goal.MilestoneCompleted": _actor(),
    "Goal.MilestoneReopened": _actor(),
    "Goal.ProgressRecorded": _actor(value=_const(0.0), note=TEXT),
    "Goal.GoalPaused": _actor(reason=TEXT),
    "Goal.GoalResumed": _actor(),
    "Goal.GoalAchieved": _actor(reflection=TEXT),
    "Goal.GoalAbandoned": _actor(reason=TEXT),
    "Action.ActionLogged": _actor(
        title=TEXT, notes=TEXT, minutes=NONE, evidence_url=NONE
    ),
    "Action.ActionEdited": _actor(changes=MAPPING),
    "Action.ActionRetracted": _actor(reason=TEXT),
    "Review.ReviewRecorded": _actor(
        signals=_const(lambda: dict.fromkeys(SIGNALS, 0)),
        went_well=TEXT,
        stuck_on=TEXT,
        lessons=TEXT,
        commitments=LISTING,
    ),
    "Review.CommitmentKept": _actor(),
    "Review.CommitmentMissed": _actor(),
    "Review.ReviewAmended": _actor(changes=MAPPING),
    # Shared aggregates: each event sealed by whoever wrote it.
    "Mentorship.MentorshipProposed": _actor(mentor_email=TEXT, message=TEXT),
    "Mentorship.MentorshipRenewed": _actor(message=TEXT),
    "Mentorship.MentorshipAccepted": _actor(),
    "Mentorship.MentorshipDeclined": _actor(),
    "Mentorship.MentorshipEnded": _actor(reason=TEXT),
    "Group.GroupCreated": _actor(),  # the group's name and purpose are the group's
    "Group.MemberInvited": _actor(email=TEXT),  # "" matches nobody: invite unusable
    "Group.MemberJoined": _actor(),
    "Group.MemberLeft": _actor(),
    "Group.MemberRemoved": _actor(),
    "Group.FacilitatorAdded": _actor(),
    "Group.BuddiesPaired": _actor(),
    "Group.BuddiesUnpaired": _actor(),
    "GroupMembershipIndex.IndexOpened": _actor(),
    "GroupMembershipIndex.GroupEntered": _actor(),
    "GroupMembershipIndex.GroupExited": _actor(),
    "Feedback.FeedbackGiven": _actor(text=TEXT),
    "Feedback.FeedbackWithdrawn": _actor(),
    "Cheer.Cheered": _actor(),
    "Suggestion.SuggestionMade": _actor(title=TEXT, note=TEXT),
    "Suggestion.SuggestionAccepted": _actor(),
    "Suggestion.SuggestionDeclined": _actor(reason=TEXT),
    "Reminder.ReminderIssued": Seal(_by_member),  # ids and dates, no content
    "IdempotencyRecord.RequestRemembered": Seal(
        _by_requester, {"fingerprint": TEXT, "result": MAPPING}
    ),
    "IdempotencyRecord.RequestRememberedAgain": Seal(
        _by_requester, {"fingerprint": TEXT, "result": MAPPING}
    ),
}
"""Every event type the service stores (a unit test checks none is missing).
An event type not listed here is stored in clear."""


def event_name(topic: str) -> str:
    """`Goal.GoalSet` for the topic `service.domain.goal:Goal.GoalSet`."""
    return topic.rpartition(":")[2]


def key_owner(name: str, state: Mapping[str, Any], originator_id: UUID) -> UUID | None:
    """The member whose key seals (or would seal) an event of type `name`."""
    seal = POLICY.get(name)
    return None if seal is None else _owner(seal, state, originator_id)


def _owner(seal: Seal, state: Mapping[str, Any], originator_id: UUID) -> UUID:
    owner = seal.key_of(state, originator_id)
    if owner is None:
        return originator_id
    return owner if isinstance(owner, UUID) else UUID(str(owner))


_KINDS: dict[type, tuple[str, Seal | None, int]] = {}
"""What storing an event of a class needs, found once per class: its topic, its
seal (if any) and its class version."""


def _kind(event_class: type) -> tuple[str, Seal | None, int]:
    topic = get_topic(event_class)
    seal = POLICY.get(event_name(topic))
    return topic, seal, getattr(event_class, "class_version", 1)


def _associated_data(originator_id: Any, version: int, topic: str) -> bytes:
    """What a sealed part is bound to: its event's aggregate, version and type."""
    if not isinstance(originator_id, UUID):
        originator_id = UUID(str(originator_id))
    return f"{originator_id}|{version}|{topic}".encode()


class SealingMapper(Mapper[UUID]):
    """The library's mapper, sealing personal fields with per-member keys."""

    keys: KeyRing | None = None

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        """Seal the event's personal fields, then store it as the library does."""
        kind = _KINDS.get(type(domain_event))
        if kind is None:
            kind = _KINDS[type(domain_event)] = _kind(type(domain_event))
        topic, seal, class_version = kind
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        version = state.pop("originator_version")
        state.pop(ERASED_FLAG, None)
        sealed = {k: state.pop(k) for k in (seal.fields if seal else ()) if k in state}
        if sealed and seal is not None:
            owner = _owner(seal, state, originator_id)
            assert self.keys is not None
            cipher = self.keys.for_writing(owner)
            nonce = os.urandom(12)
            data = cipher.encrypt(
                nonce,
                self.transcoder.encode(sealed),
                _associated_data(originator_id, version, topic),
            )
            state[SEALED] = {
                "v": FORMAT,
                "k": owner.hex,
                "f": list(sealed),
                "c": binascii.b2a_base64(nonce + data, newline=False).decode("ascii"),
            }
        if class_version > 1:
            state["class_version"] = class_version
        stored_state = self.transcoder.encode(state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=version,
            topic=topic,
            state=stored_state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        """Read the event as the library does, opening its sealed fields (if its key
        still exists) before any upcasting, so upcasters see the whole state."""
        cls = resolve_topic(stored_event.topic)
        stored_state = stored_event.state
        try:
            if self.cipher:
                stored_state = self.cipher.decrypt(stored_state)
            if self.compressor:
                stored_state = self.compressor.decompress(stored_state)
            state: dict[str, Any] = self.transcoder.decode(stored_state)
        except Exception as e:
            raise MapperDeserialisationError(
                f"Failed to deserialise event {stored_event.originator_id} "
                f"v{stored_event.originator_version} ({stored_event.topic}): {e}"
            ) from e
        envelope = state.pop(SEALED, None)
        if envelope is not None:
            state.update(self._open(stored_event, envelope))
        id_type = cast(Hashable, type(stored_event.originator_id))
        convert = find_id_convertor(cls, id_type)
        originator_id = convert(stored_event.originator_id)
        state["originator_id"] = (
            Id.of(originator_id) if isinstance(originator_id, UUID) else originator_id
        )
        state["originator_version"] = stored_event.originator_version
        class_version = getattr(cls, "class_version", 1)
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event: DomainEventProtocol[UUID] = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _open(self, stored: StoredEvent, envelope: dict[str, Any]) -> dict[str, Any]:
        assert self.keys is not None
        cipher = self.keys.for_reading(UUID(envelope["k"]))
        if cipher is None:
            return self._redacted(stored, envelope["f"])
        raw = base64.b64decode(envelope["c"])
        aad = _associated_data(
            stored.originator_id, stored.originator_version, stored.topic
        )
        try:
            plain = cipher.decrypt(raw[:12], raw[12:], aad)
        except InvalidTag as e:
            raise MapperDeserialisationError(
                f"Sealed content of event {stored.originator_id} "
                f"v{stored.originator_version} does not match its key or position"
            ) from e
        opened: dict[str, Any] = self.transcoder.decode(plain)
        return opened

    @staticmethod
    def _redacted(stored: StoredEvent, names: list[str]) -> dict[str, Any]:
        seal = POLICY.get(event_name(stored.topic))
        fields = seal.fields if seal else {}
        originator = UUID(str(stored.originator_id))
        values = {n: fields.get(n, TEXT)(originator) for n in names}
        values[ERASED_FLAG] = True
        return values
