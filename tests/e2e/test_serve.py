"""`nguon serve` against clients that lie or dawdle, over raw sockets: proxy headers believed only from trusted
proxies, tokens checked before any byte of a body is read, and deadlines for headers and for stalled bodies.

Waiting is always a socket read with a timeout, never a sleep: the server's answer (or its closing the
connection) is what each test waits for.
"""

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from api.serving import MAX_HEADER_BYTES
from tests.e2e.conftest import ServeFactory, Server

ROOT = "ipvietnam"
LARGE_BODY = {"Content-Type": "application/json", "Content-Length": "1000000"}
"""Headers announcing a body just under the size limit; the body itself is never sent."""
READ_TIMEOUT = 15.0
"""Longer than any deadline under test: a read that times out means the server neither answered nor closed."""


@dataclass(frozen=True)
class Answer:
    """What came back on a connection until the server closed it."""

    status: int | None
    headers: dict[str, str]
    body: bytes
    closed: bool
    """The server closed the connection (a read returned no bytes)."""
    seconds: float
    """From the last byte sent to the connection's end."""

    def problem(self) -> dict[str, Any]:
        assert self.headers.get("content-type") == "application/problem+json", self
        document: dict[str, Any] = json.loads(self.body)
        assert document["status"] == self.status
        assert document["detail"] == document["message"]["en"]
        assert document["message"]["vi"] != document["message"]["en"]
        return document


def _port(server: Server) -> int:
    port = urlsplit(server.base_url).port
    assert port is not None
    return port


def exchange(server: Server, *parts: bytes) -> Answer:
    """Send `parts` on a new connection, then read until the server closes it (or READ_TIMEOUT passes)."""
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=READ_TIMEOUT) as connection:
        for part in parts:
            connection.sendall(part)
        sent = time.monotonic()
        received = b""
        closed = False
        try:
            while chunk := connection.recv(65536):
                received += chunk
            closed = True
        except (TimeoutError, ConnectionResetError):
            closed = False
        seconds = time.monotonic() - sent
    if not received:
        return Answer(None, {}, b"", closed, seconds)
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return Answer(int(status_line.split(" ")[1]), headers, body, closed, seconds)


def request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def log_size(server: Server) -> int:
    return len(httpx.get(f"{server.base_url}/api/v1/log/entries", params={"limit": 1000}).json()["entries"])


def bootstrap(server: Server) -> str:
    """Entry 0 through `nguon bootstrap`; the root authority's token."""
    return server.cli("bootstrap", "--id", ROOT, "--name-vi", "Cục Sở hữu trí tuệ",
                      "--name-en", "Intellectual Property Office of Viet Nam").strip()


def statuses(server: Server, forwarded_for: list[str]) -> list[int]:
    """The statuses of public reads, one per X-Forwarded-For value, each on its own connection."""
    return [httpx.get(f"{server.base_url}/api/v1/log/key", headers={"X-Forwarded-For": address}).status_code
            for address in forwarded_for]


class TestProxyHeaders:
    """X-Forwarded-For names the client only when the peer is a configured proxy; by default no peer is."""

    def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards(self, serve: ServeFactory) -> None:
        # FORWARDED_ALLOW_IPS is uvicorn's own setting (127.0.0.1 when unset); it must not open the door either.
        with serve(NGUON_RATE_LIMIT="2/minute", FORWARDED_ALLOW_IPS="*") as server:
            assert statuses(server, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [200, 200, 429]

    @pytest.mark.parametrize("trusted", ['["127.0.0.1"]', '["10.0.0.0/8", "127.0.0.0/8"]'])
    def test_a_trusted_proxy_names_the_client(self, serve: ServeFactory, trusted: str) -> None:
        with serve(NGUON_RATE_LIMIT="2/minute", NGUON_TRUSTED_PROXIES=trusted) as server:
            assert statuses(server, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [200, 200, 200]
            assert statuses(server, ["203.0.113.1", "203.0.113.1"]) == [200, 429]

    def test_a_trusted_proxy_elsewhere_does_not_make_the_local_peer_one(self, serve: ServeFactory) -> None:
        with serve(NGUON_RATE_LIMIT="2/minute", NGUON_TRUSTED_PROXIES='["10.1.2.3"]') as server:
            assert statuses(server, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [200, 200, 429]

    @pytest.mark.parametrize("trusted", ['["*"]', '["localhost"]', '["10.0.0.1/8"]', '["１２７.0.0.1"]'])
    def test_a_proxy_that_is_not_an_address_or_network_stops_the_server(self, tmp_path: Path, trusted: str) -> None:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("NGUON_")},
               "NGUON_DATA_DIR": str(tmp_path / "data"), "NGUON_TRUSTED_PROXIES": trusted,
               "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        done = subprocess.run([sys.executable, "-c", "from api.cli.main import app; app()", "serve", "--port", "9"],
                              env=env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode != 0
        assert "is not an IP address or network" in done.stderr


class TestAuthenticationBeforeTheBody:
    """A write's token is checked when its headers arrive: a missing or bad one is answered 401 while the
    announced body has not been sent, and the connection is closed so that it never is."""

    def test_a_write_without_a_valid_token_is_refused_before_its_body(self, serve: ServeFactory) -> None:
        with serve(NGUON_BODY_TIMEOUT="60") as server:
            bootstrap(server)
            size = log_size(server)
            for authorization, code in [(None, "token-required"), ("Bearer ngn_" + "x" * 43, "token-invalid"),
                                        ("Basic dXNlcjpwYXNz", "token-required"), ("Bearer", "token-required")]:
                headers = {**LARGE_BODY, **({"Authorization": authorization} if authorization else {})}
                answer = exchange(server, request("POST", "/api/v1/products", headers))
                assert answer.status == 401, (authorization, answer)
                assert answer.problem()["code"] == code
                assert answer.headers["www-authenticate"] == 'Bearer realm="nguon"'
                assert answer.closed, "the connection stayed open for the body"
                assert answer.seconds < 30, "the refusal waited for the body"
            assert log_size(server) == size

    def test_an_import_without_a_token_is_refused_before_its_body(self, serve: ServeFactory) -> None:
        with serve(NGUON_BODY_TIMEOUT="60") as server:
            answer = exchange(server, request("POST", "/api/v1/batches/import",
                                              {"Content-Type": "text/csv", "Content-Length": "16000000"}))
            assert (answer.status, answer.problem()["code"], answer.closed) == (401, "token-required", True)

    def test_a_self_signed_statement_with_a_bad_token_is_refused_before_its_body(self, serve: ServeFactory) -> None:
        with serve(NGUON_BODY_TIMEOUT="60") as server:
            answer = exchange(server, request("POST", "/api/v1/statements",
                                              {**LARGE_BODY, "Authorization": "Bearer ngn_unknown"}))
            assert (answer.status, answer.problem()["code"], answer.closed) == (401, "token-invalid", True)

    def test_a_valid_token_lets_the_body_be_read(self, serve: ServeFactory) -> None:
        with serve(NGUON_BODY_TIMEOUT="60") as server:
            token = bootstrap(server)
            size = log_size(server)
            body = json.dumps({"id": "coop-dien", "names": {"vi": "Hợp tác xã Diễn", "en": "Dien cooperative"},
                               "roles": ["producer"]}).encode()
            answer = exchange(server, request("POST", "/api/v1/organisations", {
                "Authorization": f"Bearer {token}", "Content-Type": "application/json",
                "Content-Length": str(len(body)), "Connection": "close"}, body))
            assert answer.status == 201, answer.body
            assert log_size(server) == size + 1


class TestHeaderDeadline:
    """A request's line and headers must arrive within NGUON_HEADER_TIMEOUT and fit MAX_HEADER_BYTES."""

    def test_headers_that_stop_coming_get_408_and_the_connection_closed(self, serve: ServeFactory) -> None:
        with serve(NGUON_HEADER_TIMEOUT="1") as server:
            answer = exchange(server, b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1")
        assert answer.status == 408
        assert answer.problem()["code"] == "header-timeout"
        assert answer.closed
        assert 0.5 < answer.seconds < 10

    def test_a_connection_that_sends_nothing_is_closed(self, serve: ServeFactory) -> None:
        with serve(NGUON_HEADER_TIMEOUT="1") as server:
            answer = exchange(server)
        assert (answer.status, answer.closed) == (None, True)
        assert answer.seconds < 10

    def test_the_deadline_applies_to_each_request_of_a_kept_alive_connection(self, serve: ServeFactory) -> None:
        with serve(NGUON_HEADER_TIMEOUT="1") as server:
            first = request("GET", "/api/v1/health", {})
            answer = exchange(server, first, b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert answer.status == 200, "the first request is answered"
        assert b"HTTP/1.1 408 " in answer.body
        assert b'"code": "header-timeout"' in answer.body
        assert answer.closed

    def test_headers_larger_than_the_bound_get_431(self, serve: ServeFactory) -> None:
        with serve() as server:
            huge = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * MAX_HEADER_BYTES
            answer = exchange(server, huge)
            assert (answer.status, answer.problem()["code"], answer.closed) == (431, "headers-too-large", True)
            assert httpx.get(f"{server.base_url}/api/v1/health").status_code == 200

    def test_requests_that_arrive_whole_are_served(self, serve: ServeFactory) -> None:
        with serve(NGUON_HEADER_TIMEOUT="1") as server:
            answer = exchange(server, request("GET", "/api/v1/health", {"Connection": "close"}))
        assert (answer.status, answer.closed) == (200, True)


class TestBodyDeadline:
    """A body that stops arriving for NGUON_BODY_TIMEOUT seconds is refused with 408; nothing is appended."""

    def test_a_stalled_self_signed_statement_gets_408(self, serve: ServeFactory) -> None:
        with serve(NGUON_BODY_TIMEOUT="1") as server:
            bootstrap(server)
            size = log_size(server)
            answer = exchange(server, request("POST", "/api/v1/statements", {
                "Content-Type": "application/json", "Content-Length": "1000"}, b'{"statement": '))
            assert answer.status == 408, answer
            assert answer.problem()["code"] == "body-timeout"
            assert answer.closed
            assert 0.5 < answer.seconds < 10
            assert log_size(server) == size

    def test_a_body_the_app_did_not_read_is_not_waited_for(self, serve: ServeFactory) -> None:
        with serve() as server:
            answer = exchange(server, request("POST", "/api/v1/nothing-here", {
                "Content-Type": "application/json", "Content-Length": "100000"}, b'{"a": '))
        assert (answer.status, answer.closed) == (404, True)
        # At once, not when uvicorn's keep-alive timer (5 s) fires, which any byte of the body would put off.
        assert answer.seconds < 2.5

    def test_a_stalled_write_with_a_valid_token_gets_408(self, serve: ServeFactory) -> None:
        with serve(NGUON_BODY_TIMEOUT="1") as server:
            token = bootstrap(server)
            size = log_size(server)
            answer = exchange(server, request("POST", "/api/v1/products", {
                "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Length": "500"},
                b'{"gtin": "0893'))
            assert (answer.status, answer.problem()["code"], answer.closed) == (408, "body-timeout", True)
            assert log_size(server) == size
