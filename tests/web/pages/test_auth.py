"""Sign up, sign in, sign out; sessions end with a password change; CSRF; headers."""

from __future__ import annotations

from uuid import UUID

from service import commands as c
from service.clock import FixedClock
from tests.conftest import PASSWORD
from tests.web.conftest import Api
from tests.web.pages.conftest import Browsers, field_error, form_errors, page_of
from web import throttle

SIGNUP = {
    "display_name": "Ann Example",
    "email": "ann@example.com",
    "password": PASSWORD,
    "timezone": "Europe/Paris",
}


def test_a_visitor_signs_up_and_lands_on_their_dashboard(browsers: Browsers) -> None:
    browser = browsers.anonymous()
    response = browser.submit("/signup", SIGNUP)
    assert response.status_code == 302
    dashboard = browser.get(response.headers["Location"])
    assert dashboard.status_code == 200
    assert "Ann Example" in dashboard.get_data(as_text=True)


def test_sign_up_with_a_short_password_shows_the_error_and_creates_nothing(
    browsers: Browsers, pages_api: Api
) -> None:
    before = pages_api.events()
    response = browsers.anonymous().submit("/signup", {**SIGNUP, "password": "short"})
    assert response.status_code == 422
    assert "at least 10" in field_error(response, "password")
    assert pages_api.events() == before


def test_sign_up_with_a_taken_email_says_so(browsers: Browsers, pages_api: Api) -> None:
    pages_api.join("Ann")
    before = pages_api.events()
    response = browsers.anonymous().submit("/signup", SIGNUP)
    assert response.status_code == 422
    assert "email" in (field_error(response, "email") + form_errors(response)).lower()
    assert pages_api.events() == before


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.anonymous()
    response = browser.sign_in(ann, password="not the password")
    assert response.status_code == 422
    assert "Wrong email or password" in form_errors(response)
    assert browser.get("/").status_code == 302


def test_signing_in_returns_to_the_page_asked_for_but_never_off_site(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    for asked, expected in [("/journal", "/journal"), ("//evil.example/x", "/")]:
        browser = browsers.anonymous()
        response = browser.submit(
            f"/signin?next={asked}",
            {"email": ann.email, "password": PASSWORD},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == expected


def test_sign_out_needs_the_csrf_token_and_then_ends_the_session(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    assert browser.post("/signout").status_code == 400
    assert browser.get("/").status_code == 200
    assert browser.submit("/signout", {}, page="/").status_code == 302
    assert browser.get("/").status_code == 302


def test_a_password_change_ends_other_sessions(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    pages_api.system.write(
        c.ChangePassword(UUID(ann.id), PASSWORD, "a brand new password")
    )
    assert browser.get("/").status_code == 302


def test_pages_carry_a_strict_content_security_policy_and_no_inline_script(
    browsers: Browsers,
) -> None:
    response = browsers.anonymous().get("/signin")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert page_of(response).find("script", src=False) is None


def test_the_session_cookie_is_http_only_and_same_site_lax(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    response = browsers.anonymous().sign_in(ann)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_sign_in_page_is_throttled_like_the_api(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.anonymous()
    for _ in range(throttle.PAIR_LIMIT):
        assert browser.sign_in(ann, password="not the password").status_code == 422
    refused = browser.sign_in(ann)
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in form_errors(refused)
    clock.advance(minutes=15)
    assert browser.sign_in(ann).status_code == 302
