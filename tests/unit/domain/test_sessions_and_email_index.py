"""Sign-out everywhere (Member.SessionsEnded) and the keyed, releasable email index."""

from __future__ import annotations

from uuid import uuid4

import pytest

from service.domain.member import (
    EmailIndex,
    email_index_id,
    legacy_email_index_id,
)
from service.errors import EmailTakenError, RuleViolationError
from service.secret_keys import EMAIL_INDEX, derive_key

from .helpers import new_member, recorded, records_nothing

KEY = derive_key("a secret", EMAIL_INDEX)


def test_ending_sessions_counts_up_a_generation() -> None:
    member = new_member()
    assert member.sessions_ended == 0
    member.collect_events()
    member.end_sessions(member.id)
    member.end_sessions(member.id)
    assert member.sessions_ended == 2
    assert recorded(member) == ["SessionsEnded", "SessionsEnded"]


def test_an_erased_member_has_no_sessions_to_end() -> None:
    member = new_member()
    member.erase(member.id)
    with (
        records_nothing(member),
        pytest.raises(RuleViolationError, match="deleted"),
    ):
        member.end_sessions(member.id)


def test_the_index_id_is_keyed_and_ignores_case_and_spaces() -> None:
    ada = email_index_id("ada@example.com", KEY)
    assert ada == email_index_id("  Ada@Example.COM ", KEY)
    assert ada != email_index_id("ada@example.com", derive_key("another", EMAIL_INDEX))
    assert ada != legacy_email_index_id("ada@example.com")
    assert ada != email_index_id("bea@example.com", KEY)


def test_a_released_address_can_be_claimed_by_someone_else() -> None:
    ada, bea = uuid4(), uuid4()
    index = EmailIndex(
        id=email_index_id("ada@example.com", KEY), member_id=ada, actor_id=ada
    )
    index.collect_events()
    index.release(ada)
    assert index.member_id is None
    assert recorded(index) == ["EmailReleased"]
    with records_nothing(index):
        index.release(ada)  # idempotent
    index.claim(bea, bea)
    assert index.member_id == bea
    assert recorded(index) == ["EmailClaimedAgain"]


def test_a_held_address_cannot_be_claimed() -> None:
    ada, bea = uuid4(), uuid4()
    index = EmailIndex(
        id=email_index_id("ada@example.com", KEY), member_id=ada, actor_id=ada
    )
    with records_nothing(index), pytest.raises(EmailTakenError):
        index.claim(bea, bea)
    assert index.member_id == ada
