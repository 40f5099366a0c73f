"""Forms turned into commands, and the domain's answer shown on the form.

Every page form subclasses `PageForm` (Flask-WTF: a CSRF token, plus a one-time
`form_key` sent as the command's idempotency key, so a double-click appends once).
`submit(form, command)` runs the command; when the domain refuses it, the message
lands on the field it names (or on the form as a whole) and the view re-renders the
form with status 422 — nothing was appended.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from uuid import uuid4

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectChoice

from service.commands import Command, Result
from service.errors import (
    ConflictError,
    InvalidFieldsError,
    RuleViolationError,
    ValidationError,
)
from web.system import current_system as system

INVALID = 422
"""The status of a form re-rendered with errors."""


def new_form_key() -> str:
    """A fresh key for one rendering of a form."""
    return uuid4().hex


def text_of(field: Field) -> str:
    """A text field's value, stripped ('' when empty): WTForms gives None for a
    field the request left out; the domain decides what empty means."""
    return (field.data or "").strip()


def options(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select, radio or checkbox field."""
    return [SelectChoice(value, label) for value, label in pairs]


class PageForm(FlaskForm):  # type: ignore[misc]
    """Base of every page form."""

    form_key = HiddenField(default=new_form_key)

    def add_error(self, field: str | None, message: str) -> None:
        """Show `message` next to `field`, or above the form if no field has it."""
        target = getattr(self, field, None) if field else None
        if target is not None and hasattr(target, "errors"):
            if not isinstance(target.errors, list):
                target.errors = list(target.errors)
            target.errors.append(message)
        else:
            self.form_errors.append(message)


def submit(
    form: PageForm,
    command: Command | Callable[[], Command],
    *,
    fields: Mapping[str, str] | None = None,
) -> Result | None:
    """Run the command the form describes; None (errors on the form) if refused.

    `command` may be a callable, so building it can raise the domain's errors too.
    `fields` maps the domain's field names to the form's where they differ."""
    renamed = fields or {}
    try:
        built = command() if callable(command) else command
        return system().write(built, form.form_key.data or None)
    except InvalidFieldsError as error:
        for field, message in error.errors.items():
            form.add_error(renamed.get(field, field), message)
    except ValidationError as error:
        form.add_error(renamed.get(error.field or "", error.field), error.message)
    except (ConflictError, RuleViolationError) as error:
        form.add_error(None, error.message)
    return None
