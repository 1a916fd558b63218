"""A browser-like client of the portal for the tests: it reads each form's token from the page, as a browser
holds it, and sends the Origin a browser sends; `portal_state` is everything the portal may change (people,
sessions, links, API tokens), to check that a refusal changed none of it."""

import re
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api.portal.accounts import User, create_user
from api.portal.tables import PortalPasswordLink, PortalSession, PortalUser
from api.tables import ApiToken
from ledger.store.engines import write_transaction

PASSWORD = "mật khẩu đủ dài 2026"  # noqa: S105  (a test password)
ORIGIN = "http://testserver"
_FORM_TOKEN = re.compile(r'name="csrf" value="([^"]*)"')


def add_user(engine: Engine, organisation: str, login: str, role: str = "admin",
             password: str | None = PASSWORD) -> User:
    with write_transaction(engine) as connection:
        return create_user(connection, organisation, login, role, password)


def form_token(html: str) -> str:
    found = _FORM_TOKEN.search(html)
    assert found is not None, "the page has no form token"
    return found.group(1)


class Browser:
    """One browser (one cookie jar) on the app."""

    def __init__(self, app: FastAPI, base_url: str = ORIGIN) -> None:
        self.client = TestClient(app, base_url=base_url, follow_redirects=False)
        self.origin = base_url

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(path, **kwargs)
        return response

    def post(self, path: str, data: dict[str, str], headers: dict[str, str] | None = None) -> httpx.Response:
        """A form POST as a browser on this origin sends it (unless `headers` say otherwise)."""
        response: httpx.Response = self.client.post(path, data=data, headers={"Origin": self.origin, **(headers or {})})
        return response

    def sign_in(self, login: str, password: str = PASSWORD, next_: str = "/portal") -> httpx.Response:
        token = form_token(self.get("/portal/login").text)
        return self.post("/portal/login", {"csrf": token, "login": login, "password": password, "next": next_})

    def signed_in(self, login: str, password: str = PASSWORD) -> "Browser":
        response = self.sign_in(login, password)
        assert response.status_code == 303, response.text
        return self

    def submit(self, page: str, action: str, **fields: str) -> httpx.Response:
        """Open `page`, then POST `fields` to `action` with the page's form token."""
        return self.post(action, {"csrf": form_token(self.get(page).text), **fields})


def portal_state(engine: Engine) -> list[Any]:
    """Every row the portal writes: people, sessions, set-password links and API tokens."""
    with engine.connect() as connection:
        return [connection.execute(select(table.__table__).order_by(*table.__table__.primary_key.columns)).all()
                for table in (PortalUser, PortalSession, PortalPasswordLink, ApiToken)]
