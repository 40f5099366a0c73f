"""The forms of the group pages (the domain checks names, members and roles).

Forms that share the group board carry a prefix, so the ids of their fields (and of
their hidden CSRF and form-key inputs) stay unique on the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

from wtforms import (
    EmailField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired

from projections.groups import BoardMember
from web.pages.forms import PageForm, options

CHOOSE = "Choose a member."


class CreateGroupForm(PageForm):
    """A new peer group: its name and what it is for."""

    name = StringField("Group name")
    purpose = TextAreaField("Purpose (optional)")


class JoinForm(PageForm):
    """Join the group an invitation token names."""

    token = HiddenField()


class InviteForm(PageForm):
    """Open an invitation link (for anyone with it, or for one email)."""

    email = EmailField("Only for this email (optional)")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, prefix="invite", **kwargs)


class PairForm(PageForm):
    """Pair two members as accountability buddies."""

    member_a = SelectField("First buddy", validators=[DataRequired(CHOOSE)])
    member_b = SelectField("Second buddy", validators=[DataRequired(CHOOSE)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, prefix="pair", **kwargs)


class FacilitatorForm(PageForm):
    """Name a member co-facilitator."""

    member_id = SelectField("Member", validators=[DataRequired(CHOOSE)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, prefix="lead", **kwargs)


class ActionForm(PageForm):
    """A one-button write (unpair, remove, leave): only the CSRF token and key."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, prefix="act", **kwargs)


def member_choices(
    members: Iterable[BoardMember], *, exclude: Iterable[str] = ()
) -> list[SelectChoice]:
    """Select options for the board's members ('' first: nobody chosen yet)."""
    left_out = set(exclude)
    chosen = [
        (m.member_id, m.display_name) for m in members if m.member_id not in left_out
    ]
    return options(
        [("", "Choose…"), *sorted(chosen, key=lambda c: (c[1].lower(), c[0]))]
    )


def token_from(link_or_token: str) -> str:
    """The invitation token in a pasted join link, or the text itself."""
    text = link_or_token.strip()
    found = parse_qs(urlsplit(text).query).get("token")
    return found[0].strip() if found else text
