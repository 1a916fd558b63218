"""Each request's id, its access log line, and its place in the metrics, in one ASGI middleware.

A request keeps the X-Request-ID its client (or the proxy in front) sent when that is short, safe ASCII, and
otherwise gets a fresh one; the id is answered in X-Request-ID and stamped on every log line written while the
request is handled (a context variable, which Starlette copies into the threads of synchronous routes).

The access line names the route template, never the path: a path may carry a secret (the portal's
set-password links do), a query string may carry anything. Nothing of the headers (Authorization, Cookie) or of
the body is ever logged.

`nguon serve --log-format json` (the default when standard error is not a terminal) writes one JSON object per
line: `time` (UTC, ISO 8601), `level`, `logger`, `message`, `request_id`, and for access lines `method`,
`route`, `status`, `duration_ms`; `text` writes the same facts for a person at a terminal.
"""

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.limits import send_problem
from api.metrics import UNMATCHED, Metrics
from api.problems import _INTERNAL

REQUEST_ID_HEADER = b"x-request-id"
SAFE_ID = re.compile(rb"[A-Za-z0-9._:+/=-]{1,64}")
"""A client's request id is kept when it matches this: what tracing systems send (UUIDs, hex, base64) and
nothing that could break a log line or a header."""

ACCESS = logging.getLogger("nguon.access")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("nguon_request_id", default=None)

ACCESS_FIELDS = ("method", "route", "status", "duration_ms")


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            if SAFE_ID.fullmatch(value):
                return str(value.decode("ascii"))
            break
    return uuid.uuid4().hex


def route_of(scope: Scope, routes: Sequence[BaseRoute] = ()) -> str:
    """The template of the route that took the request (`/01/{rest}`), or UNMATCHED. A request a middleware
    answered (rate limited, a body too large) never reached the router: its route is looked up in `routes` (the
    API's), on that refusal's path only."""
    route = scope.get("route")
    if route is None:
        route = next((r for r in routes if r.matches(scope)[0] is Match.FULL), None)
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class Observed:
    """ASGI middleware, outermost of the app's own: the request id, the access log line and the HTTP metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None, routes: Sequence[BaseRoute] = ()) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = _request_id(scope)
        # Not reset on leaving: each request runs in its own task (its own copy of the context), and uvicorn's
        # line about a request that failed comes after the app returns, still carrying the id.
        request_id.set(rid)
        header = (REQUEST_ID_HEADER, rid.encode("ascii"))
        status = 500  # unless an answer starts: the app failed before answering
        answered = False

        async def sending(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            if not answered:
                # The app failed before answering: the client gets the same problem the app's own handler gives,
                # and the id to quote to the operator, whose log has the traceback under that id (the server logs
                # it as the exception passes on).
                await send_problem(send, *_INTERNAL[:2], "Internal Server Error", *_INTERNAL[2:], [header])
            raise
        finally:
            seconds = time.perf_counter() - started
            route = route_of(scope, self.routes)
            if self.metrics is not None:
                self.metrics.observe_request(scope["method"], route, status, seconds)
            if ACCESS.isEnabledFor(logging.INFO):
                # makeRecord and handle, not info(): info() walks the stack to find its caller, which is most of a
                # log line's cost and says nothing here (the line is always this one).
                ACCESS.handle(ACCESS.makeRecord(
                    ACCESS.name, logging.INFO, __file__, 0, "%s %s %d %.1f ms",
                    (scope["method"], route, status, seconds * 1000), None, extra={
                        "method": scope["method"], "route": route, "status": status,
                        "duration_ms": round(seconds * 1000, 2)}))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request id, and the access fields."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid is not None:
            document["request_id"] = rid
        for name in ACCESS_FIELDS:
            if name in record.__dict__:
                document[name] = record.__dict__[name]
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a person at a terminal: time, level, logger, message, and the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        rid = request_id.get()
        line = (f"{datetime.fromtimestamp(record.created, UTC).isoformat(timespec='milliseconds')} "
                f"{record.levelname:<7} {record.name}: {record.getMessage()}")
        if rid is not None:
            line += f" [{rid}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


LOG_FORMATS = ("json", "text")


def log_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """The `logging.config.dictConfig` that `nguon serve` hands to uvicorn (which applies it in each worker):
    every logger, uvicorn's included, through one handler on standard error in `log_format`. uvicorn's own
    access log is off; Observed writes the access lines."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"nguon": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "nguon",
                                "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
