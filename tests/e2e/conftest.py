"""End-to-end: the real app over real HTTP on 127.0.0.1, driven in Debian's Chromium.

One server for the e2e package, torn down after its last test (`tests.e2e.server`):
the demo data set in a SQLite file, then the app on the real clock with the follower
on. Playwright drives `/usr/bin/chromium` (never a downloaded browser); each person
gets their own browser context (`tests.e2e.browsing`). axe-core comes from
`node_modules/axe-core/` (`make axe`) and is injected with `page.evaluate`, which
runs outside the page's CSP, so the strict CSP stays on (`tests.e2e.checks`).

When Chromium (/usr/bin/chromium, or MOMENTUM_CHROMIUM) or axe-core is missing, the
tests skip with a reason, unless MOMENTUM_REQUIRE_BROWSER=1 (set by .ci/run), which
turns the skip into a failure. Screenshots land in tests/e2e/artifacts/ (gitignored).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from playwright.sync_api import Browser, Error, Playwright, sync_playwright

from tests.e2e.browsing import People
from tests.e2e.checks import screenshot
from tests.e2e.server import Served, serve

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("MOMENTUM_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [  # no sandbox as root; no background traffic on a closed network
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_browser() -> bool:
    return os.environ.get("MOMENTUM_REQUIRE_BROWSER", "") not in ("", "0")


def unavailable(reason: str) -> NoReturn:
    """Skip (locally) or fail (MOMENTUM_REQUIRE_BROWSER=1) for a missing tool."""
    if _require_browser():
        pytest.fail(f"browser tests required (MOMENTUM_REQUIRE_BROWSER): {reason}")
    pytest.skip(reason)


_NOT_SERVED: list[str] = []  # why the server did not start (fail fast after)


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The real app with the demo data, over HTTP on a random 127.0.0.1 port."""
    if _NOT_SERVED:
        pytest.fail(f"the app could not be served: {_NOT_SERVED[0]}")
    try:
        yield from serve(tmp_path_factory.mktemp("e2e"))
    except Exception as error:
        _NOT_SERVED.append(f"{type(error).__name__}: {error}")
        raise


# --- the browser ---------------------------------------------------------------


@pytest.fixture(scope="package")
def axe_source() -> str:
    """axe-core's script (installed by `make axe`)."""
    if not AXE_JS.exists():
        unavailable(f"axe-core is not installed ({AXE_JS}); run `make axe`")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver for the e2e tests."""
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM} (Debian package `chromium`)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Debian Chromium for the e2e tests."""
    try:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Error as error:
        unavailable(f"Chromium at {CHROMIUM} does not start: {error.message}")
    yield launched
    launched.close()


@pytest.fixture(scope="package")
def people(browser: Browser, served: Served) -> Iterator[People]:
    """The people of the e2e tests' browser (see `People`)."""
    crowd = People(browser, served)
    _CROWD.append(crowd)
    yield crowd
    _CROWD.clear()
    crowd.close()


_CROWD: list[People] = []  # the e2e people, for screenshots on failure


# --- on failure: what each person's browser showed -----------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's report on the test item (for `_show_on_failure`)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _show_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """When a test fails, screenshot every open page to artifacts/FAILED-*.png."""
    yield
    report = getattr(request.node, "report_call", None)
    crowd: People | None = _CROWD[0] if _CROWD else None
    if report is None or not report.failed or crowd is None:
        return
    for visitor in crowd.visitors:
        if not visitor.page.is_closed():
            name = f"FAILED-{request.node.name}-{visitor.name}"
            safe = "".join(ch if ch.isalnum() else "-" for ch in name)
            with contextlib.suppress(Error):  # a page that is gone shows nothing
                screenshot(visitor.page, safe)
