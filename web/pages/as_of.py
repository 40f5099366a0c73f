"""`?as_of=` on a page (the dashboard, the journal, a goal): what was asked, the
past day shown or why the page shows now, and the error next to the date field.

The date is read and its day's end found by `web.common.as_of`, as the API does;
the banner and the date form are the macros of `macros/as_of.html`. A page never
offers a form that writes while it shows the past.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from flask import request

from service.errors import ValidationError
from web.common.as_of import (
    NOT_OVER,
    NotYetError,
    PastDay,
    Reading,
    parse_day,
    reading,
)


@dataclass(frozen=True)
class AsOf:
    """What `?as_of=` asked of a page and what it shows: the past day (`past`), or
    now with a `note` saying why, or now with an `error` for the date field."""

    text: str = ""
    past: PastDay | None = None
    note: str = ""
    error: str = ""

    @property
    def day(self) -> date | None:
        """The past day shown; None when the page shows now."""
        return self.past.day if self.past else None


def asked() -> tuple[AsOf, date | None]:
    """The page's `?as_of=`: as typed, with an error if it is no date, and the day."""
    text = request.args.get("as_of", "").strip()
    if not text:
        return AsOf(), None
    try:
        return AsOf(text), parse_day(text)
    except ValidationError as error:
        return AsOf(text, error=error.message), None


@contextmanager
def page_reading(
    member_id: UUID | str, what: str, viewer_id: UUID | str | None = None
) -> Iterator[tuple[Reading, AsOf]]:
    """The read models a page asks, now or at the end of the `?as_of=` day, and
    what to say about it; a day not over yet, or before the member joined, shows
    now with a note saying so (`what`: "your dashboard", "this journal")."""
    shown, day = asked()
    with ExitStack() as stack:
        try:
            found = stack.enter_context(reading(member_id, day, viewer_id))
        except NotYetError:
            found = stack.enter_context(reading(member_id, None))
            note = f"There was nothing yet on {day}, so this is {what} as it is now."
            shown = AsOf(shown.text, note=note)
        else:
            if day is not None and found.past is None:
                shown = AsOf(shown.text, note=NOT_OVER.format(what=what))
            else:
                shown = AsOf(shown.text, found.past, error=shown.error)
        yield found, shown
