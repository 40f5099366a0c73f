"""/dev/mail: the local outbox, while no SMTP relay is configured (SPEC 8).

With `MOMENTUM_SMTP_URL` unset, the sender keeps mail in the outbox table
(`notify.outbox`, rows marked `sent`) instead of handing it to a relay; these pages
show it, so a new user sees their digests at once. A signed-in member sees the mail
addressed to them, an admin all of it; anyone else's message is a 404, and with a
relay configured every page here is a 404.

A message shows as plain text on its page; its HTML part is served as it is, on its
own URL, under a policy of its own that allows the inline style attributes email
HTML is written with and nothing else (no script, no request anywhere, sandboxed).
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, render_template
from werkzeug.wrappers import Response

from notify.outbox import Mail, local_mail, mail_by_id
from service.clock import zone_info
from web.pages.session import page_blueprint, viewer
from web.system import current_system as system

bp = page_blueprint("dev_mail", __name__)

EMAIL_HTML_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
)


@bp.before_request
def _only_without_a_relay() -> None:
    """With an SMTP relay there is no local outbox: the pages do not exist."""
    if system().settings.smtp_url:
        abort(404)


def _visible(mail: Mail | None) -> Mail:
    """The message if the viewer may read it (theirs, or an admin); else 404."""
    who = viewer()
    if mail is None or mail.status != "sent":
        abort(404)
    if mail.member_id != str(who.member_id) and not who.is_admin:
        abort(404)
    return mail


def _local(at: datetime | None) -> datetime | None:
    return at.astimezone(zone_info(viewer().timezone)) if at is not None else None


@bp.get("/dev/mail")
def index() -> str:
    """The local outbox: my mail, or everyone's for an admin, newest first."""
    who = viewer()
    with system().read() as conn:
        mails = local_mail(conn, None if who.is_admin else str(who.member_id))
    return render_template(
        "dev_mail/index.html",
        mails=[(m, _local(m.sent_at)) for m in mails],
        everyone=who.is_admin,
    )


@bp.get("/dev/mail/<int:mail_id>")
def show(mail_id: int) -> str:
    """One message: its headers and its plain text part."""
    with system().read() as conn:
        mail = _visible(mail_by_id(conn, mail_id))
    return render_template("dev_mail/show.html", mail=mail, sent=_local(mail.sent_at))


@bp.get("/dev/mail/<int:mail_id>.html")
def html(mail_id: int) -> Response:
    """The message's HTML part, as a mail client would show it."""
    with system().read() as conn:
        mail = _visible(mail_by_id(conn, mail_id))
    response = Response(mail.html_body, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = EMAIL_HTML_POLICY
    return response
