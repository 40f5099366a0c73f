"""Conventions every API blueprint shares: one way to paginate, to read `If-Match`,
to answer a write and to list the error responses in the OpenAPI document.

- Lists: `?limit=` (1–200, default 50) and `?cursor=` (the `next_cursor` of the
  previous page); the body is `{"items": [...], "next_cursor": ...}`.
- Writes: the response carries the aggregate's new `version` in its body and as
  `ETag: "<version>"`; `If-Match: <version>` (bare or quoted) makes a stale write 409.
- Every POST passes `idempotency_key()` (web.auth) to `System.write`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from flask import Response, has_request_context, jsonify, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import (
    DEFAULT_REF_TEMPLATE,
    GenerateJsonSchema,
    JsonSchemaMode,
)

from service.errors import ValidationError
from web.api.schemas import Problem
from web.auth import require_caller

T = TypeVar("T")
MAX_LIMIT = 200
_CURSOR_TAG = "after"

ERRORS: dict[str | int, type[BaseModel] | dict[Any, Any] | None] = {
    401: Problem,
    404: Problem,
    409: Problem,
    422: Problem,
}
"""The problem responses any authenticated route may give."""


def blueprint(
    name: str, import_name: str, description: str = "", *, signed_in: bool = True
) -> APIBlueprint:
    """The API blueprint of one feature area, under /api/v1, tagged with its name;
    `signed_in` areas answer 401 before anything else without a valid token."""
    bp = APIBlueprint(
        f"api_{name}",  # the pages' blueprints carry the plain area names
        import_name,
        url_prefix="/api/v1",
        abp_tags=[Tag(name=name, description=description)],
    )
    if signed_in:
        bp.before_request(require_caller)
    return bp


class QueryModel(BaseModel):
    """The base of every `?query` model: its JSON schema made once per class.

    flask-openapi3 (4.3) asks a route's query model for `model_json_schema()` on
    every request, to find its list-valued fields; pydantic builds the schema anew
    each time: 22 % of a web worker's CPU under the mixed API load (cProfile,
    2,231 requests). A class's schema does not change, so the default one is kept
    (other arguments, as the OpenAPI document's, are built as before)."""

    @classmethod
    def model_json_schema(
        cls,
        by_alias: bool | None = None,
        ref_template: str = DEFAULT_REF_TEMPLATE,
        schema_generator: type[GenerateJsonSchema] = GenerateJsonSchema,
        mode: JsonSchemaMode = "validation",
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The class's JSON schema; the default one from a cache (read it only)."""
        default = (
            by_alias is None
            and ref_template == DEFAULT_REF_TEMPLATE
            and schema_generator is GenerateJsonSchema
            and mode == "validation"
            and not kwargs
        )
        if not default:
            return super().model_json_schema(
                by_alias, ref_template, schema_generator, mode, **kwargs
            )
        cached: dict[str, Any] | None = cls.__dict__.get("_schema_cache")
        if cached is None:
            cached = super().model_json_schema()
            cls._schema_cache = cached  # type: ignore[attr-defined]
        return cached


class PageQuery(QueryModel):
    """Cursor pagination of a list."""

    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Page size, 1–200.")
    cursor: str | None = Field(
        None, max_length=500, description="The `next_cursor` of the previous page."
    )


class Written(BaseModel):
    """What a write without a richer body returns: the aggregate and its new version."""

    id: UUID
    version: int


def encode_cursor(key: str) -> str:
    """An opaque cursor continuing a list after the item with `key`."""
    return base64.urlsafe_b64encode(f"{_CURSOR_TAG}|{key}".encode()).decode("ascii")


def decode_cursor(cursor: str) -> str:
    """The key inside a cursor; 422 (field `cursor`) if it is not one of ours."""
    try:
        tag, _, key = (
            base64.urlsafe_b64decode(cursor.encode("ascii")).decode().partition("|")
        )
    except (binascii.Error, UnicodeError, ValueError):
        tag, key = "", ""
    if tag != _CURSOR_TAG or not key:
        raise ValidationError(
            "Invalid cursor: use the next_cursor of a previous page.", "cursor"
        )
    return key


def paginate(
    items: Sequence[T], page: PageQuery, key: Callable[[T], str]
) -> tuple[list[T], str | None]:
    """One page of `items` (already in display order; `key` unique per item) and
    the cursor of the next page (None on the last)."""
    start = 0
    if page.cursor is not None:
        after = decode_cursor(page.cursor)
        keys = [key(item) for item in items]
        if after not in keys:
            raise ValidationError(
                "This cursor no longer points into the list: start again.", "cursor"
            )
        start = keys.index(after) + 1
    chunk = list(items[start : start + page.limit])
    more = start + page.limit < len(items)
    return chunk, encode_cursor(key(chunk[-1])) if more and chunk else None


F = TypeVar("F", bound=Callable[..., Any])


def takes_if_match(view: F) -> F:
    """Mark a write view that honours `If-Match` (it passes `if_match()` as the
    command's expected version), so the OpenAPI document lists the header."""
    view.takes_if_match = True  # type: ignore[attr-defined]
    return view


def if_match() -> int | None:
    """The version in `If-Match` (`3`, `"3"` or `W/"3"`), or None when absent."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw:
        return None
    value = raw.removeprefix("W/").strip('"')
    if not value.isdigit() or int(value) < 1:
        raise ValidationError(
            "If-Match must be the version you last read (a whole number).", "If-Match"
        )
    return int(value)


def written(
    body: BaseModel | dict[str, Any], version: int, status: int = 200
) -> Response:
    """The response to a write: `body` as JSON with `ETag: "<version>"`."""
    data = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    response = jsonify(data)
    response.status_code = status
    response.headers["ETag"] = f'"{version}"'
    return response


def no_body_as_empty(data: Any) -> Any:
    """For a `mode="before"` model validator of an optional request body: a request
    with no body at all validates as `{}`. flask-openapi3 hands over None for a body
    that is not JSON too (`{`, `null`, plain text): that stays None, a 422 naming
    `body`."""
    if data is None and not (has_request_context() and request.get_data()):
        return {}
    return data


class ReasonBody(BaseModel):
    """Why (optional; the body may be left out): ending a mentorship, declining a
    suggestion."""

    model_config = ConfigDict(
        extra="forbid",
        openapi_extra={"required": False},  # type: ignore[typeddict-unknown-key]
    )

    reason: str = Field("", max_length=1000)

    @model_validator(mode="before")
    @classmethod
    def _no_body(cls, data: Any) -> Any:
        """No body at all means no reason; a body that is not JSON is a 422."""
        return no_body_as_empty(data)
