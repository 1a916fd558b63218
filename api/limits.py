"""A request body size limit for the whole app, enforced while the body streams in (RFC 9110 413)."""

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
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        body = _problem(limit)
        headers: list[Any] = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
