"""Request limits for the whole app: a body size limit, enforced while the body streams in (RFC 9110 413),
and no NUL character in URLs (400)."""

import contextlib
import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_BASE, PROBLEM_JSON


class BodyTooLarge(Exception):
    pass


def _problem(limit: int) -> bytes:
    en = f"the request body is larger than {limit} bytes"
    vi = f"nội dung yêu cầu lớn hơn {limit} byte"
    return json.dumps({"type": PROBLEM_BASE + "body-too-large", "title": "Request body too large", "status": 413,
                       "detail": en, "code": "body-too-large", "message": {"vi": vi, "en": en}}).encode()


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
        limit = self.import_limit if scope["path"].endswith("/import") else self.limit
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
        body = _problem(limit)
        headers: list[Any] = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class NoNulInUrl:
    """Refuse a URL whose path or query holds NUL (%00) with 400: no identifier of the registry holds one, and
    PostgreSQL text cannot, so the lookup would fail in the database instead of finding nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or ("\x00" not in scope["path"] and b"%00" not in scope["query_string"]):
            await self.app(scope, receive, send)
            return
        en = "the URL holds a NUL character (%00); no path or parameter of this API may"
        vi = "đường dẫn chứa ký tự NUL (%00); không đường dẫn hay tham số nào của API được chứa ký tự này"
        body = json.dumps({"type": PROBLEM_BASE + "nul-in-url", "title": "NUL in the URL", "status": 400,
                           "detail": en, "code": "nul-in-url", "message": {"vi": vi, "en": en}}).encode()
        headers: list[Any] = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body})
