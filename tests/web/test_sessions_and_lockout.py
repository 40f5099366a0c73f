"""Lockout is not a weapon (SPEC 9): guessing one account from many addresses is
slowed by growing delays, never locked, and its owner still gets in; the forms that
check a current password count wrong ones as failed sign-ins; an erased member's
email signs up again."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from service.clock import FixedClock
from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from web import throttle

PROBLEM = "application/problem+json"
HOME = "192.0.2.10"


def _token(api: Api, who: Person, password: str, address: str) -> Any:
    return api.client.post(
        "/api/v1/auth/tokens",
        json={"email": who.email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _attacker(n: int) -> str:
    return f"203.0.113.{n}"


def _spray(api: Api, who: Person, clock: FixedClock, guesses: int) -> None:
    """`guesses` wrong passwords, each from a new address, each after the delay."""
    for n in range(guesses):
        wrong = _token(api, who, f"guess number {n}", _attacker(n))
        if wrong.status_code == 429:
            clock.advance(seconds=int(wrong.headers["Retry-After"]))
            wrong = _token(api, who, f"guess number {n}", _attacker(n))
        assert wrong.status_code == 401, wrong.json


def test_guesses_from_many_addresses_never_lock_the_owner_out_at_home(
    api: Api, clock: FixedClock
) -> None:
    ann = api.join("Ann")
    assert _token(api, ann, PASSWORD, HOME).status_code == 201  # her usual address
    _spray(api, ann, clock, 12)
    refused = _token(api, ann, "one more guess", _attacker(99))
    assert refused.status_code == 429  # the spray has to wait…
    assert _token(api, ann, PASSWORD, HOME).status_code == 201  # …Ann does not


def test_the_right_password_from_a_new_address_gets_in_after_the_delay(
    api: Api, clock: FixedClock
) -> None:
    ann = api.join("Ann")
    _spray(api, ann, clock, throttle.ACCOUNT_FREE)
    refused = _token(api, ann, PASSWORD, "198.51.100.7")
    assert refused.status_code == 429
    assert refused.mimetype == PROBLEM
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= throttle.MAX_DELAY
    clock.advance(seconds=wait)
    assert _token(api, ann, PASSWORD, "198.51.100.7").status_code == 201


def test_the_delay_grows_with_each_failure_up_to_two_minutes(
    api: Api, clock: FixedClock
) -> None:
    ann = api.join("Ann")
    _spray(api, ann, clock, throttle.ACCOUNT_FREE)
    waits = []
    for n in range(8):
        refused = _token(api, ann, "a guess", _attacker(50 + n))
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(seconds=waits[-1])
        assert _token(api, ann, "a guess", _attacker(50 + n)).status_code == 401
    assert waits == [2, 4, 8, 16, 32, 64, 120, 120]


def test_while_waiting_right_and_wrong_passwords_get_the_same_answer(
    api: Api, clock: FixedClock
) -> None:
    ann = api.join("Ann")
    _spray(api, ann, clock, throttle.ACCOUNT_FREE + 2)
    before = api.events()
    right = _token(api, ann, PASSWORD, _attacker(70))
    wrong = _token(api, ann, "a guess", _attacker(71))
    assert (right.status_code, wrong.status_code) == (429, 429)
    assert right.json == wrong.json
    assert api.events() == before  # no token was issued
    # refused attempts count nothing: the wait does not grow
    assert right.headers["Retry-After"] == wrong.headers["Retry-After"]


def test_the_delays_end_when_the_failures_leave_the_window(
    api: Api, clock: FixedClock
) -> None:
    ann = api.join("Ann")
    _spray(api, ann, clock, 10)
    clock.advance(minutes=15)
    assert _token(api, ann, "a guess", _attacker(80)).status_code == 401
    assert _token(api, ann, PASSWORD, _attacker(81)).status_code == 201


def _change_password(api: Api, who: Person, current: str, address: str) -> Any:
    return api.post(
        who,
        "/me/password",
        json={"current_password": current, "new_password": "a brand new password"},
        environ_base={"REMOTE_ADDR": address},
    )


def test_wrong_current_passwords_count_as_failed_sign_ins(api: Api) -> None:
    ann = api.join("Ann")
    assert _token(api, ann, PASSWORD, HOME).status_code == 201
    thief = "198.51.100.66"  # holds Ann's token
    for _ in range(throttle.PAIR_LIMIT):
        assert _change_password(api, ann, "a guess", thief).status_code == 401
    refused = _change_password(api, ann, PASSWORD, thief)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert _token(api, ann, PASSWORD, thief).status_code == 429  # same count
    assert _token(api, ann, PASSWORD, HOME).status_code == 201  # Ann is not locked


def test_wrong_passwords_to_delete_the_account_count_too(api: Api) -> None:
    ann = api.join("Ann")
    thief = {"REMOTE_ADDR": "198.51.100.66"}
    for _ in range(throttle.PAIR_LIMIT):
        wrong = api.delete(ann, "/me", json={"password": "a guess"}, environ_base=thief)
        assert wrong.status_code == 401
    refused = api.delete(ann, "/me", json={"password": PASSWORD}, environ_base=thief)
    assert refused.status_code == 429
    assert api.get(ann, "/me").status_code == 200  # nothing was deleted


def test_a_right_current_password_keeps_counting_nothing(api: Api) -> None:
    ann = api.join("Ann")
    for _ in range(throttle.PAIR_LIMIT - 1):
        assert _change_password(api, ann, "a guess", HOME).status_code == 401
    assert _change_password(api, ann, PASSWORD, HOME).status_code == 200
    assert _token(api, ann, "a brand new password", HOME).status_code == 201


def test_an_erased_members_email_signs_up_again(api: Api, client: FlaskClient) -> None:
    ann = api.join("Ann")
    assert api.delete(ann, "/me", json={"password": PASSWORD}).status_code == 204
    again = api.join("Ann")
    assert again.id != ann.id
    me = api.get(again, "/me")
    assert me.status_code == 200
    assert me.json["email"] == "ann@example.com"
    assert api.get(ann, "/me").status_code == 401
    taken = client.post(
        "/api/v1/auth/register",
        json={"email": "ANN@example.com", "password": PASSWORD, "display_name": "A"},
    )
    assert taken.status_code == 409
