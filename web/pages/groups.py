"""Peer groups: my groups, create and join, the group board, facilitators' tools.

Reads come from the group board projection (`projections.groups`), the same query as
the API's, so only members see a group (anyone else gets 404); writes are the API's
commands, and the service decides who may invite, pair, remove and name facilitators
(a member who is not a facilitator is refused with 422, nothing appended).
"""

from __future__ import annotations

from uuid import UUID

from flask import (
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from projections import relations
from projections.groups import Board, BoardMember, board, group_info, groups_listed
from service import commands as c
from service.clock import zone_info
from service.errors import NotFoundError, ValidationError
from web.pages.forms import INVALID, PageForm, submit, text_of
from web.pages.groups_forms import (
    ActionForm,
    CreateGroupForm,
    FacilitatorForm,
    InviteForm,
    JoinForm,
    PairForm,
    member_choices,
    token_from,
)
from web.pages.session import me, page_blueprint, viewer
from web.system import current_system as system

bp = page_blueprint("groups", __name__)

INVITATION = "groups.invitation"
"""Session key: the invitation link just created, shown once on its group's board."""
NOT_AN_INVITATION = "This invitation link is not valid."
"""What a well-signed token of a group that does not exist gets (as in the service)."""

Page = str | tuple[str, int] | Response


def _board(group_id: UUID) -> Board:
    """The board as the signed-in member sees it; 404 unless they are a member."""
    with system().read() as conn:
        found = board(conn, str(me()), str(group_id), system().now())
    if found is None:
        raise NotFoundError("No such group.")
    return found


def _member(shown: Board, member_id: UUID) -> BoardMember:
    """A member of the board; 404 if they are not in the group."""
    for member in shown.members:
        if member.member_id == str(member_id):
            return member
    raise NotFoundError("No such member in this group.")


@bp.route("/groups", methods=["GET", "POST"])
def index() -> Page:
    """My groups, a form to create one and one to join with an invitation link."""
    form = CreateGroupForm()
    if form.validate_on_submit():
        name = text_of(form.name)
        result = submit(form, c.CreateGroup(me(), name, text_of(form.purpose)))
        if result is not None:
            flash(f"Group “{name}” created: invite people from its board.", "success")
            return redirect(url_for(".show", group_id=result.id))
    with system().read() as conn:
        mine = groups_listed(conn, str(me()))
    page = render_template("groups/index.html", groups=mine, form=form)
    return (page, INVALID) if form.is_submitted() else page


@bp.route("/groups/join", methods=["GET", "POST"])
def join() -> Page:
    """An invitation: the group's name and a button to join it."""
    form = JoinForm()
    if form.validate_on_submit():
        result = submit(form, c.JoinGroup(me(), text_of(form.token)))
        if result is not None:
            flash("Welcome to the group!", "success")
            return redirect(url_for(".show", group_id=result.id))
    else:
        form.token.data = token_from(request.args.get("token", ""))
    return _join_page(form)


def _join_page(form: JoinForm) -> Page:
    """The invitation's group (if the token names one), or what is wrong with it."""
    token, group, member = text_of(form.token), None, False
    if token and not form.token.errors:
        try:
            group_id = str(system().app.invitations.read(token)[0])
        except ValidationError as error:
            form.add_error("token", error.message)
        else:
            with system().read() as conn:
                group = group_info(conn, group_id)
                member = str(me()) in relations.group_member_ids(conn, group_id)
            if group is None:
                form.add_error("token", NOT_AN_INVITATION)
    page = render_template("groups/join.html", form=form, group=group, member=member)
    refused = form.is_submitted() or form.token.errors
    return (page, INVALID) if refused else page


@bp.get("/groups/<uuid:group_id>")
def show(group_id: UUID) -> Page:
    """The group board."""
    return _board_page(group_id)


def _board_page(group_id: UUID, status: int = 200, **forms: PageForm) -> Page:
    """The board with fresh forms, except those given (re-shown with errors)."""
    shown = _board(group_id)
    pair = forms.get("pair") or PairForm(formdata=None)
    lead = forms.get("lead") or FacilitatorForm(formdata=None)
    _choose(pair, lead, shown)
    invitation = None
    if (session.get(INVITATION) or {}).get("group_id") == str(group_id):
        invitation = session.pop(INVITATION)
    page = render_template(
        "groups/show.html",
        board=shown,
        names={m.member_id: m.display_name for m in shown.members},
        me=str(me()),
        facilitator=shown.is_facilitator(str(me())),
        invite_form=forms.get("invite") or InviteForm(formdata=None),
        pair_form=pair,
        lead_form=lead,
        action_form=forms.get("action") or ActionForm(formdata=None),
        invitation=invitation,
    )
    return (page, status) if status != 200 else page


def _choose(pair: PairForm, lead: FacilitatorForm, shown: Board) -> None:
    """Fill the member selects from the board."""
    pair.member_a.choices = member_choices(shown.members)
    pair.member_b.choices = member_choices(shown.members)
    leads = [m.member_id for m in shown.members if m.facilitator]
    lead.member_id.choices = member_choices(shown.members, exclude=leads)


@bp.post("/groups/<uuid:group_id>/invitations")
def invite(group_id: UUID) -> Page:
    """Open an invitation and show its link once, on the board (facilitators)."""
    form = InviteForm()
    if form.validate_on_submit():
        email = text_of(form.email) or None
        result = submit(form, c.InviteToGroup(me(), group_id, email))
        if result is not None:
            _remember_invitation(result)
            flash("Invitation created: share the link below.", "success")
            return redirect(url_for(".show", group_id=group_id, _anchor="invitation"))
    return _board_page(group_id, INVALID, invite=form)


def _remember_invitation(result: c.Result) -> None:
    """Keep the new link (and when it expires) for the board to show once."""
    invitation_id = UUID(str(result.extra["invitation_id"]))
    invitation = system().app.invitation_of(me(), result.id, invitation_id)
    expires = invitation.expires_at.astimezone(zone_info(viewer().timezone))
    session[INVITATION] = {
        "group_id": str(result.id),
        "url": url_for(".join", token=result.extra["token"], _external=True),
        "email": invitation.email,
        "expires": expires.strftime("%A %-d %B %Y, %H:%M ") + viewer().timezone,
    }


@bp.post("/groups/<uuid:group_id>/buddies")
def pair(group_id: UUID) -> Page:
    """Pair two members as buddies (facilitators)."""
    shown = _board(group_id)
    form = PairForm()
    _choose(form, FacilitatorForm(formdata=None), shown)
    if form.validate_on_submit():
        a, b = UUID(str(form.member_a.data)), UUID(str(form.member_b.data))
        command = c.PairBuddies(me(), group_id, a, b)
        if submit(form, command, fields={"member_id": "member_a"}) is not None:
            names = {m.member_id: m.display_name for m in shown.members}
            flash(f"{names[str(a)]} and {names[str(b)]} are buddies now.", "success")
            return redirect(url_for(".show", group_id=group_id))
    return _board_page(group_id, INVALID, pair=form)


@bp.post("/groups/<uuid:group_id>/buddies/<uuid:member_id>/unpair")
def unpair(group_id: UUID, member_id: UUID) -> Page:
    """Dissolve the buddy pair a member belongs to (facilitators)."""
    form = ActionForm()
    if form.validate_on_submit():
        result = submit(form, c.UnpairBuddies(me(), group_id, member_id))
        if result is not None:
            flash("The buddy pair is dissolved.", "success")
            return redirect(url_for(".show", group_id=group_id))
    return _board_page(group_id, INVALID, action=form)


@bp.post("/groups/<uuid:group_id>/facilitators")
def add_facilitator(group_id: UUID) -> Page:
    """Name a member co-facilitator (facilitators)."""
    shown = _board(group_id)
    form = FacilitatorForm()
    _choose(PairForm(formdata=None), form, shown)
    if form.validate_on_submit():
        member_id = UUID(str(form.member_id.data))
        if submit(form, c.AddFacilitator(me(), group_id, member_id)) is not None:
            name = _member(shown, member_id).display_name
            flash(f"{name} co-facilitates the group now.", "success")
            return redirect(url_for(".show", group_id=group_id))
    return _board_page(group_id, INVALID, lead=form)


@bp.route(
    "/groups/<uuid:group_id>/members/<uuid:member_id>/remove",
    methods=["GET", "POST"],
)
def remove_member(group_id: UUID, member_id: UUID) -> Page:
    """Confirm, then remove a member from the group (facilitators)."""
    shown = _board(group_id)
    name = _member(shown, member_id).display_name
    form = ActionForm()
    if form.validate_on_submit():
        if member_id == me():
            form.add_error(None, "To leave the group yourself, use “Leave”.")
        elif submit(form, c.RemoveFromGroup(me(), group_id, member_id)) is not None:
            flash(f"{name} is no longer a member of {shown.name}.", "success")
            return redirect(url_for(".show", group_id=group_id))
    return _confirm(
        form,
        shown,
        title=f"Remove {name} from {shown.name}?",
        detail=f"{name} will no longer see the group's board or its members' "
        "group items. They can come back with a new invitation.",
        button=f"Remove {name}",
    )


@bp.route("/groups/<uuid:group_id>/leave", methods=["GET", "POST"])
def leave(group_id: UUID) -> Page:
    """Confirm, then leave the group."""
    shown = _board(group_id)
    form = ActionForm()
    left = form.validate_on_submit() and submit(form, c.LeaveGroup(me(), group_id))
    if left:
        flash(f"You left {shown.name}.", "success")
        return redirect(url_for(".index"))
    return _confirm(
        form,
        shown,
        title=f"Leave {shown.name}?",
        detail="You will no longer see the group's board or its members' group "
        "items. To come back you need a new invitation.",
        button="Leave the group",
    )


def _confirm(form: ActionForm, shown: Board, **text: str) -> Page:
    """A confirmation page (re-shown with 422 when the service said no)."""
    page = render_template(
        "groups/confirm.html",
        form=form,
        board=shown,
        action=request.path,
        **text,
    )
    return (page, INVALID) if form.is_submitted() else page
