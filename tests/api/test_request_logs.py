"""Every request gets an id (a client's own when it is short, safe ASCII), answered in X-Request-ID and stamped
on its access line and on whatever the app logs while handling it; the lines are JSON objects; and nothing
private (tokens, Authorization, cookies, form bodies, secret paths, query strings) ever reaches the log."""

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.request_logs import JsonFormatter, TextFormatter
from tests.api.conftest import Api, make_batch
from tests.api.portal_client import Browser, add_user
from tests.checks import assert_problem
from tests.factories import ROOT

HEX_ID = re.compile(r"[0-9a-f]{32}")


class Captured:
    """What the app logged, formatted as `nguon serve --log-format json` writes it."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        """Every line but the test client's own (httpx logs the URLs the test asks for)."""
        return "\n".join(line for line in self.stream.getvalue().splitlines()
                         if json.loads(line)["logger"] != "httpx")

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]

    def access(self) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line["logger"] == "nguon.access"]


@pytest.fixture
def captured() -> Iterator[Captured]:
    capture = Captured()
    handler = logging.StreamHandler(capture.stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield capture
    root.removeHandler(handler)
    root.setLevel(level)


class TestRequestId:
    def test_each_answer_carries_a_fresh_id_that_its_access_line_names(self, api: Api, captured: Captured) -> None:
        first, second = api.client.get("/api/v1/log/entries/0"), api.client.get("/no/such/page")
        ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
        assert all(HEX_ID.fullmatch(i) for i in ids)
        assert ids[0] != ids[1]
        lines = captured.access()
        assert [(line["request_id"], line["method"], line["route"], line["status"]) for line in lines] == [
            (ids[0], "GET", "/api/v1/log/entries/{index}", 200), (ids[1], "GET", "unmatched", 404)]
        for line in lines:
            assert line["level"] == "info"
            assert isinstance(line["duration_ms"], float)
            assert 0 <= line["duration_ms"] < 10_000
            assert line["time"].endswith("+00:00")

    @pytest.mark.parametrize("sent", ["4bf92f3577b34da6a3ce929d0e0e4736", "req-01HZX:abc.9", "YWJj+/=="])
    def test_a_client_s_safe_id_is_kept(self, api: Api, captured: Captured, sent: str) -> None:
        answer = api.client.get("/api/v1/log/key", headers={"X-Request-ID": sent})
        assert answer.headers["x-request-id"] == sent
        assert captured.access()[-1]["request_id"] == sent

    @pytest.mark.parametrize("sent", ["a" * 65, "two words", 'quote"d', "{\"json\":1}", "tab\there", "",
                                      "%0d%0aSet-Cookie:x"])
    def test_an_unsafe_or_long_id_is_replaced(self, api: Api, captured: Captured, sent: str) -> None:
        answer = api.client.get("/api/v1/log/key", headers={"X-Request-ID": sent})
        assert HEX_ID.fullmatch(answer.headers["x-request-id"])
        assert captured.access()[-1]["request_id"] == answer.headers["x-request-id"]
        if sent:
            assert sent not in captured.text

    def test_refusals_of_middlewares_carry_an_id_too(self, api: Api, captured: Captured) -> None:
        answer = api.client.post("/api/v1/batches", json=make_batch(), headers={"Authorization": "Bearer nope"})
        assert answer.status_code == 401
        assert HEX_ID.fullmatch(answer.headers["x-request-id"])
        assert captured.access()[-1]["route"] == "/api/v1/batches"
        assert captured.access()[-1]["status"] == 401

    def test_what_the_app_logs_during_a_request_carries_its_id(self, app: FastAPI, api: Api,
                                                             captured: Captured) -> None:
        def noisy() -> dict[str, str]:
            logging.getLogger("nguon.test").warning("something worth a look")
            return {}

        app.add_api_route("/api/v1/noisy", noisy)
        answer = api.client.get("/api/v1/noisy", headers={"X-Request-ID": "trace-42"})
        warning = next(line for line in captured.lines() if line["logger"] == "nguon.test")
        assert warning == {"time": warning["time"], "level": "warning", "logger": "nguon.test",
                           "message": "something worth a look", "request_id": "trace-42"}
        assert answer.headers["x-request-id"] == "trace-42"


    def test_a_failure_of_the_app_is_answered_with_the_id_to_quote(self, app: FastAPI, api: Api,
                                                                   captured: Captured) -> None:
        def broken() -> dict[str, str]:
            raise RuntimeError("the disk is on fire")

        app.add_api_route("/api/v1/broken", broken)
        client = TestClient(app, raise_server_exceptions=False)
        answer = client.get("/api/v1/broken", headers={"X-Request-ID": "trace-500"})
        assert_problem(answer, 500, "internal-error")
        assert answer.headers["x-request-id"] == "trace-500"
        assert "fire" not in answer.text, "the client learns nothing of the cause"
        line = captured.access()[-1]
        assert (line["request_id"], line["route"], line["status"]) == ("trace-500", "/api/v1/broken", 500)


class TestPrivacy:
    def test_tokens_cookies_form_bodies_secret_paths_and_queries_are_never_logged(
            self, app: FastAPI, api: Api, captured: Captured) -> None:
        token = api.token(ROOT)
        headers = {"Authorization": f"Bearer {token}", "Cookie": "nguon_session=cookie-secret-123"}
        assert api.client.get("/api/v1/log/key", headers=headers).status_code == 200
        assert api.client.post("/api/v1/organisations", json={"id": "body-secret-org"},
                               headers={"Authorization": f"Bearer {token}"}).status_code == 422
        api.client.get("/api/v1/log/entries?start=0&limit=1&note=query-secret-456")
        api.client.get("/portal/set-password/link-secret-789")
        add_user(api.engine, ROOT, "chi.nguyen", password="password-secret-000")  # noqa: S106  (a test's)
        browser = Browser(app)
        browser.sign_in("chi.nguyen", "password-secret-000")
        browser.sign_in("chi.nguyen", "wrong-password-secret-111")
        logged = captured.text
        assert len(captured.access()) >= 7
        for secret in (token, "cookie-secret-123", "body-secret-org", "query-secret-456", "link-secret-789",
                       "password-secret-000", "wrong-password-secret-111", "Bearer", "nguon_session",
                       "authorization", "cookie"):
            assert secret.lower() not in logged.lower(), secret
        routes = {line["route"] for line in captured.access()}
        assert "/portal/set-password/{token}" in routes


class TestTextFormat:
    def test_text_lines_name_the_request_id_and_read_as_one_line(self, api: Api) -> None:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(TextFormatter())
        access = logging.getLogger("nguon.access")
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        try:
            api.client.get("/api/v1/log/key", headers={"X-Request-ID": "trace-7"})
        finally:
            access.removeHandler(handler)
            access.setLevel(logging.NOTSET)
        line = stream.getvalue().strip()
        assert "\n" not in line
        assert re.fullmatch(r"\S+ INFO +nguon\.access: GET /api/v1/log/key 200 [0-9.]+ ms \[trace-7\]", line), line
