"""Request limits for the whole app: a body size limit, enforced while the body streams in (RFC 9110 413), a
body that stalls is refused (408), and no NUL character in URLs (400)."""

import asyncio
import contextlib
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_BASE, PROBLEM_JSON

IMPORT_PATHS = frozenset({"/api/v1/batches/import", "/portal/import"})
"""The only paths a file of many rows is sent to: the larger limit is theirs alone, not any path ending so."""


class BodyTooLarge(Exception):
    pass


class BodyStalled(Exception):
    pass


async def send_problem(send: Send, status: int, code: str, title: str, en: str, vi: str,
                       headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer with an RFC 9457 problem document from a middleware (before, or instead of, the app)."""
    body = json.dumps({"type": PROBLEM_BASE + code, "title": title, "status": status, "detail": en, "code": code,
                       "message": {"vi": vi, "en": en}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse bodies over `limit` bytes (or `import_limit` on paths ending in /import) with 413."""

    def __init__(self, app: ASGIApp, limit: int, import_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.import_limit = import_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.import_limit if scope["path"] in IMPORT_PATHS else self.limit
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        # More digits than the limit has is more than the limit, whatever they say: no int() of a huge numeral.
        if declared is not None and declared.isdigit() and (len(declared.lstrip(b"0")) > len(str(limit))
                                                            or int(declared) > limit):
            await self._refuse(send, limit)
            return
        received = 0
        started = False
        exceeded = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                # FastAPI turns any error while reading the body into its own 400; the answer is still 413.
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(BodyTooLarge):
            await self.app(scope, limited_receive, tracking_send)
        if exceeded and not started:
            await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        await send_problem(send, 413, "body-too-large", "Request body too large",
                           f"the request body is larger than {limit} bytes", f"nội dung yêu cầu lớn hơn {limit} byte")


class NoNulInUrl:
    """Refuse a URL whose path or query holds NUL (%00) with 400: no identifier of the registry holds one, and
    PostgreSQL text cannot, so the lookup would fail in the database instead of finding nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or ("\x00" not in scope["path"] and b"%00" not in scope["query_string"]):
            await self.app(scope, receive, send)
            return
        await send_problem(
            send, 400, "nul-in-url", "NUL in the URL",
            "the URL holds a NUL character (%00); no path or parameter of this API may",
            "đường dẫn chứa ký tự NUL (%00); không đường dẫn hay tham số nào của API được chứa ký tự này")


class BodyTimeout:
    """Refuse a request whose body stalls: no part of it arrives for `timeout` seconds while the app waits for
    it. The answer is a 408 problem, and the connection is closed (what is left of the body is never read)."""

    def __init__(self, app: ASGIApp, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        stalled = False
        started = False
        body_done = False

        async def timed_receive() -> Message:
            nonlocal stalled, body_done
            if body_done:
                return await receive()  # waiting for a disconnect, which may rightly take as long as it takes
            try:
                async with asyncio.timeout(self.timeout):
                    message = await receive()
            except TimeoutError:
                stalled = True
                raise BodyStalled from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if stalled:
                return  # the app's own answer to its failed read (FastAPI says 400); the answer is 408
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(BodyStalled):
            await self.app(scope, timed_receive, tracking_send)
        if stalled and not started:
            en = f"no part of the request body arrived for {self.timeout:g} s"
            vi = f"không nhận được thêm phần nào của nội dung yêu cầu trong {self.timeout:g} giây"
            await send_problem(send, 408, "body-timeout", "Request body timed out", en, vi,
                               [(b"connection", b"close")])
