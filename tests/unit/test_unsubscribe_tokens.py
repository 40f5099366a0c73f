"""Unsubscribe tokens: a signed (member, kind) that reads back only untouched."""

from __future__ import annotations

from uuid import uuid4

import pytest

from notify.unsubscribe import KINDS, read_unsubscribe_token, unsubscribe_token
from service.errors import ValidationError

SECRET = "s" * 32


@pytest.mark.parametrize("kind", KINDS)
def test_a_token_reads_back_as_its_member_and_kind(kind: str) -> None:
    member_id = uuid4()
    token = unsubscribe_token(SECRET, member_id, kind)
    assert read_unsubscribe_token(SECRET, token) == (member_id, kind)


def test_reminder_kinds_are_named_after_the_members_reminder_choices() -> None:
    assert "reminder:review_due" in KINDS
    assert {"digest:member", "digest:mentor", "digest:group"} <= set(KINDS)


def test_a_changed_token_or_another_secret_is_refused() -> None:
    token = unsubscribe_token(SECRET, uuid4(), "digest:member")
    other = unsubscribe_token(SECRET, uuid4(), "digest:member")
    forged = other.split(".")[0] + "." + token.split(".")[1]
    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        forged,
        unsubscribe_token("another secret" * 3, uuid4(), "digest:member"),
        "nonsense",
        "",
    ):
        with pytest.raises(ValidationError):
            read_unsubscribe_token(SECRET, bad)


def test_an_unknown_kind_gets_no_token() -> None:
    with pytest.raises(ValueError):
        unsubscribe_token(SECRET, uuid4(), "digest:everyone")
