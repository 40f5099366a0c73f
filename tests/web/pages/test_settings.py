"""The settings page: each section saves and shows its new value; bad input is a
422 with the error next to the field and appends nothing; CSRF; the password change
keeps this browser signed in and ends the others; export; deleting the account."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest
from bs4 import Tag

from projections.relations import member_names
from tests.conftest import PASSWORD
from tests.web.conftest import Api
from tests.web.helpers import set_goal, share_group
from tests.web.pages.conftest import (
    Browser,
    Browsers,
    field_error,
    form_errors,
    page_of,
)

NEW_PASSWORD = "a brand new passphrase"
REMINDER_SETTINGS = ("mentor_digest", "group_digest", "review_weekday")


def form_values(browser: Browser, action: str) -> dict[str, Any]:
    """What the settings page's form posting to `action` would send unchanged (a
    group of checkboxes as the list of its values, the empty hidden one first)."""
    page = page_of(browser.get("/settings"))
    form = page.find("form", action=action)
    assert isinstance(form, Tag), f"no form posting to {action}"
    sent: dict[str, list[str]] = {}
    groups = {box.get("name") for box in form.find_all("input", type="checkbox")}
    for control in form.find_all(["input", "select", "textarea"]):
        name = control.get("name")
        if not name or name == "csrf_token":
            continue
        if control.name == "select":
            chosen = control.find("option", selected=True) or control.find("option")
            value = chosen.get("value", "") if chosen else ""
        elif control.name == "textarea":
            value = control.get_text().removeprefix("\r\n").removeprefix("\n")
        elif control.get("type") == "checkbox" and not control.has_attr("checked"):
            continue
        else:
            value = control.get("value", "")
        sent.setdefault(name, []).append(value)
    return {k: v if k in groups else v[0] for k, v in sent.items()}


def ticked(browser: Browser) -> list[str]:
    """The reminders ticked on the settings page."""
    return [r for r in form_values(browser, "/settings")["reminders"] if r]


def save(browser: Browser, **changes: Any) -> Any:
    """Submit the settings form as shown, with `changes`."""
    data = {**form_values(browser, "/settings"), **changes}
    return browser.submit("/settings", data)


def selected(browser: Browser, name: str) -> str:
    """The option selected in the select named `name` on the settings page."""
    control = page_of(browser.get("/settings")).find("select", attrs={"name": name})
    assert isinstance(control, Tag)
    chosen = control.find("option", selected=True)
    return str(chosen["value"]) if isinstance(chosen, Tag) else ""


def test_a_visitor_is_sent_to_sign_in(browsers: Browsers) -> None:
    response = browsers.anonymous().get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")


def test_the_page_shows_my_account_as_it_is(browsers: Browsers, pages_api: Api) -> None:
    ann = pages_api.join("Ann", timezone="Europe/Paris")
    browser = browsers.of(ann)
    response = browser.get("/settings")
    assert response.status_code == 200
    values = form_values(browser, "/settings")
    assert values["display_name"] == "Ann"
    assert values["timezone"] == "Europe/Paris"
    assert values["weekly_target"] == "3"
    assert values["digest"] == "weekly"
    assert len(ticked(browser)) == 5
    assert page_of(response).find_all("h1")[0].get_text() == "Settings"


@pytest.mark.parametrize(
    ("changes", "field", "shown"),
    [
        ({"display_name": "Ann Lee", "headline": "Aiming for staff"}, "headline", ""),
        ({"timezone": "America/Toronto"}, "timezone", "America/Toronto"),
        ({"weekly_target": "5"}, "weekly_target", "5"),
        ({"aspirations": "Lead a platform team"}, "aspirations", ""),
        ({"digest": "daily", "digest_hour": "18"}, "digest_hour", "18"),
        ({"quiet_start": "", "quiet_end": ""}, "quiet_start", ""),
        ({"quiet_start": "22", "quiet_end": "6"}, "quiet_end", "6"),
    ],
)
def test_each_setting_saves_and_the_page_shows_the_new_value(
    browsers: Browsers,
    pages_api: Api,
    changes: dict[str, str],
    field: str,
    shown: str,
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    before = pages_api.events()
    response = save(browser, **changes)
    assert response.status_code == 302, form_errors(response)
    assert pages_api.events() > before
    values = form_values(browser, "/settings")
    for name, value in changes.items():
        assert values[name] == value
    assert values[field] == (shown or changes[field])


def test_unticking_reminders_keeps_only_the_ticked_ones(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    response = save(browser, reminders=["", "review_due", "inactivity"])
    assert response.status_code == 302
    assert ticked(browser) == ["review_due", "inactivity"]
    assert save(browser, reminders=[""]).status_code == 302
    assert ticked(browser) == []


def test_saving_without_changes_records_nothing(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    before = pages_api.events()
    response = save(browser)
    assert response.status_code == 302
    assert pages_api.events() == before
    assert "Nothing changed" in browser.get("/settings").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "IANA"),
        ({"weekly_target": "0"}, "weekly_target", "between 1 and 50"),
        ({"weekly_target": "many"}, "weekly_target", "integer"),
        ({"quiet_start": "25"}, "quiet_start", "0 to 23"),
        ({"quiet_start": "", "quiet_end": "6"}, "quiet_start", "both ends"),
        ({"digest_hour": "24"}, "digest_hour", "0 to 23"),
        ({"display_name": ""}, "display_name", "Display name"),
    ],
)
def test_bad_settings_show_the_error_next_to_the_field_and_change_nothing(
    browsers: Browsers,
    pages_api: Api,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    before = pages_api.events()
    data = {**form_values(browser, "/settings"), "headline": "Typed, not lost"}
    response = browser.submit("/settings", {**data, **changes})
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert pages_api.events() == before
    typed = page_of(response).find("input", attrs={"name": "headline"})
    assert isinstance(typed, Tag) and typed["value"] == "Typed, not lost"
    assert form_values(browser, "/settings")["headline"] == ""


def test_a_post_without_the_csrf_token_is_refused(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    before = pages_api.events()
    forged = [
        ("/settings", {"weekly_target": "7"}),
        ("/settings/away", {"starts_on": "2026-04-01", "ends_on": "2026-04-03"}),
        ("/settings/password", {"current_password": PASSWORD}),
        ("/settings/delete", {"password": PASSWORD}),
    ]
    for path, data in forged:
        assert browser.post(path, data).status_code == 400, path
    assert pages_api.events() == before
    assert browsers.anonymous().sign_in(ann).status_code == 302


def test_days_away_are_added_listed_and_cancelled(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    added = browser.submit(
        "/settings/away",
        {"starts_on": "2026-04-01", "ends_on": "2026-04-10", "reason": "sick_leave"},
        page="/settings",
    )
    assert added.status_code == 302
    page = page_of(browser.get("/settings"))
    away = page.find(id="away")
    assert isinstance(away, Tag)
    assert "2026-04-10" in away.get_text() and "Sick leave" in away.get_text()
    cancel = away.find("form", action=lambda a: a and a.endswith("/cancel"))
    assert isinstance(cancel, Tag)
    before = pages_api.events()
    response = browser.submit(str(cancel["action"]), {}, page="/settings")
    assert response.status_code == 302
    after = pages_api.events()
    assert after > before
    assert "2026-04-10" not in browser.get("/settings").get_data(as_text=True)
    again = browser.submit(str(cancel["action"]), {}, page="/settings")
    assert again.status_code == 422
    assert "no such away period" in again.get_data(as_text=True)
    assert pages_api.events() == after


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"starts_on": "2026-04-10", "ends_on": "2026-04-01"},
            "ends_on",
            "cannot end before it starts",
        ),
        ({"starts_on": "2026-04-10", "ends_on": ""}, "ends_on", "required"),
        (
            {"starts_on": "2026-04-01", "ends_on": "2026-04-02", "reason": "bored"},
            "reason",
            "Reason",
        ),
    ],
)
def test_a_bad_away_period_shows_the_error_next_to_the_field(
    browsers: Browsers,
    pages_api: Api,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    before = pages_api.events()
    response = browser.submit(
        "/settings/away", {"reason": "holiday", **data}, page="/settings"
    )
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert pages_api.events() == before


def test_an_overlapping_away_period_is_refused_above_the_form(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    period = {"starts_on": "2026-04-01", "ends_on": "2026-04-10", "reason": "holiday"}
    assert browser.submit("/settings/away", period, page="/settings").status_code == 302
    before = pages_api.events()
    response = browser.submit(
        "/settings/away", {**period, "starts_on": "2026-04-05"}, page="/settings"
    )
    assert response.status_code == 422
    assert "overlaps" in form_errors(response)
    assert pages_api.events() == before


def _change_password(browser: Browser, current: str, new: str, again: str) -> Any:
    return browser.submit(
        "/settings/password",
        {"current_password": current, "new_password": new, "new_password_again": again},
        page="/settings",
    )


def test_a_password_change_keeps_this_browser_and_ends_other_sessions(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    here, elsewhere = browsers.of(ann), browsers.of(ann)
    response = _change_password(here, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert here.get("/settings").status_code == 200
    assert elsewhere.get("/settings").status_code == 302
    assert browsers.anonymous().sign_in(ann).status_code == 422
    assert browsers.anonymous().sign_in(ann, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "again", "field", "message"),
    [
        ("not my password", NEW_PASSWORD, NEW_PASSWORD, "current_password", "wrong"),
        (PASSWORD, "short", "short", "new_password", "at least 10"),
        (PASSWORD, NEW_PASSWORD, "something else", "new_password_again", "differ"),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(
    browsers: Browsers,
    pages_api: Api,
    current: str,
    new: str,
    again: str,
    field: str,
    message: str,
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    before = pages_api.events()
    response = _change_password(browser, current, new, again)
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert pages_api.events() == before
    assert browser.get("/settings").status_code == 200
    assert browsers.anonymous().sign_in(ann).status_code == 302


def test_export_downloads_my_data_as_json_with_my_goal_in_it(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    set_goal(pages_api, ann, "private", title="Give a talk at the spring meetup")
    response = browsers.of(ann).get("/settings/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.get_data(as_text=True))
    assert document["member_id"] == ann.id
    titles = [row["title"] for row in document["read_models"]["rm_goals"]]
    assert titles == ["Give a talk at the spring meetup"]
    api_export = pages_api.get(ann, "/me/export").get_json()
    assert document["events"] == api_export["events"]


def _erase_account(browser: Browser, password: str) -> Any:
    return browser.submit("/settings/delete", {"password": password})


def test_deleting_my_account_signs_me_out_for_good(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    assert browser.get("/settings/delete").status_code == 200
    response = _erase_account(browser, PASSWORD)
    assert response.status_code == 200
    assert page_of(response).h1 is not None
    assert page_of(response).h1.get_text() == "Goodbye"
    assert browser.get("/settings").status_code == 302
    assert browsers.anonymous().sign_in(ann).status_code == 422
    assert pages_api.get(ann, "/me").status_code == 401
    with pages_api.system.read() as conn:
        assert member_names(conn, [ann.id]) == {}


@pytest.mark.parametrize(
    ("password", "message"),
    [("not my password", "wrong"), ("", "Enter your password")],
)
def test_deleting_with_a_wrong_password_deletes_nothing(
    browsers: Browsers, pages_api: Api, password: str, message: str
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    before = pages_api.events()
    response = _erase_account(browser, password)
    assert response.status_code == 422
    assert message in field_error(response, "password")
    assert pages_api.events() == before
    assert browser.get("/settings").status_code == 200


def test_the_last_facilitator_of_a_group_is_told_to_name_another_first(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, bob = pages_api.join("Ann"), pages_api.join("Bob")
    share_group(pages_api, ann, bob)
    browser = browsers.of(ann)
    before = pages_api.events()
    response = _erase_account(browser, PASSWORD)
    assert response.status_code == 422
    assert "last facilitator" in form_errors(response)
    assert pages_api.events() == before


def test_mentor_and_group_digests_and_the_review_day_save_and_show(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    before = pages_api.events()
    response = save(
        browser, mentor_digest="off", group_digest="daily", review_weekday="6"
    )
    assert response.status_code == 302, form_errors(response)
    assert pages_api.events() > before
    prefs = pages_api.get(ann, "/me").get_json()["preferences"]
    chosen = (prefs["mentor_digest"], prefs["group_digest"], prefs["review_weekday"])
    assert chosen == ("off", "daily", 6)
    assert prefs["digest"] == "weekly", "the member's own digest is left alone"
    member = pages_api.system.app.get_member(UUID(ann.id))
    assert {k: member.preferences[k] for k in REMINDER_SETTINGS} == {
        "mentor_digest": "off",
        "group_digest": "daily",
        "review_weekday": 6,
    }
    assert selected(browser, "mentor_digest") == "off"
    assert selected(browser, "group_digest") == "daily"
    assert selected(browser, "review_weekday") == "6"
    shown = page_of(browser.get("/settings")).find(
        "select", attrs={"name": "review_weekday"}
    )
    assert isinstance(shown, Tag)
    sunday = shown.find("option", selected=True)
    assert isinstance(sunday, Tag) and sunday.get_text(strip=True) == "Sunday"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"review_weekday": "9"}, "review_weekday", "from 0 to 6"),
        ({"review_weekday": "-1"}, "review_weekday", "from 0 to 6"),
        ({"mentor_digest": "hourly"}, "mentor_digest", "off, daily, weekly"),
        ({"group_digest": "monthly"}, "group_digest", "off, daily, weekly"),
    ],
)
def test_a_bad_digest_or_review_day_is_refused_and_records_nothing(
    browsers: Browsers,
    pages_api: Api,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    before = pages_api.events()
    response = save(browser, **{"group_digest": "daily", **changes})
    assert response.status_code == 422
    assert message in field_error(response, field)
    assert pages_api.events() == before
    prefs = pages_api.get(ann, "/me").get_json()["preferences"]
    assert (prefs["mentor_digest"], prefs["group_digest"]) == ("weekly", "weekly")
    assert prefs["review_weekday"] == 4
    assert selected(browser, "group_digest") == "weekly"
