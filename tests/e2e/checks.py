"""What the end-to-end tests check on a page: axe-core's serious and critical
violations, sideways scrolling at 360 px, and full-page screenshots for a person to
look at (tests/e2e/artifacts/, gitignored)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from tests.e2e.browsing import DESKTOP, PHONE

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BLOCKING_IMPACTS = ("serious", "critical")
WIDE_ELEMENTS = """(limit) => {
  // The innermost elements whose box or content reaches past the right edge and
  // that no scrolling box clips (nothing clips them, or they are positioned out of
  // the box that would).
  const clipped = (e) => {
    for (let p = e.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const reach = (e) => {
    const box = e.getBoundingClientRect();
    const spills = getComputedStyle(e).overflowX === 'visible';
    return Math.max(box.right, spills ? box.left + e.scrollWidth : 0);
  };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (typeof e.className === 'string' && e.className.trim()
       ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
    + ' "' + (e.textContent || '').trim().slice(0, 40) + '"';
  const wide = [...document.querySelectorAll('body *')]
    .filter((e) => reach(e) > limit + 1)
    .filter((e) => !clipped(e)
      || ['absolute', 'fixed'].includes(getComputedStyle(e).position));
  return wide.filter((e) => !wide.some((o) => o !== e && e.contains(o)))
    .slice(0, 8).map(name);
}"""


def check_accessibility(page: Page, name: str, axe: str) -> None:
    """Run axe-core on the page; fail listing every serious or critical violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe)
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((n) => n.target.join(' ')),
            }));
        }"""
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    lines = [
        f"- {v['id']} ({v['impact']}): {v['help']} — " + "; ".join(v["targets"][:8])
        for v in blocking
    ]
    assert not blocking, f"axe on {name} ({page.url}):\n" + "\n".join(lines)


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot to tests/e2e/artifacts/NAME.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(ARTIFACTS / f"{name}.png"),
        full_page=True,
        animations="disabled",
        caret="hide",
        timeout=30_000,
    )


def page_width(page: Page) -> int:
    """How wide the page's content is (more than the viewport: it scrolls sideways)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth"))


def check_phone_width(page: Page, name: str) -> None:
    """At 360 px wide the page does not scroll sideways; screenshot it there."""
    page.set_viewport_size(PHONE)
    try:
        width = page_width(page)
        screenshot(page, f"{name}-360")
        if width > PHONE["width"]:
            wide = page.evaluate(WIDE_ELEMENTS, PHONE["width"])
            raise AssertionError(
                f"{name} scrolls sideways at 360 px (scrollWidth {width}); "
                f"wider elements: {wide}"
            )
    finally:
        page.set_viewport_size(DESKTOP)
