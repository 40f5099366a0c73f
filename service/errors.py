"""Errors the service raises; each names a broken rule in words a person understands.

The web layer maps the families below to HTTP statuses in one place:
`ValidationError` → 422, `NotFoundError` → 404, `PermissionDeniedError` → 404 or 403,
`ConflictError` → 409, `RuleViolationError` → 409/422.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error the domain or the service raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """Input that breaks a rule; `field` names the offending field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidFieldsError(ValidationError):
    """Several fields are wrong at once; `errors` maps field → message."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors.items()))
        super().__init__(first[1], field=first[0])
        self.errors = errors


class RuleViolationError(DomainError):
    """The request is well-formed but not allowed in the item's current state."""


class NotFoundError(DomainError):
    """The item does not exist, or the caller may not know that it does."""


class PermissionDeniedError(DomainError):
    """The caller may see the item but may not do this to it."""


class AuthenticationError(DomainError):
    """Wrong email or password, or a bad token."""


class ConflictError(DomainError):
    """The request collides with existing state."""


class ConcurrencyConflictError(ConflictError):
    """Someone else changed the item first; `current_version` is what it is now."""

    def __init__(self, message: str, current_version: int | None) -> None:
        super().__init__(message)
        self.current_version = current_version


class EmailTakenError(ConflictError):
    """An account with that email exists already."""


class IdempotencyKeyReusedError(ConflictError):
    """The same idempotency key was sent with a different request."""


class TooManyAttemptsError(DomainError):
    """Too many failed sign-ins lately; try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
