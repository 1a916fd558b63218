"""Failed sign-ins, counted per login and per client address (the `limits` package, moving window, in memory,
as api.ratelimit counts reads).

Only failures count: `blocked` is asked before a password is checked, `failed` records a failure and
`succeeded` forgets the login's failures. A login that does not exist is counted like one that does, so the
lock says nothing about which logins exist. With several API processes each keeps its own count.
"""

import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class LoginThrottle:
    """`per_login` failures (e.g. "5/15 minutes") per login and `per_address` per client address."""

    def __init__(self, per_login: str, per_address: str) -> None:
        self.login_item = parse(per_login)
        self.address_item = parse(per_address)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def blocked(self, login: str, address: str) -> int | None:
        """Seconds until another attempt may be made for this login from this address, or None when it may now."""
        waits = []
        for item, key in ((self.login_item, f"login:{login}"), (self.address_item, f"address:{address}")):
            if not self.limiter.test(item, key):
                reset = self.limiter.get_window_stats(item, key).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    def failed(self, login: str, address: str) -> None:
        self.limiter.hit(self.login_item, f"login:{login}")
        self.limiter.hit(self.address_item, f"address:{address}")

    def succeeded(self, login: str) -> None:
        self.limiter.clear(self.login_item, f"login:{login}")
