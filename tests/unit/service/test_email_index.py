"""The email index: a keyed id, freed by erasure, and stores from before both."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from service import commands as c
from service.application import MomentumApplication
from service.clock import FixedClock, using
from service.domain.member import EmailIndex, Member, legacy_email_index_id
from service.errors import AuthenticationError, EmailTakenError, NotFoundError
from system.rotation import rekey_email
from tests.conftest import PASSWORD, Register


def _ids_in_store(app: MomentumApplication) -> set[UUID]:
    return {
        UUID(str(n.originator_id)) for n in app.recorder.select_notifications(1, 1000)
    }


def _legacy_member(app: MomentumApplication, clock: FixedClock, email: str) -> UUID:
    """A member as stores written before keyed ids hold them."""
    member_id = uuid4()
    with using(clock):
        member = Member.register(
            member_id, email, "Old", "UTC", app.hasher.hash(PASSWORD)
        )
        index = EmailIndex(
            id=legacy_email_index_id(email), member_id=member_id, actor_id=member_id
        )
    app.save(member, index)
    return member_id


def test_the_store_holds_no_unkeyed_hash_of_a_new_members_email(
    app: MomentumApplication, register: Register
) -> None:
    register("Ann")
    assert legacy_email_index_id("ann@example.com") not in _ids_in_store(app)
    assert app.email_index_ids("ann@example.com")[0] in _ids_in_store(app)


def test_erasure_frees_the_email_for_a_new_account(
    app: MomentumApplication, register: Register
) -> None:
    ann = register("Ann")
    app.handle(c.EraseMember(ann, PASSWORD))
    again = app.handle(c.RegisterMember("ANN@example.com", "another password", "Ann 2"))
    assert again.id != ann
    assert app.authenticate("ann@example.com", "another password") == again.id
    with pytest.raises(AuthenticationError):
        app.authenticate("ann@example.com", PASSWORD)
    with pytest.raises(NotFoundError):
        app.get_member(ann)
    with pytest.raises(EmailTakenError):
        app.handle(c.RegisterMember("ann@example.com", PASSWORD, "Ann 3"))


def test_a_legacy_index_still_signs_in_and_keeps_the_email_taken(
    app: MomentumApplication, clock: FixedClock
) -> None:
    old = _legacy_member(app, clock, "old@example.com")
    assert app.authenticate("Old@Example.com", PASSWORD) == old
    with pytest.raises(EmailTakenError):
        app.handle(c.RegisterMember("old@example.com", PASSWORD, "Usurper"))
    app.handle(c.GrantRole(None, "old@example.com"))
    assert "admin" in app.get_member(old).roles


def test_erasing_a_legacy_member_releases_their_legacy_index(
    app: MomentumApplication, clock: FixedClock
) -> None:
    old = _legacy_member(app, clock, "old@example.com")
    app.handle(c.EraseMember(old, PASSWORD))
    legacy: EmailIndex = app.repository.get(legacy_email_index_id("old@example.com"))
    assert legacy.member_id is None
    new = app.handle(c.RegisterMember("old@example.com", PASSWORD, "New")).id
    assert app.authenticate("old@example.com", PASSWORD) == new


def test_an_email_of_a_member_erased_before_erasure_released_emails_is_free(
    app: MomentumApplication, clock: FixedClock
) -> None:
    old = _legacy_member(app, clock, "old@example.com")
    with using(clock):
        member: Member = app.repository.get(old)
        member.erase(old)  # as erasure did before: the index left as it was
    app.save(member)
    new = app.handle(c.RegisterMember("old@example.com", PASSWORD, "New")).id
    assert app.member_id_for_email("old@example.com") == new


def test_keys_rotate_moves_a_legacy_address_to_its_keyed_index(
    app: MomentumApplication, clock: FixedClock
) -> None:
    old = _legacy_member(app, clock, "old@example.com")
    assert rekey_email(app, old) and not rekey_email(app, old)  # once
    legacy: EmailIndex = app.repository.get(legacy_email_index_id("old@example.com"))
    assert legacy.member_id is None
    assert app.authenticate("old@example.com", PASSWORD) == old
    with pytest.raises(EmailTakenError):
        app.handle(c.RegisterMember("old@example.com", PASSWORD, "Usurper"))
