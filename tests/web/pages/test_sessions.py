"""Sessions end (SPEC 9): a session cookie copied before sign-out, a password change
or the account's deletion opens nothing afterwards, on any browser."""

from __future__ import annotations

from flask import Flask

from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from tests.web.pages.conftest import Browser, Browsers

NEW_PASSWORD = "a brand new password"


COOKIES = ("session", "remember_token")


def _cookies(browser: Browser, names: tuple[str, ...] = COOKIES) -> dict[str, str]:
    """The browser's session cookie, and its "remember me" cookie if set."""
    found = {name: browser.client.get_cookie(name) for name in names}
    return {name: cookie.value for name, cookie in found.items() if cookie}


def _browser_with(app: Flask, cookies: dict[str, str]) -> Browser:
    """A fresh browser holding copies of `cookies` (as a thief would)."""
    browser = Browser(app)
    for name, value in cookies.items():
        browser.client.set_cookie(name, value)
    return browser


def _shut_out(browser: Browser) -> bool:
    """The dashboard sends this browser to the sign-in page."""
    response = browser.get("/")
    return response.status_code == 302 and response.headers["Location"].startswith(
        "/signin"
    )


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(
    browsers: Browsers, pages_api: Api, web_app: Flask
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    copied = _cookies(browser)
    assert not _shut_out(_browser_with(web_app, copied))  # the copy works until…
    assert browser.submit("/signout", {}, page="/").status_code == 302
    assert _shut_out(browser)
    assert _shut_out(_browser_with(web_app, copied))


def test_signing_out_ends_the_sessions_on_every_other_browser_too(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    laptop, phone = browsers.of(ann), browsers.of(ann)
    assert laptop.submit("/signout", {}, page="/").status_code == 302
    assert _shut_out(phone)


def test_a_remembered_session_copied_before_sign_out_opens_nothing(
    browsers: Browsers, pages_api: Api, web_app: Flask
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.anonymous()
    signed_in = browser.submit(
        "/signin", {"email": ann.email, "password": PASSWORD, "remember": "y"}
    )
    assert signed_in.status_code == 302
    remembered = _cookies(browser, ("remember_token",))
    assert remembered, "the sign-in set no remember-me cookie"
    assert not _shut_out(_browser_with(web_app, remembered))
    browser.submit("/signout", {}, page="/")
    assert _shut_out(_browser_with(web_app, remembered))


def test_after_signing_out_the_member_signs_in_again(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    browser.submit("/signout", {}, page="/")
    assert browser.sign_in(ann).status_code == 302
    assert browser.get("/").status_code == 200
    assert browsers.of(ann).get("/").status_code == 200


def _change_password(browser: Browser) -> int:
    return browser.submit(
        "/settings/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
        page="/settings",
    ).status_code


def test_a_cookie_copied_before_a_password_change_opens_nothing_after_it(
    browsers: Browsers, pages_api: Api, web_app: Flask
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    copied = _cookies(browser)
    assert _change_password(browser) == 302
    assert browser.get("/").status_code == 200  # this browser stays signed in
    assert _shut_out(_browser_with(web_app, copied))


def test_a_cookie_copied_before_the_account_was_deleted_opens_nothing(
    browsers: Browsers, pages_api: Api, web_app: Flask
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    copied = _cookies(browser)
    deleted = browser.submit("/settings/delete", {"password": PASSWORD})
    assert deleted.status_code == 200
    assert _shut_out(browser)
    assert _shut_out(_browser_with(web_app, copied))


def test_signing_out_leaves_the_members_api_tokens_alone(
    browsers: Browsers, pages_api: Api
) -> None:
    ann: Person = pages_api.join("Ann")
    browsers.of(ann).submit("/signout", {}, page="/")
    assert pages_api.get(ann, "/me").status_code == 200
