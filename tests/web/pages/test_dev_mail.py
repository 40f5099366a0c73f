"""/dev/mail: with no SMTP relay, digests stay in the local outbox and the app shows
them — a member their own mail only, an admin all; anyone else's message is a 404,
and with a relay configured the pages do not exist."""

from __future__ import annotations

import dataclasses
import smtplib
from datetime import UTC, datetime, timedelta
from uuid import UUID

from notify.delivery import run_round
from service import commands as c
from service.clock import FixedClock
from system import System
from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from tests.web.pages.conftest import Browser, Browsers, page_of
from tests.web.pages.test_admin import make_admin
from web import create_app


def _digests_for(system: System, clock: FixedClock, *people: Person) -> None:
    """Each person logs an action in the week of 2 March; the Monday round after."""
    clock.set(datetime(2026, 3, 4, 9, tzinfo=UTC))
    for person in people:
        system.write(c.LogAction(UUID(person.id), "networking", f"{person.name} met"))
    now = datetime(2026, 3, 9, 8, tzinfo=UTC)
    clock.set(now)
    report = run_round(system.engine, system.settings, now)
    assert len(report.sent.sent) == len(people)


def _mail_links(html: str) -> list[str]:
    from bs4 import BeautifulSoup

    page = BeautifulSoup(html, "html.parser")
    return [
        str(a["href"]) for a in page.select("main a, a") if "/dev/mail/" in a["href"]
    ]


def test_a_member_sees_their_own_mail_as_text_and_html_and_no_one_elses(
    browsers: Browsers, pages_api: Api, system: System, clock: FixedClock
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    _digests_for(system, clock, ann, ben)
    as_ann, as_ben = browsers.of(ann), browsers.of(ben)

    listing = as_ann.get("/dev/mail")
    assert listing.status_code == 200
    text = page_of(listing).get_text(" ")
    assert "ann@example.com" in text and "ben@example.com" not in text
    [mine] = _mail_links(listing.get_data(as_text=True))
    message = as_ann.get(mine)
    assert message.status_code == 200
    shown = page_of(message).get_text(" ")
    assert "Your momentum this week: 1 action" in shown
    assert "Hi Ann" in shown and "List-Unsubscribe" in shown
    html = as_ann.get(f"{mine}.html")
    assert html.status_code == 200 and html.content_type.startswith("text/html")
    assert "Hi Ann" in html.get_data(as_text=True)
    assert "sandbox" in html.headers["Content-Security-Policy"]

    [bens] = _mail_links(as_ben.get("/dev/mail").get_data(as_text=True))
    assert bens != mine
    assert as_ann.get(bens).status_code == 404
    assert as_ann.get(f"{bens}.html").status_code == 404
    assert as_ben.get(mine).status_code == 404
    assert browsers.anonymous().get(mine).status_code == 302  # to sign in


def test_an_admin_sees_all_mail(
    browsers: Browsers, pages_api: Api, system: System, clock: FixedClock
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    ada = make_admin(pages_api)
    _digests_for(system, clock, ann, ben)
    as_ada = browsers.of(ada)
    listing = as_ada.get("/dev/mail")
    text = page_of(listing).get_text(" ")
    assert "ann@example.com" in text and "ben@example.com" in text
    for link in _mail_links(listing.get_data(as_text=True)):
        assert as_ada.get(link).status_code == 200


def test_with_an_smtp_relay_there_is_no_dev_mail(
    pages_api: Api, system: System, clock: FixedClock
) -> None:
    ann = pages_api.join("Ann")
    _digests_for(system, clock, ann)
    relayed = dataclasses.replace(
        system,
        settings=dataclasses.replace(system.settings, smtp_url="smtp://127.0.0.1:1"),
    )
    browser = Browser(create_app(relayed), ann)
    assert browser.sign_in(ann).status_code == 302
    assert browser.get("/dev/mail").status_code == 404
    assert browser.get("/dev/mail/1").status_code == 404


def test_deleting_my_account_deletes_my_mail_at_once(
    browsers: Browsers, pages_api: Api, system: System, clock: FixedClock
) -> None:
    ann, ben = pages_api.join("Ann"), pages_api.join("Ben")
    ada = make_admin(pages_api)
    _digests_for(system, clock, ann, ben)
    erased = pages_api.client.delete(
        "/api/v1/me", json={"password": PASSWORD}, headers=ann.auth
    )
    assert erased.status_code == 204
    listing = browsers.of(ada).get("/dev/mail")  # an admin sees everyone's mail
    text = page_of(listing).get_text(" ")
    assert "ann@example.com" not in text and "ben@example.com" in text


class Refusing:
    """A relay that refuses every message for good."""

    def send(self, message: object) -> None:
        raise smtplib.SMTPDataError(554, b"5.7.1 Rejected by policy")

    def close(self) -> None:
        return None


def test_an_admin_sees_a_failed_delivery_and_retries_it(
    browsers: Browsers, pages_api: Api, system: System, clock: FixedClock
) -> None:
    ann, ada = pages_api.join("Ann"), make_admin(pages_api)
    clock.set(datetime(2026, 3, 4, 9, tzinfo=UTC))
    system.write(c.LogAction(UUID(ann.id), "networking", "Ann met"))
    now = datetime(2026, 3, 9, 8, tzinfo=UTC)
    clock.set(now)
    report = run_round(system.engine, system.settings, now, transport=Refusing())
    assert len(report.sent.failed) == 1
    as_ada = browsers.of(ada)
    section = page_of(as_ada.get("/admin")).find(id="mail")
    assert section is not None
    shown = section.get_text(" ")
    assert "ann@example.com" in shown and "failed" in shown and "554" in shown
    assert (
        browsers.of(ann).get("/dev/mail").get_data(as_text=True).count("/dev/mail/")
        == 0
    )
    form = section.find("form")
    assert form is not None
    retried = as_ada.submit(str(form["action"]), {}, page="/admin")
    assert retried.status_code == 302
    waiting = page_of(as_ada.get("/admin")).find(id="mail")
    assert waiting is not None and "retry at" in waiting.get_text(" ")
    run_round(system.engine, system.settings, now + timedelta(minutes=15))
    listing = browsers.of(ann).get("/dev/mail").get_data(as_text=True)
    assert len(_mail_links(listing)) == 1
    done = page_of(as_ada.get("/admin")).get_text(" ")
    assert "Every email went out" in done
