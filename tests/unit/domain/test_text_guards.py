"""Text fields refuse control characters: a NUL cannot be stored in PostgreSQL text
(it stopped every read model there), and none means anything in a title or note."""

from __future__ import annotations

import pytest

from service.domain.base import optional_text, optional_url, require_text
from service.domain.member import normalise_email
from service.errors import ValidationError


@pytest.mark.parametrize("bad", ["a\x00b", "bell\x07", "esc\x1b[31m", "del\x7f"])
def test_control_characters_are_refused_naming_the_field(bad: str) -> None:
    for check in (require_text, optional_text):
        with pytest.raises(ValidationError) as raised:
            check(bad, "title", "Title")
        assert raised.value.field == "title"
    with pytest.raises(ValidationError):
        optional_url(f"https://example.com/{bad}", "evidence_url", "Evidence link")
    with pytest.raises(ValidationError):
        normalise_email(f"ann{bad}@example.com")


def test_line_breaks_and_tabs_stay_in_notes() -> None:
    assert optional_text("first line\n\tsecond line", "notes", "Notes") == (
        "first line\n\tsecond line"
    )
    assert require_text("Café — naïve ✓", "title", "Title") == "Café — naïve ✓"
