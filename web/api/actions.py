"""Logging, editing and retracting actions."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from flask import Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from pydantic.config import JsonDict

from service import commands as c
from service.domain.action import CATEGORIES
from service.domain.base import VISIBILITIES
from web.api.common import (
    ERRORS,
    QueryModel,
    blueprint,
    if_match,
    takes_if_match,
    written,
)
from web.auth import BEARER, caller, idempotency_key
from web.system import current_system as system

api = blueprint("actions", __name__, __doc__ or "")

NO_NUL = r"^[^\x00]*$"
"""Text without NUL characters, which PostgreSQL cannot store in text columns."""
_CATEGORY: JsonDict = {"enum": list(CATEGORIES)}
_MAYBE_CATEGORY: JsonDict = {"enum": [*CATEGORIES, None]}
_MAYBE_VISIBILITY: JsonDict = {"enum": [*VISIBILITIES, None]}


class ActionBody(BaseModel):
    """A small step taken, on a day up to 30 days back (never in the future)."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field(json_schema_extra=_CATEGORY)
    title: str = Field(max_length=150, pattern=NO_NUL)
    occurred_on: date | None = Field(
        None, description="YYYY-MM-DD in your timezone; today when left out."
    )
    goal_id: UUID | None = Field(None, description="One of your open goals.")
    notes: str = Field("", max_length=5000, pattern=NO_NUL)
    minutes: StrictInt | None = Field(None, ge=1, le=1440)
    evidence_url: str | None = Field(None, max_length=2000, pattern=NO_NUL)
    win: StrictBool = Field(False, description="A small win worth celebrating.")
    visibility: str | None = Field(
        None,
        json_schema_extra=_MAYBE_VISIBILITY,
        description="Left out: the goal's visibility, or mentors without a goal.",
    )


class ActionChanges(BaseModel):
    """The fields to change; fields left out stay as they are (null clears
    goal_id, minutes, evidence_url and visibility)."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = Field(None, json_schema_extra=_MAYBE_CATEGORY)
    title: str | None = Field(None, max_length=150, pattern=NO_NUL)
    occurred_on: date | None = None
    goal_id: UUID | None = None
    notes: str | None = Field(None, max_length=5000, pattern=NO_NUL)
    minutes: StrictInt | None = Field(None, ge=1, le=1440)
    evidence_url: str | None = Field(None, max_length=2000, pattern=NO_NUL)
    win: StrictBool | None = None
    visibility: str | None = Field(None, json_schema_extra=_MAYBE_VISIBILITY)


class ActionPath(BaseModel):
    action_id: UUID


class RetractQuery(QueryModel):
    reason: str = Field(
        "", max_length=500, pattern=NO_NUL, description="Why it is taken back."
    )


class ActionOut(BaseModel):
    """An action; `visibility` is the effective one (SPEC 9)."""

    id: UUID
    owner_id: UUID
    goal_id: UUID | None
    category: str
    title: str
    notes: str
    minutes: int | None
    occurred_on: date
    evidence_url: str | None
    win: bool
    visibility: str
    retracted: bool
    version: int


def action_out(viewer: UUID, action_id: UUID) -> ActionOut:
    """The action as `viewer` may see it; NotFoundError (404) otherwise."""
    found = system().app.visible_action(viewer, action_id)
    action = found.action
    return ActionOut(
        id=action.id,
        owner_id=action.owner_id,
        goal_id=action.goal_id,
        category=action.category,
        title=action.title,
        notes=action.notes,
        minutes=action.minutes,
        occurred_on=action.occurred_on,
        evidence_url=action.evidence_url,
        win=action.win,
        visibility=found.visibility,
        retracted=action.retracted,
        version=action.version,
    )


@api.post("/actions", responses={201: ActionOut, **ERRORS}, security=BEARER)
def log_action(body: ActionBody) -> Response:
    """Log an action (it counts towards momentum and shows in the journal)."""
    me = caller()
    result = system().write(c.LogAction(me, **body.model_dump()), idempotency_key())
    return written(action_out(me, result.id), result.version, 201)


@api.get(
    "/actions/<uuid:action_id>", responses={200: ActionOut, **ERRORS}, security=BEARER
)
def get_action(path: ActionPath) -> Response:
    """One action the caller may see (404 otherwise); `ETag` is its version."""
    found = action_out(caller(), path.action_id)
    return written(found, found.version)


@api.patch(
    "/actions/<uuid:action_id>", responses={200: ActionOut, **ERRORS}, security=BEARER
)
@takes_if_match
def edit_action(path: ActionPath, body: ActionChanges) -> Response:
    """Edit your action (`If-Match: <version>` makes a stale edit 409)."""
    me = caller()
    result = system().write(
        c.EditAction(
            me,
            path.action_id,
            body.model_dump(exclude_unset=True),
            expected_version=if_match(),
        ),
        idempotency_key(),
    )
    return written(action_out(me, result.id), result.version)


@api.delete(
    "/actions/<uuid:action_id>", responses={200: ActionOut, **ERRORS}, security=BEARER
)
@takes_if_match
def retract_action(path: ActionPath, query: RetractQuery) -> Response:
    """Retract your action: it stays in its history but no longer counts."""
    me = caller()
    result = system().write(
        c.RetractAction(me, path.action_id, query.reason, expected_version=if_match()),
        idempotency_key(),
    )
    return written(action_out(me, result.id), result.version)
