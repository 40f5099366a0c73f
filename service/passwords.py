"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from service.errors import ValidationError

MIN_LENGTH = 10


def make_hasher(profile: str = "RFC_9106_LOW_MEMORY") -> PasswordHasher:
    """An Argon2id hasher with one of argon2-cffi's named parameter profiles."""
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def check_new_password(password: str, field: str = "password") -> str:
    """Reject passwords that are too short to be safe."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValidationError(
            f"Password must be at least {MIN_LENGTH} characters.", field
        )
    if len(password) > 1024:
        raise ValidationError("Password must be at most 1024 characters.", field)
    return password


def verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    """True if `password` matches `password_hash`."""
    try:
        return bool(hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False
