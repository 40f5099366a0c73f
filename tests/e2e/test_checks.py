"""The checks themselves can fail: on a deliberately bad page, axe-core reports its
violations, the console watch sees the CSP violation and the failed image, and the
phone-width check names the element that makes the page scroll sideways."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.e2e.browsing import People, assert_no_errors
from tests.e2e.checks import check_accessibility, check_phone_width

BAD_PAGE = """<!doctype html><html><head><title>Bad</title>
<meta http-equiv="Content-Security-Policy" content="style-src 'none'; img-src 'self'">
</head><body><p style="color: red">Inline style</p><img src="/missing.png">
<pre id="wide">{line}</pre></body></html>""".format(line="x" * 400)


def test_checks_fail_on_a_bad_page(people: People, axe_source: str) -> None:
    """A page with an unlabelled image, no lang, an inline style under a CSP and a
    wide line fails every check, each naming what is wrong."""
    visitor = people.fresh("checks")
    page = visitor.page
    page.goto("data:text/html," + quote(BAD_PAGE))

    with pytest.raises(AssertionError) as errors:
        assert_no_errors(visitor)
    assert "style-src" in str(errors.value)
    assert "img-src" in str(errors.value)

    with pytest.raises(AssertionError) as axe:
        check_accessibility(page, "bad-page", axe_source)
    assert "image-alt (critical)" in str(axe.value)
    assert "html-has-lang (serious)" in str(axe.value)

    with pytest.raises(AssertionError) as wide:
        check_phone_width(page, "bad-page")
    assert "pre#wide" in str(wide.value)
