"""The group pages: my groups, create, invite and join by link, the board with its
wins, and the facilitators' tools — each person in their own browser."""

from __future__ import annotations

from urllib.parse import urlsplit
from uuid import UUID

from werkzeug.test import TestResponse

from service import commands as c
from service.clock import FixedClock
from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from tests.web.helpers import log, share_group
from tests.web.pages.conftest import (
    Browser,
    Browsers,
    field_error,
    form_errors,
    page_of,
)


def _create(browser: Browser, name: str = "Career changers") -> str:
    """Create a group through the form; the path of its board."""
    created = browser.submit("/groups", {"name": name, "purpose": "Move *on*"})
    assert created.status_code == 302, created.get_data(as_text=True)
    return urlsplit(created.headers["Location"]).path


def _invite_link(browser: Browser, board: str) -> str:
    """Create an invitation on the board; the join link it shows."""
    invited = browser.submit(f"{board}/invitations", {}, page=board)
    assert invited.status_code == 302, invited.get_data(as_text=True)
    shown = page_of(browser.get(board)).find(id="invitation-url")
    assert shown is not None
    return str(shown["value"])


def _local(link: str) -> str:
    """The path and query of an absolute link."""
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def _press(browser: Browser, page: str, action: str) -> TestResponse:
    """Press the button of the form posting to `action` on `page`, sending the
    form's hidden fields as they are (as a browser would)."""
    form = page_of(browser.get(page)).find("form", action=action)
    assert form is not None, f"no form posting to {action} on {page}"
    hidden = {
        str(i["name"]): str(i.get("value", ""))
        for i in form.find_all("input", type="hidden")
    }
    response: TestResponse = browser.client.post(action, data=hidden)
    return response


def _join(browser: Browser, join_page: str) -> TestResponse:
    """Press "Join" on the join page."""
    return _press(browser, join_page, "/groups/join")


def _token(api: Api, facilitator: Person, group_id: UUID) -> str:
    invited = api.system.write(c.InviteToGroup(UUID(facilitator.id), group_id))
    return str(invited.extra["token"])


def test_facilitator_invites_by_link_and_the_new_member_joins_and_sees_the_board(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann = pages_api.join("Fay"), pages_api.join("Ann")
    fay_browser, ann_browser = browsers.of(fay), browsers.of(ann)
    board = _create(fay_browser)
    created = fay_browser.get(board)
    assert created.status_code == 200
    assert "Career changers" in page_of(created).h1.get_text()
    assert "<em>on</em>" in created.get_data(as_text=True)  # purpose as Markdown

    link = _invite_link(fay_browser, board)
    assert link.startswith("http://localhost/groups/join?token=")
    assert page_of(fay_browser.get(board)).find(id="invitation-url") is None  # once

    invitation = ann_browser.get(_local(link))
    assert invitation.status_code == 200
    assert page_of(invitation).h1.get_text(strip=True) == "Join Career changers"
    joined = _join(ann_browser, _local(link))
    assert joined.status_code == 302
    assert urlsplit(joined.headers["Location"]).path == board
    seen = ann_browser.get(board)
    assert seen.status_code == 200
    rows = [th.get_text(" ", strip=True) for th in page_of(seen).select("tbody th")]
    assert sorted(r.split()[0] for r in rows) == ["Ann", "Fay"]
    mine = page_of(ann_browser.get("/groups")).select("ul.list-plain li")
    assert [li.get_text(" ", strip=True).split(" Move")[0] for li in mine] == [
        "Career changers Member"
    ]


def test_the_invitation_link_says_it_expires_in_14_days(
    browsers: Browsers, pages_api: Api
) -> None:
    fay_browser = browsers.of(pages_api.join("Fay"))
    board = _create(fay_browser)
    invited = fay_browser.submit(f"{board}/invitations", {}, page=board)
    shown = page_of(fay_browser.get(invited.headers["Location"]))
    expiry = shown.find(id="invitation-expiry")
    assert expiry is not None
    assert "expires in 14 days, on Monday 16 March 2026" in expiry.get_text(" ")
    assert "Facilitator" in page_of(fay_browser.get("/groups")).get_text(" ")


def test_creating_a_group_without_a_name_shows_the_error_and_appends_nothing(
    browsers: Browsers, pages_api: Api
) -> None:
    browser = browsers.of(pages_api.join("Fay"))
    before = pages_api.events()
    refused = browser.submit("/groups", {"name": "  ", "purpose": "Move on"})
    assert refused.status_code == 422
    assert field_error(refused, "name")
    assert pages_api.events() == before
    assert "not in a peer group yet" in page_of(refused).get_text(" ")


def test_a_non_member_gets_404_on_every_page_and_post_of_the_group(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann, bob = (pages_api.join(n) for n in ("Fay", "Ann", "Bob"))
    group = share_group(pages_api, fay, ann)
    bob_browser = browsers.of(bob)
    board = f"/groups/{group}"
    for path in (board, f"{board}/leave", f"{board}/members/{ann.id}/remove"):
        assert bob_browser.get(path).status_code == 404, path
    before = pages_api.events()
    for path, data in [
        (f"{board}/invitations", {}),
        (f"{board}/buddies", {"pair-member_a": fay.id, "pair-member_b": ann.id}),
        (f"{board}/facilitators", {"lead-member_id": ann.id}),
        (f"{board}/buddies/{ann.id}/unpair", {}),
        (f"{board}/members/{ann.id}/remove", {}),
        (f"{board}/leave", {}),
    ]:
        refused = bob_browser.submit(path, data, page="/groups")
        assert refused.status_code == 404, path
    assert pages_api.events() == before


def test_only_facilitators_see_the_tools_and_a_member_posting_them_is_refused(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann, bob = (pages_api.join(n) for n in ("Fay", "Ann", "Bob"))
    group = share_group(pages_api, fay, ann, bob)
    board = f"/groups/{group}"
    facilitating = page_of(browsers.of(fay).get(board))
    assert facilitating.find("form", action=f"{board}/invitations") is not None
    assert facilitating.find("form", action=f"{board}/buddies") is not None
    ann_browser = browsers.of(ann)
    member_view = page_of(ann_browser.get(board))
    for action in ("invitations", "buddies", "facilitators"):
        assert member_view.find("form", action=f"{board}/{action}") is None
    assert member_view.find(id="invitation-url") is None
    before = pages_api.events()
    for path, data in [
        (f"{board}/invitations", {}),
        (f"{board}/buddies", {"pair-member_a": fay.id, "pair-member_b": bob.id}),
        (f"{board}/facilitators", {"lead-member_id": bob.id}),
        (f"{board}/buddies/{bob.id}/unpair", {}),
        (f"{board}/members/{bob.id}/remove", {}),
    ]:
        refused = ann_browser.submit(path, data, page=board)
        assert refused.status_code == 422, path
        assert "Only a facilitator" in form_errors(refused), path
    assert pages_api.events() == before


def test_pairing_a_member_with_themself_is_refused_next_to_the_field(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann = pages_api.join("Fay"), pages_api.join("Ann")
    board = f"/groups/{share_group(pages_api, fay, ann)}"
    browser = browsers.of(fay)
    before = pages_api.events()
    same = {"pair-member_a": ann.id, "pair-member_b": ann.id}
    refused = browser.submit(f"{board}/buddies", same, page=board)
    assert refused.status_code == 422
    assert "own buddy" in field_error(refused, "pair-member_b")
    unchosen = browser.submit(f"{board}/buddies", {"pair-member_a": ann.id}, page=board)
    assert unchosen.status_code == 422
    assert "Choose a member" in field_error(unchosen, "pair-member_b")
    assert pages_api.events() == before


def test_facilitator_pairs_buddies_and_unpairs_them(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann, bob = (pages_api.join(n) for n in ("Fay", "Ann", "Bob"))
    board = f"/groups/{share_group(pages_api, fay, ann, bob)}"
    browser = browsers.of(fay)
    pair = {"pair-member_a": ann.id, "pair-member_b": bob.id}
    paired = browser.submit(f"{board}/buddies", pair, page=board)
    assert paired.status_code == 302
    pairs = page_of(browser.get(board)).find(id="buddies-heading").find_parent()
    assert "Ann and Bob" in pairs.get_text(" ") or "Bob and Ann" in pairs.get_text(" ")
    unpaired = browser.submit(f"{board}/buddies/{ann.id}/unpair", {}, page=board)
    assert unpaired.status_code == 302
    pairs = page_of(browser.get(board)).find(id="buddies-heading").find_parent()
    assert "No buddy pairs yet" in pairs.get_text(" ")
    before = pages_api.events()
    again = browser.submit(f"{board}/buddies/{ann.id}/unpair", {}, page=board)
    assert again.status_code == 422
    assert "no buddy" in form_errors(again)
    assert pages_api.events() == before


def test_forms_without_a_csrf_token_are_refused_and_append_nothing(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann = pages_api.join("Fay"), pages_api.join("Ann")
    group = share_group(pages_api, fay, ann)
    board = f"/groups/{group}"
    browser = browsers.of(fay)
    for path, data in [
        ("/groups", {"name": "Forged group"}),
        ("/groups/join", {"token": _token(pages_api, fay, group)}),
        (f"{board}/invitations", {}),
        (f"{board}/buddies", {"pair-member_a": fay.id, "pair-member_b": ann.id}),
        (f"{board}/facilitators", {"lead-member_id": ann.id}),
        (f"{board}/members/{ann.id}/remove", {}),
        (f"{board}/leave", {}),
    ]:
        before = pages_api.events()
        assert browser.post(path, data).status_code == 400, path
        assert pages_api.events() == before, path


def test_the_board_shows_group_wins_and_never_private_or_mentor_ones(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    fay, ann, bob = (pages_api.join(n) for n in ("Fay", "Ann", "Bob"))
    board = f"/groups/{share_group(pages_api, fay, ann, bob)}"
    log(pages_api, ann, "Gave my first conference talk", win=True, visibility="group")
    log(pages_api, ann, "Negotiated a raise quietly", win=True, visibility="private")
    log(
        pages_api, ann, "Told my mentor about the offer", win=True, visibility="mentors"
    )
    clock.advance(hours=4)
    for viewer in (bob, ann):
        shown = browsers.of(viewer).get(board)
        assert shown.status_code == 200
        wins = page_of(shown).find(id="wins-heading").find_parent().get_text(" ")
        assert "Gave my first conference talk" in wins, viewer.name
        assert "Ann" in wins
        text = shown.get_data(as_text=True)
        assert "raise" not in text and "offer" not in text, viewer.name


def test_a_member_cheers_a_win_from_the_board_and_comes_back_to_it(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    fay, ann, bob = (pages_api.join(n) for n in ("Fay", "Ann", "Bob"))
    board = f"/groups/{share_group(pages_api, fay, ann, bob)}"
    win = log(pages_api, ann, "Gave my first talk", win=True, visibility="group")
    clock.advance(hours=4)
    browser = browsers.of(bob)
    item = page_of(browser.get(board)).find(id=f"win-{win}")
    assert item is not None and "0 cheers" in item.get_text(" ")
    cheered = _press(browser, board, "/cheers")
    assert cheered.status_code == 302
    assert cheered.headers["Location"].endswith(f"{board}#win-{win}")
    item = page_of(browser.get(board)).find(id=f"win-{win}")
    assert item is not None and "1 cheer " in item.get_text(" ")


def test_a_bad_or_expired_invitation_is_a_clear_error_and_appends_nothing(
    browsers: Browsers, pages_api: Api, clock: FixedClock
) -> None:
    fay, ann = pages_api.join("Fay"), pages_api.join("Ann")
    group = share_group(pages_api, fay)
    token = _token(pages_api, fay, group)
    browser = browsers.of(ann)
    before = pages_api.events()
    garbage = browser.get("/groups/join?token=garbage")
    assert garbage.status_code == 422
    assert "not valid" in field_error(garbage, "token")
    forged = browser.submit("/groups/join", {"token": token[:-3] + "xyz"})
    assert forged.status_code == 422
    assert "not valid" in field_error(forged, "token")
    join_page = f"/groups/join?token={token}"
    assert browser.get(join_page).status_code == 200
    clock.advance(days=15)
    expired = _join(browser, join_page)
    assert expired.status_code == 422
    assert "expired" in field_error(expired, "token")
    assert pages_api.events() == before
    assert browser.get(f"/groups/{group}").status_code == 404


def test_a_pasted_link_opens_the_invitation_and_a_member_is_told_they_are_in(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann = pages_api.join("Fay"), pages_api.join("Ann")
    group = share_group(pages_api, fay)
    link = f"http://localhost/groups/join?token={_token(pages_api, fay, group)}"
    browser = browsers.of(ann)
    opened = browser.get("/groups/join", query_string={"token": link})
    assert opened.status_code == 200
    assert page_of(opened).h1.get_text(strip=True) == "Join Career changers"
    assert _join(browser, _local(link)).status_code == 302
    again = browser.get(_local(link))
    assert "already a member" in page_of(again).get_text(" ")
    assert page_of(again).find("form", action="/groups/join") is None


def test_an_anonymous_visitor_signs_in_and_comes_back_to_the_join_page(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann = pages_api.join("Fay"), pages_api.join("Ann")
    join_page = (
        f"/groups/join?token={_token(pages_api, fay, share_group(pages_api, fay))}"
    )
    browser = browsers.anonymous()
    sent = browser.get(join_page)
    assert sent.status_code == 302
    signin = sent.headers["Location"]
    assert urlsplit(signin).path == "/signin"
    back = browser.submit(signin, {"email": ann.email, "password": PASSWORD})
    assert back.status_code == 302
    assert back.headers["Location"] == join_page
    opened = browser.get(join_page)
    assert page_of(opened).h1.get_text(strip=True) == "Join Career changers"


def test_facilitator_names_a_co_facilitator_who_then_sees_the_tools(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann = pages_api.join("Fay"), pages_api.join("Ann")
    board = f"/groups/{share_group(pages_api, fay, ann)}"
    named = browsers.of(fay).submit(
        f"{board}/facilitators", {"lead-member_id": ann.id}, page=board
    )
    assert named.status_code == 302
    tools = page_of(browsers.of(ann).get(board))
    assert tools.find("form", action=f"{board}/invitations") is not None


def test_facilitator_removes_a_member_after_confirming(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann = pages_api.join("Fay"), pages_api.join("Ann")
    board = f"/groups/{share_group(pages_api, fay, ann)}"
    browser = browsers.of(fay)
    remove = f"{board}/members/{ann.id}/remove"
    assert page_of(browser.get(board)).find("a", href=remove) is not None
    confirm = browser.get(remove)
    assert confirm.status_code == 200
    assert (
        page_of(confirm).h1.get_text(strip=True) == "Remove Ann from Career changers?"
    )
    assert browser.submit(remove, {}).status_code == 302
    assert browsers.of(ann).get(board).status_code == 404
    rows = page_of(browser.get(board)).select("tbody th")
    assert [r.get_text(" ", strip=True).split()[0] for r in rows] == ["Fay"]


def test_a_member_leaves_after_confirming_but_the_last_facilitator_cannot(
    browsers: Browsers, pages_api: Api
) -> None:
    fay, ann = pages_api.join("Fay"), pages_api.join("Ann")
    board = f"/groups/{share_group(pages_api, fay, ann)}"
    fay_browser = browsers.of(fay)
    before = pages_api.events()
    refused = fay_browser.submit(f"{board}/leave", {})
    assert refused.status_code == 422
    assert "last facilitator" in form_errors(refused)
    assert pages_api.events() == before
    ann_browser = browsers.of(ann)
    assert ann_browser.get(f"{board}/leave").status_code == 200
    left = ann_browser.submit(f"{board}/leave", {})
    assert left.status_code == 302
    assert urlsplit(left.headers["Location"]).path == "/groups"
    assert ann_browser.get(board).status_code == 404
    assert "not in a peer group yet" in page_of(ann_browser.get("/groups")).get_text()
