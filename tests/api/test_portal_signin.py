"""Signing in to the portal (api/portal/routes.py): the same answer for an unknown login and a wrong password,
throttling, a new session at every sign-in, the cookie's attributes, where the browser goes after, idle and
absolute expiry, signing out here and everywhere; a password is never in a page or a log line."""

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from api.app import create_app
from api.portal.tables import PortalSession
from api.settings import Settings
from tests.api.conftest import ROOT, Api
from tests.api.portal_client import PASSWORD, Browser, add_user, form_token, portal_state

_sessions = PortalSession.__table__  # type: ignore[attr-defined]


@pytest.fixture
def admin(api: Api) -> str:
    add_user(api.engine, ROOT, "admin@ipvietnam")
    return "admin@ipvietnam"


def session_cookie(browser: Browser) -> str:
    [value] = [cookie.value for cookie in browser.client.cookies.jar if cookie.name == "nguon-session"]
    assert value is not None
    return value


class TestSignIn:
    """The right login and password open the home page, which names the person, the organisation and the role."""

    def test_signs_in_and_shows_who_and_which_organisation(self, app: FastAPI, api: Api, admin: str) -> None:
        browser = Browser(app)
        response = browser.sign_in("  Admin@IPVietnam ")
        assert (response.status_code, response.headers["location"]) == (303, "/portal")
        home = browser.get("/portal")
        assert home.status_code == 200
        assert "Xin chào, admin@ipvietnam" in home.text
        assert "Cục Sở hữu trí tuệ" in home.text
        assert "Quản trị viên" in home.text
        english = browser.get("/portal?lang=en").text
        assert "Intellectual Property Office of Viet Nam" in english
        assert "Administrator" in english

    def test_a_page_without_a_session_sends_to_sign_in_and_back(self, app: FastAPI, api: Api, admin: str) -> None:
        browser = Browser(app)
        asked = browser.get("/portal/tokens")
        assert (asked.status_code, asked.headers["location"]) == (303, "/portal/login?next=/portal/tokens")
        form = browser.get(asked.headers["location"]).text
        assert 'name="next" value="/portal/tokens"' in form
        assert browser.sign_in(admin, next_="/portal/tokens").headers["location"] == "/portal/tokens"


class TestRefusedSignIn:
    """A wrong password and an unknown login get the same answer, in about the same time."""

    def test_unknown_login_and_wrong_password_answer_alike(self, app: FastAPI, api: Api, admin: str) -> None:
        wrong = Browser(app).sign_in(admin, "not the password")
        unknown = Browser(app).sign_in("nobody@ipvietnam", "not the password")
        assert wrong.status_code == unknown.status_code == 401
        said = "Tên đăng nhập hoặc mật khẩu không đúng."
        assert said in wrong.text
        assert said in unknown.text
        assert wrong.text.replace(admin, "LOGIN").replace(form_token(wrong.text), "") == \
            unknown.text.replace("nobody@ipvietnam", "LOGIN").replace(form_token(unknown.text), "")

    def test_an_unknown_login_costs_an_argon2_verification_too(self, app: FastAPI, api: Api, admin: str) -> None:
        def took(login: str) -> float:
            browser = Browser(app)
            token = form_token(browser.get("/portal/login").text)
            began = time.perf_counter()
            browser.post("/portal/login", {"csrf": token, "login": login, "password": "not the password"})
            return time.perf_counter() - began

        took(admin)  # the dummy hash is made on first use
        wrong = sorted(took(admin) for _ in range(3))[1]
        unknown = sorted(took(f"nobody{i}@ipvietnam") for i in range(3))[1]
        assert unknown > wrong / 3, (unknown, wrong)

    def test_a_disabled_person_is_refused_like_a_wrong_password(self, app: FastAPI, api: Api, admin: str) -> None:
        add_user(api.engine, ROOT, "clerk@ipvietnam", "clerk")
        browser = Browser(app).signed_in(admin)
        people = browser.get("/portal/users").text
        clerk_id = people.split('action="/portal/users/')[1].split("/")[0]
        clerk = Browser(app).signed_in("clerk@ipvietnam")
        assert browser.submit("/portal/users", f"/portal/users/{clerk_id}/disable").status_code == 303
        assert clerk.get("/portal").status_code == 303, "the disabled person's session ended"
        refused = Browser(app).sign_in("clerk@ipvietnam")
        assert refused.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in refused.text

    def test_a_login_that_is_not_ascii_is_refused_in_words(self, app: FastAPI, api: Api) -> None:
        refused = Browser(app).sign_in("nguyễn", "whatever password")
        assert refused.status_code == 400
        assert "chữ cái không dấu" in refused.text


class TestThrottling:
    """Failures are counted per login and per address; a locked sign-in says until when, in words."""

    def test_a_login_is_locked_after_five_failures_even_with_the_right_password(self, app: FastAPI, api: Api,
                                                                              admin: str) -> None:
        for _ in range(5):
            assert Browser(app).sign_in(admin, "not the password").status_code == 401
        locked = Browser(app).sign_in(admin)
        assert locked.status_code == 429
        assert "Đã nhập sai quá nhiều lần. Hãy thử lại sau 15 phút" in locked.text
        assert 0 < int(locked.headers["retry-after"]) <= 900
        english = Browser(app).sign_in(admin, next_="/portal")
        assert english.status_code == 429
        in_english = Browser(app)
        in_english.get("/portal/login?lang=en")
        assert "Too many failed attempts. Try again in 15 minutes" in in_english.sign_in(admin).text

    def test_an_unknown_login_is_locked_the_same_way(self, app: FastAPI, api: Api) -> None:
        for _ in range(5):
            assert Browser(app).sign_in("nobody@ipvietnam", "not the password").status_code == 401
        assert Browser(app).sign_in("nobody@ipvietnam", "not the password").status_code == 429

    def test_a_success_forgets_the_failures_of_the_login(self, app: FastAPI, api: Api, admin: str) -> None:
        for _ in range(4):
            Browser(app).sign_in(admin, "not the password")
        Browser(app).signed_in(admin)
        for _ in range(4):
            assert Browser(app).sign_in(admin, "not the password").status_code == 401
        Browser(app).signed_in(admin)

    def test_an_address_is_locked_across_logins(self, engine: object, settings: Settings, api: Api) -> None:
        app = create_app(settings.model_copy(update={"portal_address_limit": "3/15 minutes"}))
        for i in range(3):
            assert Browser(app).sign_in(f"guess{i}@ipvietnam", "not the password").status_code == 401
        assert Browser(app).sign_in("another@ipvietnam", "not the password").status_code == 429


class TestSessions:
    """A new session at each sign-in; the cookie's attributes; expiry; signing out here and everywhere."""

    def test_a_planted_session_cookie_is_never_adopted(self, app: FastAPI, api: Api, admin: str) -> None:
        attacker = Browser(app).signed_in(admin)
        planted = session_cookie(attacker)
        for chosen in (planted, "chosen-by-the-attacker"):
            victim = Browser(app)
            victim.client.cookies.set("nguon-session", chosen)
            given = victim.sign_in(admin).headers["set-cookie"]
            assert given.startswith("nguon-session=")
            assert given.split(";")[0].removeprefix("nguon-session=") not in (planted, "chosen-by-the-attacker")
        assert attacker.get("/portal").status_code == 303, "the planted session ended at the victim's sign-in"

    def test_cookie_is_httponly_lax_and_bound_to_the_portal_over_http(self, app: FastAPI, api: Api,
                                                                    admin: str) -> None:
        cookie = Browser(app).sign_in(admin).headers["set-cookie"]
        parts = [part.strip().lower() for part in cookie.split(";")]
        assert parts[0].startswith("nguon-session=")
        assert {"httponly", "samesite=lax", "path=/portal"} <= set(parts)
        assert "secure" not in parts

    def test_cookie_is_host_prefixed_and_secure_over_https(self, app: FastAPI, api: Api, admin: str) -> None:
        browser = Browser(app, "https://testserver")
        cookies = browser.sign_in(admin).headers.get_list("set-cookie")
        [session] = [c for c in cookies if c.startswith("__Host-nguon-session=")]
        parts = {part.strip().lower() for part in session.split(";")[1:]}
        assert {"httponly", "samesite=lax", "path=/", "secure"} <= parts
        assert not any(part.startswith("domain") for part in parts)
        assert browser.get("/portal").status_code == 200

    def test_idle_and_absolute_expiry_end_a_session(self, app: FastAPI, api: Api, admin: str) -> None:
        browser = Browser(app).signed_in(admin)
        assert browser.get("/portal").status_code == 200
        long_ago = (datetime.now(UTC) - timedelta(minutes=61)).isoformat(timespec="seconds")
        with api.engine.begin() as connection:
            connection.execute(update(_sessions).values(last_seen_at=long_ago))
        assert browser.get("/portal").status_code == 303
        other = Browser(app).signed_in(admin)
        with api.engine.begin() as connection:
            connection.execute(update(_sessions).values(
                expires_at=(datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")))
        assert other.get("/portal").status_code == 303

    def test_signing_out_ends_the_session_on_the_server(self, app: FastAPI, api: Api, admin: str) -> None:
        browser = Browser(app).signed_in(admin)
        kept = session_cookie(browser)
        out = browser.submit("/portal", "/portal/logout")
        assert (out.status_code, out.headers["location"]) == (303, "/portal/login?done=signed_out")
        replay = Browser(app)
        replay.client.cookies.set("nguon-session", kept)
        assert replay.get("/portal").status_code == 303

    def test_sign_out_everywhere_ends_every_session_of_the_person(self, app: FastAPI, api: Api, admin: str) -> None:
        add_user(api.engine, ROOT, "other@ipvietnam")
        phone, laptop = Browser(app).signed_in(admin), Browser(app).signed_in(admin)
        someone_else = Browser(app).signed_in("other@ipvietnam")
        done = laptop.submit("/portal/account", "/portal/account/sign-out-everywhere")
        assert done.headers["location"] == "/portal/login?done=signed_out_everywhere"
        assert phone.get("/portal").status_code == 303
        assert laptop.get("/portal").status_code == 303
        assert someone_else.get("/portal").status_code == 200


class TestPasswordsStaySecret:
    """A password is in no page, no redirect and no log line."""

    def test_password_in_no_answer_and_no_log(self, app: FastAPI, api: Api, admin: str,
                                              caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        browser = Browser(app)
        answers = [browser.sign_in(admin, "wrong " + PASSWORD), browser.sign_in(admin)]
        answers += [browser.get("/portal"), browser.get("/portal/account")]
        changed = browser.submit("/portal/account", "/portal/account/password", current=PASSWORD,
                                 new="một mật khẩu mới dài", repeat="một mật khẩu mới dài")
        answers.append(changed)
        for answer in answers:
            text = answer.text + str(answer.headers)
            assert PASSWORD not in text
            assert "một mật khẩu mới dài" not in text
        assert PASSWORD not in caplog.text
        assert "một mật khẩu mới dài" not in caplog.text
        assert all(PASSWORD not in str(row) for table in portal_state(api.engine) for row in table)


class TestOwnPassword:
    """Changing one's password needs the current one, ends the other sessions and keeps this browser in."""

    def test_change_own_password(self, app: FastAPI, api: Api, admin: str) -> None:
        browser, other = Browser(app).signed_in(admin), Browser(app).signed_in(admin)
        wrong = browser.submit("/portal/account", "/portal/account/password", current="not it",
                               new="new password 1", repeat="new password 1")
        assert wrong.status_code == 400
        assert "Mật khẩu hiện tại không đúng." in wrong.text
        short = browser.submit("/portal/account", "/portal/account/password", current=PASSWORD, new="short",
                               repeat="short")
        assert short.status_code == 400
        assert "mật khẩu phải dài từ 8 đến 256 ký tự" in short.text
        done = browser.submit("/portal/account", "/portal/account/password", current=PASSWORD,
                              new="new password 1", repeat="new password 1")
        assert done.headers["location"] == "/portal/account?done=password_changed"
        assert browser.get("/portal").status_code == 200
        assert other.get("/portal").status_code == 303
        assert Browser(app).sign_in(admin).status_code == 401
        Browser(app).signed_in(admin, "new password 1")
