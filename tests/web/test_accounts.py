"""Registration, bearer tokens and /me over the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from projections import sign_in_failures
from system import System
from web import create_app, throttle

PASSWORD = "correct horse battery"


def _register(client: FlaskClient, name: str = "Ann", **extra: Any) -> Any:
    body = {
        "email": f"{name.lower()}@example.com",
        "password": PASSWORD,
        "display_name": name,
        "timezone": "Europe/Paris",
    } | extra
    return client.post("/api/v1/auth/register", json=body)


def _token(client: FlaskClient, name: str = "Ann") -> str:
    response = client.post(
        "/api/v1/auth/tokens",
        json={"email": f"{name.lower()}@example.com", "password": PASSWORD},
    )
    assert response.status_code == 201, response.json
    token: str = response.json["token"]
    return token


def _events(system: System) -> int:
    return system.app.recorder.max_notification_id() or 0


def test_register_then_sign_in_then_read_me(client: FlaskClient) -> None:
    created = _register(client)
    assert created.status_code == 201
    assert created.json["email"] == "ann@example.com"
    assert created.json["timezone"] == "Europe/Paris"
    assert "password" not in created.get_data(as_text=True)
    token = _token(client)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json["id"] == created.json["id"]
    assert me.json["weekly_target"] == 3 and me.json["display_name"] == "Ann"


def test_bad_registrations_name_the_field_and_append_nothing(
    client: FlaskClient, system: System
) -> None:
    cases = [
        ({"password": "short"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"display_name": 7}, "display_name"),
    ]
    for change, field in cases:
        response = _register(client, **change)
        assert response.status_code == 422, (change, response.json)
        assert response.mimetype == "application/problem+json"
        assert field in response.json["errors"], response.json
    missing = client.post("/api/v1/auth/register", json={"email": "a@example.com"})
    assert missing.status_code == 422
    assert {"password", "display_name"} <= set(missing.json["errors"])
    assert _events(system) == 0


def test_an_email_can_register_once(client: FlaskClient, system: System) -> None:
    assert _register(client).status_code == 201
    before = _events(system)
    again = _register(client)
    assert again.status_code == 409
    assert again.json["status"] == 409
    assert _events(system) == before


def test_registering_twice_with_one_idempotency_key_creates_one_account(
    client: FlaskClient, system: System
) -> None:
    headers = {"Idempotency-Key": "signup-1"}
    body = {
        "email": "ann@example.com",
        "password": PASSWORD,
        "display_name": "Ann",
    }
    first = client.post("/api/v1/auth/register", json=body, headers=headers)
    before = _events(system)
    second = client.post("/api/v1/auth/register", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert _events(system) == before


def test_me_needs_a_valid_token(client: FlaskClient) -> None:
    _register(client)
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_password_gets_no_token(client: FlaskClient) -> None:
    _register(client)
    response = client.post(
        "/api/v1/auth/tokens",
        json={"email": "ann@example.com", "password": "wrong password!"},
    )
    assert response.status_code == 401
    assert "token" not in response.json


def test_a_revoked_token_no_longer_works(client: FlaskClient) -> None:
    _register(client)
    token = _token(client)
    other = _token(client)
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    )
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    still = client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"})
    assert still.status_code == 200


def test_an_overlong_idempotency_key_is_refused_and_nothing_is_appended(
    client: FlaskClient, system: System
) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "ann@example.com", "password": PASSWORD, "display_name": "Ann"},
        headers={"Idempotency-Key": "k" * 201},
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["errors"]
    assert _events(system) == 0


def _sign_in(client: FlaskClient, email: str, password: str, address: str) -> Any:
    return client.post(
        "/api/v1/auth/tokens",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_too_many_wrong_passwords_stop_that_address_for_a_while(
    client: FlaskClient, system: System, clock: Any
) -> None:
    _register(client, "Ann")
    for _ in range(throttle.PAIR_LIMIT):
        assert (
            _sign_in(client, "ann@example.com", "guess-guess", "10.0.0.1").status_code
            == 401
        )
    # now even the right password, from that address, gets no answer
    refused = _sign_in(client, "ann@example.com", PASSWORD, "10.0.0.1")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    clock.advance(seconds=int(refused.headers["Retry-After"]))
    assert _sign_in(client, "ann@example.com", PASSWORD, "10.0.0.1").status_code == 201


def test_a_success_clears_the_count_of_that_address(client: FlaskClient) -> None:
    _register(client, "Ann")
    for _ in range(2):
        for _ in range(throttle.PAIR_LIMIT - 1):
            assert (
                _sign_in(client, "ann@example.com", "nope-nope", "10.0.0.1").status_code
                == 401
            )
        assert (
            _sign_in(client, "ann@example.com", PASSWORD, "10.0.0.1").status_code == 201
        )


def test_one_address_guessing_many_accounts_is_throttled_but_others_are_not(
    client: FlaskClient,
) -> None:
    _register(client, "Ann")
    for n in range(throttle.ADDRESS_LIMIT):
        wrong = _sign_in(client, f"nobody{n}@example.com", "guess-guess", "10.0.0.9")
        assert wrong.status_code == 401
    assert _sign_in(client, "ann@example.com", PASSWORD, "10.0.0.9").status_code == 429
    assert _sign_in(client, "ann@example.com", PASSWORD, "10.0.0.8").status_code == 201


def test_failures_are_stored_without_the_email_or_address(
    client: FlaskClient, system: System
) -> None:
    _sign_in(client, "ann@example.com", "guess-guess", "10.0.0.1")
    with system.read() as conn:
        rows = conn.execute(select(sign_in_failures.failures)).all()
    assert len(rows) == 3  # per account, per address, per account and address
    assert not any("ann" in row.key or "10.0" in row.key for row in rows)


def test_behind_a_trusted_proxy_the_client_address_is_throttled_not_the_proxys(
    system: System,
) -> None:
    proxied = create_app(
        replace(system, settings=replace(system.settings, trusted_proxies=1))
    )
    client = proxied.test_client()
    _register(client, "Ann")

    def attempt(email: str, password: str, client_address: str) -> int:
        return client.post(
            "/api/v1/auth/tokens",
            json={"email": email, "password": password},
            headers={"X-Forwarded-For": client_address},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},  # the proxy
        ).status_code

    for n in range(throttle.ADDRESS_LIMIT):
        assert attempt(f"nobody{n}@example.com", "guess-guess", "203.0.113.7") == 401
    assert attempt("ann@example.com", PASSWORD, "203.0.113.7") == 429
    assert attempt("ann@example.com", PASSWORD, "198.51.100.2") == 201


def test_without_a_trusted_proxy_a_forged_forwarded_address_changes_nothing(
    client: FlaskClient,
) -> None:
    _register(client, "Ann")
    for n in range(throttle.ADDRESS_LIMIT):
        response = client.post(
            "/api/v1/auth/tokens",
            json={"email": f"nobody{n}@example.com", "password": "guess-guess"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        assert response.status_code == 401
    assert _sign_in(client, "ann@example.com", PASSWORD, "127.0.0.1").status_code == 429
