"""Previews of the digest emails the caller would get now.

The preview is composed and rendered by the same code as the emails (`notify`),
from the read models, for the caller's own digest of a kind: `member` (their own
period), `mentor` (their mentees, as far as each lets mentors see) or `group` (the
groups they facilitate, group-visible items only). A member with no mentees or no
group of their own gets the digest the sender would skip: `empty` true and a text
saying so, never a 404, since there is nothing hidden to protect and the preview
says what the sender would do. `period` defaults to the caller's digest
preference (weekly when digests are off).
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from flask import g
from pydantic import BaseModel, Field

from service.errors import NotFoundError
from web.api.common import ERRORS, QueryModel, blueprint
from web.auth import BEARER, caller
from web.common.digests import digest_preview

api = blueprint("digests", __name__, __doc__ or "")


class DigestPreviewQuery(QueryModel):
    """Which digest to preview."""

    kind: Literal["member", "mentor", "group"] = Field(
        "member", description="member (your own), mentor or group (as facilitator)."
    )
    period: Literal["daily", "weekly"] | None = Field(
        None, description="daily or weekly; by default your digest preference."
    )


class DigestPreview(BaseModel):
    """A digest as it would be emailed now: subject, plain text and HTML."""

    kind: str
    period: str = Field(description="daily or weekly.")
    first_day: date = Field(description="The first day the digest covers.")
    last_day: date = Field(description="The last day it covers (yesterday).")
    subject: str
    text: str
    html: str
    empty: bool = Field(description="True if the sender would skip it: nothing new.")


@api.before_request
def _signed_in() -> None:
    """A token is needed before anything else is looked at (401 before 422)."""
    g.digests_caller = caller()


@api.get("/digests/preview", responses={200: DigestPreview, **ERRORS}, security=BEARER)
def preview(query: DigestPreviewQuery) -> dict[str, object]:
    """The digest of `kind` the caller would get now, rendered as text and HTML.

    A mentor digest of someone with no mentees, or a group digest of someone who
    facilitates no group, is an empty digest (`empty` true), not a 404."""
    me: UUID = g.digests_caller
    found = digest_preview(me, query.kind, query.period)
    if found is None:  # not projected yet: as for anything else not there
        raise NotFoundError("No digest for this account yet.")
    shown = found.shown
    return DigestPreview(
        kind=shown.kind,
        period=found.period.kind,
        first_day=found.period.first_day,
        last_day=found.period.last_day,
        subject=shown.subject,
        text=shown.text,
        html=shown.html,
        empty=shown.empty,
    ).model_dump(mode="json")
