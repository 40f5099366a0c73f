"""Ids read from the event log: UUIDs that make their text once.

A read model turns the same id into text many times (every model keys its rows by
`str(id)`: about 19 `UUID.__str__` calls per event in a rebuild, 7 % of its CPU).
Events decoded from the log carry `Id`s, which keep the text the first time it is
asked for; they are UUIDs in every other way (equal to and hashed as the UUID of the
same value, encoded the same).
"""

from __future__ import annotations

import functools
from typing import Any
from uuid import UUID, SafeUUID

from eventsourcing.persistence import Transcoding

RECENT = 8192
"""Ids decoded lately, kept as objects (with their text, once made): the members,
goals and groups that event after event refer to (about 2 MB)."""


class Id(UUID):
    """A UUID that keeps its text once made."""

    __slots__ = ("_text",)
    _text: str

    def __str__(self) -> str:
        try:
            text: str = self._text
        except AttributeError:
            text = UUID.__str__(self)
            object.__setattr__(self, "_text", text)
        return text

    @classmethod
    def of(cls, value: UUID) -> Id:
        """The same id as an `Id` (without parsing it again)."""
        if type(value) is cls:
            return value
        ident = object.__new__(cls)
        object.__setattr__(ident, "int", value.int)
        object.__setattr__(ident, "is_safe", value.is_safe)
        return ident

    @classmethod
    def of_hex(cls, data: str) -> Id:
        """The id whose 32 hex digits are `data` (as `UUID(data)`, without its
        checks for other spellings: a third of a rebuild's decoding)."""
        if len(data) != 32:
            return cls(data)  # another spelling, or an error as UUID gives it
        ident = object.__new__(cls)
        object.__setattr__(ident, "int", int(data, 16))
        object.__setattr__(ident, "is_safe", SafeUUID.unknown)
        return ident

    def __reduce__(self) -> tuple[Any, ...]:
        return (Id, (self.hex,))


class IdAsHex(Transcoding):
    """The library's `uuid_hex` transcoding, decoding to `Id`s."""

    type = UUID
    name = "uuid_hex"

    def encode(self, obj: UUID) -> str:
        return obj.hex

    def decode(self, data: str) -> UUID:
        assert isinstance(data, str)
        return _recent(data)


@functools.lru_cache(maxsize=RECENT)
def _recent(data: str) -> Id:
    """`Id.of_hex`, the same object for an id decoded again soon after."""
    return Id.of_hex(data)


class IdOfIdAsHex(IdAsHex):
    """Encodes an `Id` (a decoded event's id stored again) as any UUID."""

    type = Id
