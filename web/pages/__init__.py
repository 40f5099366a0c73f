"""The pages: server-rendered HTML over the same service calls and projection
queries as the API (SPEC 7).

One blueprint per feature (`PAGE_AREAS`), templates under `web/templates/<blueprint>/`,
a base layout with flashed messages. Pages work without JavaScript. Forms are
Flask-WTF forms (CSRF on every one); a form's fields are turned into one command and
the domain's errors are shown next to the field they name (`web.pages.forms`).
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_login import current_user

from web.pages import (
    actions,
    admin,
    auth,
    calendar,
    dashboard,
    dev_mail,
    errors,
    feedback,
    goals,
    groups,
    history,
    journal,
    links,
    mentoring,
    notifications,
    reviews,
    security,
    session,
    settings,
    text,
    unsubscribe,
)

PAGE_AREAS = (
    auth,
    dashboard,
    goals,
    actions,
    reviews,
    journal,
    mentoring,
    feedback,
    groups,
    notifications,
    settings,
    history,
    admin,
    unsubscribe,
    calendar,
    dev_mail,
)
"""One blueprint per feature area of the pages."""

NAV = (
    ("dashboard.index", "Dashboard"),
    ("goals.index", "Goals"),
    ("actions.new", "Log action"),
    ("reviews.new", "Review"),
    ("journal.index", "Journal"),
    ("mentoring.index", "Mentoring"),
    ("groups.index", "Groups"),
    ("notifications.index", "Notifications"),
    ("settings.index", "Settings"),
    ("admin.index", "Admin"),
)
"""The main navigation: (endpoint, label); an area shows once its page exists."""


def nav_items() -> list[tuple[str, str]]:
    """The navigation entries whose pages exist (admin only for admins)."""
    user = current_user
    return [
        (endpoint, label)
        for endpoint, label in NAV
        if endpoint in current_app.view_functions
        and (endpoint != "admin.index" or getattr(user, "is_admin", False))
    ]


def init_app(app: Flask) -> None:
    """Attach sessions, CSRF, security headers, text filters, error pages and every
    page blueprint to `app`."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["nav_items"] = nav_items
    security.init_app(app)
    session.init_app(app)
    text.init_app(app)
    links.init_app(app)
    errors.init_app(app)
    for area in PAGE_AREAS:
        app.register_blueprint(area.bp)
