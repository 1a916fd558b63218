"""What a client asks for in its headers (RFC 9110 proactive negotiation on Accept), and the headers that say how
an answer may be stored and reused: Vary where the answer depends on Accept and Accept-Language, and a
Cache-Control fitting each kind of answer.
"""

from collections.abc import Sequence

from fastapi import Response

VARY = "Accept, Accept-Language"
"""What the resolver's answers depend on besides the URL: the page or JSON, and its language."""

CACHE_CONTROL = {
    "verdict": "public, max-age=60",
    "item": "no-cache",
    "product": "public, max-age=60",
    "producer": "public, max-age=60",
    "linkset": "public, max-age=300",
    "redirect": "public, max-age=300",
    "canonical": "public, max-age=86400",
    "invalid": "public, max-age=86400",
    "unknown": "no-cache",
    "description": "public, max-age=86400",
    "static": "public, max-age=31536000, immutable",
}
"""How long each answer may be reused:

- a batch's verdict, a product's or a producer's page changes with the log (a suspension, a recall, a new
  batch): a minute;
- an item's answer counts a scan each time it is served, so a cache must ask every time;
- a code's links, and where a link type redirects, change only when a level is registered: five minutes;
- a code's canonical spelling, the refusal of a path that is not a GS1 Digital Link, and the resolver's
  description do not change: a day;
- a code nothing is registered for may be registered any minute: ask every time;
- static assets are served at a versioned URL, so they never change: a year.
"""


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))
    return ranges


def _quality(media: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The quality Accept gives `media` and how specifically (2 by name, 1 by type/*, 0 by */*; -1 not at all)."""
    kind = media.split("/")[0]
    best = (0.0, -1)
    for name, quality in ranges:
        specificity = 2 if name == media else 1 if name == f"{kind}/*" else 0 if name == "*/*" else -1
        if specificity > best[1]:
            best = (quality, specificity)
    return best


def preferred(accept: str, offered: Sequence[str]) -> str:
    """The media type of `offered` that the Accept header `accept` prefers: the highest quality, then the most
    specific match, then the first offered. Without an Accept header, or when none is acceptable, the first
    offered: a client that cannot say gets the page rather than a 406."""
    ranges = _ranges(accept)
    scored = [(*_quality(media, ranges), -index, media) for index, media in enumerate(offered)]
    quality, specificity, _, media = max(scored)
    return media if quality > 0 and specificity >= 0 else offered[0]


def cached(response: Response, kind: str, *, vary: bool = True) -> Response:
    """`response` with the Cache-Control of `kind` (a key of CACHE_CONTROL) and, when it depends on them,
    `Vary: Accept, Accept-Language`."""
    response.headers["Cache-Control"] = CACHE_CONTROL[kind]
    if vary:
        response.headers["Vary"] = VARY
    return response
