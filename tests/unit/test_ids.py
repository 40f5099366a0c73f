"""Ids decoded from the log (`service.ids.Id`) behave as the UUIDs they are."""

from __future__ import annotations

import pickle
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder

from service.application import MomentumApplication
from service.ids import Id


def test_an_id_is_the_uuid_of_the_same_value_and_its_text_is_made_once() -> None:
    plain = uuid4()
    ident = Id.of(plain)
    assert ident == plain and plain == ident and hash(ident) == hash(plain)
    assert {plain: "x"}[ident] == "x"
    assert str(ident) == str(plain) == str(Id(plain.hex))
    assert str(ident) is str(ident)  # kept, not made again
    assert Id.of(ident) is ident
    assert pickle.loads(pickle.dumps(ident)) == plain
    assert Id.of_hex(plain.hex) == plain and str(Id.of_hex(plain.hex)) == str(plain)
    assert Id.of_hex(str(plain)) == plain  # another spelling: parsed as UUID does


def test_what_is_not_an_id_is_refused_as_uuid_refuses_it() -> None:
    for bad in ("", "0" * 31, "g" * 32, "0" * 33):
        with pytest.raises(ValueError):
            Id.of_hex(bad)


def test_events_read_back_carry_ids_that_encode_as_uuids() -> None:
    transcoder = JSONTranscoder()
    MomentumApplication.register_transcodings(
        MomentumApplication.__new__(MomentumApplication), transcoder
    )
    plain = uuid4()
    decoded = transcoder.decode(transcoder.encode({"id": plain}))["id"]
    assert type(decoded) is Id and decoded == plain
    # an id read back and stored again is stored as any UUID
    assert transcoder.encode({"id": decoded}) == transcoder.encode({"id": plain})
    assert isinstance(decoded, UUID)
