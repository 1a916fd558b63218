"""Headers name columns in English or Vietnamese, however they are cased or composed; rows keep the numbers a
spreadsheet shows; files are read within their bounds."""

import unicodedata

import pytest

from api.importing.files import MAX_ROWS, read_csv
from api.importing.rows import COLUMNS, KEYS, read_rows
from api.problems import ApiProblem
from tests.factories import GTIN

ROW = [GTIN, "L1", "12,5", "KGM", "20/08/2026", "09877", "2025-07-01"]


def csv_bytes(header: list[str], *rows: list[str], separator: str = ",") -> bytes:
    return "\r\n".join(separator.join(cells) for cells in (header, *rows)).encode()


class TestHeaders:
    """Any mix of English and Vietnamese headers names the columns; each error names the header as written."""

    def test_headers_in_either_language_any_case_or_unicode_form(self) -> None:
        header = [unicodedata.normalize("NFD", c.vi.upper()) if n % 2 else f" {c.key.title()} "
                  for n, c in enumerate(COLUMNS[:7])]
        rows = read_rows(read_csv(csv_bytes(header, ROW, separator=";")))
        assert [body["quantity"] for _, body in rows.bodies] == ["12.5"]
        assert list(rows.headers.values()) == [h.strip() for h in header]

    def test_other_columns_are_left_alone(self) -> None:
        rows = read_rows(read_csv(csv_bytes(["ghi chú", *KEYS[:7]], ["x", *ROW], separator=";")))
        assert (rows.errors, len(rows.bodies)) == ([], 1)

    def test_rows_keep_the_numbers_a_spreadsheet_shows(self) -> None:
        bad = [*ROW[:1], "A B", *ROW[2:]]
        content = csv_bytes(list(KEYS[:7]), ROW, [""] * 7, bad, separator=";") + b"\r\n;;;;;;\r\n"
        rows = read_rows(read_csv(content))
        assert [(e.row, e.column, e.code) for e in rows.errors] == [(4, "lot", "invalid-lot")]


class TestCsvFiles:
    """The separator is the one the header line holds more of; a quoted separator inside a cell stays in it."""

    def test_a_comma_file_may_quote_semicolons_and_a_semicolon_file_commas(self) -> None:
        comma = read_csv(b'gtin,lot\r\n"a;b",c\r\n')
        semicolon = read_csv(b'\xef\xbb\xbfgtin;lot\r\n"12,5";c\r\n')
        assert (comma.header, comma.rows, semicolon.header, semicolon.rows) == \
            (["gtin", "lot"], [(2, ["a;b", "c"])], ["gtin", "lot"], [(2, ["12,5", "c"])])

    def test_more_rows_than_one_import_holds_are_refused(self) -> None:
        with pytest.raises(ApiProblem) as caught:
            read_csv(csv_bytes(list(KEYS[:7]), *[ROW] * (MAX_ROWS + 1)))
        assert (caught.value.status, caught.value.code) == (413, "import-too-many-rows")
