"""The organisation's people and API tokens in the portal (api/portal/admin.py): an admin invites, changes
roles, resets passwords, disables, and makes, lists and revokes tokens; every other role only sees; a person
or token of another organisation is not found. Every refusal changes nothing."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI

from tests.api.conftest import PRODUCER, ROOT, Api
from tests.api.portal_client import PASSWORD, Browser, add_user, portal_state

ADMIN, CLERK, VIEWER = "admin@ipvietnam", "clerk@ipvietnam", "viewer@ipvietnam"
PRODUCER_ADMIN = "admin@coop-hoai-duc"


@pytest.fixture
def people(api: Api) -> dict[str, str]:
    """An admin, a clerk and a viewer of ROOT and an admin of PRODUCER; their ids by login."""
    api.register(PRODUCER)
    made = [add_user(api.engine, ROOT, ADMIN), add_user(api.engine, ROOT, CLERK, "clerk"),
            add_user(api.engine, ROOT, VIEWER, "viewer"), add_user(api.engine, PRODUCER, PRODUCER_ADMIN)]
    return {user.login: user.id for user in made}


@contextmanager
def nothing_changed(api: Api) -> Iterator[None]:
    """Nothing of the portal's (people, sessions, links, tokens), the log or the projections changes inside."""
    before = portal_state(api.engine)
    with api.nothing_appended():
        yield
    assert portal_state(api.engine) == before, "a refused request changed the portal's tables"


def _token_id(api: Api, label: str) -> str:
    """The id of ROOT's token labelled `label`."""
    listed = api.client.get("/api/v1/tokens", headers=api.auth(ROOT)).json()["tokens"]
    [found] = [info["id"] for info in listed if info["label"] == label]
    return str(found)


def _shown(pattern: str, html: str) -> str:
    found = re.search(pattern, html)
    assert found is not None, f"{pattern} not on the page"
    return found.group(1)


class TestInvite:
    """An invitation makes the person and a one-time link to set a password, shown once."""

    def test_invited_person_sets_a_password_once_and_signs_in(self, app: FastAPI, api: Api,
                                                               people: dict[str, str]) -> None:
        admin = Browser(app).signed_in(ADMIN)
        made = admin.submit("/portal/users", "/portal/users", login="Lan.Tran@Example.VN", role="clerk")
        assert made.status_code == 201
        link = _shown(r'id="password-link">([^<]+)<', made.text)
        assert link.startswith("http://testserver/portal/set-password/")
        assert link not in admin.get("/portal/users").text, "the link is shown once"
        path = link.removeprefix("http://testserver")
        newcomer = Browser(app)
        form = newcomer.get(path)
        assert "lan.tran@example.vn" in form.text
        mismatch = newcomer.submit(path, path, new="mật khẩu của Lan", repeat="mật khẩu khác")
        assert mismatch.status_code == 400
        done = newcomer.submit(path, path, new="mật khẩu của Lan", repeat="mật khẩu của Lan")
        assert done.headers["location"] == "/portal/login?done=set_done"
        assert newcomer.get(path).status_code == 404, "a link works once"
        home = Browser(app).signed_in("lan.tran@example.vn", "mật khẩu của Lan").get("/portal").text
        assert "Nhân viên nhập liệu" in home

    def test_a_login_taken_is_refused_in_words_and_nothing_changes(self, app: FastAPI, api: Api,
                                                                  people: dict[str, str]) -> None:
        admin = Browser(app).signed_in(ADMIN)
        with nothing_changed(api):
            taken = admin.submit("/portal/users", "/portal/users", login=PRODUCER_ADMIN, role="viewer")
        assert taken.status_code == 400
        assert f"tên đăng nhập {PRODUCER_ADMIN} đã có người dùng" in taken.text


class TestAdminActions:
    """Role changes, resets and disabling by an admin of the same organisation."""

    def test_reset_ends_sessions_and_old_password(self, app: FastAPI, api: Api, people: dict[str, str]) -> None:
        clerk = Browser(app).signed_in(CLERK)
        admin = Browser(app).signed_in(ADMIN)
        reset = admin.submit("/portal/users", f"/portal/users/{people[CLERK]}/reset")
        assert reset.status_code == 200
        link = _shown(r'id="password-link">([^<]+)<', reset.text).removeprefix("http://testserver")
        assert clerk.get("/portal").status_code == 303
        assert Browser(app).sign_in(CLERK).status_code == 401
        Browser(app).submit(link, link, new="mật khẩu mới của clerk", repeat="mật khẩu mới của clerk")
        Browser(app).signed_in(CLERK, "mật khẩu mới của clerk")

    def test_change_role(self, app: FastAPI, api: Api, people: dict[str, str]) -> None:
        admin = Browser(app).signed_in(ADMIN)
        done = admin.submit("/portal/users", f"/portal/users/{people[VIEWER]}/role", role="clerk")
        assert done.headers["location"] == "/portal/users?done=role"
        assert "Nhân viên nhập liệu" in Browser(app).signed_in(VIEWER).get("/portal").text
        with nothing_changed(api):
            bad = admin.submit("/portal/users", f"/portal/users/{people[VIEWER]}/role", role="owner")
        assert bad.status_code == 400

    def test_an_admin_cannot_demote_or_disable_themselves(self, app: FastAPI, api: Api,
                                                         people: dict[str, str]) -> None:
        admin = Browser(app).signed_in(ADMIN)
        with nothing_changed(api):
            for action, fields in (("role", {"role": "viewer"}), ("disable", {})):
                refused = admin.submit("/portal/users", f"/portal/users/{people[ADMIN]}/{action}", **fields)
                assert refused.status_code == 403
                assert "Bạn không thể tự đổi vai trò hay tự khóa tài khoản của mình" in refused.text


class TestTokens:
    """API tokens: made (shown once), listed by prefix and label, revoked, through api.tokens."""

    def test_create_list_revoke(self, app: FastAPI, api: Api, people: dict[str, str]) -> None:
        admin = Browser(app).signed_in(ADMIN)
        made = admin.submit("/portal/tokens", "/portal/tokens", label="máy in nhãn")
        assert made.status_code == 201
        token = _shown(r'id="new-token">([^<]+)<', made.text)
        listed = admin.get("/portal/tokens").text
        assert token not in listed
        assert f"ngn_{token[4:10]}…" in listed
        assert "máy in nhãn" in listed
        assert api.client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        token_id = _token_id(api, "máy in nhãn")
        assert admin.submit("/portal/tokens", f"/portal/tokens/{token_id}/revoke").headers["location"] == \
            "/portal/tokens?done=revoked"
        assert api.client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        again = admin.submit("/portal/tokens", f"/portal/tokens/{token_id}/revoke")
        assert again.status_code == 409


def _forbidden_posts(people: dict[str, str], token_id: str) -> list[tuple[str, dict[str, str]]]:
    target = people[VIEWER]
    return [("/portal/users", {"login": "new@ipvietnam", "role": "admin"}),
            (f"/portal/users/{target}/role", {"role": "admin"}), (f"/portal/users/{target}/reset", {}),
            (f"/portal/users/{target}/disable", {}), (f"/portal/users/{target}/enable", {}),
            ("/portal/tokens", {"label": "x"}), (f"/portal/tokens/{token_id}/revoke", {})]


class TestRoles:
    """Only an admin changes people and tokens, and only of their own organisation; the others see them."""

    @pytest.mark.parametrize("who", [CLERK, VIEWER])
    def test_clerk_and_viewer_see_but_every_change_is_refused(self, app: FastAPI, api: Api, people: dict[str, str],
                                                              who: str) -> None:
        admin = Browser(app).signed_in(ADMIN)
        admin.submit("/portal/tokens", "/portal/tokens", label="kế toán")
        token_id = _token_id(api, "kế toán")
        browser = Browser(app).signed_in(who)
        tokens = browser.get("/portal/tokens").text
        assert "kế toán" in tokens
        assert "/revoke" not in tokens
        users = browser.get("/portal/users").text
        assert ADMIN in users
        assert 'action="/portal/users"' not in users
        with nothing_changed(api):
            for path, fields in _forbidden_posts(people, token_id):
                refused = browser.submit("/portal", path, **fields)
                assert refused.status_code == 403, path
                assert "Chỉ quản trị viên của tổ chức mới được làm việc này. Không có gì bị thay đổi." in refused.text

    def test_an_admin_of_another_organisation_finds_nothing(self, app: FastAPI, api: Api,
                                                           people: dict[str, str]) -> None:
        admin = Browser(app).signed_in(ADMIN)
        admin.submit("/portal/tokens", "/portal/tokens", label="của cục")
        token_id = _token_id(api, "của cục")
        other = Browser(app).signed_in(PRODUCER_ADMIN)
        assert "của cục" not in other.get("/portal/tokens").text
        assert ADMIN not in other.get("/portal/users").text
        with nothing_changed(api):
            for path, fields in _forbidden_posts(people, token_id)[1:5] + _forbidden_posts(people, token_id)[6:]:
                refused = other.submit("/portal", path, **fields)
                assert refused.status_code == 404, path
                assert "Tổ chức của bạn không có mục này." in refused.text


def test_a_password_given_by_the_cli_signs_in(app: FastAPI, api: Api, people: dict[str, str]) -> None:
    assert Browser(app).sign_in(ADMIN, PASSWORD).status_code == 303
