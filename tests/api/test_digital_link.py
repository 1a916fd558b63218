"""GS1 Digital Link URIs: GTIN normalisation, percent-encoding, path parsing and its refusals."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.digital_link import DigitalLink, DigitalLinkError, normalise_gtin, parse_path
from registry.values import gtin_check_digit

GTIN = "08934567890120"
BASE = "https://nguon.example"
AI82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

ai82_values = st.text(alphabet=AI82, min_size=1, max_size=20).filter(lambda v: v not in (".", ".."))


def make_link(gtin14: str = GTIN, lot: str = "LOT-2026/1", serial: str | None = "S0000001") -> DigitalLink:
    return DigitalLink(gtin14=gtin14, lot=lot, serial=serial)


def with_check_digit(body: str) -> str:
    return body + str(gtin_check_digit(body))


class TestNormaliseGtin:
    """GTIN-8, -12, -13 and -14 become the same GTIN-14; anything else is refused with the reason."""

    @pytest.mark.parametrize(
        ("text", "gtin14"),
        [
            ("8934567890120", "08934567890120"),  # GTIN-13, Viet Nam prefix 893
            ("89345672", "00000089345672"),  # GTIN-8
            ("012345678905", "00012345678905"),  # GTIN-12 (UPC-A)
            ("08934567890120", "08934567890120"),
            ("18934567890127", "18934567890127"),  # GTIN-14 with indicator digit 1
        ],
    )
    def test_pads_to_fourteen_digits(self, text: str, gtin14: str) -> None:
        assert normalise_gtin(text) == gtin14

    def test_refuses_a_wrong_check_digit_naming_the_right_one(self) -> None:
        with pytest.raises(DigitalLinkError, match="GTIN 8934567890125 has check digit 5; the GS1 check digit is 0"):
            normalise_gtin("8934567890125")

    def test_refuses_a_wrong_check_digit_on_a_gtin_8(self) -> None:
        with pytest.raises(DigitalLinkError, match="check digit is 2"):
            normalise_gtin("89345670")

    @pytest.mark.parametrize("length", [1, 7, 9, 10, 11, 15, 18])
    def test_refuses_lengths_other_than_8_12_13_14(self, length: int) -> None:
        text = with_check_digit("8" * (length - 1))
        with pytest.raises(DigitalLinkError, match=f"has {length} digits; a GTIN has 8, 12, 13 or 14"):
            normalise_gtin(text)

    @pytest.mark.parametrize("text", ["893456789012O", " 8934567890120", "٨٩٣٤٥٦٧٨٩٠١٢٠", "+8934567890120", ""])
    def test_refuses_anything_but_ascii_digits(self, text: str) -> None:
        with pytest.raises(DigitalLinkError, match="digits only"):
            normalise_gtin(text)

    @given(st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)))
    def test_padding_keeps_the_check_digit_valid(self, body: str) -> None:
        gtin = with_check_digit(body)
        assert normalise_gtin(gtin) == gtin.zfill(14)
        assert normalise_gtin(normalise_gtin(gtin)) == gtin.zfill(14)


class TestDigitalLinkValues:
    """A DigitalLink cannot hold a GTIN, lot or serial that a GS1 Digital Link could not carry."""

    def test_accepts_a_lot_of_twenty_characters(self) -> None:
        assert make_link(lot="A" * 20).lot == "A" * 20

    def test_refuses_a_lot_of_twenty_one_characters(self) -> None:
        with pytest.raises(DigitalLinkError, match="has 21 characters; GS1 AI 10 allows 1–20"):
            make_link(lot="A" * 21)

    def test_refuses_a_lot_with_a_space(self) -> None:
        with pytest.raises(DigitalLinkError, match="lot 'A B' has a space; GS1 AI 10 allows 1–20 characters"):
            make_link(lot="A B")

    @pytest.mark.parametrize("lot", ["LÔ-1", "A~B", "A#B", "A\nB", ""])
    def test_refuses_a_lot_outside_the_gs1_character_set(self, lot: str) -> None:
        with pytest.raises(DigitalLinkError, match="GS1 AI 10"):
            make_link(lot=lot)

    @pytest.mark.parametrize("value", [".", ".."])
    def test_refuses_a_dot_segment_that_no_url_can_carry(self, value: str) -> None:
        with pytest.raises(DigitalLinkError, match="dot segment"):
            make_link(lot=value)
        with pytest.raises(DigitalLinkError, match="dot segment"):
            make_link(serial=value)
        with pytest.raises(DigitalLinkError, match="dot segment"):
            parse_path(f"/01/{GTIN}/10/%2E{'%2e' * (len(value) - 1)}")

    def test_accepts_dots_within_a_value(self) -> None:
        assert parse_path(make_link(lot="...", serial=".a.").path()).lot == "..."

    def test_refuses_a_bad_serial_naming_ai_21(self) -> None:
        with pytest.raises(DigitalLinkError, match="serial 'S 1' has a space; GS1 AI 21"):
            make_link(serial="S 1")

    @pytest.mark.parametrize("gtin14", ["08934567890121", "8934567890120", "0893456789012x"])
    def test_refuses_a_gtin_that_is_not_a_valid_gtin_14(self, gtin14: str) -> None:
        with pytest.raises(DigitalLinkError, match="GTIN"):
            make_link(gtin14=gtin14)

    def test_is_also_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="lot"):
            make_link(lot="")


class TestUri:
    """The URI written into a QR code: canonical, with every AI value percent-encoded."""

    def test_writes_an_item_uri(self) -> None:
        assert make_link().uri(BASE) == "https://nguon.example/01/08934567890120/10/LOT-2026%2F1/21/S0000001"

    def test_writes_a_batch_uri_without_serial(self) -> None:
        assert make_link(serial=None).uri(BASE) == "https://nguon.example/01/08934567890120/10/LOT-2026%2F1"

    def test_keeps_a_path_prefix_and_drops_a_trailing_slash(self) -> None:
        assert make_link(serial=None, lot="L1").uri("https://example.vn/nguon/") == (
            "https://example.vn/nguon/01/08934567890120/10/L1"
        )

    @pytest.mark.parametrize(
        ("lot", "encoded"),
        [
            ("A/B", "A%2FB"),
            ("50%", "50%25"),
            ("A&B", "A%26B"),
            ("a+b=c?", "a%2Bb%3Dc%3F"),
            ("\"'()*,:;<>!", "%22%27%28%29%2A%2C%3A%3B%3C%3E%21"),
            ("Az09-._", "Az09-._"),
        ],
    )
    def test_percent_encodes_all_but_unreserved_characters(self, lot: str, encoded: str) -> None:
        assert make_link(lot=lot, serial=None).uri(BASE) == f"{BASE}/01/{GTIN}/10/{encoded}"

    @pytest.mark.parametrize(
        "base", ["nguon.example", "ftp://nguon.example", "https://nguon.example/?a=1", "https://x/#f"]
    )
    def test_refuses_a_base_that_is_not_a_plain_http_url(self, base: str) -> None:
        with pytest.raises(DigitalLinkError, match="base URL"):
            make_link().uri(base)

    def test_writes_the_gs1_element_string(self) -> None:
        assert make_link().element_string() == "(01)08934567890120(10)LOT-2026/1(21)S0000001"
        assert make_link(serial=None).element_string() == "(01)08934567890120(10)LOT-2026/1"


class TestParsePath:
    """A resolver reads back exactly the link that was written, and refuses paths GS1 does not allow."""

    @pytest.mark.parametrize("lot", ["LOT-2026/1", "50%", "A&B", "%2F", "//", AI82[:20], AI82[-20:]])
    def test_round_trips_lots_with_reserved_characters(self, lot: str) -> None:
        link = make_link(lot=lot, serial="S/1%&")
        assert parse_path(link.path()) == link
        assert parse_path(link.path()).path() == link.path()

    @given(lot=ai82_values, serial=st.none() | ai82_values)
    def test_round_trips_every_gs1_value(self, lot: str, serial: str | None) -> None:
        link = DigitalLink(gtin14=GTIN, lot=lot, serial=serial)
        parsed = parse_path(link.uri(BASE).removeprefix(BASE))
        assert (parsed, parsed.gtin_padded) == (link, False)

    def test_reads_a_batch_path(self) -> None:
        assert parse_path(f"/01/{GTIN}/10/L1") == DigitalLink(GTIN, "L1")

    @pytest.mark.parametrize("short", ["8934567890120", "012345678905", "89345672"])
    def test_pads_a_short_gtin_and_says_so(self, short: str) -> None:
        link = parse_path(f"/01/{short}/10/L1/21/S1")
        assert link.gtin14 == short.zfill(14)
        assert link.gtin_padded
        assert link.path() == f"/01/{short.zfill(14)}/10/L1/21/S1"

    def test_does_not_flag_a_fourteen_digit_gtin(self) -> None:
        assert not parse_path(f"/01/{GTIN}/10/L1").gtin_padded

    def test_padding_flag_takes_no_part_in_equality(self) -> None:
        assert parse_path("/01/8934567890120/10/L1") == parse_path(f"/01/{GTIN}/10/L1")

    def test_decodes_lowercase_escapes_and_literal_sub_delimiters(self) -> None:
        link = parse_path(f"/01/{GTIN}/10/A%2fB!")
        assert link.lot == "A/B!"
        assert link.path() == f"/01/{GTIN}/10/A%2FB%21"

    def test_refuses_serial_before_lot_explaining_the_order(self) -> None:
        with pytest.raises(DigitalLinkError, match=r"puts AI 10 after AI 21; .* 22, 10, 21: expected /01/\{gtin\}/10"):
            parse_path(f"/01/{GTIN}/21/S1/10/L1")

    @pytest.mark.parametrize("ai", ["17", "235", "11", "gtin", "lot"])
    def test_refuses_unknown_ais(self, ai: str) -> None:
        with pytest.raises(DigitalLinkError, match=f"has AI '{ai}'; .*10 \\(lot\\) and 21 \\(serial\\)"):
            parse_path(f"/01/{GTIN}/10/L1/{ai}/X")

    def test_refuses_a_consumer_product_variant(self) -> None:
        with pytest.raises(DigitalLinkError, match="AI 22"):
            parse_path(f"/01/{GTIN}/22/V1/10/L1")

    @pytest.mark.parametrize(
        ("path", "reason"),
        [
            (f"/01/{GTIN}/10/L1/10/L2", "repeats AI 10"),
            (f"/01/{GTIN}/10/L1/21/S1/21/S2", "repeats AI 21"),
            (f"/01/{GTIN}/10/L1/01/{GTIN}", "repeats AI 01"),
            (f"/01/{GTIN}", "has no lot"),
            (f"/01/{GTIN}/21/S1", "has no lot"),
            (f"/01/{GTIN}/10", "no value"),
            (f"/01/{GTIN}/10/", "empty value for AI 10"),
            (f"/01/{GTIN}/10//21/S1", "empty value for AI 10"),
            (f"/00/{GTIN}/10/L1", "must start with /01/"),
            (f"01/{GTIN}/10/L1", "must start with /01/"),
            (f"/nguon/01/{GTIN}/10/L1", "must start with /01/"),
            ("", "must start with /01/"),
        ],
    )
    def test_refuses_malformed_paths(self, path: str, reason: str) -> None:
        with pytest.raises(DigitalLinkError, match=reason):
            parse_path(path)

    @pytest.mark.parametrize(
        ("path", "reason"),
        [
            (f"/01/{GTIN}/10/L%201", "has a space"),
            (f"/01/{GTIN}/10/{'A' * 21}", "has 21 characters"),
            (f"/01/{GTIN}/10/{'%41' * 21}", "has 21 characters"),
            (f"/01/{GTIN}/10/L1/21/{'S' * 21}", f"serial '{'S' * 21}' has 21 characters; GS1 AI 21"),
            (f"/01/{GTIN}/10/50%", "'%' not followed by two hex digits"),
            (f"/01/{GTIN}/10/A%G1", "'%' not followed by two hex digits"),
            (f"/01/{GTIN}/10/A%FF", "not UTF-8"),
            (f"/01/{GTIN}/10/L%C3%94", "characters 'Ô'"),
            ("/01/08934567890121/10/L1", "check digit 1; the GS1 check digit is 0"),
            ("/01/89345678901/10/L1", "11 digits"),
            ("/01/0893456789012%30/10/L1", "digits only"),
        ],
    )
    def test_refuses_bad_values(self, path: str, reason: str) -> None:
        with pytest.raises(DigitalLinkError, match=reason):
            parse_path(path)
