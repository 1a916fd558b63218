"""GS1 Digital Link URIs for batches and items: `{base}/01/{gtin14}/10/{lot}[/21/{serial}]`, and the request
paths a resolver reads.

Pure functions and values, no web framework. Follows the GS1 Digital Link Standard: URI Syntax 1.2:
the primary key is AI 01 (GTIN; GTIN-8/12/13 are written as GTIN-14 with leading zeros), its key
qualifiers follow as path elements in the order 22, 10, 21 (or 235 alone), and AI values are
percent-encoded so that only unreserved characters (A-Z a-z 0-9 - . _) appear as themselves. This registry
identifies a batch by GTIN and lot and an item by GTIN, lot and serial, so its codes carry AI 10 and never
AI 22; `parse_request` still reads every GTIN path GS1 allows, for a resolver that walks up from what it
does not know to what it does.

Errors: `DigitalLinkError` (a `ValueError`) whose text gives the value and the expectation, in English
(`str(error)`, `error.en`) and Vietnamese (`error.vi`); `CheckDigitError` when only the GTIN's check digit is
wrong, with the digit that would be right.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from registry.values import gtin_check_digit

# GS1 General Specifications figure 7.11-1: the 82 characters AI 10, 21, 22 and 235 may carry.
_AI82_CHARS = r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]"
_AI82 = re.compile(_AI82_CHARS + "{1,20}")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_GTIN_LENGTHS = (8, 12, 13, 14)
_QUALIFIER_ORDER = ("22", "10", "21")  # GS1 DL URI Syntax 1.2, ABNF gtin-path
_NAMES = {"10": ("lot", "số lô"), "21": ("serial", "số sê-ri"), "22": ("variant", "mã biến thể"),
          "235": ("third-party extension", "phần mở rộng của bên thứ ba")}
_MAX_LENGTH = {"10": 20, "21": 20, "22": 20, "235": 28}
_EXPECTED = "expected /01/{gtin}/10/{lot}, /01/{gtin}/10/{lot}/21/{serial} or /01/{gtin}"
_EXPECTED_VI = "dạng đúng là /01/{GTIN}/10/{số lô}, /01/{GTIN}/10/{số lô}/21/{số sê-ri} hoặc /01/{GTIN}"


class DigitalLinkError(ValueError):
    """A GTIN, lot, serial, path or base URL that is not a GS1 Digital Link this registry reads or issues."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(en)
        self.en = en
        self.vi = vi


class CheckDigitError(DigitalLinkError):
    """A GTIN whose digits are all there but whose last one is not the GS1 check digit of the others."""

    def __init__(self, gtin: str, expected: int) -> None:
        super().__init__(f"GTIN {gtin} has check digit {gtin[-1]}; the GS1 check digit is {expected}",
                         f"GTIN {gtin} có số kiểm tra là {gtin[-1]}, nhưng số kiểm tra đúng theo GS1 là {expected}")
        self.gtin = gtin
        self.expected = expected

    @property
    def corrected(self) -> str:
        """The GTIN as written with the right check digit."""
        return self.gtin[:-1] + str(self.expected)


def normalise_gtin(text: str) -> str:
    """The GTIN-14 for a GTIN-8, -12, -13 or -14 written in digits: left-padded with zeros.

    Raises DigitalLinkError when `text` is not 8, 12, 13 or 14 ASCII digits, CheckDigitError when its last digit
    is not the GS1 check digit of the others (zero-padding leaves the check digit unchanged).
    """
    if not (text.isascii() and text.isdigit()):
        raise DigitalLinkError(f"GTIN {text!r} must be written in digits only (8, 12, 13 or 14 of them)",
                               f"GTIN {text!r} chỉ được gồm các chữ số (8, 12, 13 hoặc 14 chữ số)")
    if len(text) not in _GTIN_LENGTHS:
        raise DigitalLinkError(f"GTIN {text!r} has {len(text)} digits; a GTIN has 8, 12, 13 or 14",
                               f"GTIN {text!r} có {len(text)} chữ số; mã GTIN có 8, 12, 13 hoặc 14 chữ số")
    want = gtin_check_digit(text[:-1])
    if int(text[-1]) != want:
        raise CheckDigitError(text, want)
    return text.zfill(14)


def _check_gtin14(value: str) -> None:
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        raise DigitalLinkError(f"GTIN {value!r} must be 14 digits (GTIN-14)",
                               f"GTIN {value!r} phải gồm đúng 14 chữ số (GTIN-14)")
    normalise_gtin(value)


def _check_ai82(value: str, ai: str) -> None:
    name, name_vi = _NAMES[ai]
    if value in (".", ".."):
        # RFC 3986 5.2.4 and the WHATWG URL standard remove dot segments, %2E-encoded ones included,
        # so no URI can carry these two values as a path element.
        raise DigitalLinkError(
            f"{name} {value!r} is a dot segment that browsers drop from a URL; GS1 AI {ai} here needs another value",
            f"{name_vi} {value!r} là đoạn chỉ gồm dấu chấm, trình duyệt sẽ bỏ đi khỏi đường dẫn; AI {ai} của GS1 "
            "cần một giá trị khác")
    longest = _MAX_LENGTH[ai]
    if re.fullmatch(_AI82_CHARS + f"{{1,{longest}}}", value):
        return
    if " " in value:
        what, what_vi = "a space", "dấu cách"
    elif bad := "".join(sorted({c for c in value if not _AI82.fullmatch(c)})):
        what, what_vi = f"characters {bad!r}", f"các ký tự {bad!r}"
    else:
        what, what_vi = f"{len(value)} characters", f"{len(value)} ký tự"
    raise DigitalLinkError(f"{name} {value!r} has {what}; GS1 AI {ai} allows 1–{longest} characters from the GS1 set",
                           f"{name_vi} {value!r} có {what_vi}; AI {ai} của GS1 chỉ cho phép từ 1 đến {longest} ký tự "
                           "thuộc bộ ký tự GS1")


def _encode(value: str) -> str:
    # GS1 DL URI Syntax 1.2 ABNF (XCHAR): letters, digits, '-', '.', '_' stand for themselves, every
    # other AI 82 character is percent-encoded, '/' included, so a lot "2026/1" stays one path element.
    return quote(value, safe="")


def _decode(raw: str, ai: str) -> str:
    name, name_vi = _NAMES[ai]
    if _BAD_ESCAPE.search(raw):
        raise DigitalLinkError(f"{name} {raw!r} has a '%' not followed by two hex digits; write '%' as %25",
                               f"{name_vi} {raw!r} có dấu '%' mà theo sau không phải hai chữ số thập lục phân; "
                               "hãy viết '%' thành %25")
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise DigitalLinkError(f"{name} {raw!r} decodes to bytes that are not UTF-8",
                               f"{name_vi} {raw!r} giải mã ra các byte không phải UTF-8") from exc


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
        _check_gtin14(self.gtin14)
        _check_ai82(self.lot, "10")
        if self.serial is not None:
            _check_ai82(self.serial, "21")

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
                f"base URL {base_url!r} must be an http(s) URL without query or fragment, like https://nguon.example",
                f"địa chỉ gốc {base_url!r} phải là địa chỉ http(s) không có chuỗi truy vấn hay phân đoạn, "
                "ví dụ https://nguon.example")
        return base_url.rstrip("/") + self.path()

    def element_string(self) -> str:
        """The GS1 human-readable interpretation printed under a code: `(01)…(10)…[(21)…]`."""
        text = f"(01){self.gtin14}(10){self.lot}"
        if self.serial is not None:
            text += f"(21){self.serial}"
        return text


@dataclass(frozen=True)
class CodeRequest:
    """What a resolver request path names: a GTIN and the key qualifiers written after it, each None when absent
    (`variant` AI 22, `lot` AI 10, `serial` AI 21, `extension` AI 235). `gtin_padded` says the path wrote a
    GTIN-8/12/13; like a trailing slash, it takes no part in equality."""

    gtin14: str
    variant: str | None = None
    lot: str | None = None
    serial: str | None = None
    extension: str | None = None
    gtin_padded: bool = field(default=False, compare=False)

    def path(self) -> str:
        """The canonical path: GTIN-14, qualifiers in GS1 order, values percent-encoded, no trailing slash."""
        path = f"/01/{self.gtin14}"
        for ai, value in (("22", self.variant), ("10", self.lot), ("21", self.serial), ("235", self.extension)):
            if value is not None:
                path += f"/{ai}/{_encode(value)}"
        return path

    def code(self) -> DigitalLink | None:
        """The batch or item code this request names, when it names a lot: the levels below the GTIN that this
        registry registers (a variant or extension is not part of them)."""
        return None if self.lot is None else DigitalLink(self.gtin14, self.lot, self.serial)


def _pairs(path: str) -> list[tuple[str, str]]:
    if not path.startswith("/01/"):
        raise DigitalLinkError(f"path {path!r} must start with /01/{{gtin}}; {_EXPECTED}",
                               f"đường dẫn {path!r} phải bắt đầu bằng /01/{{GTIN}}; {_EXPECTED_VI}")
    segments = path[1:].split("/")
    if len(segments) % 2 and segments[-1] == "":
        # GS1-Conformant Resolver 1.2, 2.13: a trailing slash after a value is tolerated (after an AI it is that
        # AI's empty value).
        segments.pop()
    if len(segments) % 2:
        raise DigitalLinkError(f"path {path!r} ends with AI {segments[-1]!r} and no value; {_EXPECTED}",
                               f"đường dẫn {path!r} kết thúc ở AI {segments[-1]!r} mà không có giá trị; "
                               f"{_EXPECTED_VI}")
    return list(zip(segments[::2], segments[1::2], strict=True))


def _check_qualifier(path: str, ai: str, last: int, values: dict[str, str]) -> int:
    """The rank of key qualifier `ai` after one of rank `last`; DigitalLinkError when GS1 does not allow it there."""
    if ai == "01":
        raise DigitalLinkError(f"path {path!r} repeats AI 01; the GTIN comes once, first; {_EXPECTED}",
                               f"đường dẫn {path!r} lặp lại AI 01; GTIN chỉ có một lần, ở đầu; {_EXPECTED_VI}")
    if ai not in (*_QUALIFIER_ORDER, "235") or (ai == "235" and values) or "235" in values:
        raise DigitalLinkError(
            f"path {path!r} has AI {ai!r}; after the GTIN a path carries only the key qualifiers 22 (variant), "
            f"10 (lot) and 21 (serial), or 235 alone, and other AIs go in the query string; {_EXPECTED}",
            f"đường dẫn {path!r} có AI {ai!r}; sau GTIN, đường dẫn chỉ được có các AI định danh bổ sung 22 (biến "
            f"thể), 10 (số lô) và 21 (số sê-ri), hoặc riêng AI 235; các AI khác phải nằm trong chuỗi truy vấn; "
            f"{_EXPECTED_VI}")
    rank = _QUALIFIER_ORDER.index(ai) if ai != "235" else 0
    if ai in values:
        raise DigitalLinkError(f"path {path!r} repeats AI {ai}; {_EXPECTED}",
                               f"đường dẫn {path!r} lặp lại AI {ai}; {_EXPECTED_VI}")
    if rank < last:
        raise DigitalLinkError(
            f"path {path!r} puts AI {ai} after AI {_QUALIFIER_ORDER[last]}; GS1 Digital Link orders the GTIN key "
            f"qualifiers 22, 10, 21: {_EXPECTED}",
            f"đường dẫn {path!r} đặt AI {ai} sau AI {_QUALIFIER_ORDER[last]}; GS1 Digital Link quy định thứ tự các "
            f"AI định danh bổ sung của GTIN là 22, 10, 21; {_EXPECTED_VI}")
    return rank


def parse_request(path: str) -> CodeRequest:
    """The CodeRequest that a request path `/01/{gtin}[/22/{variant}][/10/{lot}][/21/{serial}]` (or
    `/01/{gtin}/235/{extension}`) names, a trailing slash tolerated.

    `path` is the raw path, still percent-encoded (ASGI `raw_path`, not the decoded `path`, since a value may
    hold an encoded '/'), relative to the base URL and without query or fragment. The GTIN may be written with
    8, 12, 13 or 14 digits. A resolver that wants one URI per thing redirects when `result.path()` differs from
    `path` (a trailing slash aside).

    Raises DigitalLinkError (CheckDigitError for a wrong check digit) for a path that does not start with /01/,
    an AI that is not a GTIN key qualifier (data attributes belong in the query string), an AI repeated or out
    of GS1 order, an empty or malformed value, or a GTIN that fails validation.
    """
    pairs = _pairs(path)
    values: dict[str, str] = {}
    last = -1
    for ai, raw in pairs[1:]:
        last = _check_qualifier(path, ai, last, values)
        if not raw:
            raise DigitalLinkError(f"path {path!r} has an empty value for AI {ai}; {_EXPECTED}",
                                   f"đường dẫn {path!r} để trống giá trị của AI {ai}; {_EXPECTED_VI}")
        values[ai] = _decode(raw, ai)
        _check_ai82(values[ai], ai)
    gtin_text = pairs[0][1]
    return CodeRequest(normalise_gtin(gtin_text), values.get("22"), values.get("10"), values.get("21"),
                       values.get("235"), gtin_padded=len(gtin_text) != 14)


def parse_path(path: str) -> DigitalLink:
    """The DigitalLink that a code's path `/01/{gtin}/10/{lot}[/21/{serial}]` names; `result.gtin_padded` says
    the GTIN was written with 8, 12 or 13 digits.

    Raises DigitalLinkError as parse_request does, and for a path without a lot or with AI 22 or 235, which the
    codes of this registry never carry.
    """
    request = parse_request(path)
    if request.variant is not None:
        raise DigitalLinkError(f"path {path!r} has AI 22 (consumer product variant), not used here; {_EXPECTED}",
                               f"đường dẫn {path!r} có AI 22 (biến thể sản phẩm tiêu dùng), sổ đăng ký này không "
                               f"dùng; {_EXPECTED_VI}")
    if request.lot is None or request.extension is not None:
        raise DigitalLinkError(f"path {path!r} has no lot (AI 10); {_EXPECTED}",
                               f"đường dẫn {path!r} không có số lô (AI 10); {_EXPECTED_VI}")
    return DigitalLink(request.gtin14, request.lot, request.serial, gtin_padded=request.gtin_padded)
