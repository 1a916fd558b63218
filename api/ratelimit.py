"""Per-client rate limits on the public endpoints (the `limits` package, moving window, in memory).

Writes are limited by their tokens' organisations' own discipline and the write lock; reads, the resolver
and the log are public, so each client address gets `rate_limit` requests (default 600 per minute) and
then a 429 problem with Retry-After. With several API processes each keeps its own window.
"""

import math
import time
from collections.abc import Callable

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from api.limits import send_problem

PUBLIC_PREFIXES = ("/01/", "/api/v1/", "/.well-known/", "/log")
"""What anyone may ask without an account, the explorer and the audit report (which costs CPU) among them."""
PROBES = "/api/v1/health"
"""Liveness and readiness probes (and everything under them) are never limited: a load balancer asks often."""


class RateLimit:
    """ASGI middleware: `limit` (e.g. "600/minute") per client address on GET and HEAD requests to public paths;
    `on_refused` (quick, no I/O) is called for each request refused."""

    def __init__(self, app: ASGIApp, limit: str, on_refused: Callable[[], None] | None = None) -> None:
        self.app = app
        self.item = parse(limit)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # HEAD costs what GET costs (the same answer is computed), so it counts too.
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") \
                or not scope["path"].startswith(PUBLIC_PREFIXES) or scope["path"].startswith(PROBES):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "unknown"
        if self.limiter.hit(self.item, key):
            await self.app(scope, receive, send)
            return
        if self.on_refused is not None:
            self.on_refused()
        reset = self.limiter.get_window_stats(self.item, key).reset_time
        retry = max(1, math.ceil(reset - time.time()))
        en = f"too many requests from this client: at most {self.item}; retry in {retry} s"
        vi = f"quá nhiều yêu cầu từ máy khách này: tối đa {self.item}; thử lại sau {retry} giây"
        await send_problem(send, 429, "rate-limited", "Too many requests", en, vi,
                           [(b"retry-after", str(retry).encode())])
