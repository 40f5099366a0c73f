"""Command handlers, one module per area; each module lists its own in `HANDLERS`.

Nothing registers itself on import: the composition root asks `command_handlers()`
and `after_save()` for the maps and hands them to the application.
"""

from __future__ import annotations

from service.application import AfterSaves
from service.commands import Command
from service.handlers import (
    actions,
    goals,
    groups,
    members,
    mentoring,
    privacy,
    reminders,
    reviews,
    tokens,
)
from service.uow import Handler, Handlers

AREAS = (
    actions,
    goals,
    groups,
    members,
    mentoring,
    privacy,
    reminders,
    reviews,
    tokens,
)


def command_handlers() -> Handlers:
    """Every command → its handler (a command handled twice is a bug)."""
    found: dict[type[Command], Handler] = {}
    for area in AREAS:
        twice = found.keys() & area.HANDLERS.keys()
        if twice:
            names = ", ".join(sorted(t.__name__ for t in twice))
            raise LookupError(f"{names} handled twice ({area.__name__})")
        found.update(area.HANDLERS)
    return found


def after_save() -> AfterSaves:
    """What must happen once a command's events are stored."""
    return dict(privacy.AFTER_SAVE)
