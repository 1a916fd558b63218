"""Headers every answer carries for browsers, and the CORS of the public resolver.

- Every answer: `X-Content-Type-Options: nosniff` (a JSON or SVG answer is never read as a page) and
  `Referrer-Policy: same-origin` (a code's URL is not told to the sites its page links to).
- Every HTML answer: a Content-Security-Policy that allows only this origin's scripts, styles and images, no
  inline script, and no framing (`frame-ancestors 'none'`, with `X-Frame-Options: DENY` for older browsers). The
  pages' own `<style>` elements are allowed by their SHA-256, computed from the page itself, so a template may
  change its styles without touching the policy. An answer that sets its own policy keeps it.
- The resolver (`/01/…` and `/.well-known/gs1resolver`) is public and takes no credentials, so any origin may
  read it (GS1-Conformant Resolver 1.2, 2.2): `Access-Control-Allow-Origin: *` on every answer, its Link and
  Vary headers exposed, and OPTIONS (a CORS preflight or not) answered 204 with the methods it allows, whatever
  NGUON_CORS_ORIGINS says of the rest of the API; for a code's path, with the Link to its linkset that every
  answer about the code carries (1.2, 2.2).
"""

import base64
import hashlib
import re
from functools import lru_cache

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.compressed import looks_compressed
from api.digital_link import DigitalLinkError, parse_request
from api.linkset import LINKSET_JSON, base_url

_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
RESOLVER_PREFIXES = ("/01/", "/.well-known/gs1resolver")
RESOLVER_METHODS = "GET, HEAD, OPTIONS"


@lru_cache(maxsize=256)
def content_security_policy(html: str, *, style_src: str = "'self'") -> str:
    """The policy of page `html`: this origin only, no inline script, no framing; each of its `<style>`
    elements allowed by hash. Kept for the pages asked for most: a batch's page is rendered once per language
    and served again and again, and would otherwise be searched and hashed on every request."""
    hashes = "".join(f" 'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"
                     for css in _STYLE.findall(html))
    return (f"default-src 'self'; script-src 'self'; style-src {style_src}{hashes}; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def html_headers(html: str) -> dict[str, str]:
    """The security headers of an HTML answer whose body is `html`."""
    return {"Content-Security-Policy": content_security_policy(html), "X-Frame-Options": "DENY"}


class SecurityHeaders:
    """Adds nosniff and the referrer policy to every answer, and the HTML headers to every HTML answer that has no
    policy of its own (its body is read whole first, to hash its styles)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = bytearray()

        async def send_with_headers(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if headers.get("content-type", "").startswith("text/html") and \
                        "content-security-policy" not in headers:
                    start = message
                    return
            elif start is not None and message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                headers = MutableHeaders(scope=start)
                for name, value in html_headers(body.decode("utf-8", "replace")).items():
                    headers[name] = value
                await send(start)
                await send({"type": "http.response.body", "body": bytes(body)})
                return
            await send(message)

        await self.app(scope, receive, send_with_headers)


class PublicCors:
    """CORS for the resolver: any origin may read it; OPTIONS answers 204 with the methods it allows, and the
    link to the linkset of a code on `public_url`."""

    def __init__(self, app: ASGIApp, public_url: str) -> None:
        self.app = app
        self.public_url = public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A compressed Digital Link is a resolver request too (api/routes/compressed.py).
        if scope["type"] != "http" or not (scope["path"].startswith(RESOLVER_PREFIXES)
                                           or looks_compressed(scope["path"])):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            headers = [(b"allow", RESOLVER_METHODS.encode()), *_cors(preflight=True), (b"content-length", b"0"),
                       (b"cache-control", b"public, max-age=86400"), *self._linkset(scope)]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _cors(preflight=False):
                    headers[name.decode()] = value.decode()
            await send(message)

        await self.app(scope, receive, send_with_cors)


    def _linkset(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        """The Link to the linkset of the code a path names, as GET gives it; none for another path."""
        try:
            code = parse_request((scope.get("raw_path") or scope["path"].encode()).decode("ascii", "replace"))
        except DigitalLinkError:
            return []
        uri = base_url(self.public_url) + code.path()
        return [(b"link", f'<{uri}?linkType=linkset>; rel="linkset"; type="{LINKSET_JSON}"'.encode())]


def _cors(*, preflight: bool) -> list[tuple[bytes, bytes]]:
    if preflight:
        return [(b"access-control-allow-origin", b"*"), (b"access-control-allow-methods", RESOLVER_METHODS.encode()),
                (b"access-control-allow-headers", b"Accept, Accept-Language"),
                (b"access-control-max-age", b"86400")]
    return [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", b"Link, Vary, Content-Language")]
