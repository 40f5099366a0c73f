"""The small forms embedded next to items: feedback, cheers, withdrawing feedback.

They are rendered by the macros of `macros/feedback.html` (not from these classes),
so any page can embed them; these classes read what those macros post.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for
from wtforms import HiddenField, TextAreaField

from web.pages.forms import PageForm, text_of


class ReturnForm(PageForm):
    """A one-button form that returns to the page it sits on (`next`)."""

    next = HiddenField()

    def return_to(self) -> str:
        """`next` if it is a path on this site, else the dashboard."""
        return local_path(text_of(self.next))


class CheerForm(ReturnForm):
    """Which item to cheer."""

    item_kind = HiddenField()
    item_id = HiddenField()


class FeedbackForm(CheerForm):
    """Which item, and the feedback (Markdown)."""

    text = TextAreaField("Your feedback")


def all_errors(form: PageForm) -> list[str]:
    """Every message on a form (above it and on its fields), for flashing."""
    messages = [str(m) for m in form.form_errors]
    for field in form:
        messages += [str(m) for m in field.errors]
    return messages or ["That cannot be done."]


def local_path(target: str) -> str:
    """`target` when it is a path on this site (no scheme, host or `//`), else the
    dashboard: a posted `next` never sends anyone off site."""
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not parts.scheme
        and not parts.netloc
    ):
        return target
    return url_for("dashboard.index")
