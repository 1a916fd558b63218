"""CSV batch import: every row checked first, then all rows appended in one transaction, or none."""

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from api.routes.imports import COLUMNS
from tests.api.conftest import (
    COMMUNE,
    GI,
    GTIN,
    OTHER_GTIN,
    PRODUCER,
    Api,
    assert_problem,
    assert_proves,
    make_product,
    produced_on,
)


def make_row(**overrides: str) -> dict[str, str]:
    row = {"gtin": GTIN, "lot": "L1", "quantity": "100", "unit": "H87", "produced_on": produced_on(),
           "origin_code": COMMUNE["code"], "origin_version": COMMUNE["version"], "claims": "", "inputs": ""}
    return {**row, **overrides}


def make_csv(rows: Sequence[Mapping[str, str]], columns: Sequence[str] = COLUMNS) -> str:
    lines = [",".join(columns)] + [",".join(row.get(c, "") for c in columns) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def post_csv(api: Api, text: str, as_: str | None = PRODUCER) -> httpx.Response:
    headers = {"Content-Type": "text/csv; charset=utf-8", **(api.auth(as_) if as_ else {})}
    response: httpx.Response = api.client.post("/api/v1/batches/import", content=text.encode(), headers=headers)
    return response


def imported(api: Api, text: str) -> list[dict[str, Any]]:
    response = post_csv(api, text)
    assert response.status_code == 201, response.text
    receipts: list[dict[str, Any]] = response.json()["receipts"]
    return receipts


class TestImport:
    """A valid file registers one batch per row, each with its receipt."""

    def test_every_row_becomes_a_batch_with_its_receipt(self, api: Api, producer: str) -> None:
        receipts = imported(api, make_csv([make_row(lot=f"L{n}", quantity=str(10 * n)) for n in range(1, 6)]))
        assert len(receipts) == 5
        assert [r["index"] for r in receipts] == list(range(receipts[0]["index"], receipts[0]["index"] + 5))
        for receipt in receipts:
            assert_proves(api, receipt)
        batches = api.get("/batches", producer=PRODUCER)["items"]
        assert [(b["lot"], b["quantity"]) for b in batches] == [(f"L{n}", str(10 * n)) for n in range(1, 6)]

    def test_claims_and_inputs_columns_are_parsed(self, api: Api, gi: str) -> None:
        api.created("/products", make_product(gtin=OTHER_GTIN, names={"vi": "Hộp quà", "en": "Gift box"}),
                    as_=PRODUCER)
        fruit = make_row(lot="FRUIT", claims=f"gi:{GI}")
        boxes = make_row(gtin=OTHER_GTIN, lot="BOX-1", quantity="4", inputs=f"{GTIN}/FRUIT=40 | {GTIN}/L0=2")
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


class TestImportRefusals:
    """A file with any bad row appends nothing and says which rows and fields are wrong."""

    def test_bad_rows_are_all_listed_by_row_number_and_field(self, api: Api, producer: str) -> None:
        rows = [make_row(lot="OK-1"), make_row(lot="A B"), make_row(lot="OK-2"),
                make_row(lot="OK-3", produced_on="2026-02-30", quantity="-1"), make_row(lot="OK-4", gtin="123")]
        with api.nothing_appended():
            response = post_csv(api, make_csv(rows))
        problem = assert_problem(response, 422, "csv-invalid-rows")
        assert {(e["row"], e["field"]) for e in problem["errors"]} == {
            (3, "lot"), (5, "produced_on"), (5, "quantity"), (6, "gtin")}
        assert all(e["message"] for e in problem["errors"])
        assert "3 rows are invalid" in problem["detail"]

    def test_a_rule_refusal_names_its_row(self, api: Api, producer: str) -> None:
        rows = [make_row(lot="L1"), make_row(lot="L2"), make_row(lot="L3"), make_row(lot="L2")]
        with api.nothing_appended():
            response = post_csv(api, make_csv(rows))
        problem = assert_problem(response, 409, "duplicate-lot")
        assert problem["detail"].startswith("row 5: ")
        assert "nothing was imported" in problem["detail"]
        assert problem["message"]["vi"].startswith("dòng 5: ")
        assert problem["errors"] == [{"row": 5, "code": "duplicate-lot", "message": problem["errors"][0]["message"]}]

    def test_a_lot_registered_before_is_refused_on_its_row(self, api: Api, producer: str) -> None:
        api.created("/batches", {"gtin": GTIN, "lot": "OLD", "quantity": "1", "unit": "H87",
                                 "produced_on": produced_on(), "origin": COMMUNE}, as_=PRODUCER)
        with api.nothing_appended():
            response = post_csv(api, make_csv([make_row(lot="NEW"), make_row(lot="OLD")]))
        assert assert_problem(response, 409, "duplicate-lot")["errors"][0]["row"] == 3

    def test_missing_columns_are_named(self, api: Api, producer: str) -> None:
        columns = [c for c in COLUMNS if c not in ("unit", "origin_version")]
        with api.nothing_appended():
            response = post_csv(api, make_csv([make_row()], columns))
        problem = assert_problem(response, 422, "csv-columns")
        assert "lacks columns unit, origin_version" in problem["detail"]

    def test_a_file_without_data_rows_is_refused(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = post_csv(api, make_csv([]))
        assert_problem(response, 422, "csv-empty")

    def test_an_import_needs_a_token(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = post_csv(api, make_csv([make_row()]), as_=None)
        assert_problem(response, 401, "token-required")
