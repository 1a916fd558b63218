"""GS1 Digital Link URIs for batches and items: `{base}/01/{gtin14}/10/{lot}[/21/{serial}]`.

Pure functions and values, no web framework. Follows the GS1 Digital Link Standard: URI Syntax 1.2:
the primary key is AI 01 (GTIN; GTIN-8/12/13 are written as GTIN-14 with leading zeros), its key
qualifiers follow as path elements in the order 22, 10, 21, and AI values are percent-encoded so that
only unreserved characters (A-Z a-z 0-9 - . _) appear as themselves. This registry identifies a batch
by GTIN and lot and an item by GTIN, lot and serial, so AI 10 is required and AI 22 is not used.

Errors: `DigitalLinkError` (a `ValueError`) whose text gives the value and the expectation.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from registry.values import check_gtin14, gtin_check_digit

# GS1 General Specifications figure 7.11-1: the 82 characters AI 10 and AI 21 may carry.
_AI82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_GTIN_LENGTHS = (8, 12, 13, 14)
_QUALIFIER_ORDER = ("22", "10", "21")  # GS1 DL URI Syntax 1.2, ABNF gtin-path
_EXPECTED = "expected /01/{gtin}/10/{lot} or /01/{gtin}/10/{lot}/21/{serial}"


class DigitalLinkError(ValueError):
    """A GTIN, lot, serial, path or base URL that is not a GS1 Digital Link this registry issues."""


def normalise_gtin(text: str) -> str:
    """The GTIN-14 for a GTIN-8, -12, -13 or -14 written in digits: left-padded with zeros.

    Raises DigitalLinkError when `text` is not 8, 12, 13 or 14 ASCII digits or its last digit is
    not the GS1 check digit of the others (zero-padding leaves the check digit unchanged).
    """
    if not (text.isascii() and text.isdigit()):
        raise DigitalLinkError(f"GTIN {text!r} must be written in digits only (8, 12, 13 or 14 of them)")
    if len(text) not in _GTIN_LENGTHS:
        raise DigitalLinkError(f"GTIN {text!r} has {len(text)} digits; a GTIN has 8, 12, 13 or 14")
    want = gtin_check_digit(text[:-1])
    if int(text[-1]) != want:
        raise DigitalLinkError(f"GTIN {text} has check digit {text[-1]}; the GS1 check digit is {want}")
    return text.zfill(14)


def _check_ai82(value: str, name: str, ai: str) -> None:
    if value in (".", ".."):
        # RFC 3986 5.2.4 and the WHATWG URL standard remove dot segments, %2E-encoded ones included,
        # so no URI can carry these two values as a path element.
        raise DigitalLinkError(
            f"{name} {value!r} is a dot segment that browsers drop from a URL; GS1 AI {ai} here needs another value"
        )
    if _AI82.fullmatch(value):
        return
    if " " in value:
        what = "a space"
    elif bad := "".join(sorted({c for c in value if not _AI82.fullmatch(c)})):
        what = f"characters {bad!r}"
    else:
        what = f"{len(value)} characters"
    raise DigitalLinkError(f"{name} {value!r} has {what}; GS1 AI {ai} allows 1–20 characters from the GS1 set")


def _encode(value: str) -> str:
    # GS1 DL URI Syntax 1.2 ABNF (XCHAR): letters, digits, '-', '.', '_' stand for themselves, every
    # other AI 82 character is percent-encoded, '/' included, so a lot "2026/1" stays one path element.
    return quote(value, safe="")


def _decode(raw: str, name: str) -> str:
    if _BAD_ESCAPE.search(raw):
        raise DigitalLinkError(f"{name} {raw!r} has a '%' not followed by two hex digits; write '%' as %25")
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise DigitalLinkError(f"{name} {raw!r} decodes to bytes that are not UTF-8") from exc


@dataclass(frozen=True)
class DigitalLink:
    """A batch (`serial` None) or item identified by GTIN-14, lot (AI 10) and serial (AI 21).

    Construction validates: `gtin14` is 14 digits with its GS1 check digit, `lot` and `serial` are
    1–20 characters of the GS1 AI 82 set, and neither is "." or "..". `gtin_padded` is set by
    `parse_path` when the path wrote a GTIN-8/12/13, so a resolver can redirect to the canonical URI;
    it takes no part in equality.
    """

    gtin14: str
    lot: str
    serial: str | None = None
    gtin_padded: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        try:
            check_gtin14(self.gtin14)
        except ValueError as exc:
            raise DigitalLinkError(str(exc)) from exc
        _check_ai82(self.lot, "lot", "10")
        if self.serial is not None:
            _check_ai82(self.serial, "serial", "21")

    def path(self) -> str:
        """The canonical path: `/01/{gtin14}/10/{lot}[/21/{serial}]`, values percent-encoded."""
        path = f"/01/{self.gtin14}/10/{_encode(self.lot)}"
        if self.serial is not None:
            path += f"/21/{_encode(self.serial)}"
        return path

    def uri(self, base_url: str) -> str:
        """The canonical URI on `base_url` (http(s), may hold a path prefix; a trailing '/' is dropped).

        Raises DigitalLinkError when `base_url` is not an http(s) URL or carries a query or fragment.
        """
        if not base_url.startswith(("https://", "http://")) or "?" in base_url or "#" in base_url:
            raise DigitalLinkError(
                f"base URL {base_url!r} must be an http(s) URL without query or fragment, like https://nguon.example"
            )
        return base_url.rstrip("/") + self.path()

    def element_string(self) -> str:
        """The GS1 human-readable interpretation printed under a code: `(01)…(10)…[(21)…]`."""
        text = f"(01){self.gtin14}(10){self.lot}"
        if self.serial is not None:
            text += f"(21){self.serial}"
        return text


def parse_path(path: str) -> DigitalLink:
    """The DigitalLink that a request path `/01/{gtin}/10/{lot}[/21/{serial}]` names.

    `path` is the raw path, still percent-encoded (ASGI `raw_path`, not the decoded `path`, since a
    lot may hold an encoded '/'), relative to the base URL and without query or fragment. The GTIN may
    be written with 8, 12, 13 or 14 digits; the result's `gtin_padded` says it was not 14. A resolver
    that wants one URI per thing redirects whenever `result.path() != path`.

    Raises DigitalLinkError for a path that does not start with /01/, an AI other than 10 and 21
    (22 included, which this registry does not use), an AI repeated or out of GS1 order (22, 10, 21),
    a missing lot, an empty or malformed value, or a GTIN, lot or serial that fails validation.
    """
    if not path.startswith("/01/"):
        raise DigitalLinkError(f"path {path!r} must start with /01/{{gtin}}; {_EXPECTED}")
    segments = path[1:].split("/")
    if len(segments) % 2:
        raise DigitalLinkError(f"path {path!r} ends with AI {segments[-1]!r} and no value; {_EXPECTED}")
    pairs = list(zip(segments[::2], segments[1::2], strict=True))
    gtin_text = pairs[0][1]
    values: dict[str, str] = {}
    last = -1
    for ai, raw in pairs[1:]:
        if ai == "01":
            raise DigitalLinkError(f"path {path!r} repeats AI 01; the GTIN comes once, first; {_EXPECTED}")
        if ai not in _QUALIFIER_ORDER:
            raise DigitalLinkError(
                f"path {path!r} has AI {ai!r}; a GTIN path here carries only the key qualifiers 10 (lot) "
                f"and 21 (serial); {_EXPECTED}"
            )
        if ai == "22":
            raise DigitalLinkError(f"path {path!r} has AI 22 (consumer product variant), not used here; {_EXPECTED}")
        rank = _QUALIFIER_ORDER.index(ai)
        if rank == last:
            raise DigitalLinkError(f"path {path!r} repeats AI {ai}; {_EXPECTED}")
        if rank < last:
            raise DigitalLinkError(
                f"path {path!r} puts AI {ai} after AI {_QUALIFIER_ORDER[last]}; GS1 Digital Link orders the "
                f"GTIN key qualifiers 22, 10, 21: {_EXPECTED}"
            )
        last = rank
        if not raw:
            raise DigitalLinkError(f"path {path!r} has an empty value for AI {ai}; {_EXPECTED}")
        values[ai] = _decode(raw, "lot" if ai == "10" else "serial")
    if "10" not in values:
        raise DigitalLinkError(f"path {path!r} has no lot (AI 10); {_EXPECTED}")
    return DigitalLink(
        gtin14=normalise_gtin(gtin_text),
        lot=values["10"],
        serial=values.get("21"),
        gtin_padded=len(gtin_text) != 14,
    )
