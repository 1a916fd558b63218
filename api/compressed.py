"""Compressed GS1 Digital Link URIs: recognising one and writing it out uncompressed.

GS1-Conformant Resolver 1.2 asks a resolver to decompress a request URI "in accordance with GS1 Digital Link:
Compression" (GS1 Digital Link Standard 1.1, compression; reference implementation
github.com/gs1/GS1DigitalLinkCompressionPrototype). A fully compressed URI's path is one segment of base64url
characters (A-Z a-z 0-9 - _, six bits each); the bits are a sequence of elements:

- a header of two hex digits: 00-99 begin an AI (its length by `PREFIX_LENGTH`, further digits four bits each),
  followed by its value; a code of `SEQUENCES` stands for several AIs whose values follow in order; F (four
  bits) begins a key=value pair that is not a GS1 AI: seven bits of key length, the key in base64url, then a value
  as for an alphanumeric part with seven length bits;
- a value is its parts (`FORMATS`), in order. Digits: a fixed part is `value_bits(n)` bits holding the number; a
  variable one has `length_bits(max)` bits of digit count first. Characters: three bits of encoding, for a
  variable part `length_bits(max)` bits of character count, then the characters: 0 digits (as a number), 1 lower
  and 2 upper case hex (four bits each), 3 base64url (six), 4 ASCII (seven);
- the last base64url character is padded with fewer than six zero bits.

This decoder is stricter than the prototype: every read must fit in the bits there are, a digit part keeps the
digits its length says (the prototype drops leading zeros of a variable one), a value must fit its AI's format and
use only the characters GS1 AIs allow, an AI appears once, and nothing but padding may follow the last element.
"""

import math
import re
from urllib.parse import quote, unquote

from api.digital_link import DigitalLinkError
from api.gs1_ai_formats import FORMATS, PREFIX_LENGTH, PRIMARY_KEYS, SEQUENCES, Part

BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
MAX_LENGTH = 400
"""Characters a compressed segment may have (2,400 bits: far more than a primary key, its qualifiers and its
data attributes take); a longer one is refused before decoding."""

_SEGMENT = re.compile(r"/([A-Za-z0-9_-]+)")
# GS1 General Specifications figure 7.11-1: the characters an AI's alphanumeric value may carry.
_AI82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*")
_OTHER_VALUE = Part("X", False, 127)  # a non-GS1 value: seven length bits (length_bits(127) is 7)
_MIN_LENGTH = 10  # the shortest compressed primary key: a GTIN, or a GLN, alone
_EXPECTED = "expected a compressed GS1 Digital Link (GS1 Digital Link Standard 1.1, compression)"
_EXPECTED_VI = "cần một liên kết số GS1 dạng nén theo tiêu chuẩn GS1 Digital Link 1.1"


class CompressedLinkError(DigitalLinkError):
    """A path that claims to be a compressed GS1 Digital Link but does not decode to one; the text says what was
    found and what was expected, in English and Vietnamese."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(f"{en}; {_EXPECTED}", f"{vi}; {_EXPECTED_VI}")


def length_bits(maximum: int) -> int:
    """Bits of the length field of a variable part of at most `maximum` digits or characters (the prototype's
    `ceil(log2(maximum) + 0.01)`, so a power of two gets one bit more)."""
    return math.ceil(math.log(maximum) / math.log(2) + 0.01)


def value_bits(digits: int) -> int:
    """Bits of a number of `digits` decimal digits (`ceil(digits * log2(10) + 0.01)`; one bit for none)."""
    return math.ceil(digits * math.log(10) / math.log(2) + 0.01)


def looks_compressed(path: str) -> bool:
    """Whether a request path is meant as a compressed Digital Link: one segment of 10 to MAX_LENGTH base64url
    characters whose first eight bits are a header the format defines (an AI's first two digits, a sequence code,
    or F for a non-GS1 pair). Other single segments are simply not found, so other routes are never taken over."""
    match = _SEGMENT.fullmatch(path)
    if match is None or not _MIN_LENGTH <= len(match[1]) <= MAX_LENGTH:
        return False
    header = f"{BASE64URL.index(match[1][0]) * 4 + BASE64URL.index(match[1][1]) // 16:02X}"
    return header in PREFIX_LENGTH or header in SEQUENCES or header[0] == "F"


class _Bits:
    """The decoded bits and a cursor; every read is checked against the bits there are."""

    def __init__(self, segment: str) -> None:
        self.bits = "".join(f"{BASE64URL.index(c):06b}" for c in segment)
        self.at = 0

    def read(self, count: int, what: str) -> str:
        if self.at + count > len(self.bits):
            raise CompressedLinkError(f"the compressed link ends inside {what}: {count} bits were expected at bit "
                                      f"{self.at}, {len(self.bits) - self.at} are left",
                                      f"liên kết nén kết thúc giữa chừng ở {what}: cần {count} bit tại bit thứ "
                                      f"{self.at}, chỉ còn {len(self.bits) - self.at} bit")
        self.at += count
        return self.bits[self.at - count:self.at]

    def number(self, count: int, what: str) -> int:
        return int(self.read(count, what) or "0", 2)

    def hex_digit(self, what: str) -> str:
        return f"{self.number(4, what):X}"


def _digits(bits: _Bits, count: int, what: str) -> str:
    """`count` decimal digits held as one number; a number too big for them is refused."""
    number = bits.number(value_bits(count), what)
    if number >= 10 ** count:
        raise CompressedLinkError(f"{what} holds {number}, which has more than {count} digits",
                                  f"{what} chứa số {number}, dài hơn {count} chữ số")
    return f"{number:0{count}d}" if count else ""


def _characters(bits: _Bits, part: Part, what: str) -> str:
    """An alphanumeric part: three bits naming its encoding, its length if variable, then its characters."""
    encoding = bits.number(3, what)
    count = _count(bits, part, what)
    if encoding == 0:
        return _digits(bits, count, what)
    if encoding in (1, 2):
        text = "".join(bits.hex_digit(what) for _ in range(count))
        return text.lower() if encoding == 1 else text
    if encoding == 3:
        return "".join(BASE64URL[bits.number(6, what)] for _ in range(count))
    if encoding == 4:
        text = "".join(chr(bits.number(7, what)) for _ in range(count))
        if _AI82.fullmatch(text) is None:
            raise CompressedLinkError(f"{what} is {text!r}, with characters GS1 AIs do not allow",
                                      f"{what} là {text!r}, có ký tự mà mã AI của GS1 không cho phép")
        return text
    raise CompressedLinkError(f"{what} names encoding {encoding}; encodings 0 to 4 are defined",
                              f"{what} dùng kiểu mã hoá số {encoding}; chỉ có các kiểu từ 0 đến 4")


def _count(bits: _Bits, part: Part, what: str) -> int:
    """A part's length: fixed, or read from `length_bits(maximum)` bits and no more than the maximum."""
    if part.fixed:
        return part.length
    count = bits.number(length_bits(part.length), what)
    if count > part.length:
        raise CompressedLinkError(f"{what} says {count} characters; at most {part.length} are allowed",
                                  f"{what} ghi độ dài {count} ký tự; tối đa chỉ {part.length} ký tự")
    return count


def _part(bits: _Bits, part: Part, what: str) -> str:
    return _digits(bits, _count(bits, part, what), what) if part.kind == "N" else _characters(bits, part, what)


def _value(bits: _Bits, ai: str) -> str:
    value = "".join(_part(bits, part, f"AI ({ai})") for part in FORMATS[ai])
    if not value:
        raise CompressedLinkError(f"AI ({ai}) has an empty value", f"AI ({ai}) có giá trị rỗng")
    return value


def _ai(bits: _Bits, first_two: str) -> str:
    ai = first_two + "".join(bits.hex_digit(f"AI ({first_two}…)") for _ in range(PREFIX_LENGTH[first_two] - 2))
    if ai not in FORMATS:
        raise CompressedLinkError(f"AI ({ai}) is not a GS1 Application Identifier",
                                  f"AI ({ai}) không phải là mã AI của GS1")
    return ai


def _other_pair(bits: _Bits) -> tuple[str, str]:
    """A non-GS1 key=value pair, after its F: key length (7 bits), key (base64url), value (7 length bits)."""
    key = "".join(BASE64URL[bits.number(6, "a non-GS1 key")] for _ in range(bits.number(7, "a non-GS1 key")))
    return key, _characters(bits, _OTHER_VALUE, f"the value of {key!r}")


def decode_segment(segment: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The AIs (AI -> value) and the non-GS1 key=value pairs a compressed segment holds.

    Raises CompressedLinkError on a segment that is empty, longer than MAX_LENGTH, not base64url, or whose bits
    are not a sequence of elements as the format defines, with only padding after them.
    """
    if not segment or len(segment) > MAX_LENGTH:
        raise CompressedLinkError(f"the compressed link has {len(segment)} characters; 1 to {MAX_LENGTH} are allowed",
                                  f"liên kết nén có {len(segment)} ký tự; chỉ được từ 1 đến {MAX_LENGTH} ký tự")
    bad = next((c for c in segment if c not in BASE64URL), None)
    if bad is not None:
        raise CompressedLinkError(f"{bad!r} is not a base64url character (A-Z, a-z, 0-9, - and _)",
                                  f"{bad!r} không thuộc bảng chữ base64url (A-Z, a-z, 0-9, - và _)")
    bits, ais, others = _Bits(segment), dict[str, str](), list[tuple[str, str]]()
    while len(bits.bits) - bits.at > 8:  # as the prototype: a header and any value take more than 8 bits
        header = bits.hex_digit("a header") + bits.hex_digit("a header")
        if header in PREFIX_LENGTH:
            sequence: tuple[str, ...] = (_ai(bits, header),)
        elif header in SEQUENCES:
            sequence = SEQUENCES[header]
        elif header[0] == "F":
            bits.at -= 4  # the key length begins right after the F
            others.append(_other_pair(bits))
            continue
        else:
            raise CompressedLinkError(f"the header {header} at bit {bits.at - 8} is neither the start of a GS1 AI "
                                      "nor a defined sequence",
                                      f"phần đầu {header} tại bit thứ {bits.at - 8} không phải đầu của một mã AI "
                                      "GS1 cũng không phải một dãy AI đã định nghĩa")
        for ai in sequence:
            if ai in ais:
                raise CompressedLinkError(f"AI ({ai}) appears twice", f"AI ({ai}) xuất hiện hai lần")
            ais[ai] = _value(bits, ai)
    rest = len(bits.bits) - bits.at
    if rest >= 6 or "1" in bits.bits[bits.at:]:
        raise CompressedLinkError(f"{rest} bits follow the last element; only fewer than 6 zero bits of padding may",
                                  f"sau phần tử cuối còn {rest} bit; chỉ được phép dưới 6 bit 0 để đệm")
    return ais, others


def uncompressed_path(ais: dict[str, str], others: list[tuple[str, str]]) -> str:
    """The GS1 Digital Link path and query of decoded AIs: the primary key, its key qualifiers in the syntax's
    order, then every other AI (by AI) and the non-GS1 pairs as query parameters, values percent-encoded."""
    keys = [ai for ai in ais if ai in PRIMARY_KEYS]
    if len(keys) != 1:
        found = ", ".join(f"({k})" for k in keys) or "none"
        found_vi = f"có {', '.join(f'({k})' for k in keys)}" if keys else "không có khoá nào"
        raise CompressedLinkError(f"a Digital Link names one primary key; this one has {found}",
                                  f"liên kết số có đúng một khoá chính; liên kết này {found_vi}")
    qualifiers = [ai for ai in PRIMARY_KEYS[keys[0]] if ai in ais]
    path = "".join(f"/{ai}/{quote(ais[ai], safe='')}" for ai in (keys[0], *qualifiers))
    query = [f"{ai}={quote(ais[ai], safe='')}" for ai in sorted(ais) if ai != keys[0] and ai not in qualifiers]
    query += [f"{key}={quote(value, safe='')}" for key, value in others]
    return path + (f"?{'&'.join(query)}" if query else "")


def decompress(path_and_query: str) -> str:
    """The uncompressed GS1 Digital Link path (and query) of a compressed one, `/{segment}[?{query}]`: the decoded
    AIs as `uncompressed_path` writes them, the request's own query after theirs.

    Raises CompressedLinkError when the path is not one segment of base64url characters or does not decode.
    """
    path, _, query = path_and_query.partition("?")
    if not path.startswith("/") or "/" in path[1:]:
        raise CompressedLinkError(f"{path[:60]!r} is not a single path segment",
                                  f"{path[:60]!r} không phải là một đoạn đường dẫn duy nhất")
    return _with_query(uncompressed_path(*decode_segment(path[1:])), query)


def decompress_partial(path_and_query: str) -> str | None:
    """The uncompressed path of a partly compressed Digital Link, `/{primary key AI}/{value}/{segment}[?{query}]`
    (the prototype's "uncompressed primary" form): the segment holds the other AIs, none a primary key. None for
    any other path, and for one whose segment does not decode: such a path (an odd number of segments) is not an
    uncompressed Digital Link either, and is refused as one."""
    path, _, query = path_and_query.partition("?")
    parts = path.split("/")
    if len(parts) != 4 or parts[0] or parts[1] not in PRIMARY_KEYS or not 1 <= len(parts[3]) <= MAX_LENGTH \
            or _SEGMENT.fullmatch("/" + parts[3]) is None:
        return None
    try:
        ais, others = decode_segment(parts[3])
    except CompressedLinkError:
        return None
    if any(ai in PRIMARY_KEYS for ai in ais):
        return None
    return _with_query(uncompressed_path({parts[1]: unquote(parts[2]), **ais}, others), query)


def _with_query(uncompressed: str, query: str) -> str:
    """The request's own query after the decoded attributes."""
    return uncompressed + ("&" if "?" in uncompressed else "?") + query if query else uncompressed
