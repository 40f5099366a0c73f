"""Lockout is not a weapon, on the pages: guesses from elsewhere do not keep a member
out of the sign-in page at home, and wrong current passwords on the settings forms
count as failed sign-ins."""

from __future__ import annotations

from typing import Any

from service.clock import FixedClock
from tests.conftest import PASSWORD
from tests.web.conftest import Api
from tests.web.pages.conftest import Browser, Browsers, field_error, form_errors
from web import throttle

HOME = "192.0.2.10"


def _sign_in_from(browser: Browser, email: str, password: str, address: str) -> Any:
    return browser.submit(
        "/signin",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_guesses_from_many_addresses_do_not_keep_the_owner_out_at_home(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann = pages_api.join("Ann")
    home = browsers.anonymous()
    assert _sign_in_from(home, ann.email, PASSWORD, HOME).status_code == 302
    home.submit("/signout", {}, page="/")
    attacker = browsers.anonymous()
    for n in range(throttle.ACCOUNT_FREE):
        wrong = _sign_in_from(attacker, ann.email, "a guess", f"203.0.113.{n}")
        assert wrong.status_code == 422
    refused = _sign_in_from(attacker, ann.email, PASSWORD, "203.0.113.99")
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in form_errors(refused)
    assert int(refused.headers["Retry-After"]) > 0
    assert _sign_in_from(home, ann.email, PASSWORD, HOME).status_code == 302
    assert home.get("/").status_code == 200


def _change_password(browser: Browser, current: str) -> Any:
    new = "a brand new password"
    return browser.submit(
        "/settings/password",
        {"current_password": current, "new_password": new, "new_password_again": new},
        page="/settings",
    )


def test_wrong_current_passwords_on_the_password_form_count_as_failed_sign_ins(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    for _ in range(throttle.PAIR_LIMIT):
        assert _change_password(browser, "a guess").status_code == 422
    refused = _change_password(browser, PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many" in field_error(refused, "current_password")
    assert browsers.anonymous().sign_in(ann).status_code == 429  # same address
    assert pages_api.get(ann, "/me").status_code == 200


def test_wrong_passwords_on_the_delete_form_count_too(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    for _ in range(throttle.PAIR_LIMIT):
        wrong = browser.submit("/settings/delete", {"password": "a guess"})
        assert wrong.status_code == 422
    refused = browser.submit("/settings/delete", {"password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many" in field_error(refused, "password")
    assert browser.get("/settings").status_code == 200  # nothing was deleted


def test_a_form_refused_before_the_password_is_checked_counts_nothing(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    for _ in range(throttle.PAIR_LIMIT + 1):  # neither a failure…
        empty = browser.submit("/settings/delete", {"password": ""})
        assert "Enter your password" in field_error(empty, "password")
    assert browsers.anonymous().sign_in(ann).status_code == 302
    for _ in range(throttle.PAIR_LIMIT - 1):
        assert browser.submit("/settings/delete", {"password": "x"}).status_code == 422
    browser.submit("/settings/delete", {"password": ""})  # …nor a success
    assert browser.submit("/settings/delete", {"password": "x"}).status_code == 422
    assert browser.submit("/settings/delete", {"password": "x"}).status_code == 429
