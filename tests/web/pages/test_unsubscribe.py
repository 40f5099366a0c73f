"""One-click unsubscribe (RFC 8058): the link in an email turns exactly its kind off
with a POST of `List-Unsubscribe=One-Click`, with no session and no CSRF token; a GET
only shows the button; a changed or foreign token changes nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from notify.unsubscribe import unsubscribe_token
from service.domain.member import REMINDERS
from system import System
from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from tests.web.pages.conftest import Browsers, page_of

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def link(system: System, who: Person, kind: str) -> str:
    token = unsubscribe_token(system.settings.secret_key, UUID(who.id), kind)
    return f"/unsubscribe/{token}"


def preferences(api: Api, who: Person) -> dict[str, Any]:
    response = api.get(who, "/me")
    assert response.status_code == 200
    prefs: dict[str, Any] = response.get_json()["preferences"]
    return prefs


def history_types(system: System, who: Person) -> list[str]:
    member_id = UUID(who.id)
    return [entry.type for entry in system.app.history(member_id, member_id)]


def test_one_click_turns_the_digest_off_with_no_session_and_no_csrf(
    browsers: Browsers, pages_api: Api, system: System
) -> None:
    ann = pages_api.join("Ann")
    before = preferences(pages_api, ann)
    assert before["digest"] == "weekly"
    response = browsers.anonymous().post(link(system, ann, "digest:member"), ONE_CLICK)
    assert response.status_code == 200
    assert "no longer receive your digest emails" in page_of(response).get_text(" ")
    after = preferences(pages_api, ann)
    assert after["digest"] == "off"
    assert after == {**before, "digest": "off"}  # nothing else changed
    assert history_types(system, ann)[-1] == "NotificationPreferencesChanged"


@pytest.mark.parametrize(
    ("kind", "setting", "words"),
    [
        ("digest:mentor", "mentor_digest", "your mentees' digest emails"),
        ("digest:group", "group_digest", "your groups' digest emails"),
    ],
)
def test_a_mentor_or_group_digest_link_turns_only_that_digest_off(
    browsers: Browsers,
    pages_api: Api,
    system: System,
    kind: str,
    setting: str,
    words: str,
) -> None:
    ann = pages_api.join("Ann")
    before = preferences(pages_api, ann)
    response = browsers.anonymous().post(link(system, ann, kind), ONE_CLICK)
    assert response.status_code == 200
    assert f"no longer receive {words}" in page_of(response).get_text(" ")
    assert preferences(pages_api, ann) == {**before, setting: "off"}


@pytest.mark.parametrize("reminder", REMINDERS)
def test_a_reminder_link_turns_exactly_that_reminder_off(
    browsers: Browsers, pages_api: Api, system: System, reminder: str
) -> None:
    ann = pages_api.join("Ann")
    url = link(system, ann, f"reminder:{reminder}")
    assert browsers.anonymous().post(url, ONE_CLICK).status_code == 200
    after = preferences(pages_api, ann)
    assert after["reminders"] == [r for r in REMINDERS if r != reminder]
    assert after["digest"] == "weekly"
    again = pages_api.events()  # a second click is harmless and records nothing
    assert browsers.anonymous().post(url, ONE_CLICK).status_code == 200
    assert pages_api.events() == again


def test_a_get_shows_a_button_that_posts_one_click_and_changes_nothing(
    browsers: Browsers, pages_api: Api, system: System
) -> None:
    ann = pages_api.join("Ann")
    url = link(system, ann, "reminder:review_due")
    before = pages_api.events()
    browser = browsers.anonymous()
    response = browser.get(url)
    assert response.status_code == 200
    assert pages_api.events() == before
    assert "review_due" in preferences(pages_api, ann)["reminders"]
    form = page_of(response).find("form", method="post")
    assert form is not None and form.find("button") is not None
    sent = {i["name"]: i["value"] for i in form.find_all("input")}
    assert sent == ONE_CLICK  # no CSRF token: the token in the URL authorises it
    assert browser.post(url, sent).status_code == 200
    assert "review_due" not in preferences(pages_api, ann)["reminders"]


def test_a_tampered_or_foreign_token_is_refused_and_appends_nothing(
    browsers: Browsers, pages_api: Api, system: System
) -> None:
    ann, bob = pages_api.join("Ann"), pages_api.join("Bob")
    good = link(system, ann, "digest:member").removeprefix("/unsubscribe/")
    bobs = link(system, bob, "digest:member").removeprefix("/unsubscribe/")
    # Bob's token with Ann's signature, a changed signature, another server's token
    payload, _signature = bobs.rsplit(".", 1)
    forged = [
        payload + "." + good.rsplit(".", 1)[1],
        good[:-3] + ("xyz" if not good.endswith("xyz") else "abc"),
        unsubscribe_token("another server's secret key", UUID(ann.id), "digest:member"),
        "not-a-token",
    ]
    before = pages_api.events()
    browser = browsers.anonymous()
    for token in forged:
        for response in (
            browser.get(f"/unsubscribe/{token}"),
            browser.post(f"/unsubscribe/{token}", ONE_CLICK),
        ):
            assert 400 <= response.status_code < 500, token
    assert pages_api.events() == before
    assert preferences(pages_api, ann)["digest"] == "weekly"
    assert preferences(pages_api, bob)["digest"] == "weekly"


def test_a_post_without_the_one_click_body_changes_nothing(
    browsers: Browsers, pages_api: Api, system: System
) -> None:
    ann = pages_api.join("Ann")
    before = pages_api.events()
    response = browsers.anonymous().post(link(system, ann, "digest:member"), {})
    assert response.status_code == 400
    assert pages_api.events() == before


def test_an_erased_members_link_is_not_found(
    browsers: Browsers, pages_api: Api, system: System
) -> None:
    ann = pages_api.join("Ann")
    url = link(system, ann, "digest:member")
    erased = pages_api.delete(ann, "/me", json={"password": PASSWORD})
    assert erased.status_code in (200, 204), erased.get_data(as_text=True)
    before = pages_api.events()
    browser = browsers.anonymous()
    assert browser.get(url).status_code == 404
    assert browser.post(url, ONE_CLICK).status_code == 404
    assert pages_api.events() == before
