"""The weekly review: five signals, reflections, if-then next steps, the last
review's commitments marked kept or missed; my reviews; amending; CSRF; 404s."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Api, Person
from tests.web.helpers import json_of, mentor
from tests.web.pages.conftest import Browsers, field_error, page_of

SIGNALS = {
    "motivation": "2",
    "focus": "3",
    "learning": "4",
    "recognition": "1",
    "satisfaction": "5",
}
REVIEW = {
    **SIGNALS,
    "period": "weekly",
    "went_well": "Gave a *lightning* talk",
    "stuck_on": "No time for the course",
    "lessons": "Block time early",
    "visibility": "mentors",
    "steps-0-if_when": "When I open my laptop on Monday",
    "steps-0-then": "I will apply to one stretch role",
}


def _record_by_api(api: Api, who: Person, *steps: tuple[str, str]) -> Any:
    body = {
        "signals": {name: 3 for name in SIGNALS},
        "commitments": [{"if_when": a, "then": b} for a, b in steps],
    }
    return json_of(api.post(who, "/reviews", json=body), 201)


def _reviews(api: Api, who: Person) -> list[dict[str, Any]]:
    return list(json_of(api.get(who, "/reviews"))["items"])


def test_the_review_form_has_five_rated_signals_prompts_and_next_step_rows(
    browsers: Browsers, pages_api: Api
) -> None:
    response = browsers.of(pages_api.join("Ann")).get("/reviews/new")
    assert response.status_code == 200
    page = page_of(response)
    for name in SIGNALS:
        values = [r["value"] for r in page.select(f"input[type=radio][name={name}]")]
        assert values == ["1", "2", "3", "4", "5"]
        assert page.find(id=f"{name}-hint").get_text().startswith("1 = ")
    text = page.get_text()
    assert "Where am I stuck?" in text and "Lessons from setbacks" in text
    assert page.select_one("input[name='steps-2-then']") is not None
    chosen = page.select_one("select[name=visibility] option[selected]")
    assert chosen is not None and chosen["value"] == "mentors"
    assert "Last time you said" not in text  # no earlier review yet


def test_recording_a_review_lists_it_with_its_signals_and_next_steps(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    browser = browsers.of(ann)
    response = browser.submit("/reviews/new", REVIEW)
    assert response.status_code == 302
    assert response.headers["Location"] == "/reviews"
    [listed] = _reviews(pages_api, ann)
    assert listed["signals"]["recognition"] == 1
    assert listed["visibility"] == "mentors"
    page = browser.get("/reviews").get_data(as_text=True)
    assert (
        "When I open my laptop on Monday, then I will apply to one stretch role" in page
    )
    assert "Gave a <em>lightning</em> talk" in page
    assert "Recognition</span> <strong>1</strong>" in page


@pytest.mark.parametrize("rating", ["0", "6", None])
def test_a_rating_outside_1_to_5_or_missing_is_refused_next_to_its_group(
    browsers: Browsers, pages_api: Api, rating: str | None
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    data = {k: v for k, v in REVIEW.items() if k != "focus"}
    if rating is not None:
        data["focus"] = rating
    before = pages_api.events()
    response = browser.submit("/reviews/new", data)
    assert response.status_code == 422
    assert "Rate focus from 1 to 5" in field_error(response, "focus")
    assert field_error(response, "motivation") == ""
    assert pages_api.events() == before
    kept = page_of(response).select_one("input[name=motivation][checked]")
    assert kept is not None and kept["value"] == "2"


def test_a_next_step_without_its_then_part_is_refused_on_its_row(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    data = {**REVIEW, "steps-0-if_when": "", "steps-0-then": ""}
    data |= {"steps-1-if_when": "When the course opens", "steps-1-then": ""}
    data |= {"steps-2-if_when": "", "steps-2-then": ""}
    before = pages_api.events()
    response = browser.submit("/reviews/new", data)
    assert response.status_code == 422
    assert "then I will" in field_error(response, "steps-1-then")
    assert field_error(response, "steps-0-then") == ""
    assert pages_api.events() == before


def test_another_next_step_row_is_added_without_recording_anything(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    before = pages_api.events()
    response = browser.submit("/reviews/new", {**REVIEW, "add_step": "1"})
    assert response.status_code == 200
    page = page_of(response)
    assert page.select_one("input[name='steps-3-if_when']") is not None
    first = page.select_one("input[name='steps-0-if_when']")["value"]
    assert first == REVIEW["steps-0-if_when"]
    assert pages_api.events() == before


def test_recording_without_the_csrf_token_is_refused(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(pages_api.join("Ann"))
    before = pages_api.events()
    assert browser.post("/reviews/new", REVIEW).status_code == 400
    assert pages_api.events() == before


def test_the_next_review_marks_the_last_reviews_commitments(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    last = _record_by_api(
        pages_api,
        ann,
        ("When I wake up", "I will stretch"),
        ("When I commute", "I will read"),
    )
    stretch, read = (x["id"] for x in last["commitments"])
    browser = browsers.of(ann)
    form = page_of(browser.get("/reviews/new"))
    assert "When I wake up, then I will stretch" in form.get_text()
    response = browser.submit(
        "/reviews/new",
        {
            **REVIEW,
            f"outcome_{stretch.replace('-', '')}": "kept",
            f"outcome_{read.replace('-', '')}": "missed",
        },
    )
    assert response.status_code == 302
    earlier = json_of(pages_api.get(ann, f"/reviews/{last['id']}"))
    assert [x["kept"] for x in earlier["commitments"]] == [True, False]
    page = page_of(browser.get("/reviews"))
    badges = [b.get_text() for b in page.select(".commitments .badge")]
    assert badges == ["Open", "Kept", "Missed"]  # newest review first


def test_an_open_commitment_is_marked_from_my_reviews(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    last = _record_by_api(pages_api, ann, ("When I wake up", "I will stretch"))
    commitment = last["commitments"][0]["id"]
    browser = browsers.of(ann)
    path = f"/reviews/{last['id']}/commitments/{commitment}"
    assert browser.post(path, {"kept": "kept"}).status_code == 400
    response = browser.submit(path, {"kept": "kept"}, page="/reviews")
    assert response.status_code == 302
    earlier = json_of(pages_api.get(ann, f"/reviews/{last['id']}"))
    assert earlier["commitments"][0]["kept"] is True
    again = browser.submit(path, {"kept": "missed"}, page="/reviews")
    assert "already been marked" in browser.get(again.headers["Location"]).get_data(
        as_text=True
    )


def test_amending_a_review_changes_its_signals(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    review = _record_by_api(pages_api, ann)
    browser = browsers.of(ann)
    form = page_of(browser.get(f"/reviews/{review['id']}/amend"))
    checked = form.select_one("input[name=motivation][checked]")
    assert checked is not None and checked["value"] == "3"
    data = {
        **SIGNALS,
        "went_well": "",
        "stuck_on": "",
        "lessons": "",
        "visibility": "private",
    }
    response = browser.submit(f"/reviews/{review['id']}/amend", data)
    assert response.status_code == 302
    [listed] = _reviews(pages_api, ann)
    assert (listed["signals"]["motivation"], listed["visibility"]) == (2, "private")


def test_amending_with_a_rating_of_6_is_refused(
    browsers: Browsers, pages_api: Api
) -> None:
    ann = pages_api.join("Ann")
    review = _record_by_api(pages_api, ann)
    before = pages_api.events()
    response = browsers.of(ann).submit(
        f"/reviews/{review['id']}/amend", {**SIGNALS, "learning": "6"}
    )
    assert response.status_code == 422
    assert "Rate learning from 1 to 5" in field_error(response, "learning")
    assert pages_api.events() == before


def test_my_mentor_sees_none_of_my_review_forms_and_not_my_list(
    browsers: Browsers, pages_api: Api
) -> None:
    ann, bob = pages_api.join("Ann"), pages_api.join("Bob")
    mentor(pages_api, ann, bob)
    review = _record_by_api(pages_api, ann, ("When I wake up", "I will stretch"))
    browser = browsers.of(bob)
    before = pages_api.events()
    amend = f"/reviews/{review['id']}/amend"
    assert browser.get(amend).status_code == 404
    assert browser.submit(amend, SIGNALS, page="/reviews/new").status_code == 404
    mark = f"/reviews/{review['id']}/commitments/{review['commitments'][0]['id']}"
    assert browser.submit(mark, {"kept": "kept"}, page="/reviews").status_code == 404
    assert pages_api.events() == before
    assert "I will stretch" not in browser.get("/reviews").get_data(as_text=True)
    assert "Last time you said" not in browser.get("/reviews/new").get_data(
        as_text=True
    )
