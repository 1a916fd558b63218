"""The portal's forms against forged requests and open redirects, and its pages' security headers: a POST
without the session's form token, with another's, from another origin or from nowhere is refused (403) and
changes nothing; the sign-in form has its own token; after sign-in the browser goes only to a portal path."""

import pytest
from fastapi import FastAPI

from api.portal.routes import back_to
from api.portal.statements import MAX_FIELDS
from tests.api import conftest as api_fixtures
from tests.api.conftest import ROOT, Api
from tests.api.portal_client import PASSWORD, Browser, add_user, form_token, portal_state

ADMIN = "admin@ipvietnam"
api, app, client, settings = api_fixtures.api, api_fixtures.app, api_fixtures.client, api_fixtures.settings
"""The HTTP API tests' fixtures: an app on the test's database whose entry 0 registers ROOT."""


@pytest.fixture
def admin(app: FastAPI, api: Api) -> Browser:
    add_user(api.engine, ROOT, ADMIN)
    return Browser(app).signed_in(ADMIN)


class TestFormTokens:
    """Every signed-in POST needs the session's own token."""

    def test_missing_wrong_or_another_sessions_token_is_refused(self, app: FastAPI, api: Api,
                                                                admin: Browser) -> None:
        other = Browser(app).signed_in(ADMIN)
        others = form_token(other.get("/portal").text)
        before = portal_state(api.engine)
        with api.nothing_appended():
            for token in (None, "", "0" * 64, others):
                fields = {"label": "giả mạo"} if token is None else {"csrf": token, "label": "giả mạo"}
                refused = admin.post("/portal/tokens", fields)
                assert refused.status_code == 403, token
                assert "Biểu mẫu này không gửi từ trang của cổng thông tin" in refused.text
            assert admin.post("/portal/logout", {}).status_code == 403
        assert portal_state(api.engine) == before
        assert admin.get("/portal").status_code == 200, "a refused sign-out signed nobody out"

    def test_a_form_with_too_many_fields_is_refused(self, api: Api, admin: Browser) -> None:
        token = form_token(admin.get("/portal/tokens").text)
        before = portal_state(api.engine)
        refused = admin.post("/portal/tokens", {"csrf": token, **{f"f{i}": "x" for i in range(MAX_FIELDS + 1)}})
        assert refused.status_code == 400
        assert portal_state(api.engine) == before

    def test_a_token_of_an_ended_session_is_refused(self, app: FastAPI, api: Api, admin: Browser) -> None:
        token = form_token(admin.get("/portal").text)
        admin.post("/portal/logout", {"csrf": token})
        admin.signed_in(ADMIN)
        assert admin.post("/portal/tokens", {"csrf": token, "label": "cũ"}).status_code == 403


class TestOrigin:
    """A POST from another origin, or with neither Origin nor Referer, is refused before anything is read."""

    @pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Origin": "null"},
                                         {"Origin": "http://testserver.evil.example"},
                                         {"Origin": "", "Referer": "https://evil.example/portal/tokens"}])
    def test_a_cross_origin_post_is_refused(self, api: Api, admin: Browser, headers: dict[str, str]) -> None:
        token = form_token(admin.get("/portal/tokens").text)
        before = portal_state(api.engine)
        sent = {k: v for k, v in headers.items() if v}
        refused = admin.client.post("/portal/tokens", data={"csrf": token, "label": "x"}, headers=sent)
        assert refused.status_code == 403
        assert portal_state(api.engine) == before

    def test_a_post_with_neither_origin_nor_referer_is_refused(self, api: Api, admin: Browser) -> None:
        token = form_token(admin.get("/portal/tokens").text)
        before = portal_state(api.engine)
        assert admin.client.post("/portal/tokens", data={"csrf": token, "label": "x"}).status_code == 403
        assert portal_state(api.engine) == before

    def test_a_same_origin_referer_stands_for_a_missing_origin(self, admin: Browser) -> None:
        token = form_token(admin.get("/portal/tokens").text)
        made = admin.client.post("/portal/tokens", data={"csrf": token, "label": "x"},
                                 headers={"Referer": "http://testserver/portal/tokens"})
        assert made.status_code == 201


class TestSignInForm:
    """The sign-in form carries a token bound to its own cookie (login CSRF), and its Origin is checked."""

    def test_sign_in_without_the_forms_cookie_or_token_is_refused(self, app: FastAPI, api: Api) -> None:
        add_user(api.engine, ROOT, ADMIN)
        fresh = Browser(app)
        fields = {"login": ADMIN, "password": PASSWORD}
        assert fresh.post("/portal/login", fields).status_code == 403
        token = form_token(Browser(app).get("/portal/login").text)  # another browser's token
        assert fresh.post("/portal/login", {**fields, "csrf": token}).status_code == 403
        own = form_token(fresh.get("/portal/login").text)
        assert fresh.post("/portal/login", {**fields, "csrf": own},
                          headers={"Origin": "https://evil.example"}).status_code == 403
        assert fresh.post("/portal/login", {**fields, "csrf": own}).status_code == 303


class TestOpenRedirect:
    """After sign-in the browser goes to a portal path only."""

    @pytest.mark.parametrize("asked", ["//evil.com", "https://evil.example/portal", "/\\evil.com", "/portal/../x",
                                       "/%2F%2Fevil.com", "/portal%2F%2Fevil.com", "/portal/%2e%2e/evil",
                                       "/portal//evil.com", "/portal\\@evil.com", "\\\\evil.com", "/portalx",
                                       "/portal/tokens?x=https://evil", "javascript:alert(1)", "/portal/\tx", ""])
    def test_anything_but_a_portal_path_goes_home(self, app: FastAPI, api: Api, asked: str) -> None:
        add_user(api.engine, ROOT, ADMIN)
        assert back_to(asked) == "/portal"
        assert Browser(app).sign_in(ADMIN, next_=asked).headers["location"] == "/portal"

    def test_a_portal_path_is_kept(self) -> None:
        assert back_to("/portal/tokens") == "/portal/tokens"
        assert back_to("/portal") == "/portal"


class TestHeaders:
    """Portal pages are not framed, sniffed or cached, and run no inline script."""

    @pytest.mark.parametrize("path", ["/portal/login", "/portal", "/portal/users", "/portal/tokens",
                                      "/portal/account"])
    def test_security_headers(self, admin: Browser, path: str) -> None:
        page = admin.get(path)
        assert page.status_code == 200
        policy = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy
        assert "form-action 'self'" in policy
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["cache-control"] == "no-store"
        assert "<script" not in page.text
