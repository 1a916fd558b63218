"""Cells of an imported sheet read as the registry writes values: GTINs of every length, dates dd/mm/yyyy or ISO,
decimal commas, commune codes whose zeros Excel dropped; ASCII digits only; every refusal in both languages."""

from datetime import date, datetime

import pytest

from api.importing import cells
from api.importing.cells import CellError
from tests.checks import VIETNAMESE
from tests.factories import GTIN, gtin

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def refusal(read: object, value: cells.Cell) -> CellError:
    """The CellError of reading `value`, after checking it speaks both languages."""
    assert callable(read)
    with pytest.raises(CellError) as caught:
        read(value)
    assert caught.value.en, caught.value
    assert VIETNAMESE.search(caught.value.vi), caught.value
    return caught.value


class TestGtin:
    """GTIN-8, -12, -13 and -14 become the GTIN-14 the registry keys products by, check digit verified."""

    def test_a_barcode_of_13_digits_becomes_its_gtin14(self) -> None:
        assert cells.gtin(GTIN[1:]) == cells.gtin(GTIN) == GTIN

    def test_gtins_of_8_and_12_digits_are_padded_where_any_gtin_is_taken(self) -> None:
        eight, twelve = gtin(1234, prefix="000000")[6:], gtin(1234, prefix="00")[2:]
        found = cells.inputs(f"{eight}/A=1|{twelve}/B=2")
        assert [i["gtin"] for i in found] == [eight.zfill(14), twelve.zfill(14)]

    def test_a_wrong_check_digit_names_the_right_one(self) -> None:
        wrong = GTIN[1:-1] + str((int(GTIN[-1]) + 1) % 10)
        error = refusal(cells.gtin, wrong)
        assert (error.code, f"the GS1 check digit is {GTIN[-1]}" in error.en) == ("invalid-gtin", True)
        assert f"số kiểm tra đúng theo GS1 là {GTIN[-1]}" in error.vi

    @pytest.mark.parametrize("value", ["893456789012", "12345", "8934567890120X", GTIN.translate(FULL_WIDTH), ""])
    def test_what_is_not_a_gtin_is_refused(self, value: str) -> None:
        assert refusal(cells.gtin, value).code == "invalid-gtin"

    @pytest.mark.parametrize("value", ["8.93457E+12", "8,93457E+12"])
    def test_a_barcode_excel_rounded_says_how_to_keep_it(self, value: str) -> None:
        assert "định dạng cột là văn bản" in refusal(cells.gtin, value).vi

    def test_a_product_outside_viet_nam_is_refused_by_its_prefix(self) -> None:
        assert "tiền tố GS1 400" in refusal(cells.gtin, gtin(1, prefix="0400")).vi

    def test_a_gtin8_of_gs1_viet_nam_reads_as_its_gtin14(self) -> None:
        assert cells.gtin("89370018") == "00000089370018"

    @pytest.mark.parametrize(("value", "vi"), [("40012346", "tiền tố GS1-8 400"),
                                               ("036000291452", "GTIN-12 (UPC-A) 036000291452 do GS1 Hoa Kỳ cấp")])
    def test_a_gtin8_of_another_country_and_a_upc_are_refused_saying_why(self, value: str, vi: str) -> None:
        error = refusal(cells.gtin, value)
        assert (error.code, vi in error.vi) == ("invalid-gtin", True)


class TestDates:
    """Dates are dd/mm/yyyy (as Vietnamese write them) or yyyy-mm-dd, or a cell Excel typed as a date."""

    @pytest.mark.parametrize(("value", "read"), [("20/08/2026", "2026-08-20"), ("5/8/2026", "2026-08-05"),
                                                 ("2026-08-20", "2026-08-20"), (date(2026, 8, 20), "2026-08-20")])
    def test_each_way_of_writing_a_date_reads(self, value: cells.Cell, read: str) -> None:
        assert cells.day(value) == read

    @pytest.mark.parametrize("value", ["31/02/2026", "08/20/2026", "2026/08/20", "20-08-2026", "20/08/26",
                                       "20/08/2026".translate(FULL_WIDTH), "2026-13-01"])
    def test_what_is_not_a_date_is_refused(self, value: str) -> None:
        assert refusal(cells.day, value).code == "invalid-date"

    def test_a_list_version_is_a_date_or_a_month(self) -> None:
        assert [cells.list_version(v) for v in ("2025-07", "01/07/2025", date(2025, 7, 1))] == \
            ["2025-07", "2025-07-01", "2025-07-01"]


class TestNumbersAndCodes:
    """Quantities take a decimal point or comma; commune codes get back the zeros Excel dropped."""

    @pytest.mark.parametrize(("value", "read"), [("12,5", "12.5"), ("12.5", "12.5"), ("2500", "2500"),
                                                 ("0,000001", "0.000001")])
    def test_quantities_read_with_either_separator(self, value: str, read: str) -> None:
        assert cells.quantity(value) == read

    @pytest.mark.parametrize("value", ["1.250,5", "1,250.5", "0", "-1", "12,5000001", "1 250", "１２",
                                       "12,5,1", ""])
    def test_what_is_not_a_quantity_is_refused(self, value: str) -> None:
        assert refusal(cells.quantity, value).code == "invalid-quantity"

    def test_a_commune_code_gets_its_leading_zeros_back(self) -> None:
        assert (cells.commune("577"), cells.commune("09877")) == ("00577", "09877")

    @pytest.mark.parametrize("value", ["123456", "５７７", "5 77", "", "A0577"])
    def test_what_is_not_a_commune_code_is_refused(self, value: str) -> None:
        assert refusal(cells.commune, value).code == "invalid-commune-code"

    def test_a_unit_is_a_un_ece_code(self) -> None:
        assert cells.unit("KGM") == "KGM"
        assert "«kg» không phải mã UN/ECE" in refusal(cells.unit, "kg").vi


class TestListsAndText:
    """Claims and inputs are lists separated by `|`; a date where text belongs is refused, not misread."""

    def test_claims_and_inputs_read_with_spaces_around_their_parts(self) -> None:
        assert cells.claims(" gi:buoi-hoai-duc | mark : gom ") == [{"type": "gi", "id": "buoi-hoai-duc"},
                                                                   {"type": "mark", "id": "gom"}]
        assert cells.inputs(f"{GTIN[1:]} / L-1 = 2,5") == [{"gtin": GTIN, "lot": "L-1", "quantity": "2.5"}]
        assert cells.claims("") == cells.inputs("") == []

    @pytest.mark.parametrize("value", ["gi", "gi:", "right:x", "gi:Buoi", "|".join(f"gi:g{n}" for n in range(11))])
    def test_a_claim_not_written_gi_or_mark_is_refused(self, value: str) -> None:
        assert refusal(cells.claims, value).code == "invalid-claims"

    @pytest.mark.parametrize("value", [f"{GTIN}/L1", f"{GTIN}=2", f"{GTIN}/A B=2", "123/L1=2", f"{GTIN}/L1=0"])
    def test_an_input_not_written_gtin_lot_quantity_is_refused(self, value: str) -> None:
        assert refusal(cells.inputs, value).code == "invalid-inputs"

    def test_a_date_where_text_belongs_is_refused(self) -> None:
        error = refusal(cells.lot, date(2026, 2, 1))
        assert (error.code, "01/02/2026" in error.vi) == ("invalid-value", True)


class TestExcelValues:
    """Cells Excel typed read as Excel shows them in general format."""

    @pytest.mark.parametrize(("value", "read"), [
        (None, ""), (12.5, "12.5"), (8934567890120.0, "8934567890120"), (8934567890120, "8934567890120"),
        (0.1 + 0.2, "0.30000000000000004"), (1e-7, "0.0000001"), (datetime(2026, 8, 20, 7, 30), date(2026, 8, 20)),
        (date(2026, 8, 20), date(2026, 8, 20)), (True, "TRUE"), ("  L-1 ", "L-1"), ("#N/A", "#N/A")])
    def test_each_type_of_cell_reads(self, value: object, read: cells.Cell) -> None:
        assert cells.excel_value(value) == read
