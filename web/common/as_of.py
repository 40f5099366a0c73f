"""`?as_of=YYYY-MM-DD`: a member's numbers and entries as they were at the end of a
past day — one way to read the date and to find the day's end, for the pages (the
dashboard, the journal, a goal) and the API alike.

The date is the member's own: the day ends at its last instant in the timezone they
had then (`service.as_of.member_day_end`). A day that is not over yet (today, or
later) means now. A date that is not `YYYY-MM-DD` is a `ValidationError` naming
`as_of` (422 in the API; next to the field on a page).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BeforeValidator, Field
from sqlalchemy import Connection

from service.as_of import member_day_end
from service.errors import NotFoundError, ValidationError
from web.system import current_system as system

FIELD = "as_of"
BAD_DATE = "Enter a date as YYYY-MM-DD."
NOT_OVER = "That day is not over yet, so this is {what} as it is now."
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class NotYetError(NotFoundError):
    """The member had no account yet at the end of the day asked for."""


def parse_day(text: str) -> date:
    """The date in `text`, which must be `YYYY-MM-DD`; ValidationError otherwise."""
    text = text.strip()
    if _DAY.fullmatch(text):
        with suppress(ValueError):  # 2026-02-30 has the shape, not the date
            return date.fromisoformat(text)
    raise ValidationError(BAD_DATE, FIELD)


def _api_day(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_day(value)
        except ValidationError as error:
            raise ValueError(error.message) from None
    return value


AsOfDay = Annotated[date, BeforeValidator(_api_day)]
"""A day in the API's `as_of` query parameter (its errors: `parse_day`'s)."""

AS_OF_QUERY: Any = Field(
    None,
    description="A past day (YYYY-MM-DD): the answer as it was at the end of that "
    "day in the member's timezone then, leaving out everything recorded after it; "
    "today or a later day: now.",
)
"""The `as_of` query parameter: `as_of: AsOfDay | None = AS_OF_QUERY`."""


@dataclass(frozen=True)
class PastDay:
    """A day that is over, asked for with `?as_of=`, and when it ended."""

    day: date
    at: datetime  # its last instant for the member
    timezone: str  # the member's timezone then


def past_day(member_id: UUID | str, day: date | None) -> PastDay | None:
    """When `day` ended for the member; None for no day or one not over yet (now).
    NotFoundError for an unknown or erased member."""
    if day is None:
        return None
    at, zone = member_day_end(system().app, UUID(str(member_id)), day)
    return PastDay(day, at, zone) if at < system().now() else None


@dataclass(frozen=True)
class Reading:
    """Read models to ask, and the `now` to ask them for: the live ones now, or the
    member's as they were at the end of `past.day`."""

    conn: Connection
    now: datetime
    past: PastDay | None = None


@contextmanager
def reading(
    member_id: UUID | str, day: date | None, viewer_id: UUID | str | None = None
) -> Iterator[Reading]:
    """The read models for the member now, or (`day`, if over) as they were at its
    end as `viewer_id` may see them now; NotYetError if the member had no account
    then. Ask them with the same query functions, for `now`."""
    past = past_day(member_id, day)
    if past is None:
        with system().read() as conn:
            yield Reading(conn, system().now())
        return
    viewer = str(viewer_id or member_id)
    with system().read_as_of(str(member_id), past.at, viewer) as conn:
        if conn is None:
            raise NotYetError(f"There was no such member yet on {day}.")
        yield Reading(conn, past.at, past)
