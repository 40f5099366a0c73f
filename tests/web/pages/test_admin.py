"""The admin page: only admins reach it (404 for everyone else, its forms too);
accounts with their roles, granting and revoking the admin role, the read models'
lag, the audit chain check and the JSON Lines export."""

from __future__ import annotations

import json

import pytest
from bs4 import Tag

from projections.audit import ChainCheck, Problem
from service import commands as c
from tests.web.conftest import Api, Person
from tests.web.helpers import set_goal
from tests.web.pages.conftest import Browser, Browsers, field_error, page_of
from web.pages import admin as admin_pages

POSTS = ("/admin/roles/grant", "/admin/roles/revoke")


def make_admin(api: Api, name: str = "Ada") -> Person:
    """A member the operator made an admin on the command line."""
    admin = api.join(name)
    api.system.write(c.GrantRole(None, admin.email))
    return admin


def section(browser: Browser, section_id: str, path: str = "/admin") -> Tag:
    """One section of the admin page."""
    found = page_of(browser.get(path)).find(id=section_id)
    assert isinstance(found, Tag), f"no section {section_id}"
    return found


def test_a_member_who_is_not_an_admin_finds_no_admin_page(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, bob = pages_api.join("Ann"), pages_api.join("Bob")
    browser = browsers.of(ann)
    for path in ("/admin", "/admin/audit/export", "/admin?verify=1"):
        assert browser.get(path).status_code == 404, path
    before = pages_api.events()
    for path in POSTS:
        response = browser.submit(path, {"email": bob.email}, page="/settings")
        assert response.status_code == 404, path
    assert browser.submit(POSTS[0], {"email": ann.email}, page="/").status_code == 404
    assert pages_api.events() == before
    assert "Admin" not in [
        a.get_text() for a in page_of(browser.get("/")).find_all("a")
    ]


def test_a_visitor_is_sent_to_sign_in(browsers: Browsers) -> None:
    response = browsers.anonymous().get("/admin")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")


def test_an_admin_sees_accounts_with_roles_and_the_read_models_lag(
    browsers: Browsers, pages_api: Api
) -> None:
    ada = make_admin(pages_api)
    pages_api.join("Ann")
    browser = browsers.of(ada)
    response = browser.get("/admin")
    assert response.status_code == 200
    accounts = section(browser, "accounts").get_text(" ")
    assert "ada@example.com" in accounts and "ann@example.com" in accounts
    rows = {
        row.th.get_text(): row.get_text(" ")
        for row in section(browser, "accounts").find_all("tr")
        if row.th and row.th.get("scope") == "row"
    }
    assert "admin" in rows["Ada"] and "admin" not in rows["Ann"].replace(
        "Grant admin", ""
    )
    lag = section(browser, "lag")
    names = [th.get_text() for th in lag.find_all("th", scope="row")]
    assert {"relations", "audit", "journal"} <= set(names)
    assert "up to date" in lag.get_text()
    assert str(pages_api.events()) in lag.get_text()


def test_an_admin_verifies_the_audit_chain(browsers: Browsers, pages_api: Api) -> None:
    browser = browsers.of(make_admin(pages_api))
    assert "Intact" not in section(browser, "audit").get_text()
    audit = section(browser, "audit", "/admin?verify=1").get_text(" ")
    assert "Intact" in audit
    assert f"{pages_api.events()} events checked" in audit


def test_a_broken_chain_shows_each_problem_at_its_position(
    browsers: Browsers, pages_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = ChainCheck(
        checked=3,
        first_break=4,
        reason="the stored event was changed",
        problems=(
            Problem(4, "altered", "the stored event was changed"),
            Problem(8, "malformed", "the stored event's state is NULL"),
        ),
        problem_count=2,
    )
    monkeypatch.setattr(admin_pages, "verify", lambda *args: broken)
    browser = browsers.of(make_admin(pages_api))
    audit = section(browser, "audit", "/admin?verify=1")
    assert "Broken" in audit.get_text()
    assert "log position 4" in audit.get_text(" ")
    rows = audit.find(id="audit-problems").find("tbody").find_all("tr")
    assert [
        [cell.get_text() for cell in row.find_all(["th", "td"])] for row in rows
    ] == [
        ["4", "altered", "the stored event was changed"],
        ["8", "malformed", "the stored event's state is NULL"],
    ]


def test_an_admin_grants_the_role_and_the_new_admin_reaches_the_page(
    browsers: Browsers, pages_api: Api
) -> None:
    ada, bob = make_admin(pages_api), pages_api.join("Bob")
    bobs = browsers.of(bob)
    assert bobs.get("/admin").status_code == 404
    response = browsers.of(ada).submit("/admin/roles/grant", {"email": bob.email})
    assert response.status_code == 302
    assert bobs.get("/admin").status_code == 200
    holders = section(bobs, "accounts").find("ul")
    assert isinstance(holders, Tag)
    assert "bob@example.com" in holders.get_text()


def test_granting_to_an_unknown_email_says_so_next_to_the_field(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(make_admin(pages_api))
    before = pages_api.events()
    for email, message in [
        ("nobody@example.com", "No member is registered"),
        ("not an email", "valid email"),
    ]:
        response = browser.submit("/admin/roles/grant", {"email": email}, page="/admin")
        assert response.status_code == 422
        assert message in field_error(response, "email")
    assert pages_api.events() == before


def test_an_admin_revokes_a_role_and_revoking_their_own_leaves_the_page(
    browsers: Browsers, pages_api: Api
) -> None:
    ada, bob = make_admin(pages_api), make_admin(pages_api, "Bob")
    browser = browsers.of(ada)
    response = browser.submit("/admin/roles/revoke", {"email": bob.email})
    assert response.status_code == 302
    assert browsers.of(bob).get("/admin").status_code == 404
    own = browser.submit("/admin/roles/revoke", {"email": ada.email}, page="/admin")
    assert own.status_code == 302
    assert own.headers["Location"] == "/"
    assert browser.get("/admin").status_code == 404


@pytest.mark.parametrize("path", POSTS)
def test_an_admin_post_without_the_csrf_token_is_refused(
    browsers: Browsers, pages_api: Api, path: str
) -> None:
    ada, bob = make_admin(pages_api), make_admin(pages_api, "Bob")
    before = pages_api.events()
    assert browsers.of(ada).post(path, {"email": bob.email}).status_code == 400
    assert pages_api.events() == before


def test_the_audit_export_downloads_json_lines_without_others_private_content(
    browsers: Browsers, pages_api: Api
) -> None:
    ada, ann = make_admin(pages_api), pages_api.join("Ann")
    set_goal(pages_api, ann, "private", title="Apply for the secret startup job")
    response = browsers.of(ada).get("/admin/audit/export")
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = response.get_data(as_text=True)
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["position"] for line in lines] == list(
        range(1, pages_api.events() + 1)
    )
    assert "secret startup" not in text
