"""How `nguon serve` and `nguon witness serve` run uvicorn: which peers may speak for clients, and how long a
client may take to send its request's headers.

- Proxy headers (X-Forwarded-For, X-Forwarded-Proto) are believed only from NGUON_TRUSTED_PROXIES (none by
  default). uvicorn on its own believes them from 127.0.0.1 (FORWARDED_ALLOW_IPS), so any local process, or a
  proxy that passes the header through untouched, could pick the address a client is rate limited and
  counted by.
- uvicorn closes idle keep-alive connections but waits for request headers for ever (slow-header attacks
  hold connections open with a byte now and then) and does not bound their size. `TimedHttpProtocol` gives
  each request NGUON_HEADER_TIMEOUT seconds from its first byte (or from the connection) to its last header
  line, and at most MAX_HEADER_BYTES. How long a body may stall is the app's to say (api.limits.BodyTimeout).
"""

import asyncio
import json
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.metrics import prepare_multiprocess
from api.problems import PROBLEM_BASE, PROBLEM_JSON
from api.request_logs import log_config
from api.settings import Settings, get_settings

MAX_HEADER_BYTES = 64 * 1024
"""Request line and headers; a request of this API needs a few hundred bytes (a token is under 100)."""


def _raw_problem(status: int, reason: str, code: str, en: str, vi: str) -> bytes:
    """A whole HTTP/1.1 response carrying an RFC 9457 problem document, closing the connection: for refusals
    made before there is a request for the app to answer."""
    body = json.dumps({"type": PROBLEM_BASE + code, "title": reason, "status": status, "detail": en, "code": code,
                       "message": {"vi": vi, "en": en}}, ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {len(body)}\r\n"
            "connection: close\r\n\r\n")
    return head.encode("ascii") + body


class TimedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request's headers and a bound on their size.

    A connection that has not delivered a whole request line and headers `header_timeout` seconds after it
    opened, or after the first byte of a later request on it, is closed: with a 408 problem when part of a
    request came, silently when nothing did (as an idle keep-alive connection is). Headers larger than
    MAX_HEADER_BYTES get a 431 problem and the connection is closed. A connection whose request was answered
    before its body was all read is closed after the answer.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read in each worker process from its environment, as the app's own settings are.
        self.header_timeout = get_settings().header_timeout
        self._header_deadline: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._request_began = False

    def _arm_header_deadline(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None
        self._header_bytes = 0
        self._request_began = False

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing():
            return
        if self._request_began:
            self.transport.write(_raw_problem(
                408, "Request Timeout", "header-timeout",
                f"the request's headers did not arrive within {self.header_timeout:g} s",
                f"không nhận đủ phần tiêu đề của yêu cầu trong {self.header_timeout:g} giây"))
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn's
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_deadline is None or self.transport.is_closing():
            return
        # Still inside a request's headers after this chunk: all of it counts towards their size.
        self._header_bytes += len(data)
        if self._header_bytes > MAX_HEADER_BYTES:
            self._disarm_header_deadline()
            self.transport.write(_raw_problem(
                431, "Request Header Fields Too Large", "headers-too-large",
                f"the request line and headers are larger than {MAX_HEADER_BYTES} bytes",
                f"dòng yêu cầu và phần tiêu đề lớn hơn {MAX_HEADER_BYTES} byte"))
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._request_began = True
        self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        if self.cycle is not None and self.cycle.more_body and not self.transport.is_closing():
            # Answered before its body was all read (404, 405, a refusal): the rest of the body would only be
            # parsed and thrown away, at whatever pace the client chose, with no deadline of uvicorn's running.
            self.transport.close()
            return
        super().on_response_complete()


def run(app: Any, settings: Settings, *, host: str, port: int, workers: int = 1, factory: bool = False,
        log_format: str | None = None) -> None:
    """Serve `app` (an ASGI app, or an import string, with `factory` for an app factory) with uvicorn, proxy
    headers believed only from `settings.trusted_proxies` and request headers timed by TimedHttpProtocol.

    With `log_format` (json or text, api.request_logs), every log line is in that format and the access lines
    are the app's own (with the request id and route template); without it, uvicorn's own logging. With
    several workers and metrics on, the workers share an emptied metrics directory (api.metrics)."""
    trusted = list(settings.trusted_proxies)
    logging: dict[str, Any] = {}
    if log_format is not None:
        logging = {"log_config": log_config(log_format), "access_log": False}
    if workers > 1 and settings.metrics:
        prepare_multiprocess(settings.data_dir)
    # ws="none": the API has no WebSocket routes, so an Upgrade request is an ordinary (refused) request.
    uvicorn.run(app, factory=factory, host=host, port=port, workers=workers, http=TimedHttpProtocol, ws="none",
                proxy_headers=bool(trusted), forwarded_allow_ips=trusted or [], **logging)
