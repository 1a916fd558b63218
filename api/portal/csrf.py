"""Forged requests: every POST of the portal carries a token the attacker's page cannot know, and comes from
this origin.

- Signed in, the token is HMAC-SHA256(portal key, "session:" + session id): nothing is stored, it changes with
  every sign-in, and it cannot be computed without the session id, which the HttpOnly cookie hides from pages.
- Before sign-in (the sign-in form itself, against login CSRF), a random nonce is set in its own HttpOnly cookie
  and the form carries HMAC(portal key, "login:" + nonce): a double submit whose field cannot be forged.
- Browsers send Origin on every cross-origin POST (and modern ones on same-origin POSTs too); when it is absent
  the Referer is checked instead (the pages' Referrer-Policy is same-origin, so a same-origin form sends it).
  A request with neither, or with "null", is refused.

The portal key is HMAC(registry secret, "nguon portal v1"), so it is stable across restarts and processes.
"""

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

PORTAL_KEY_LABEL = b"nguon portal v1"
LOGIN_COOKIE_SECURE = "__Host-nguon-login"
LOGIN_COOKIE_PLAIN = "nguon-login"


def portal_key(secret: bytes) -> bytes:
    return hmac.new(secret, PORTAL_KEY_LABEL, hashlib.sha256).digest()


def _mac(key: bytes, purpose: str, value: str) -> str:
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def session_token(key: bytes, session_id: str) -> str:
    """The form token of the session with this id."""
    return _mac(key, "session", session_id)


def login_nonce() -> str:
    return secrets.token_urlsafe(32)


def login_token(key: bytes, nonce: str) -> str:
    """The sign-in form's token for the nonce in the sign-in cookie."""
    return _mac(key, "login", nonce)


def matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def same_origin(origin: str | None, referer: str | None, allowed: set[str]) -> bool:
    """Whether the request comes from one of the `allowed` origins ("https://host[:port]"), by its Origin header,
    or by its Referer when it has no Origin."""
    if origin is not None:
        return origin.rstrip("/").lower() in allowed
    if not referer:
        return False
    parts = urlsplit(referer)
    return f"{parts.scheme}://{parts.netloc}".lower() in allowed


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
