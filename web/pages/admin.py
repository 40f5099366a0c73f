"""Admin: accounts and their roles, the read models' lag, the audit chain, and mail
deliveries that failed or wait for a retry (each can be retried); the audit search
(`/admin/audit`: the audit index by member, item, type and time, as
`GET /api/v1/admin/audit/events` answers it, metadata only).

Admins only (`admin_only`): for anyone else every page here does not exist (404).
Roles change through the CLI's commands (`GrantRole`, `RevokeRole`); the audit check
and export are those of `web.api.admin`. The chain is recomputed on request only
(the "Verify" button): it reads the whole event log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from pydantic import ValidationError as PydanticError
from werkzeug.wrappers import Response as BaseResponse
from wtforms import EmailField

from notify.outbox import retry, troubled
from projections.audit import export_lines, members_with_role_changes, verify
from projections.audit_queries import search, stream
from projections.relations import accounts, member_names
from projections.tracking import Stopped
from service import commands as c
from service.errors import NotFoundError, ValidationError
from web.api.admin import (
    CSV,
    SEARCH_DEFAULT,
    AuditSearchQuery,
    after_cursor,
    audit_filter,
    csv_lines,
    jsonl_lines,
)
from web.api.common import encode_cursor
from web.pages.forms import INVALID, PageForm, submit, text_of
from web.pages.session import admin_only, me, page_blueprint
from web.system import current_system as system

bp = page_blueprint("admin", __name__)

PAGE_SIZE = 50
ROLE = "admin"
NDJSON = "application/x-ndjson"

Page = str | BaseResponse | tuple[str, int]


class RoleForm(PageForm):
    """The member whose admin role changes, by email."""

    email = EmailField("Email of the member")


@dataclass(frozen=True)
class ModelLag:
    """How far one read model is behind the event log."""

    name: str
    position: int
    head: int
    stopped: Stopped | None = None

    @property
    def behind(self) -> int:
        """Events recorded that the read model has not applied yet."""
        return max(self.head - self.position, 0)


@dataclass(frozen=True)
class RoleHolder:
    """A member who holds a role now."""

    member_id: str
    display_name: str
    email: str
    roles: tuple[str, ...]


def role_holders() -> list[RoleHolder]:
    """Every member holding a role now, by name."""
    with system().read() as conn:
        candidates = members_with_role_changes(conn)
    found = []
    for member_id in candidates:
        try:
            member = system().app.get_member(UUID(member_id))
        except NotFoundError:  # erased since
            continue
        if member.roles:
            found.append(
                RoleHolder(
                    member_id,
                    member.display_name,
                    member.email,
                    tuple(sorted(member.roles)),
                )
            )
    return sorted(found, key=lambda h: (h.display_name.lower(), h.email))


def projection_lag() -> list[ModelLag]:
    """Each read model's position against the log head (as /healthz sums up)."""
    running = system()
    head = running.app.recorder.max_notification_id() or 0
    states = running.runner.states()
    return [
        ModelLag(name, states[name].position, head, states[name].stopped)
        for name in sorted(states)
    ]


def _page(status: int = 200, **extra: Any) -> Page:
    """The admin page (accounts after `?after=`, the chain check on `?verify=1`)."""
    after = request.args.get("after", "")
    with system().read() as conn:
        listed = accounts(conn, after, PAGE_SIZE + 1)
        deliveries = troubled(conn)
    holders = role_holders()
    check = None
    if request.args.get("verify"):
        running = system()
        check = verify(running.app, running.engine, running.settings.secret_key)
    context: dict[str, Any] = {
        "accounts": listed[:PAGE_SIZE],
        "next_after": listed[PAGE_SIZE - 1].email if len(listed) > PAGE_SIZE else "",
        "after": after,
        "holders": holders,
        "roles_of": {h.member_id: h.roles for h in holders},
        "lag": projection_lag(),
        "deliveries": deliveries,
        "check": check,
        "grant_form": RoleForm(formdata=None),
        "role_error": "",
        "me": str(me()),
    }
    context.update(extra)
    page = render_template("admin/index.html", **context)
    return (page, status) if status != 200 else page


@bp.get("/admin")
@admin_only
def index() -> Page:
    """Accounts and roles, read-model lag, audit chain."""
    return _page()


def _change_role(form: RoleForm, grant: bool) -> bool:
    """Grant or revoke the admin role of the form's member; False if refused."""
    email = text_of(form.email)
    command: c.Command = (
        c.GrantRole(me(), email, ROLE) if grant else c.RevokeRole(me(), email, ROLE)
    )
    try:
        return submit(form, command) is not None
    except NotFoundError as error:  # no such member: say so on the field
        form.add_error("email", error.message)
        return False


@bp.post("/admin/roles/grant")
@admin_only
def grant() -> Page:
    """Make a member an admin."""
    form = RoleForm()
    if _change_role(form, grant=True):
        flash(f"{text_of(form.email)} is an admin now.", "success")
        return redirect(url_for("admin.index"))
    return _page(INVALID, grant_form=form)


@bp.post("/admin/roles/revoke")
@admin_only
def revoke() -> Page:
    """Take the admin role away (from yourself too: then this page is gone)."""
    form = RoleForm()
    if not _change_role(form, grant=False):
        messages = [*form.form_errors, *form.email.errors]
        return _page(INVALID, role_error=" ".join(str(m) for m in messages))
    flash(f"{text_of(form.email)} is no longer an admin.", "success")
    if ROLE not in system().app.get_member(me()).roles:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("admin.index"))


@bp.post("/admin/mail/<int:mail_id>/retry")
@admin_only
def retry_mail(mail_id: int) -> Page:
    """Send a failed or waiting message again at the next digest round (the form
    carries the CSRF token every POST needs)."""
    running = system()
    with running.engine.begin() as conn:
        again = retry(conn, mail_id, running.now())
    if not again:
        abort(404)
    flash("The message goes out again with the next round.", "success")
    return redirect(url_for("admin.index", _anchor="mail"))


@bp.get("/admin/audit/export")
@admin_only
def audit_export() -> Response:
    """The event log as JSON Lines (as GET /api/v1/admin/audit/export): metadata
    of every event, content only of the items I may see."""
    running = system()
    lines = export_lines(running.app, running.engine, me(), 0, None)
    day = running.now().date().isoformat()
    return Response(
        lines,
        mimetype=NDJSON,
        headers={
            "Content-Disposition": f'attachment; filename="momentum-audit-{day}.jsonl"'
        },
    )


SEARCH_FIELDS = ("member", "aggregate", "type", "from", "to")


def _search_args() -> dict[str, str]:
    """The search form's fields as given (blank ones left out); a member given by
    email becomes their id (an unknown email: a 422 on the field)."""
    given = {
        name: request.args.get(name, "").strip()
        for name in (*SEARCH_FIELDS, "cursor", "limit", "format")
    }
    given = {name: value for name, value in given.items() if value}
    member = given.get("member", "")
    if "@" in member:
        found = system().app.member_id_for_email(member)
        if found is None:
            raise ValidationError("No member has this email.", "member")
        given["member"] = str(found)
    return given


@bp.get("/admin/audit")
@admin_only
def audit_search() -> Page | Response:
    """Search the audit index: a GET form (member by email or id, item, type,
    from, to), a page of events oldest first with a link to the next page, each
    row linking to its item's whole trail (and a goal's history page); the same
    search as JSON Lines or CSV with `format`."""
    shown = {name: request.args.get(name, "") for name in SEARCH_FIELDS}
    try:
        given = _search_args()
        query = AuditSearchQuery.model_validate(given)
        where, after = audit_filter(query), after_cursor(query.cursor)
    except ValidationError as error:
        return _audit_page(shown, errors={error.field or "form": error.message})
    except PydanticError as error:
        errors = {
            str(e["loc"][0]) if e["loc"] else "form": e["msg"] for e in error.errors()
        }
        return _audit_page(shown, errors=errors)
    running = system()
    if query.format != "json":
        found = stream(running.read, where, after, query.limit)
        day = running.now().date().isoformat()
        name = f"momentum-audit-search-{day}.{query.format}"
        jsonl = query.format == "jsonl"
        return Response(
            jsonl_lines(found) if jsonl else csv_lines(found),
            mimetype=NDJSON if jsonl else CSV,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    size = query.limit or SEARCH_DEFAULT
    with running.read() as conn:
        rows = search(conn, where, after, size + 1)
        more = len(rows) > size
        rows = rows[:size]
        names = member_names(conn, (r.actor_id for r in rows if r.actor_id))
    filters = {k: v for k, v in given.items() if k in SEARCH_FIELDS}
    if query.limit:
        filters["limit"] = str(query.limit)
    return _audit_page(
        shown,
        rows=rows,
        searched=True,
        names=names,
        filters=filters,
        next_cursor=encode_cursor(str(rows[-1].position)) if more else None,
    )


def _audit_page(shown: dict[str, str], **context: Any) -> Page:
    errors = context.setdefault("errors", {})
    context.setdefault("rows", [])
    context.setdefault("filters", {})
    page = render_template("admin/audit.html", shown=shown, **context)
    return (page, INVALID) if errors else page
