"""Mentorships (propose, accept, decline, end) and the mentor's view of mentees.

A mentee invites a mentor by email (who may not have an account yet); only the
invited person accepts or declines, either side ends. Anyone else gets a 404, as for
a mentorship that does not exist. `GET /mentees` is the triage list, neediest first;
a mentee's timeline is their journal as far as they let mentors see it, for their
accepted mentors only (a pending or former mentor gets a 404).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from flask import Response, g

from projections import mentoring as view
from projections import relations
from projections.mentoring import MenteeCard
from service import commands as c
from service.errors import NotFoundError, ValidationError
from web.api.common import ERRORS, PageQuery, ReasonBody, blueprint, paginate, written
from web.api.journal import JournalEntryPage, entry_out
from web.api.mentoring_schemas import (
    MenteeOut,
    MenteePage,
    MenteePath,
    MenteeTimelineQuery,
    MentorshipBody,
    MentorshipOut,
    MentorshipPage,
    MentorshipPath,
    MentorshipWritten,
)
from web.auth import BEARER, caller, idempotency_key
from web.common.journal import journal_page
from web.system import current_system as system

api = blueprint("mentoring", __name__, __doc__ or "")

MENTORSHIP = "/mentorships/<uuid:mentorship_id>"


@api.before_request
def _signed_in() -> None:
    """Every route here needs a token: 401 comes before any check of the input."""
    g.mentoring_caller = caller()


def _me() -> UUID:
    """The calling member (checked before the view ran)."""
    me: UUID = g.mentoring_caller
    return me


def _link_out(
    link: relations.MentorLink, me: UUID, names: dict[str, str]
) -> dict[str, Any]:
    return MentorshipOut(
        id=UUID(link.mentorship_id),
        role="mentee" if link.mentee_id == str(me) else "mentor",
        status=link.status,  # type: ignore[arg-type]  # one of the four statuses
        mentee_id=UUID(link.mentee_id),
        mentee_name=names.get(link.mentee_id),
        mentor_email=link.mentor_email,
        mentor_id=UUID(link.mentor_id) if link.mentor_id else None,
        mentor_name=names.get(link.mentor_id) if link.mentor_id else None,
    ).model_dump(mode="json")


def _names(links: list[relations.MentorLink]) -> dict[str, str]:
    ids = {link.mentee_id for link in links}
    ids |= {link.mentor_id for link in links if link.mentor_id}
    with system().read() as conn:
        return relations.member_names(conn, ids)


def _answer(me: UUID, command: c.Command, status: int = 200) -> Response:
    """Run a mentorship command; answer with the mentorship read back."""
    result = system().write(command, idempotency_key())
    with system().read() as conn:
        link = view.mentorship_of(conn, str(me), str(result.id))
    if link is None:  # the caller just wrote it: only a concurrent erasure
        raise NotFoundError("No such mentorship.")
    body = _link_out(link, me, _names([link])) | {"version": result.version}
    return written(MentorshipWritten.model_validate(body), result.version, status)


@contextmanager
def _email_errors() -> Iterator[None]:
    """The domain calls the invited address `email`; the body calls it
    `mentor_email`."""
    try:
        yield
    except ValidationError as error:
        if error.field != "email":
            raise
        raise ValidationError(error.message, "mentor_email") from error


@api.post("/mentorships", responses={201: MentorshipWritten, **ERRORS}, security=BEARER)
def propose(body: MentorshipBody) -> Response:
    """Invite someone, by email, to mentor you (they may sign up later). Inviting
    the same person again after a decline or an end renews the invitation."""
    me = _me()
    with _email_errors():
        return _answer(
            me, c.ProposeMentorship(me, body.mentor_email, body.message), 201
        )


@api.post(
    MENTORSHIP + "/accept",
    responses={200: MentorshipWritten, **ERRORS},
    security=BEARER,
)
def accept(path: MentorshipPath) -> Response:
    """Accept an invitation to mentor (the invited person only)."""
    me = _me()
    return _answer(me, c.AnswerMentorship(me, path.mentorship_id, "accept"))


@api.post(
    MENTORSHIP + "/decline",
    responses={200: MentorshipWritten, **ERRORS},
    security=BEARER,
)
def decline(path: MentorshipPath) -> Response:
    """Decline an invitation to mentor (the invited person only)."""
    me = _me()
    return _answer(me, c.AnswerMentorship(me, path.mentorship_id, "decline"))


@api.post(
    MENTORSHIP + "/end",
    responses={200: MentorshipWritten, **ERRORS},
    security=BEARER,
)
def end(path: MentorshipPath, body: ReasonBody) -> Response:
    """End a mentorship (either side; the mentee may also withdraw a pending
    invitation). The mentor's access to the mentee's items ends with it."""
    me = _me()
    command = c.AnswerMentorship(me, path.mentorship_id, "end", body.reason)
    return _answer(me, command)


@api.get("/mentorships", responses={200: MentorshipPage, **ERRORS}, security=BEARER)
def list_mentorships(query: PageQuery) -> dict[str, Any]:
    """Your mentorships both ways: those you asked for (as mentee, any status) and
    those you mentor or are invited to mentor."""
    me = _me()
    with system().read() as conn:
        links = relations.mentorships_of(conn, str(me))
    items, cursor = paginate(links, query, key=lambda link: link.mentorship_id)
    names = _names(items)
    return {"items": [_link_out(x, me, names) for x in items], "next_cursor": cursor}


def _mentee_out(card: MenteeCard) -> dict[str, Any]:
    m = card.metrics
    return MenteeOut(
        member_id=UUID(card.member_id),
        display_name=card.display_name,
        momentum=m.momentum_shown,
        momentum_trend=m.trend,
        rut_risk=m.rut_risk,
        rut_level=m.rut_level,  # type: ignore[arg-type]  # low, medium, high or new
        rut_risk_change=card.rut_risk_change,
        rising=m.rising,
        actions_this_week=m.actions_this_week,
        weekly_target=m.weekly_target,
        streak=m.streak,
        last_action_on=m.last_action_on,
        days_since_action=m.days_since_action,
        stalled_goals=card.stalled_goals,
        away_today=m.away_today,
        reasons=list(card.reasons),
    ).model_dump(mode="json")


@api.get("/mentees", responses={200: MenteePage, **ERRORS}, security=BEARER)
def mentees(query: PageQuery) -> dict[str, Any]:
    """Your mentees, the one needing attention most first (rising risk, then
    higher risk, then longer quiet), each with the reasons in plain words."""
    me = _me()
    with system().read() as conn:
        cards = view.triage(conn, str(me), system().now())
    items, cursor = paginate(cards, query, key=lambda card: card.member_id)
    return {"items": [_mentee_out(card) for card in items], "next_cursor": cursor}


@api.get(
    "/mentees/<uuid:mentee_id>/timeline",
    responses={200: JournalEntryPage, **ERRORS},
    security=BEARER,
)
def timeline(path: MenteePath, query: MenteeTimelineQuery) -> dict[str, Any]:
    """A mentee's journal as you may see it (what they show mentors or groups),
    newest first; 404 unless you are their accepted mentor."""
    me = _me()
    mentee = str(path.mentee_id)
    with system().read() as conn:
        if not relations.is_mentor(conn, str(me), mentee):
            raise NotFoundError("No such mentee of yours.")
    page = journal_page(
        me, limit=query.limit, cursor=query.cursor, member_id=mentee, kind=query.kind
    )
    return {
        "items": [entry_out(entry) for entry in page.entries],
        "next_cursor": page.next_cursor,
    }
