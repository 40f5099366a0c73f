"""The pages work without JavaScript: with it switched off in the browser, a person
signs in and logs actions through both forms (full and the dashboard's one line)."""

from __future__ import annotations

from playwright.sync_api import expect

from entrypoints.demo import DEMO_PASSWORD
from tests.e2e.browsing import People, assert_no_errors, sign_in


def test_sign_in_and_log_actions_without_javascript(people: People) -> None:
    """Sign in, log with the full form and the one-line form; the journal shows
    both."""
    visitor = people.fresh("no-js", javascript=False)
    page = visitor.page
    page.goto("data:text/html,<title>off</title><script>document.title='on'</script>")
    assert page.title() == "off", "a page's script ran: JavaScript is on"
    sign_in(visitor, people.served.demo.emails["lukas"], DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lukas")

    visitor.open("/actions/new")
    page.get_by_label("What did you do?").fill("Reviewed a teammate's design doc")
    page.get_by_label("Category").select_option("challenge")
    page.get_by_role("button", name="Log action").click()
    expect(page.locator(".flash")).to_be_visible()
    assert_no_errors(visitor)

    visitor.open("/")
    quick = page.get_by_role("region", name="Log an action")
    quick.get_by_label("What did you do?").fill("Paired on the payments retry job")
    quick.get_by_label("Category").select_option("learning")
    quick.get_by_role("button", name="Log it").click()
    expect(page.locator(".flash")).to_be_visible()
    assert_no_errors(visitor)

    journal = visitor.open("/journal")
    titles = ("Reviewed a teammate's design doc", "Paired on the payments retry job")
    for title in titles:
        expect(journal.get_by_text(title).first).to_be_visible()
