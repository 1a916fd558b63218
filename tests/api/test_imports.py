"""Batch imports from CSV and xlsx: every row checked first, then all rows appended in one transaction, or none;
a refusal lists every error of every row; templates to fill in."""

import io
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from api.importing.files import MAX_ROW_CELLS, MAX_ROWS, MAX_XLSX_PART, XLSX_TYPE
from api.importing.rows import COLUMNS, KEYS
from tests.api.conftest import (
    COMMUNE,
    GI,
    GTIN,
    OTHER_GTIN,
    PRODUCER,
    Api,
    assert_problem,
    assert_proves,
    gtin,
    make_gi,
    make_product,
    produced_on,
)
from tests.checks import VIETNAMESE, english_in

CSV_TYPE = "text/csv; charset=utf-8"
VI = {c.key: c.vi for c in COLUMNS}
UNKNOWN_GTIN = gtin(99)


def make_row(**overrides: str) -> dict[str, str]:
    row = {"gtin": GTIN, "lot": "L1", "quantity": "100", "unit": "H87", "produced_on": produced_on(),
           "origin_code": COMMUNE["code"], "origin_version": COMMUNE["version"], "claims": "", "inputs": ""}
    return {**row, **overrides}


def make_csv(rows: Sequence[Mapping[str, str]], columns: Sequence[str] = KEYS, separator: str = ",",
             headers: Mapping[str, str] | None = None, bom: bool = False) -> bytes:
    lines = [separator.join((headers or {}).get(c, c) for c in columns)]
    lines += [separator.join(row.get(c, "") for c in columns) for row in rows]
    return ("\ufeff" if bom else "").encode() + ("\r\n".join(lines) + "\r\n").encode()


def make_xlsx(rows: Sequence[Sequence[object]], header: Sequence[str] = KEYS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def post(api: Api, content: bytes, media_type: str = CSV_TYPE, as_: str | None = PRODUCER) -> httpx.Response:
    headers = {"Content-Type": media_type, **(api.auth(as_) if as_ else {})}
    response: httpx.Response = api.client.post("/api/v1/batches/import", content=content, headers=headers)
    return response


def imported(api: Api, content: bytes, media_type: str = CSV_TYPE) -> list[dict[str, Any]]:
    response = post(api, content, media_type)
    assert response.status_code == 201, response.text
    receipts: list[dict[str, Any]] = response.json()["receipts"]
    return receipts


def listed_errors(response: httpx.Response) -> list[tuple[int, str | None, str]]:
    """(row, column, code) of each error of an import refused for its rows, after checking both messages."""
    problem = assert_problem(response, 422, "import-invalid-rows")
    assert problem["errors_total"] == len(problem["errors"])
    for error in problem["errors"]:
        assert error["message"]["en"], error
        assert VIETNAMESE.search(error["message"]["vi"]), error
        assert not english_in(error["message"]["vi"]), error
    assert "nothing was imported" in problem["detail"]
    return [(e["row"], e["column"], e["code"]) for e in problem["errors"]]


def batches(api: Api) -> dict[str, tuple[str, str, str, str, str]]:
    """PRODUCER's batches by lot: (gtin, quantity, unit, production date, origin commune)."""
    items = api.get("/batches", producer=PRODUCER)["items"]
    return {b["lot"]: (b["gtin"], b["quantity"], b["unit"], b["produced_on"], b["origin_code"]) for b in items}


class TestImport:
    """A valid file registers one batch per row, each with its receipt."""

    def test_every_row_becomes_a_batch_with_its_receipt(self, api: Api, producer: str) -> None:
        receipts = imported(api, make_csv([make_row(lot=f"L{n}", quantity=str(10 * n)) for n in range(1, 6)]))
        assert len(receipts) == 5
        assert [r["index"] for r in receipts] == list(range(receipts[0]["index"], receipts[0]["index"] + 5))
        for receipt in receipts:
            assert_proves(api, receipt)
        items = api.get("/batches", producer=PRODUCER)["items"]
        assert [(b["lot"], b["quantity"]) for b in items] == [(f"L{n}", str(10 * n)) for n in range(1, 6)]

    def test_claims_and_inputs_columns_are_parsed(self, api: Api, gi: str) -> None:
        api.created("/products", make_product(gtin=OTHER_GTIN, names={"vi": "Hộp quà", "en": "Gift box"}),
                    as_=PRODUCER)
        fruit = make_row(lot="FRUIT", claims=f"gi:{GI}")
        boxes = make_row(gtin=OTHER_GTIN, lot="BOX-1", quantity="4", inputs=f"{GTIN}/FRUIT=40 | {GTIN[1:]}/L0=2")
        first = imported(api, make_csv([make_row(lot="L0")]))
        [fruit_receipt, box_receipt] = imported(api, make_csv([fruit, boxes]))
        assert api.entry(fruit_receipt["index"])["body"]["claims"] == [{"type": "gi", "id": GI}]
        assert api.entry(box_receipt["index"])["body"]["inputs"] == [
            {"gtin": GTIN, "lot": "FRUIT", "quantity": "40"}, {"gtin": GTIN, "lot": "L0", "quantity": "2"}]
        assert api.get(f"/batches/{GTIN}/FRUIT")["used"] == "40"
        assert first[0]["index"] < fruit_receipt["index"]

    def test_several_claims_are_split_on_the_bar(self, api: Api, gi: str) -> None:
        api.register("hiep-hoi-buoi", ["association"])
        api.created("/marks", {"id": "buoi-mark", "type": "collective", "certificate": "1234",
                               "application": "4-2020-00001", "owner": "hiep-hoi-buoi",
                               "names": {"vi": "Bưởi", "en": "Pomelo"}, "goods": "Pomelos", "nice_classes": [31],
                               "valid_from": "2021-01-01", "valid_until": "2030-12-31"})
        api.created("/rights", {"id": "mark-right", "holder": PRODUCER, "subject": {"type": "mark", "id": "buoi-mark"},
                                "valid_from": "2024-01-01"}, as_="hiep-hoi-buoi")
        [receipt] = imported(api, make_csv([make_row(claims=f"gi:{GI}|mark:buoi-mark")]))
        assert api.entry(receipt["index"])["body"]["claims"] == [{"type": "gi", "id": GI},
                                                                 {"type": "mark", "id": "buoi-mark"}]


@pytest.fixture
def producer_file(api: Api, producer: str) -> None:
    """PRODUCER with a second product counted in kilograms (OTHER_GTIN), and GI registered with no right of use
    for anyone."""
    api.created("/products", make_product(gtin=OTHER_GTIN, unit="KGM", names={"vi": "Cốm", "en": "Rice flakes"}),
                as_=PRODUCER)
    api.created("/gis", make_gi())


def excel_csv(bad: bool) -> bytes:
    """What Excel set up for Viet Nam saves as "CSV UTF-8": a byte-order mark, semicolons, Vietnamese headers,
    13-digit barcodes, dd/mm/yyyy dates, decimal commas, stray spaces; with `bad`, rows 3, 4 and 6 are wrong (a
    check digit, a GI with no right of use, 31 February)."""
    day = date.fromisoformat(produced_on())
    short, bad_digit = OTHER_GTIN[1:], OTHER_GTIN[1:-1] + str((int(OTHER_GTIN[-1]) + 1) % 10)
    rows = [
        make_row(gtin=short, lot="CSV-1", quantity="12,5", unit="KGM", produced_on=f"{day:%d/%m/%Y}"),
        make_row(gtin=bad_digit if bad else short, lot="CSV-2", quantity="3", unit="KGM",
                 produced_on=f"{day:%d/%m/%Y}"),
        make_row(gtin=GTIN[1:], lot="CSV-3", claims=f"gi:{GI}" if bad else "", produced_on=f"{day:%d/%m/%Y}"),
        make_row(gtin=f" {GTIN} ", lot=" CSV-4 ", quantity=" 7 ", produced_on=f" {day.isoformat()} "),
        make_row(gtin=GTIN[1:], lot="CSV-5", produced_on="31/02/2026" if bad else f"{day.day}/{day.month}/{day.year}"),
    ]
    return make_csv(rows, separator=";", headers=VI, bom=True)


def excel_xlsx(bad: bool) -> bytes:
    """An xlsx whose cells Excel typed: barcodes and commune codes as numbers (leading zeros gone), quantities as
    numbers, dates as dates; with `bad`, rows 3, 4 and 5 are wrong (a check digit, a product nobody registered,
    a date that is not one, typed as text)."""
    day = date.fromisoformat(produced_on())
    number, bad_digit = int(OTHER_GTIN), int(OTHER_GTIN[:-1] + str((int(OTHER_GTIN[-1]) + 1) % 10))
    origin = int(COMMUNE["code"])
    version = COMMUNE["version"]
    rows = [
        [number, "XL-1", 12.5, "KGM", day, origin, version],
        [bad_digit if bad else number, "XL-2", 2, "KGM", day, origin, version],
        [int(UNKNOWN_GTIN) if bad else number, "XL-3", 0.25, "KGM", day, origin, version],
        [int(GTIN), "XL-4", 40, "H87", "30/02/2026" if bad else day, origin, version],
    ]
    return make_xlsx(rows, header=[k.upper() if k == "gtin" else k for k in KEYS[:7]])


class TestProducersFiles:
    """The files producers make import as they are; three bad rows of different kinds are all listed in one
    refusal, with nothing appended, and the same files fixed import with the values they mean."""

    def test_a_bom_semicolon_csv_with_three_bad_rows_lists_them_all(self, api: Api, producer_file: None) -> None:
        with api.nothing_appended():
            response = post(api, excel_csv(bad=True))
        assert listed_errors(response) == [(3, VI["gtin"], "invalid-gtin"), (4, VI["claims"], "no-right-of-use"),
                                           (6, VI["produced_on"], "invalid-date")]
        problem = response.json()
        assert problem["detail"].startswith("3 errors in 3 of 5 rows; nothing was imported. First, row 3, column "
                                            "Mã GTIN: ")
        assert problem["message"]["vi"].startswith("có 3 lỗi ở 3 trên 5 dòng; không dòng nào được nhập.")
        check_digit = problem["errors"][0]["message"]
        assert "check digit" in check_digit["en"]
        assert "số kiểm tra" in check_digit["vi"]

    def test_the_csv_fixed_imports_with_the_values_it_means(self, api: Api, producer_file: None) -> None:
        receipts = imported(api, excel_csv(bad=False))
        assert len(receipts) == 5
        day, code = produced_on(), COMMUNE["code"]
        assert batches(api) == {"CSV-1": (OTHER_GTIN, "12.5", "KGM", day, code),
                                "CSV-2": (OTHER_GTIN, "3", "KGM", day, code),
                                "CSV-3": (GTIN, "100", "H87", day, code), "CSV-4": (GTIN, "7", "H87", day, code),
                                "CSV-5": (GTIN, "100", "H87", day, code)}

    def test_an_xlsx_with_three_bad_rows_lists_them_all(self, api: Api, producer_file: None) -> None:
        with api.nothing_appended():
            response = post(api, excel_xlsx(bad=True), XLSX_TYPE)
        assert listed_errors(response) == [(3, "GTIN", "invalid-gtin"), (4, "GTIN", "unknown-product"),
                                           (5, "produced_on", "invalid-date")]

    def test_the_xlsx_fixed_imports_with_the_values_it_means(self, api: Api, producer_file: None) -> None:
        receipts = imported(api, excel_xlsx(bad=False), XLSX_TYPE)
        assert len(receipts) == 4
        day, code = produced_on(), COMMUNE["code"]
        assert batches(api) == {"XL-1": (OTHER_GTIN, "12.5", "KGM", day, code),
                                "XL-2": (OTHER_GTIN, "2", "KGM", day, code),
                                "XL-3": (OTHER_GTIN, "0.25", "KGM", day, code),
                                "XL-4": (GTIN, "40", "H87", day, code)}


class TestImportRefusals:
    """A file with any bad row appends nothing and says which rows and columns are wrong, and why."""

    def test_format_errors_are_all_listed_by_row_and_column(self, api: Api, producer: str) -> None:
        rows = [make_row(lot="OK-1"), make_row(lot="A B"), make_row(lot="OK-2"),
                make_row(lot="OK-3", produced_on="2026-02-30", quantity="-1"), make_row(lot="OK-4", gtin="123")]
        with api.nothing_appended():
            response = post(api, make_csv(rows))
        assert listed_errors(response) == [(3, "lot", "invalid-lot"), (5, "quantity", "invalid-quantity"),
                                           (5, "produced_on", "invalid-date"), (6, "gtin", "invalid-gtin")]
        assert response.json()["detail"].startswith("4 errors in 3 of 5 rows")

    def test_a_file_wrong_on_every_row_lists_its_first_thousand_errors(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = post(api, make_csv([make_row(lot=f"L{n}", quantity="0") for n in range(1001)]))
        problem = assert_problem(response, 422, "import-invalid-rows")
        assert (len(problem["errors"]), problem["errors_total"], problem["errors"][-1]["row"]) == (1000, 1001, 1001)
        assert problem["detail"].startswith("1001 errors in 1001 of 1001 rows (the first 1000 are listed)")

    def test_a_single_error_is_counted_as_one(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = post(api, make_csv([make_row(), make_row(lot="L2", unit="kg")]))
        assert listed_errors(response) == [(3, "unit", "invalid-unit")]
        assert response.json()["detail"].startswith("1 error in 1 of 2 rows; nothing was imported. First, row 3, "
                                                    "column unit: unit 'kg' is not one of the UN/ECE codes")

    def test_rule_refusals_of_several_rows_are_all_listed(self, api: Api, producer: str) -> None:
        api.created("/batches", {"gtin": GTIN, "lot": "OLD", "quantity": "1", "unit": "H87",
                                 "produced_on": produced_on(), "origin": COMMUNE}, as_=PRODUCER)
        rows = [make_row(lot="L1"), make_row(lot="L2"), make_row(lot="L3", unit="KGM"), make_row(lot="L2"),
                make_row(lot="OLD"), make_row(lot="L4", inputs=f"{GTIN}/OLD=2")]
        with api.nothing_appended():
            response = post(api, make_csv(rows))
        assert listed_errors(response) == [(4, "unit", "unit-mismatch"), (5, "lot", "duplicate-lot"),
                                           (6, "lot", "duplicate-lot"), (7, "inputs", "mass-balance")]
        [_, duplicate, _, _] = response.json()["errors"]
        assert duplicate["message"] == {"vi": f"lô L2 của GTIN {GTIN} đã được đăng ký",
                                        "en": f"lot L2 of GTIN {GTIN} is already registered"}

    def test_a_rule_refusal_of_the_whole_file_names_no_column(self, api: Api, producer: str) -> None:
        api.register("so-khcn", ["authority"])
        with api.nothing_appended():
            response = post(api, make_csv([make_row(), make_row(lot="L2")]), as_="so-khcn")
        assert listed_errors(response) == [(2, None, "role-not-allowed"), (3, None, "role-not-allowed")]

    def test_missing_columns_are_named_in_both_languages(self, api: Api, producer: str) -> None:
        columns = [c for c in KEYS if c not in ("unit", "origin_version")]
        with api.nothing_appended():
            response = post(api, make_csv([make_row()], columns))
        problem = assert_problem(response, 422, "import-columns")
        assert "lacks columns unit, origin_version" in problem["detail"]
        assert "thiếu cột Đơn vị, Phiên bản danh mục xã" in problem["message"]["vi"]

    def test_a_column_given_twice_is_refused(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = post(api, make_csv([make_row()], [*KEYS, "Số lô"]))
        assert "«lot» và cột «Số lô» trùng nhau" in assert_problem(response, 422, "import-columns")["message"]["vi"]

    def test_a_file_without_data_rows_is_refused(self, api: Api, producer: str) -> None:
        for content, media_type in ((make_csv([]), CSV_TYPE), (make_csv([{}, {}]), CSV_TYPE),
                                    (make_xlsx([]), XLSX_TYPE)):
            with api.nothing_appended():
                assert_problem(post(api, content, media_type), 422, "import-empty")

    def test_an_import_needs_a_token(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = post(api, make_csv([make_row()]), as_=None)
        assert_problem(response, 401, "token-required")

    @pytest.mark.parametrize("media_type", ["application/json", "text/plain", "application/vnd.ms-excel"])
    def test_a_file_neither_csv_nor_xlsx_is_refused(self, api: Api, producer: str, media_type: str) -> None:
        with api.nothing_appended():
            response = post(api, make_csv([make_row()]), media_type)
        assert_problem(response, 415, "import-media-type")

    def test_a_csv_not_in_utf8_is_refused_with_the_way_to_save_it(self, api: Api, producer: str) -> None:
        content = make_csv([make_row()], headers=VI).decode().encode("cp1258", errors="replace")
        with api.nothing_appended():
            problem = assert_problem(post(api, content), 422, "import-not-utf8")
        assert "CSV UTF-8" in problem["message"]["vi"]

    def test_an_xlsx_that_is_not_a_workbook_is_refused(self, api: Api, producer: str) -> None:
        for content in (b"PK\x03\x04 not a zip", make_csv([make_row()])):
            with api.nothing_appended():
                assert_problem(post(api, content, XLSX_TYPE), 422, "import-unreadable")


def with_part(xlsx: bytes, name: str, data: bytes) -> bytes:
    """`xlsx` with its member `name` replaced by (or added as) `data`, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item))
        target.writestr(name, data)
    return out.getvalue()


def sheet_xml(rows: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            f'2006/main"><sheetData>{rows}</sheetData></worksheet>').encode()


SHEET = "xl/worksheets/sheet1.xml"


class TestImportBounds:
    """A file past an import's bounds is refused with a problem document before it can take the server's memory,
    and appends nothing."""

    def test_more_rows_than_one_import_holds_are_refused(self, api: Api, producer: str) -> None:
        rows = [make_row(lot=f"L{n}") for n in range(MAX_ROWS + 1)]
        with api.nothing_appended():
            assert_problem(post(api, make_csv(rows)), 413, "import-too-many-rows")

    def test_a_workbook_that_inflates_past_its_bound_is_refused(self, api: Api, producer: str) -> None:
        bomb = with_part(make_xlsx([]), "xl/sharedStrings.xml", b"\0" * (MAX_XLSX_PART + 1))
        assert len(bomb) < 100_000
        with api.nothing_appended():
            assert_problem(post(api, bomb, XLSX_TYPE), 413, "import-too-large")

    def test_a_row_of_more_cells_than_excel_allows_is_refused(self, api: Api, producer: str) -> None:
        wide = with_part(make_xlsx([]), SHEET, sheet_xml('<row r="1">' + "<c/>" * (MAX_ROW_CELLS + 1) + "</row>"))
        with api.nothing_appended():
            assert_problem(post(api, wide, XLSX_TYPE), 413, "import-too-large")

    def test_a_sheet_whose_last_row_is_a_million_rows_down_is_refused(self, api: Api, producer: str) -> None:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(list(KEYS))
        sheet.cell(row=1_048_576, column=1, value="x")
        out = io.BytesIO()
        workbook.save(out)
        with api.nothing_appended():
            assert_problem(post(api, out.getvalue(), XLSX_TYPE), 413, "import-too-many-rows")

    def test_a_workbook_declaring_entities_is_refused(self, api: Api, producer: str) -> None:
        laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                  b"<worksheet><sheetData><row><c><v>&lol2;</v></c></row></sheetData></worksheet>")
        with api.nothing_appended():
            assert_problem(post(api, with_part(make_xlsx([]), SHEET, laughs), XLSX_TYPE), 422, "import-unreadable")


class TestTemplates:
    """The templates carry the Vietnamese headers and one example row, and read back as a valid file."""

    def test_the_csv_template_opens_in_excel_set_up_for_viet_nam(self, api: Api) -> None:
        response = api.client.get("/api/v1/imports/template.csv")
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert 'filename="mau-nhap-lo-hang.csv"' in response.headers["content-disposition"]
        assert response.content.startswith(b"\xef\xbb\xbf")
        header, example = response.content.decode("utf-8-sig").splitlines()
        assert header.split(";") == [c.vi for c in COLUMNS]
        assert example.split(";")[2] == "12,5"

    def test_the_xlsx_template_types_its_cells_as_excel_does(self, api: Api) -> None:
        response = api.client.get("/api/v1/imports/template.xlsx")
        assert (response.status_code, response.headers["content-type"]) == (200, XLSX_TYPE)
        workbook = load_workbook(io.BytesIO(response.content))
        header, example = workbook.worksheets[0].iter_rows(values_only=True)
        assert list(header) == [c.vi for c in COLUMNS]
        assert (type(example[2]), example[2], example[5]) == (float, 12.5, "00577")
        assert workbook.worksheets[0].cell(row=2, column=5).is_date
        assert [row[1] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)] == list(KEYS)

    def test_the_templates_are_documented_with_their_media_types(self, api: Api) -> None:
        paths = api.client.get("/openapi.json").json()["paths"]
        assert list(paths["/api/v1/imports/template.csv"]["get"]["responses"]["200"]["content"]) == ["text/csv"]
        assert list(paths["/api/v1/imports/template.xlsx"]["get"]["responses"]["200"]["content"]) == [XLSX_TYPE]
        assert set(paths["/api/v1/batches/import"]["post"]["requestBody"]["content"]) == {"text/csv", XLSX_TYPE}
