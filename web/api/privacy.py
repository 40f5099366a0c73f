"""Export of all my data and erasure of my account (crypto-shredding).

`DELETE /me` is declared on the `me` blueprint: the OpenAPI document keeps one entry
per path and blueprint, so a second blueprint declaring `/me` would replace GET and
PATCH /me in it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, json
from pydantic import BaseModel, Field

from projections.privacy import export_document
from service import commands as c
from web.api import me
from web.api.common import ERRORS, blueprint
from web.api.schemas import Problem
from web.auth import BEARER, caller, own_password_attempt
from web.system import current_system as system

api = blueprint("privacy", __name__, __doc__ or "")


class EraseBody(BaseModel):
    """Confirm the erasure with your password."""

    password: str = Field(min_length=1, description="Your current password.")


class ExportedEventOut(BaseModel):
    """One of my events, decrypted."""

    position: int
    aggregate_id: str
    aggregate_type: str
    type: str
    version: int
    time: str = Field(description="ISO 8601 with offset.")
    actor_id: str | None
    data: dict[str, Any]


class PrivacyExport(BaseModel):
    """Everything about me: my account, my events, my read-model rows by table."""

    format: str
    member_id: str
    exported_at: str
    account: dict[str, Any]
    events: list[ExportedEventOut]
    read_models: dict[str, list[dict[str, Any]]]


@api.get("/me/export", responses={200: PrivacyExport, **ERRORS}, security=BEARER)
def export() -> Response:
    """All of my data as a JSON file: my events (decrypted) and my read-model rows.

    Other members' content appears only where I may see it (feedback on my items,
    my notifications)."""
    member = caller()
    with system().read() as conn:
        document = export_document(system().app, conn, member, system().now())
    day = system().now().date().isoformat()
    return Response(
        json.dumps(document),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="momentum-export-{day}.json"'
        },
    )


@me.api.delete("/me", responses={204: None, 429: Problem, **ERRORS}, security=BEARER)
def erase(body: EraseBody) -> tuple[str, int]:
    """Delete my account for good: my key is destroyed (my content in the event log
    becomes unreadable), I leave my groups and mentorships, my rows leave the read
    models, and every token of mine stops working. 401 if the password is wrong
    (counted as a failed sign-in: 429 with Retry-After over the limits), 422 if a
    group would lose its last facilitator."""
    member = caller()
    with own_password_attempt(member):
        system().write(c.EraseMember(member, body.password))
    return "", 204
