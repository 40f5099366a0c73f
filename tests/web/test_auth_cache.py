"""Authentication from the per-process cache (`service.auth_cache`), across processes.

Two processes serve the same store, each with its own cache: this test process and
a second one started with `spawn` (its own interpreter, application, Flask app and
cache), which answers GET requests sent through a pipe. A token or session cookie
used in the second process is cached there; a revocation, password change,
sign-out or erasure made through this process is refused by the second process's
very next request (the bound stated in `service.auth_cache`), with no waiting.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any
from uuid import UUID

import pytest
from flask import Flask

from service.auth_cache import TokenView
from service.clock import FixedClock
from service.domain.token import ApiToken, token_id
from service.errors import AuthenticationError
from service.settings import Settings
from system import System, open_system
from tests.conftest import PASSWORD, START
from tests.web.conftest import Api, Person
from tests.web.pages.conftest import Browser
from web import create_app

NEW_PASSWORD = "a brand new password"


def _serve(database_url: str, conn: Connection) -> None:
    """The second process: its own system over the same store, no follower."""
    system = open_system(
        Settings(database_url=database_url, secret_key="test-secret"),
        clock=FixedClock(START),
        follow=False,
        create_tables=False,
        password_profile="CHEAPEST",
    )
    app = create_app(system)
    conn.send("ready")
    try:
        while (asked := conn.recv()) is not None:
            path, headers, cookies = asked
            client = app.test_client()
            for name, value in cookies.items():
                client.set_cookie(name, value)
            response = client.get(path, headers=headers)
            conn.send(
                (
                    response.status_code,
                    response.headers.get("Location", ""),
                    response.get_data(as_text=True),
                )
            )
    finally:
        system.close()


class OtherProcess:
    """GET requests served by the second process: `(status, Location, body)`."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(
        self,
        path: str,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
    ) -> tuple[int, str, str]:
        self.conn.send((path, headers or {}, cookies or {}))
        assert self.conn.poll(60), "the other process did not answer"
        answer: tuple[int, str, str] = self.conn.recv()
        return answer

    def status(self, path: str, **kwargs: Any) -> int:
        return self.get(path, **kwargs)[0]

    def shut_out(self, cookies: dict[str, str]) -> bool:
        """The dashboard sends this cookie's holder to the sign-in page."""
        status, location, _ = self.get("/", cookies=cookies)
        return status == 302 and location.startswith("/signin")


@pytest.fixture
def other(system: System, backend: str) -> Iterator[OtherProcess]:
    """A second process serving the same store (see the module docstring)."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=_serve, args=(backend, theirs), daemon=True)
    child.start()
    assert ours.poll(120), "the other process did not start"
    assert ours.recv() == "ready"
    yield OtherProcess(ours)
    ours.send(None)
    child.join(30)
    if child.is_alive():  # pragma: no cover - only if it hangs
        child.kill()
        child.join()


@pytest.fixture
def web_app(system: System) -> Flask:
    return create_app(system)


def _signed_in(app: Flask, person: Person) -> dict[str, str]:
    """The session cookie of a browser where `person` signed in (in this process)."""
    browser = Browser(app, person)
    assert browser.sign_in(person).status_code == 302
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    return {"session": cookie.value}


def test_a_token_revoked_here_is_refused_by_the_next_request_there(
    api: Api, other: OtherProcess
) -> None:
    ann = api.join("Ann")
    assert other.status("/api/v1/me", headers=ann.auth) == 200  # cached there
    assert other.status("/api/v1/journal", headers=ann.auth) == 200
    assert api.get(ann, "/me").status_code == 200  # and here

    assert api.delete(ann, "/auth/tokens/current").status_code == 204

    assert other.status("/api/v1/journal", headers=ann.auth) == 401
    assert api.get(ann, "/journal").status_code == 401


def test_other_tokens_of_the_member_keep_working_there(
    api: Api, other: OtherProcess
) -> None:
    ann = api.join("Ann")
    second = api.client.post(
        "/api/v1/auth/tokens", json={"email": ann.email, "password": PASSWORD}
    ).get_json()["token"]
    kept = {"Authorization": f"Bearer {second}"}
    assert other.status("/api/v1/journal", headers=kept) == 200
    assert other.status("/api/v1/journal", headers=ann.auth) == 200
    assert api.delete(ann, "/auth/tokens/current").status_code == 204
    assert other.status("/api/v1/journal", headers=ann.auth) == 401
    assert other.status("/api/v1/journal", headers=kept) == 200


def test_an_erased_members_token_and_session_are_refused_there_at_once(
    api: Api, web_app: Flask, other: OtherProcess
) -> None:
    ann, bob = api.join("Ann"), api.join("Bob")
    cookies = _signed_in(web_app, ann)
    assert other.status("/api/v1/journal", headers=ann.auth) == 200
    assert not other.shut_out(cookies)
    assert other.status("/api/v1/journal", headers=bob.auth) == 200

    erased = api.delete(ann, "/me", json={"password": PASSWORD})
    assert erased.status_code == 204

    assert other.status("/api/v1/journal", headers=ann.auth) == 401
    assert other.shut_out(cookies)
    assert other.status("/api/v1/journal", headers=bob.auth) == 200  # not Bob


def test_a_password_change_here_ends_the_session_there_at_once(
    api: Api, web_app: Flask, other: OtherProcess
) -> None:
    ann = api.join("Ann")
    cookies = _signed_in(web_app, ann)
    assert not other.shut_out(cookies)  # cached there
    changed = api.post(
        ann,
        "/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.json
    assert other.shut_out(cookies)
    # as documented: tokens issued before keep working until revoked or expired
    assert other.status("/api/v1/journal", headers=ann.auth) == 200


def test_signing_out_here_ends_the_session_there_at_once(
    api: Api, web_app: Flask, other: OtherProcess
) -> None:
    ann = api.join("Ann")
    browser = Browser(web_app, ann)
    assert browser.sign_in(ann).status_code == 302
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    cookies = {"session": cookie.value}
    assert not other.shut_out(cookies)
    assert browser.submit("/signout", {}, page="/").status_code == 302
    assert other.shut_out(cookies)


def test_a_new_name_given_here_shows_on_the_next_page_there(
    api: Api, web_app: Flask, other: OtherProcess
) -> None:
    ann = api.join("Ann")
    cookies = _signed_in(web_app, ann)
    status, _, page = other.get("/journal", cookies=cookies)
    assert status == 200 and "Sign out Ann</button>" in page
    renamed = api.patch(ann, "/me", json={"display_name": "Annabel"})
    assert renamed.status_code == 200, renamed.json
    status, _, page = other.get("/journal", cookies=cookies)
    assert status == 200 and "Sign out Annabel</button>" in page


def test_an_expired_token_is_refused_although_it_is_cached(
    api: Api, system: System, clock: FixedClock
) -> None:
    ann = api.join("Ann")
    assert api.get(ann, "/journal").status_code == 200
    clock.advance(days=29, hours=23)
    assert api.get(ann, "/journal").status_code == 200
    clock.advance(hours=1)
    assert api.get(ann, "/journal").status_code == 401


class CountedReads:
    """Counts the event store's aggregate reads (`select_events`), passing them on."""

    def __init__(self, system: System, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        recorder = system.app.recorder
        original = recorder.select_events

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(recorder, "select_events", counted)


def test_a_cached_token_is_resolved_without_reading_an_aggregate(
    api: Api, system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = api.join("Ann")
    reads = CountedReads(system, monkeypatch)
    assert api.get(ann, "/journal").status_code == 200
    assert reads.calls == 2  # the token and the member, once
    for _ in range(10):
        assert api.get(ann, "/journal").status_code == 200
    assert reads.calls == 2
    assert system.app.member_for_token(ann.token) == system.app.member_for_token(
        ann.token
    )
    assert reads.calls == 2


def test_a_cached_session_is_resolved_without_reading_an_aggregate(
    api: Api, system: System, web_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = api.join("Ann")
    browser = Browser(web_app, ann)
    assert browser.sign_in(ann).status_code == 302
    assert browser.get("/journal").status_code == 200
    reads = CountedReads(system, monkeypatch)
    for _ in range(5):
        assert browser.get("/journal").status_code == 200
    assert reads.calls == 0


def test_threads_of_one_process_refuse_a_token_once_its_revocation_committed(
    api: Api, system: System
) -> None:
    ann, bob = api.join("Ann"), api.join("Bob")
    revoked = threading.Event()
    late_successes: list[UUID] = []
    errors: list[BaseException] = []

    def keep_asking() -> None:
        app = system.app
        after = 0
        try:
            while after < 200:  # until 200 lookups after the revocation committed
                asked_after = revoked.is_set()
                after += asked_after
                try:
                    found = app.member_for_token(ann.token)
                except AuthenticationError:
                    continue
                if asked_after:
                    late_successes.append(found)
                app.member_for_token(bob.token)  # moves other entries meanwhile
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=keep_asking) for _ in range(4)]
    for thread in threads:
        thread.start()
    assert api.get(bob, "/journal").status_code == 200
    assert api.delete(ann, "/auth/tokens/current").status_code == 204
    revoked.set()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors
    assert late_successes == []
    with pytest.raises(AuthenticationError):
        system.app.member_for_token(ann.token)


def test_a_view_read_before_a_revocation_another_thread_caught_up_with_is_not_kept(
    api: Api, system: System
) -> None:
    """The interleaving of two request threads, made deterministic: one reads the
    token, the revocation commits, the other thread's lookup catches up with the
    log, then the first returns what it read; that view must not stay cached."""
    ann = api.join("Ann")
    app = system.app
    the_id = token_id(ann.token)

    def read_then_revoked_meanwhile() -> TokenView:
        token: object = app.repository.get(the_id)
        assert isinstance(token, ApiToken)
        read = TokenView(token.member_id, token.expires_at)
        assert api.delete(ann, "/auth/tokens/current").status_code == 204
        app.auth_cache.catch_up()  # another thread's lookup
        return read

    app.auth_cache.token(the_id, read_then_revoked_meanwhile)
    with pytest.raises(AuthenticationError):
        app.member_for_token(ann.token)
