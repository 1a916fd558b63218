"""The compressed GS1 Digital Link decoder: GS1's reference implementation's own answers (tests/vectors/
gs1-compression), refusals of what does not decode, and a round trip through a compressor written here from the
same rules."""

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.compressed import (
    BASE64URL,
    MAX_LENGTH,
    CompressedLinkError,
    decode_segment,
    decompress,
    decompress_partial,
    length_bits,
    looks_compressed,
    value_bits,
)
from api.gs1_ai_formats import FORMATS, SEQUENCES

ALL_VECTORS: list[dict[str, str]] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "gs1-compression" / "vectors.json").read_text())
VECTORS = [v for v in ALL_VECTORS if v["form"] == "full"]
PARTIAL = [v for v in ALL_VECTORS if v["form"] == "partial"]
GTIN = "09506000134352"


# A compressor, for the round trip and for codes no vector has: elements in the order given, each AI on its own
# unless `sequence` names a code of SEQUENCES whose AIs lead; alphanumeric parts in the narrowest encoding.
def _number(digits: str) -> str:
    return f"{int(digits or '0'):0{value_bits(len(digits))}b}"


def _encoded(text: str) -> str:
    if re.fullmatch(r"[0-9]*", text):
        return "000" + "{length}" + _number(text)
    if re.fullmatch(r"[0-9a-f]*", text):
        return "001" + "{length}" + "".join(f"{int(c, 16):04b}" for c in text)
    if re.fullmatch(r"[0-9A-F]*", text):
        return "010" + "{length}" + "".join(f"{int(c, 16):04b}" for c in text)
    if re.fullmatch(r"[A-Za-z0-9_-]*", text):
        return "011" + "{length}" + "".join(f"{BASE64URL.index(c):06b}" for c in text)
    return "100" + "{length}" + "".join(f"{ord(c):07b}" for c in text)


def _value_bits(ai: str, value: str) -> str:
    bits, rest = "", value
    for part in FORMATS[ai]:
        piece, rest = (rest[:part.length], rest[part.length:]) if part.fixed else (rest, "")
        length = "" if part.fixed else f"{len(piece):0{length_bits(part.length)}b}"
        if part.kind == "N":
            bits += length + _number(piece)
        else:
            bits += _encoded(piece).format(length=length)
    return bits


def _bits(ais: dict[str, str], sequence: str = "") -> str:
    bits = ""
    led = SEQUENCES.get(sequence, ())
    if led:
        bits += f"{int(sequence, 16):08b}" + "".join(_value_bits(ai, ais[ai]) for ai in led)
    for ai, value in ais.items():
        if ai not in led:
            bits += "".join(f"{int(d):04b}" for d in ai) + _value_bits(ai, value)
    return bits


def compress(ais: dict[str, str], sequence: str = "") -> str:
    return "/" + _segment(_bits(ais, sequence))


def _segment(bits: str) -> str:
    bits += "0" * (-len(bits) % 6)
    return "".join(BASE64URL[int(bits[i:i + 6], 2)] for i in range(0, len(bits), 6))


class TestReferenceVectors:
    """Every vector decodes to the URI GS1's reference compressor was given."""

    @pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
    def test_decodes_to_the_uncompressed_uri(self, vector: dict[str, str]) -> None:
        assert decompress(vector["compressed"]) == vector["uncompressed"]

    @pytest.mark.parametrize("vector", PARTIAL, ids=[v["name"] for v in PARTIAL])
    def test_a_partly_compressed_one_too(self, vector: dict[str, str]) -> None:
        assert decompress_partial(vector["compressed"]) == vector["uncompressed"]
        assert decompress_partial(vector["compressed"] + "?lang=en") == \
            vector["uncompressed"] + ("&" if "?" in vector["uncompressed"] else "?") + "lang=en"

    @pytest.mark.parametrize("path", [
        f"/01/{GTIN}/10/L1", f"/01/{GTIN}/10", f"/01/{GTIN}", f"/01/{GTIN}/EEOrwXQjfyEFGB+", "/21/X/EEOrwXQjfyEFGBy",
        f"/01/{GTIN}/EEOrwXQjfyEFGB", f"/01/{GTIN}" + compress({"414": "9520123456788"}), f"/01/{GTIN}/",
    ])
    def test_other_paths_are_not_partly_compressed(self, path: str) -> None:
        assert decompress_partial(path) is None

    def test_a_numeric_lot_keeps_its_leading_zeros_which_the_reference_decoder_drops(self) -> None:
        vector = next(v for v in VECTORS if v["name"] == "numeric lot with leading zeros")
        assert (decompress(vector["compressed"]), vector["reference_decompressed"]) == \
            (f"/01/{GTIN}/10/000123", f"/01/{GTIN}/10/123")

    def test_the_request_s_query_follows_the_decoded_attributes(self) -> None:
        vector = next(v for v in VECTORS if v["name"] == "gtin, lot, serial, expiry (opt 1A)")
        assert decompress(vector["compressed"] + "?linkType=gs1:pip&lang=en") == \
            vector["uncompressed"] + "&linkType=gs1:pip&lang=en"
        plain = next(v for v in VECTORS if v["name"] == "gtin and lot (opt 0B)")
        assert decompress(plain["compressed"] + "?lang=en") == plain["uncompressed"] + "?lang=en"

    def test_the_bit_counts_are_the_standard_s(self) -> None:
        # 14 digits in 47 bits, a lot's length (at most 20) in 5, and a power of two gets one more bit.
        assert (value_bits(14), value_bits(6), value_bits(1), value_bits(0)) == (47, 20, 4, 1)
        assert (length_bits(20), length_bits(8), length_bits(90), length_bits(127)) == (5, 4, 7, 7)
        # The formula's +0.01 gives 59 digits one bit more than they need, in the reference coder as here.
        assert [n for n in range(1, 91) if value_bits(n) != (10 ** n - 1).bit_length()] == [59]


class TestRefusals:
    """What does not decode raises one error saying what was found and what was expected, in both languages."""

    @pytest.mark.parametrize(("path", "says"), [
        ("/CxFKk4XBoI1Xgk+", "'+' is not a base64url character"),
        ("/CxFKk4XBoI1Xgk=", "'=' is not a base64url character"),
        ("/CxFKk4XBoI1Xg", "ends inside AI (10)"),
        ("/ARFKk4XB", "ends inside AI (01)"),
        ("/CxFKk4XBoI1XgkYA", "ends inside AI (00)"),
        ("/GhFKk4XBoIdXgKMDlCN_A", "6 bits follow the last element"),
        ("/CxFKk4XBoMRfpgQwA", "8 bits follow the last element"),
        ("/CxFKk4XBoI1XgkYAAAA", "ends inside AI (00)"),
        ("/ARFKk4XBoB", "bits follow the last element"),
        ("/", "has 0 characters"),
        ("/" + "A" * (MAX_LENGTH + 1), f"has {MAX_LENGTH + 1} characters"),
        ("/CxFKk4XBoI1XgkY/x", "not a single path segment"),
        ("/ARFKk4XBoA/", "not a single path segment"),
    ])
    def test_malformed(self, path: str, says: str) -> None:
        with pytest.raises(CompressedLinkError) as raised:
            decompress(path)
        assert says in raised.value.en
        assert "expected a compressed GS1 Digital Link" in raised.value.en
        assert "liên kết số GS1 dạng nén" in raised.value.vi

    @pytest.mark.parametrize(("bits", "says"), [
        ("0010" "0011" + "0" * 16, "AI (23"),  # (23x): 23 begins three-digit AIs, none with a third digit 0
        ("0001" "1000" + "0" * 16, "the header 18"),  # no AI begins 18
        ("1011" "0000" + "0" * 16, "the header B0"),  # no sequence B0
        ("0011" "0001" "0000" "0110" + "0" * 20, "AI (3106)"),  # a decimal point position 6 does not exist
        ("0000" "0001" + "1" * 47, "more than 14 digits"),  # 47 bits of ones: far more than 14 digits
        ("0001" "0000" + "101" + "00001" + "0" * 7, "encoding 5"),
        ("0001" "0000" + "011" + "11111" + "0" * 200, "at most 20"),
        ("0001" "0000" + "100" + "00001" + "0000001", "characters GS1 AIs do not allow"),
        ("0001" "0000" + "011" + "00000", "empty value"),
    ])
    def test_malformed_bits(self, bits: str, says: str) -> None:
        with pytest.raises(CompressedLinkError, match=re.escape(says)):
            decode_segment(_segment(bits))

    def test_an_ai_twice(self) -> None:
        twice = _segment(_bits({"01": GTIN, "10": "A"}, "0B") + _bits({"10": "B"}))
        with pytest.raises(CompressedLinkError, match=re.escape("AI (10) appears twice")):
            decode_segment(twice)

    @pytest.mark.parametrize(("ais", "found", "found_vi"), [
        ({"10": "L1"}, "none", "không có khoá nào"),
        ({"01": GTIN, "414": "9520123456788"}, "(01), (414)", "có (01), (414)"),
    ])
    def test_not_one_primary_key(self, ais: dict[str, str], found: str, found_vi: str) -> None:
        with pytest.raises(CompressedLinkError, match=re.escape(f"one primary key; this one has {found}")) as raised:
            decompress(compress(ais))
        assert f"liên kết này {found_vi};" in raised.value.vi



class TestRecognition:
    """Only a single segment that begins like a compressed Digital Link is taken for one."""

    @pytest.mark.parametrize("path", [v["compressed"] for v in VECTORS])
    def test_every_vector_is_recognised(self, path: str) -> None:
        assert looks_compressed(path)

    @pytest.mark.parametrize("path", ["/log", "/producers", "/gis", "/api", "/docs", "/portal", "/page",
                                      "/documentation", "/favicon.ico", "/robots.txt", "/01", "/ARFKk4XBoA/x",
                                      "/" + "A" * (MAX_LENGTH + 1), "/ARFKk4XBo"])
    def test_other_paths_are_not(self, path: str) -> None:
        assert not looks_compressed(path)


_LOT = st.text(alphabet="!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
               min_size=1, max_size=20)
_DATE = st.from_regex(r"[0-9]{2}(0[1-9]|1[0-2])(0[0-9]|[12][0-9]|3[01])", fullmatch=True)


@given(lot=_LOT, serial=st.none() | _LOT, expiry=st.none() | _DATE, count=st.none() | st.from_regex(
    r"[0-9]{1,8}", fullmatch=True), sequence=st.sampled_from(["", "0B", "1A"]))
def test_round_trip(lot: str, serial: str | None, expiry: str | None, count: str | None, sequence: str) -> None:
    ais: dict[str, Any] = {"01": GTIN, "10": lot, "21": serial, "17": expiry, "30": count}
    ais = {ai: value for ai, value in ais.items() if value is not None}
    if not set(SEQUENCES.get(sequence, ())) <= set(ais):
        sequence = ""
    path = f"/01/{GTIN}/10/{_quoted(lot)}" + (f"/21/{_quoted(serial)}" if serial else "")
    query = "&".join(f"{ai}={ais[ai]}" for ai in ("17", "30") if ai in ais)
    assert decompress(compress(ais, sequence)) == path + (f"?{query}" if query else "")


def _quoted(value: str) -> str:
    return quote(value, safe="")
