"""RFC 8785 (JCS) canonical JSON.

`canonical()` is the one encoder the ledger hashes and signs. It validates the document (JSON types only,
no floats: quantities are decimal strings; integers within the IEEE 754 exact range RFC 8785 3.2.2.3
allows) and then uses the standard library's C encoder, whose output equals RFC 8785 for such documents
except for the order of object keys holding characters above U+D7FF (RFC 8785 3.2.3 sorts by UTF-16 code
units, Python by code points); documents with such keys go through the `rfc8785` package.
`tests/ledger/test_encoding.py` proves byte equality with `rfc8785` on generated documents.
"""

import json
from typing import Any

import rfc8785

from ledger.core.errors import EncodingError

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 32

_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def _check(value: Any, depth: int) -> bool:
    """Raise EncodingError for anything RFC 8785 cannot carry; return True when a key needs UTF-16 order."""
    if depth > MAX_DEPTH:
        raise EncodingError(f"document nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return False
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return False
        raise EncodingError(f"integer {value} is outside ±(2**53 - 1); write large quantities as decimal strings")
    if isinstance(value, float):
        raise EncodingError(f"float {value!r} is not allowed; write quantities as decimal strings")
    # Exactly the containers both encoders (json's and rfc8785's) accept; any other Mapping would raise TypeError.
    if isinstance(value, dict):
        slow = False
        for key, item in value.items():
            if not isinstance(key, str):
                raise EncodingError(f"object key {key!r} is a {type(key).__name__}; JSON keys are strings")
            if not key.isascii() and max(key) > "\ud7ff":
                slow = True
            slow = _check(item, depth + 1) or slow
        return slow
    if isinstance(value, list | tuple):
        slow = False
        for item in value:
            slow = _check(item, depth + 1) or slow
        return slow
    raise EncodingError(f"{type(value).__name__} is not a JSON type")


def canonical(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON document.

    Raises EncodingError for floats, integers beyond ±(2**53 - 1), non-string keys, lone surrogates,
    nesting deeper than MAX_DEPTH and values that are not JSON types.
    """
    if _check(value, 0):
        try:
            return bytes(rfc8785.dumps(value))
        except rfc8785.CanonicalizationError as exc:
            raise EncodingError(str(exc)) from exc
        except UnicodeEncodeError as exc:
            # rfc8785 sorts keys by their UTF-16 encoding, which fails on a key holding a lone surrogate.
            raise EncodingError(f"key {exc.object!r} holds a lone surrogate; JSON text must be valid UTF-8") from exc
    try:
        return _dumps(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EncodingError(f"string holds a lone surrogate at {exc.start}; JSON text must be valid UTF-8") from exc


def _no_float(text: str) -> Any:
    raise EncodingError(f"number {text} is not an integer; write quantities as decimal strings")


def _no_constant(text: str) -> Any:
    raise EncodingError(f"{text} is not JSON")


def parse(data: bytes | str) -> Any:
    """Parse JSON text, refusing floats, NaN and Infinity with EncodingError."""
    try:
        return json.loads(data, parse_float=_no_float, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, EncodingError):
            raise
        raise EncodingError(f"not valid JSON: {exc}") from exc


def parse_canonical(data: bytes) -> Any:
    """Parse bytes that must already be in RFC 8785 form; raise EncodingError when they are not."""
    value = parse(data)
    if canonical(value) != data:
        raise EncodingError("JSON text is not in RFC 8785 canonical form")
    return value
