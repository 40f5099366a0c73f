"""People in the browser: a context (own cookies) and a page each, watching for
console errors, uncaught page errors and CSP violations; signing in by the form."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
)

from entrypoints.demo import DEMO_PASSWORD
from tests.e2e.server import Served

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 780}
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  (window.__cspViolations = window.__cspViolations || []).push(
    e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
});
"""


@dataclass
class Visitor:
    """One person's browser context and page, watching for console and CSP errors."""

    name: str
    context: BrowserContext
    page: Page
    base_url: str
    javascript: bool = True
    problems: list[str] = field(default_factory=list)
    expected_failures: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"{error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = str(message.location.get("url", ""))
        failed_load = message.text.startswith("Failed to load resource")
        if failed_load and where in self.expected_failures:
            return  # the error status the test asked for (an error page, a 422)
        self.problems.append(f"console error at {where}: {message.text}")

    def url(self, path: str) -> str:
        """The absolute URL of a local path."""
        return self.base_url + path

    def open(self, path: str, status: int = 200) -> Page:
        """Go to `path`, expect `status`, and no console or CSP errors on the way."""
        if status >= 400:
            self.expected_failures.add(self.url(path))
        response = self.page.goto(self.url(path))
        assert response is not None, f"no response for {path}"
        assert response.status == status, f"{path}: {response.status} != {status}"
        assert_no_errors(self)
        return self.page

    def submit(self, button: str, status: int = 200) -> Page:
        """Click the submit button named `button`; the page it leads to answers
        `status` (422: the form again, with its errors)."""
        if status >= 400:
            self.expected_failures.add(self.page.url.split("?")[0])
        with self.page.expect_navigation() as navigation:
            self.page.get_by_role("button", name=button, exact=True).click()
        response = navigation.value
        assert response is not None, f"no response for {button!r}"
        assert response.status == status, f"{button!r}: {response.status} != {status}"
        assert_no_errors(self)
        return self.page


def assert_no_errors(visitor: Visitor) -> None:
    """Fail on any console error, uncaught page error or CSP violation so far."""
    page = visitor.page
    csp: list[str] = []
    if visitor.javascript:
        csp = page.evaluate("() => window.__cspViolations || []")
    problems = visitor.problems + [f"CSP violation: {v}" for v in csp]
    visitor.problems.clear()
    assert not problems, f"errors on {page.url}:\n" + "\n".join(problems)


class People:
    """Browser contexts by person: demo members signed in once and reused; fresh
    contexts for people who sign up during a test."""

    def __init__(self, browser: Browser, served: Served) -> None:
        self.browser = browser
        self.served = served
        self.signed_in: dict[str, Visitor] = {}
        self.visitors: list[Visitor] = []

    def fresh(
        self,
        name: str,
        *,
        javascript: bool = True,
        base_url: str | None = None,
        timezone: str | None = None,
    ) -> Visitor:
        """A new context (no cookies) with one page, at desktop width; on another
        server than the demo's if `base_url` is given, on a device in `timezone`."""
        base_url = base_url or self.served.base_url
        context = self.browser.new_context(
            viewport=DESKTOP,
            java_script_enabled=javascript,
            base_url=base_url,
            timezone_id=timezone,
        )
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        visitor = Visitor(name, context, context.new_page(), base_url)
        visitor.javascript = javascript
        self.visitors.append(visitor)
        return visitor

    def demo(self, key: str) -> Visitor:
        """Demo member `key` (e.g. "amara"), signed in through the sign-in form."""
        if key not in self.signed_in:
            visitor = self.fresh(key)
            sign_in(visitor, self.served.demo.emails[key], DEMO_PASSWORD)
            self.signed_in[key] = visitor
        visitor = self.signed_in[key]
        visitor.page.set_viewport_size(DESKTOP)
        visitor.problems.clear()  # left over from a test that failed
        return visitor

    def close(self) -> None:
        """Close every context opened."""
        for visitor in self.visitors:
            visitor.context.close()


def sign_in(visitor: Visitor, email: str, password: str) -> None:
    """Sign in through the sign-in page, by the form's labels."""
    page = visitor.open("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/signin" not in url)
    assert_no_errors(visitor)
