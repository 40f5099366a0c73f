"""The settings page's digest preview: each digest the signed-in member gets (their
own; their mentees' while they mentor someone; their groups' while they facilitate
one), as the email would say it now, and its HTML on a URL that names no member.

Ann logged three wins last week (mentors, group and private); Bob mentors her and
Cy facilitates the group she joined; the clock is then Monday 9 March."""

from __future__ import annotations

from uuid import UUID

from bs4 import BeautifulSoup, Tag

from notify.digests import digest_for
from notify.render import RenderedDigest, render
from service import commands as c
from service.clock import FixedClock
from system import System
from tests.web.conftest import Api, Person
from tests.web.helpers import digest_week
from tests.web.pages.conftest import Browser, Browsers, page_of
from web.common.digests import WHY_EMPTY


def _section(browser: Browser) -> Tag:
    section = page_of(browser.get("/settings")).find(id="digest-preview")
    assert isinstance(section, Tag), "no digest preview on the settings page"
    return section


def _previews(browser: Browser) -> dict[str, Tag]:
    """The previews on my settings page, by kind (member, mentor, group)."""
    articles = _section(browser).find_all("article")
    return {str(a["id"]).removeprefix("digest-"): a for a in articles}


def _text(preview: Tag) -> str:
    body = preview.find("pre")
    assert isinstance(body, Tag)
    return body.get_text()


def _subject(preview: Tag) -> str:
    found = preview.find("dd")
    assert isinstance(found, Tag)
    return found.get_text()


def _emailed(
    system: System, who: Person, kind: str, period: str = "weekly"
) -> RenderedDigest:
    """What the email of `kind` to `who` would be now (`notify.render`)."""
    with system.read() as conn:
        digest = digest_for(conn, kind, UUID(who.id), system.now(), period)
    assert digest is not None
    return render(digest, system.settings.base_url)


def test_a_mentor_sees_their_own_and_their_mentees_digest_without_private_items(
    browsers: Browsers, pages_api: Api, system: System, clock: FixedClock
) -> None:
    week = digest_week(pages_api, system, clock)
    previews = _previews(browsers.of(week.bob))
    assert list(previews) == ["member", "mentor"]
    mentees = _text(previews["mentor"])
    assert "Ann" in mentees and "Gave a talk" in mentees
    assert "Secret plan" not in str(_section(browsers.of(week.bob)))
    headings = [h.get_text() for h in _section(browsers.of(week.bob)).find_all("h3")]
    assert headings == ["Your digest", "Your mentees’ digest"]


def test_a_member_who_leads_nothing_sees_only_their_own_digest(
    browsers: Browsers, pages_api: Api, system: System, clock: FixedClock
) -> None:
    week = digest_week(pages_api, system, clock)
    previews = _previews(browsers.of(week.ann))
    assert list(previews) == ["member"]
    assert "Secret plan" in _text(previews["member"])  # her own, private or not


def test_a_facilitator_sees_their_groups_digest_with_group_items_only(
    browsers: Browsers, pages_api: Api, system: System, clock: FixedClock
) -> None:
    week = digest_week(pages_api, system, clock)
    previews = _previews(browsers.of(week.cy))
    assert list(previews) == ["member", "group"]
    group = _text(previews["group"])
    assert "Shared my portfolio" in group
    assert "Gave a talk" not in group and "Secret plan" not in group


def test_the_preview_is_what_the_email_would_say_now(
    browsers: Browsers, pages_api: Api, system: System, clock: FixedClock
) -> None:
    week = digest_week(pages_api, system, clock)
    previews = _previews(browsers.of(week.bob))
    for kind in ("member", "mentor"):
        emailed = _emailed(system, week.bob, kind)
        assert _text(previews[kind]) == emailed.text
        assert _subject(previews[kind]) == emailed.subject
    covers = previews["member"].find("p")
    assert isinstance(covers, Tag)
    assert covers.get_text() == "Weekly, covering Mon 2 Mar – Sun 8 Mar."


def test_the_html_view_is_my_own_email_under_the_mail_policy(
    browsers: Browsers, pages_api: Api, system: System, clock: FixedClock
) -> None:
    week = digest_week(pages_api, system, clock)
    as_bob = browsers.of(week.bob)
    link = _previews(as_bob)["mentor"].find(
        "a", string="View your mentees’ digest as HTML"
    )
    assert isinstance(link, Tag) and link["href"] == "/settings/digests/mentor.html"
    shown = as_bob.get("/settings/digests/mentor.html")
    assert shown.status_code == 200 and shown.mimetype == "text/html"
    emailed = _emailed(system, week.bob, "mentor")
    assert shown.get_data(as_text=True) == emailed.html
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    # The URL names no member: each browser gets its own digest, or none.
    as_ann = browsers.of(week.ann)
    own = as_ann.get("/settings/digests/member.html").get_data(as_text=True)
    assert "Hi Ann" in own and "Secret plan" in own
    assert "Hi Ann" not in as_bob.get("/settings/digests/member.html").get_data(
        as_text=True
    )
    assert as_ann.get("/settings/digests/mentor.html").status_code == 404
    assert as_bob.get("/settings/digests/group.html").status_code == 404
    assert as_bob.get("/settings/digests/buddy.html").status_code == 404
    visitor = browsers.anonymous().get("/settings/digests/member.html")
    assert visitor.status_code == 302
    assert visitor.headers["Location"].startswith("/signin")


def test_with_digests_off_the_preview_shows_what_i_would_get_weekly(
    browsers: Browsers, pages_api: Api, system: System, clock: FixedClock
) -> None:
    week = digest_week(pages_api, system, clock)
    system.write(c.ChangePreferences(UUID(week.bob.id), {"digest": "off"}))
    section = _section(browsers.of(week.bob))
    assert "Your digest is off" in section.get_text()
    headings = [h.get_text() for h in section.find_all("h3")]
    assert headings == [
        "Your digest: what you would get",
        "Your mentees’ digest: what you would get",
    ]
    assert "Weekly, covering" in section.get_text()


def test_a_daily_digest_previews_yesterday(
    browsers: Browsers, pages_api: Api, system: System, clock: FixedClock
) -> None:
    week = digest_week(pages_api, system, clock)
    system.write(c.ChangePreferences(UUID(week.ann.id), {"digest": "daily"}))
    member = _previews(browsers.of(week.ann))["member"]
    assert "Daily, covering Sun 8 Mar." in member.get_text()
    emailed = _emailed(system, week.ann, "member", "daily")
    assert _subject(member) == emailed.subject
    assert _subject(member).startswith("Your momentum yesterday")


def test_an_empty_digest_says_it_would_not_be_sent_and_why(
    browsers: Browsers, pages_api: Api
) -> None:
    dee = pages_api.join("Dee")
    member = _previews(browsers.of(dee))["member"]
    said = " ".join(member.get_text().split())
    assert f"It would not be sent: {WHY_EMPTY['member']}." in said


def test_the_preview_is_labelled_for_assistive_technology(
    browsers: Browsers, pages_api: Api, system: System, clock: FixedClock
) -> None:
    week = digest_week(pages_api, system, clock)
    section = _section(browsers.of(week.bob))
    assert section["aria-labelledby"] == "digest-preview-heading"
    page = BeautifulSoup(str(section), "html.parser")
    for article in page.find_all("article"):
        heading = page.find(id=article["aria-labelledby"])
        assert isinstance(heading, Tag) and heading.name == "h3"
        summary = article.find("summary")
        assert isinstance(summary, Tag) and summary.get_text().startswith("Plain text")
