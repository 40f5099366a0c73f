"""Command handlers, one module per area; importing this package registers them all."""

from service.handlers import (  # noqa: F401
    actions,
    goals,
    groups,
    members,
    mentoring,
    privacy,
    reviews,
    tokens,
)
