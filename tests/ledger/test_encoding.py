"""RFC 8785 canonical JSON: byte equality with the rfc8785 package, refusals, and parsing back."""

from types import MappingProxyType
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.encoding import MAX_DEPTH, MAX_SAFE_INTEGER, canonical, parse, parse_canonical
from ledger.core.errors import EncodingError

# Characters whose order differs between UTF-16 code units (RFC 8785 3.2.3) and code points: U+E000-U+FFFF
# sort after the surrogate pairs of U+10000 and above in UTF-16, before them by code point.
SORT_TRAPS = ["\ud7ff", "\ue000", "\ufb33", "\uffff", "\U00010000", "\U0001f600", "\U0010ffff", "a", "é", "\x7f"]

characters = st.characters(codec="utf-8")  # every code point but the surrogates
keys = st.one_of(
    st.text(characters, max_size=6),
    st.text(st.sampled_from(SORT_TRAPS), max_size=3),
    st.text(st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF), max_size=3),
    st.text(st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF), max_size=3),
)
strings = st.one_of(
    st.text(characters),
    st.text(st.characters(max_codepoint=0x20) | st.sampled_from(['"', "\\", "/", "\x7f", "\u2028", "\u2029"])),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER),
    st.sampled_from([0, -1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]),
    strings,
)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)


def nested_lists(depth: int) -> Any:
    """A scalar wrapped in `depth` lists: its innermost value sits at depth `depth`."""
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


def nested_objects(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"k": value}
    return value


class TestCanonical:
    """canonical() writes exactly what rfc8785 writes, for every JSON document the ledger accepts."""

    @settings(max_examples=400, deadline=None)
    @given(documents)
    def test_equals_rfc8785_byte_for_byte(self, document: Any) -> None:
        assert canonical(document) == rfc8785.dumps(document)

    @settings(max_examples=200, deadline=None)
    @given(st.dictionaries(keys, scalars, min_size=2, max_size=8))
    def test_orders_keys_by_utf16_code_units_like_rfc8785(self, document: dict[str, Any]) -> None:
        assert canonical(document) == rfc8785.dumps(document)

    def test_sorts_the_rfc8785_example_keys(self) -> None:
        # RFC 8785 3.2.3: the property names of the sorting example, in their expected order.
        document = {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
                    "1": "One", "\U0001f600": "Emoji: Grinning Face", "\u0080": "Control",
                    "\u00f6": "Latin Small Letter O With Diaeresis"}
        expected = ('{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
                    '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
                    '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}')
        assert canonical(document) == expected.encode()

    def test_puts_a_supplementary_key_before_a_private_use_key(self) -> None:
        assert canonical({"\ue000": 1, "\U00010000": 2}) == '{"\U00010000":2,"\ue000":1}'.encode()

    def test_escapes_control_characters_in_lowercase_hex(self) -> None:
        assert canonical("\x00\x1f\n\t\"\\/\x7f") == b'"\\u0000\\u001f\\n\\t\\"\\\\/\x7f"'

    def test_writes_non_ascii_as_utf8(self) -> None:
        assert canonical({"làng": "Bát Tràng"}) == '{"làng":"Bát Tràng"}'.encode()

    def test_writes_tuples_as_arrays(self) -> None:
        assert canonical({"a": (1, "x", None)}) == b'{"a":[1,"x",null]}'

    @pytest.mark.parametrize("value", [MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER])
    def test_accepts_the_largest_exact_integers(self, value: int) -> None:
        assert canonical(value) == str(value).encode()


class TestCanonicalRefusals:
    """canonical() refuses, with EncodingError, anything RFC 8785 cannot carry exactly."""

    def test_refuses_a_float_at_the_top(self) -> None:
        with pytest.raises(EncodingError, match=r"^float 1\.5 is not allowed; write quantities as decimal strings$"):
            canonical(1.5)

    def test_refuses_a_float_that_is_a_whole_number(self) -> None:
        with pytest.raises(EncodingError, match=r"^float 12\.0 is not allowed"):
            canonical({"quantity": 12.0})

    @settings(max_examples=100, deadline=None)
    @given(documents, st.floats(allow_nan=True, allow_infinity=True), keys)
    def test_refuses_a_float_anywhere(self, document: Any, number: float, key: str) -> None:
        for wrapped in ([document, number], {"\U0001f600": document, key: [number]}, [[{key: number}]]):
            with pytest.raises(EncodingError, match="float"):
                canonical(wrapped)

    @pytest.mark.parametrize("value", [MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, 10**30])
    def test_refuses_integers_beyond_the_exact_range(self, value: int) -> None:
        with pytest.raises(EncodingError, match=rf"^integer {value} is outside ±\(2\*\*53 - 1\)"):
            canonical({"n": [value]})

    @pytest.mark.parametrize("key", [1, None, ("a",), b"a"])
    def test_refuses_keys_that_are_not_strings(self, key: Any) -> None:
        with pytest.raises(EncodingError, match=r"^object key .* JSON keys are strings$"):
            canonical({"a": {key: 1}})

    @pytest.mark.parametrize(
        "document",
        [
            "\ud800",
            {"a": "x\udfffy"},
            {"\ud83d": 1},  # a key: the UTF-16 sort of rfc8785 meets it first
            {"\ue000": "\ud800"},  # a value, in a document with a key sorted by UTF-16
        ],
    )
    def test_refuses_lone_surrogates(self, document: Any) -> None:
        with pytest.raises(EncodingError):
            canonical(document)

    def test_refuses_a_lone_surrogate_key_naming_it(self) -> None:
        with pytest.raises(EncodingError, match=r"key '\\udc00' holds a lone surrogate"):
            canonical({"ok": 1, "\udc00": 2})

    @pytest.mark.parametrize("nest", [nested_lists, nested_objects])
    def test_accepts_nesting_down_to_max_depth(self, nest: Any) -> None:
        assert canonical(nest(MAX_DEPTH)) == rfc8785.dumps(nest(MAX_DEPTH))

    @pytest.mark.parametrize("nest", [nested_lists, nested_objects])
    def test_refuses_nesting_beyond_max_depth(self, nest: Any) -> None:
        with pytest.raises(EncodingError, match=rf"^document nests deeper than {MAX_DEPTH} levels$"):
            canonical(nest(MAX_DEPTH + 1))

    @pytest.mark.parametrize(
        ("value", "name"),
        [(b"bytes", "bytes"), ({1, 2}, "set"), (object(), "object"), (MappingProxyType({"a": 1}), "mappingproxy"),
         (range(3), "range")],
    )
    def test_refuses_values_that_are_not_json_types(self, value: Any, name: str) -> None:
        with pytest.raises(EncodingError, match=rf"^{name} is not a JSON type$"):
            canonical({"a": value})


class TestParse:
    """parse() reads JSON text and refuses every number that is not an integer."""

    @settings(max_examples=150, deadline=None)
    @given(documents)
    def test_reads_back_what_canonical_wrote(self, document: Any) -> None:
        assert parse(canonical(document)) == document

    @pytest.mark.parametrize("text", ["1.0", "1e5", "-0.0", "[0.5]", '{"q": 1E2}'])
    def test_refuses_floats(self, text: str) -> None:
        with pytest.raises(EncodingError, match=r"^number .* is not an integer; write quantities as decimal strings$"):
            parse(text)

    @pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", '{"a": [NaN]}'])
    def test_refuses_nan_and_infinity(self, text: str) -> None:
        with pytest.raises(EncodingError, match=r"Infinity is not JSON$|^NaN is not JSON$"):
            parse(text)

    @pytest.mark.parametrize("data", [b"{", b"", b"\xff", b"[1,]", "1" * 5000])
    def test_refuses_text_that_is_not_json(self, data: bytes | str) -> None:
        with pytest.raises(EncodingError, match=r"^not valid JSON: "):
            parse(data)


class TestParseCanonical:
    """parse_canonical() accepts RFC 8785 bytes only."""

    @settings(max_examples=150, deadline=None)
    @given(documents)
    def test_reads_canonical_bytes(self, document: Any) -> None:
        assert parse_canonical(canonical(document)) == document

    @pytest.mark.parametrize(
        "data",
        [
            b'{"a": 1}',  # whitespace
            b'{"b":1,"a":2}',  # keys out of order
            b'{"a":1,"a":1}',  # a duplicate key
            b'"\\u00e9"',  # an escape where UTF-8 is due
            b'"\\u001F"',  # an uppercase escape
            b'"\\/"',  # an escaped solidus
            b"-0",
            b"[1]\n",  # a trailing newline
            b'"\\ud800"',  # a lone surrogate
            b"9007199254740992",  # beyond 2**53 - 1
        ],
    )
    def test_refuses_json_that_is_not_canonical(self, data: bytes) -> None:
        with pytest.raises(EncodingError):
            parse_canonical(data)

    def test_refuses_unsorted_keys_saying_so(self) -> None:
        with pytest.raises(EncodingError, match=r"^JSON text is not in RFC 8785 canonical form$"):
            parse_canonical(b'{"b":1,"a":2}')
