"""The caller's own account: profile, timezone, weekly target, aspirations,
notification preferences, away periods and password.

`PATCH /me` may change several settings at once: it is one `UpdateSettings` command,
so a request with a bad field is a 422 naming every bad field and appends nothing,
and a good one is one append checked against `If-Match`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from service import commands as c
from web.api.common import ERRORS, Written, blueprint, if_match, takes_if_match, written
from web.api.me_schemas import (
    AccountPatch,
    AwayPeriodBody,
    AwayPeriodPath,
    AwayPeriodWritten,
    PasswordBody,
)
from web.api.schemas import MemberOut, Problem
from web.auth import BEARER, caller, idempotency_key, own_password_attempt
from web.system import current_system as system

api = blueprint("me", __name__, __doc__ or "")

PERIOD = "/me/away-periods/<uuid:period_id>"
PROFILE = ("display_name", "timezone", "headline")
ASPIRATIONS = ("aspirations", "passions", "strengths")


def _account(member_id: UUID, status: int = 200) -> Response:
    """The account as it is now, with its version as `ETag`."""
    member = system().app.get_member(member_id)
    return written(MemberOut.of(member), member.version, status)


def _settings(me: UUID, patch: AccountPatch, expected: int | None) -> c.UpdateSettings:
    """The one command a PATCH maps to; parts it does not mention stay None."""
    sent = patch.sent()
    profile = {k: sent[k] for k in PROFILE if k in sent}
    aspirations = {k: sent[k] for k in ASPIRATIONS if k in sent}
    return c.UpdateSettings(
        me,
        profile=profile or None,
        aspirations=aspirations or None,
        weekly_target=sent.get("weekly_target"),
        preferences=sent.get("preferences") or None,
        expected_version=expected,
    )


@api.get("/me", responses={200: MemberOut, **ERRORS}, security=BEARER)
def get_me() -> Response:
    """The caller's account and settings; `ETag` is the version for `If-Match`."""
    return _account(caller())


@api.patch("/me", responses={200: MemberOut, **ERRORS}, security=BEARER)
@takes_if_match
def update_me(body: AccountPatch) -> Response:
    """Change any of profile, timezone, aspirations, weekly target and notification
    preferences (`If-Match`: the version you edited). Answers the updated account.

    Nothing changes if any field is wrong. Sending the same changes again leaves the
    same account, so `Idempotency-Key` is not used here."""
    me = caller()
    system().write(_settings(me, body, if_match()))
    return _account(me)


@api.post(
    "/me/away-periods", responses={201: AwayPeriodWritten, **ERRORS}, security=BEARER
)
def set_away_period(body: AwayPeriodBody) -> Response:
    """Mark days away (holiday, sick leave): momentum does not decay and streaks do
    not break on them. Overlapping a period already set is a 409."""
    me = caller()
    command = c.SetAwayPeriod(me, body.starts_on, body.ends_on, body.reason)
    result = system().write(command, idempotency_key())
    period_id = str(result.extra["period_id"])
    member = system().app.get_member(me)
    # A replay after the period was cancelled answers what was set.
    stored: dict[str, Any] = member.away_periods.get(period_id, body.model_dump())
    out = AwayPeriodWritten(id=UUID(period_id), **stored, version=result.version)
    return written(out, result.version, 201)


@api.delete(PERIOD, responses={200: MemberOut, **ERRORS}, security=BEARER)
def cancel_away_period(path: AwayPeriodPath) -> Response:
    """Cancel an away period (one that is not yours, or no longer set, is a 422
    naming `period_id`). Answers the account without it."""
    me = caller()
    system().write(c.CancelAwayPeriod(me, path.period_id), idempotency_key())
    return _account(me)


@api.post(
    "/me/password", responses={200: Written, 429: Problem, **ERRORS}, security=BEARER
)
def change_password(body: PasswordBody) -> Response:
    """Change the password. A wrong current password is a 401, as when signing in,
    and counts as a failed sign-in (429 with Retry-After over the limits); a new
    one shorter than 10 characters a 422. Every page session ends; tokens issued
    before keep working until they expire or are revoked
    (`DELETE /auth/tokens/current`)."""
    me = caller()
    command = c.ChangePassword(me, body.current_password, body.new_password)
    with own_password_attempt(me):
        result = system().write(command, idempotency_key())
    return written(Written(id=result.id, version=result.version), result.version)
