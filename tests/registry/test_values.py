"""Value rules: GTINs, lots, quantities, units and dates, each refusal stating value and expectation."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.validation import BilingualValueError
from registry.values import (
    check_date,
    check_gtin14,
    check_lot,
    check_positive_quantity,
    check_quantity,
    check_unit,
    check_vietnam_gtin,
    decimal_text,
    gtin_check_digit,
    numbered_under,
)

GS1_CHARACTERS = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


class TestGtin:
    """A GTIN-14 is 14 digits whose last is the GS1 check digit."""

    @pytest.mark.parametrize("value", [
        "08934567890120",  # Viet Nam (893)
        "00036000291452",  # UPC-A 036000291452
        "04006381333931",  # EAN-13 4006381333931
        "05901234123457",  # EAN-13 5901234123457
    ])
    def test_accepts_known_gtins(self, value: str) -> None:
        assert check_gtin14(value) == value

    def test_refuses_a_wrong_check_digit_naming_both_digits(self) -> None:
        with pytest.raises(ValueError, match="check digit 1; the GS1 check digit is 0"):
            check_gtin14("08934567890121")

    @pytest.mark.parametrize("value", ["8934567890120", "008934567890120", "0893456789012X", "０8934567890120"])
    def test_refuses_anything_but_fourteen_ascii_digits(self, value: str) -> None:
        with pytest.raises(ValueError, match="must be 14 digits"):
            check_gtin14(value)

    @given(st.text("0123456789", min_size=13, max_size=13), st.integers(0, 9))
    def test_exactly_one_check_digit_completes_any_thirteen_digits(self, body: str, digit: int) -> None:
        if digit == gtin_check_digit(body):
            assert check_gtin14(body + str(digit))
        else:
            with pytest.raises(ValueError, match=f"the GS1 check digit is {gtin_check_digit(body)}"):
                check_gtin14(body + str(digit))

    def test_accepts_a_vietnamese_gtin(self) -> None:
        assert check_vietnam_gtin("08934567890120") == "08934567890120"

    def test_refuses_a_foreign_prefix_for_a_registered_product(self) -> None:
        with pytest.raises(ValueError, match="GS1 prefix 400; products registered here carry 893"):
            check_vietnam_gtin("04006381333931")

    def test_accepts_a_gtin8_issued_by_gs1_viet_nam(self) -> None:
        """A GTIN-8 (EAN-8) is its GTIN-14 "000000" and 8 digits; GS1 Viet Nam's carry 893 as their GS1-8 prefix."""
        assert check_vietnam_gtin("00000089370018") == "00000089370018"

    def test_refuses_a_gtin8_of_another_country_naming_it(self) -> None:
        with pytest.raises(BilingualValueError) as caught:
            check_vietnam_gtin("00000040012346")
        assert "the GTIN-8 40012346, whose GS1-8 prefix is 400" in str(caught.value)
        assert "mã GTIN-8 40012346, mang tiền tố GS1-8 400" in caught.value.vi

    @pytest.mark.parametrize("value", ["00036000291452", "00893456789014"])
    def test_refuses_a_gtin12_as_gs1_us_numbering(self, value: str) -> None:
        """A UPC-A is GS1 US's, even when its digits happen to read 893 further on."""
        check_gtin14(value)
        with pytest.raises(BilingualValueError) as caught:
            check_vietnam_gtin(value)
        assert f"GTIN-12 (UPC-A) {value[2:]}, numbered by GS1 US" in str(caught.value)
        assert f"mã GTIN-12 (UPC-A) {value[2:]} do GS1 Hoa Kỳ cấp" in caught.value.vi

    def test_checks_the_digit_before_the_prefix(self) -> None:
        with pytest.raises(ValueError, match="check digit"):
            check_vietnam_gtin("08934567890129")


class TestNumberedUnder:
    """Which GTINs a GS1 prefix licence numbers: a company prefix its GTIN-13s and -14s, a GTIN-8 only itself."""

    def test_a_company_prefix_numbers_gtins_after_the_indicator_digit(self) -> None:
        assert numbered_under("08934567890120", "893456")
        assert numbered_under("18934567890127", "893456")
        assert not numbered_under("08934567890120", "893457")

    def test_a_gtin8_is_numbered_only_by_a_licence_of_exactly_its_digits(self) -> None:
        assert numbered_under("00000089370018", "89370018")
        assert not numbered_under("00000089370025", "89370018")
        assert not numbered_under("00000089370018", "893700")
        assert not numbered_under("00000089370018", "0000089")


class TestLot:
    """A lot follows GS1 AI 10: 1 to 20 characters of the GS1 character set 82."""

    @pytest.mark.parametrize("value", ["L1", "2026-11/A.B_C", "X" * 20, GS1_CHARACTERS[:20]])
    def test_accepts_lots_of_the_gs1_set(self, value: str) -> None:
        assert check_lot(value) == value

    def test_refuses_a_space(self) -> None:
        with pytest.raises(ValueError, match=r"lot 'A B' has a space; GS1 AI 10 allows 1–20 characters"):
            check_lot("A B")

    @pytest.mark.parametrize(("value", "bad"), [("LOT#1", "'#'"), ("LÔ1", "'Ô'"), ("A@B$", "'$@'")])
    def test_refuses_characters_outside_the_gs1_set_naming_them(self, value: str, bad: str) -> None:
        with pytest.raises(ValueError, match=re.escape(f"has characters {bad}")):
            check_lot(value)

    def test_refuses_twenty_one_characters(self) -> None:
        with pytest.raises(ValueError, match="has 21 characters"):
            check_lot("X" * 21)

    def test_refuses_an_empty_lot(self) -> None:
        with pytest.raises(ValueError, match="has 0 characters"):
            check_lot("")

    @given(st.text(GS1_CHARACTERS, min_size=1, max_size=20))
    def test_accepts_every_lot_drawn_from_the_gs1_set(self, value: str) -> None:
        assert check_lot(value) == value


class TestQuantity:
    """Quantities are plain decimal strings: no sign, exponent or leading zero, at most 6 decimals."""

    @pytest.mark.parametrize("value", ["0", "1", "2500", "12.5", "0.000001", "999999999999999.999999"])
    def test_accepts_decimal_strings(self, value: str) -> None:
        assert check_quantity(value) == value

    @pytest.mark.parametrize("value", ["1e3", "1E3", "-1", "+1", "01", "1.1234567", "1.", ".5", "1,5", " 1", "",
                                       "1" + "0" * 15, "NaN", "Infinity"])
    def test_refuses_anything_else(self, value: str) -> None:
        with pytest.raises(ValueError, match=r"must be a decimal string like 2500 or 12\.5"):
            check_quantity(value)

    def test_refuses_zero_where_a_positive_quantity_is_needed(self) -> None:
        with pytest.raises(ValueError, match="'0' must be greater than zero"):
            check_positive_quantity("0")
        with pytest.raises(ValueError, match="greater than zero"):
            check_positive_quantity("0.000000")

    @pytest.mark.parametrize(("value", "text"), [("100", "100"), ("12.50", "12.5"), ("0.000", "0"),
                                                 ("1E+3", "1000")])
    def test_decimal_text_writes_no_exponent_and_no_trailing_zeros(self, value: str, text: str) -> None:
        assert decimal_text(Decimal(value)) == text

    @given(st.decimals(min_value=0, max_value=Decimal("999999999999999.999999"), places=6))
    def test_decimal_text_of_a_quantity_is_a_quantity_of_the_same_value(self, value: Decimal) -> None:
        text = decimal_text(value)
        assert check_quantity(text) == text
        assert Decimal(text) == value


class TestUnit:
    """Units are UN/ECE Recommendation 20 codes from a short list."""

    @pytest.mark.parametrize("value", ["H87", "KGM", "LTR", "XBX"])
    def test_accepts_listed_codes(self, value: str) -> None:
        assert check_unit(value) == value

    @pytest.mark.parametrize("value", ["kg", "kgm", "PCS", ""])
    def test_refuses_other_codes_listing_the_accepted_ones(self, value: str) -> None:
        with pytest.raises(ValueError, match="is not one of the UN/ECE codes C62, GRM, H87, KGM"):
            check_unit(value)


class TestDate:
    """Dates are real calendar days written YYYY-MM-DD."""

    @pytest.mark.parametrize("value", ["2026-11-26", "2024-02-29", "1900-01-01"])
    def test_accepts_real_days(self, value: str) -> None:
        assert check_date(value) == value

    @pytest.mark.parametrize("value", ["2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10"])
    def test_refuses_days_the_calendar_does_not_have(self, value: str) -> None:
        with pytest.raises(ValueError, match=f"date '{value}' is not a real date"):
            check_date(value)

    @pytest.mark.parametrize("value", ["2026-2-3", "26-11-2026", "2026-11-26T00:00:00Z", "20261126"])
    def test_refuses_other_writings(self, value: str) -> None:
        with pytest.raises(ValueError, match="must be written YYYY-MM-DD"):
            check_date(value)
