"""Pages through the Flask test client: each person has their own browser (cookie
jar), signs in through the sign-in form, and submits forms with the CSRF token of
the page they came from — as a person clicking through would."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.test import TestResponse

from system import System
from tests.conftest import PASSWORD
from tests.web.conftest import Api, Person
from web import create_app


def page_of(response: TestResponse) -> BeautifulSoup:
    """The response's HTML, parsed."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def csrf_token_of(response: TestResponse) -> str:
    """The CSRF token of the first form on a page."""
    found = page_of(response).find("input", attrs={"name": "csrf_token"})
    assert found is not None, "the page has no form with a CSRF token"
    return str(found["value"])


def field_error(response: TestResponse, name: str) -> str:
    """The error shown next to field `name` ('' when none): the element the field's
    `aria-describedby` points at, whose id ends in -error."""
    page = page_of(response)
    control = page.find(attrs={"name": name})
    assert control is not None, f"no field named {name!r} on the page"
    for ref in str(control.get("aria-describedby", "")).split():
        if ref.endswith("-error"):
            found = page.find(id=ref)
            return found.get_text(" ", strip=True) if found else ""
    return ""


def form_errors(response: TestResponse) -> str:
    """The errors shown above a form (not tied to one field)."""
    box = page_of(response).find(class_="form-errors")
    return box.get_text(" ", strip=True) if box else ""


class Browser:
    """One person's browser: `get` pages, `submit` forms (with the CSRF token of the
    page the form is on), `post` without a token to check that CSRF is enforced."""

    def __init__(self, app: Flask, person: Person | None = None) -> None:
        self.client = app.test_client()
        self.person = person

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        response: TestResponse = self.client.get(path, **kwargs)
        return response

    def submit(
        self, path: str, data: dict[str, Any], *, page: str | None = None, **kwargs: Any
    ) -> TestResponse:
        """POST `data` to `path` as the form on `page` (default: `path`) would."""
        token = csrf_token_of(self.get(page or path))
        response: TestResponse = self.client.post(
            path, data={"csrf_token": token, **data}, **kwargs
        )
        return response

    def post(self, path: str, data: dict[str, Any] | None = None) -> TestResponse:
        """POST without a CSRF token (a forged request)."""
        response: TestResponse = self.client.post(path, data=data or {})
        return response

    def sign_in(self, person: Person, password: str = PASSWORD) -> TestResponse:
        """Sign in through the sign-in form."""
        self.person = person
        return self.submit("/signin", {"email": person.email, "password": password})


class Browsers:
    """Opens a browser per person: `browsers.of(ann)` is Ann, signed in."""

    def __init__(self, app: Flask, api: Api) -> None:
        self.app = app
        self.api = api

    def of(self, person: Person) -> Browser:
        """A browser where `person` has signed in."""
        browser = Browser(self.app, person)
        signed_in = browser.sign_in(person)
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
        return browser

    def anonymous(self) -> Browser:
        """A browser where nobody is signed in."""
        return Browser(self.app)


@pytest.fixture
def web_app(system: System) -> Flask:
    """The Flask app (pages and API) over `system`."""
    return create_app(system)


@pytest.fixture
def browsers(web_app: Flask, system: System) -> Browsers:
    """Browsers for people (see `Browsers`); people join through `api.join`."""
    return Browsers(web_app, Api(web_app.test_client(), system))


@pytest.fixture
def pages_api(browsers: Browsers) -> Api:
    """The API of the same app, to set scenes and count events."""
    return browsers.api
