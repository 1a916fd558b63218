"""Batches from a spreadsheet in the portal (api/portal/imports.py): a preview shows every row and every error of
it, cell errors and the registry's rule errors, and records nothing; a file without errors is recorded, all rows at
once, with the person; the rows the commit form carries are sealed, so rows altered, or sealed for another session
or organisation, are refused and nothing is recorded."""

import base64
import json
import re
import zlib
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.importing.files import XLSX_TYPE
from api.portal.tables import PortalSubmission
from tests.api.conftest import GTIN, OTHER_GTIN, OTHER_PRODUCER, PRODUCER, Api, gtin, make_product
from tests.api.portal_client import ORIGIN, Browser, add_user, form_token
from tests.api.test_imports import batches, make_csv, make_row, make_xlsx

CLERK, VIEWER, OTHER_ADMIN = "clerk@coop-hoai-duc", "viewer@coop-hoai-duc", "admin@coop-dien"
OTHER_ORG_GTIN = gtin(5, "0893777")
_SEALED = re.compile(r'name="rows" value="([^"]+)"')


@pytest.fixture
def people(api: Api, producer: str) -> dict[str, str]:
    """A clerk and a viewer of PRODUCER, and an admin of OTHER_PRODUCER, which has a product of its own."""
    api.register_producer(OTHER_PRODUCER, "893777")
    api.created("/products", make_product(gtin=OTHER_ORG_GTIN, names={"vi": "Gạo tám", "en": "Tam rice"}),
                as_=OTHER_PRODUCER)
    made = [add_user(api.engine, PRODUCER, CLERK, "clerk"), add_user(api.engine, PRODUCER, VIEWER, "viewer"),
            add_user(api.engine, OTHER_PRODUCER, OTHER_ADMIN)]
    return {user.login: user.id for user in made}


def upload(browser: Browser, name: str, content: bytes, media_type: str, lang: str = "vi",
           **fields: str) -> httpx.Response:
    """The import form sent with the file `name`, as the browser sends it."""
    token = form_token(browser.get("/portal/import").text)
    response: httpx.Response = browser.client.post(
        "/portal/import", data={"csrf": token, **fields}, files={"file": (name, content, media_type)},
        headers={"Origin": ORIGIN, "Accept-Language": lang})
    return response


def commit(browser: Browser, sealed: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """The preview's commit form, with `sealed` as its rows."""
    token = form_token(browser.get("/portal/import").text)
    response: httpx.Response = browser.client.post(
        "/portal/import", data={"csrf": token, "rows": sealed}, files={"none": ("", b"", "text/plain")},
        headers={"Origin": ORIGIN, **(headers or {})})
    return response


def sealed_of(html: str) -> str:
    found = _SEALED.search(html)
    assert found is not None, "the preview has no commit form"
    return found.group(1)


def row_errors(html: str) -> dict[int, list[str]]:
    """The codes of the errors the preview lists under each row, by row number; every row is listed."""
    found: dict[int, list[str]] = {}
    for number, item in re.findall(r'<li class="(?:bad|good)" id="row-(\d+)">(.*?)\n  </li>', html, re.S):
        found[int(number)] = re.findall(r'data-code="([^"]+)"', item)
    return found


def submitted_by(api: Api) -> list[tuple[int, str]]:
    with api.engine.connect() as connection:
        table = PortalSubmission.__table__  # type: ignore[attr-defined]
        return [(int(e), str(u)) for e, u in connection.execute(
            select(table.c.entry, table.c.user_id).order_by(table.c.entry))]


def bad_rows() -> list[dict[str, str]]:
    """Rows 2 to 8 of a file: good, then a cell error, two cell errors, and rule errors (a product not
    registered, a lot given twice, another organisation's product), then good again."""
    return [make_row(lot="L1"), make_row(lot="L2", gtin="8934567890121"),
            make_row(lot="L3", produced_on="31/02/2026", unit="KG"), make_row(lot="L4", gtin=OTHER_GTIN),
            make_row(lot="L1"), make_row(lot="L6", gtin=OTHER_ORG_GTIN), make_row(lot="L7")]


EXPECTED = {2: [], 3: ["invalid-gtin"], 4: ["invalid-unit", "invalid-date"], 5: ["unknown-product"],
            6: ["duplicate-lot"], 7: ["not-your-product"], 8: []}


class TestPreview:
    """The preview lists every row with its values and every error at its row, and records nothing."""

    def test_a_csv_with_errors_lists_each_at_its_row_and_records_nothing(self, app: FastAPI, api: Api,
                                                                        people: dict[str, str]) -> None:
        clerk = Browser(app).signed_in(CLERK)
        with api.nothing_appended():
            preview = upload(clerk, "lo-hang.csv", make_csv(bad_rows(), separator=";"), "text/csv")
        assert preview.status_code == 422
        found = row_errors(preview.text)
        assert {n: sorted(c) for n, c in found.items()} == {n: sorted(c) for n, c in EXPECTED.items()}
        assert "Có 6 lỗi ở 5 trên 7 dòng. Không dòng nào được ghi." in preview.text
        assert "số kiểm tra đúng theo GS1 là 0" in preview.text, "the cell's reason, in Vietnamese"
        assert "name=\"rows\"" not in preview.text, "a file with errors cannot be recorded"
        assert "L7" in preview.text, "every row's values are shown"
        assert GTIN in preview.text
        assert submitted_by(api) == []

    def test_an_xlsx_with_errors_is_read_as_the_api_reads_it_in_english(self, app: FastAPI, api: Api,
                                                                       people: dict[str, str]) -> None:
        rows: list[list[object]] = [[r[k] for k in ("gtin", "lot", "quantity", "unit", "produced_on", "origin_code",
                                                    "origin_version", "claims", "inputs")] for r in bad_rows()]
        rows[0][4] = date.fromisoformat(str(rows[0][4]))  # a date Excel typed as one
        rows[1][1] = date(2026, 2, 1)  # Excel turned a lot "1-2" into a date
        clerk = Browser(app).signed_in(CLERK)
        with api.nothing_appended():
            preview = upload(clerk, "lo-hang.xlsx", make_xlsx(rows), XLSX_TYPE, lang="en")
        assert preview.status_code == 422
        found = row_errors(preview.text)
        expected = {**EXPECTED, 3: ["invalid-gtin", "invalid-value"]}
        assert {n: sorted(c) for n, c in found.items()} == {n: sorted(c) for n, c in expected.items()}
        assert "holds a date (01/02/2026); format the column as text" in preview.text
        assert "No row was recorded" in preview.text
        assert submitted_by(api) == []

    def test_a_file_the_import_cannot_read_is_refused_in_words_at_the_form(self, app: FastAPI, api: Api,
                                                                          people: dict[str, str]) -> None:
        clerk = Browser(app).signed_in(CLERK)
        with api.nothing_appended():
            missing = upload(clerk, "lo.csv", b"gtin;lot\n" + GTIN.encode() + b";L1\n", "text/csv")
            old_excel = upload(clerk, "lo.xls", b"\xd0\xcf\x11\xe0 not a workbook", "application/vnd.ms-excel")
            unreadable = upload(clerk, "lo.xlsx", b"PK\x03\x04 broken", "application/octet-stream")
        assert missing.status_code == 422
        assert "tệp thiếu cột Số lượng, Đơn vị" in missing.text
        assert old_excel.status_code == 415
        assert "tệp nhập phải là CSV" in old_excel.text
        assert unreadable.status_code == 422
        assert "tệp không phải bảng tính Excel (.xlsx) đọc được" in unreadable.text

    def test_the_form_links_the_templates_and_needs_a_file(self, app: FastAPI, api: Api,
                                                          people: dict[str, str]) -> None:
        clerk = Browser(app).signed_in(CLERK)
        form = clerk.get("/portal/import").text
        assert 'href="/api/v1/imports/template.xlsx"' in form
        assert 'href="/api/v1/imports/template.csv"' in form
        assert api.client.get("/api/v1/imports/template.xlsx").status_code == 200
        token = form_token(form)
        empty = clerk.client.post("/portal/import", data={"csrf": token}, files={"file": ("", b"", "text/csv")},
                                  headers={"Origin": ORIGIN})
        assert empty.status_code == 400
        assert "Hãy chọn một tệp CSV hoặc Excel." in empty.text
        english = clerk.get("/portal/import?lang=en").text
        assert "Import batches from a spreadsheet" in english
        assert "Nhập lô hàng từ bảng tính" not in english


class TestCommit:
    """A file without errors is recorded, all rows in one submission, with the person who recorded it."""

    def test_the_fixed_file_records_every_row_with_the_person(self, app: FastAPI, api: Api,
                                                             people: dict[str, str]) -> None:
        clerk = Browser(app).signed_in(CLERK)
        fixed = [make_row(lot=f"L{n}", quantity=str(n * 10)) for n in range(1, 8)]
        with api.nothing_appended():
            preview = upload(clerk, "lo-hang.csv", make_csv(fixed), "text/csv")
        assert preview.status_code == 200, preview.text
        assert "Cả 7 dòng đều hợp lệ" in preview.text
        assert row_errors(preview.text) == {n: [] for n in range(2, 9)}
        size = api.size()
        done = commit(clerk, sealed_of(preview.text))
        assert done.status_code == 201, done.text
        assert "Đã ghi 7 lô hàng vào sổ" in done.text
        assert api.size() == size + 7
        assert sorted(batches(api)) == [f"L{n}" for n in range(1, 8)]
        assert submitted_by(api) == [(size + n, people[CLERK]) for n in range(7)]
        assert f"/portal/labels?batch={GTIN}/L1&amp;batch={GTIN}/L2" in done.text

    def test_an_xlsx_without_errors_is_recorded(self, app: FastAPI, api: Api, people: dict[str, str]) -> None:
        clerk = Browser(app).signed_in(CLERK)
        rows: list[list[object]] = [[GTIN, f"X{n}", n, "H87", date.today(), "09877", "2025-07-01", "", ""]
                                    for n in range(1, 4)]
        preview = upload(clerk, "lo-hang.xlsx", make_xlsx(rows), XLSX_TYPE)
        assert preview.status_code == 200, preview.text
        assert commit(clerk, sealed_of(preview.text)).status_code == 201
        assert sorted(batches(api)) == ["X1", "X2", "X3"]

    def test_rows_the_registry_refuses_at_commit_are_listed_and_none_is_recorded(
            self, app: FastAPI, api: Api, people: dict[str, str]) -> None:
        clerk = Browser(app).signed_in(CLERK)
        preview = upload(clerk, "lo-hang.csv", make_csv([make_row(lot="L1"), make_row(lot="L2")]), "text/csv")
        sealed = sealed_of(preview.text)
        first = commit(clerk, sealed)
        assert first.status_code == 201
        with api.nothing_appended():
            again = commit(clerk, sealed)
        assert again.status_code == 422
        assert row_errors(again.text) == {2: ["duplicate-lot"], 3: ["duplicate-lot"]}
        assert "Sổ đăng ký đã từ chối tệp này khi ghi" in again.text


def _altered(sealed: str, change: Any) -> str:
    """`sealed` with its rows changed by `change`, keeping its seal."""
    payload, _, mac = sealed.rpartition(".")
    document = json.loads(zlib.decompress(base64.urlsafe_b64decode(payload)))
    change(document)
    text = json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return base64.urlsafe_b64encode(zlib.compress(text.encode())).decode() + "." + mac


class TestRefusals:
    """Whoever bends the commit form is refused and nothing is recorded."""

    @pytest.fixture
    def sealed(self, app: FastAPI, api: Api, people: dict[str, str]) -> tuple[Browser, str]:
        clerk = Browser(app).signed_in(CLERK)
        preview = upload(clerk, "lo-hang.csv", make_csv([make_row(lot="L1", quantity="5")]), "text/csv")
        return clerk, sealed_of(preview.text)

    def test_altered_rows_are_refused(self, api: Api, sealed: tuple[Browser, str]) -> None:
        clerk, rows = sealed

        def more(document: dict[str, Any]) -> None:
            document["rows"][0][1]["quantity"] = "5000"

        def another_lot(document: dict[str, Any]) -> None:
            document["rows"].append([3, {**document["rows"][0][1], "lot": "EXTRA"}])

        other_mac = rows[:-1] + ("1" if rows.endswith("0") else "0")
        with api.nothing_appended():
            for forged in (_altered(rows, more), _altered(rows, another_lot), other_mac, rows.split(".")[0], "",
                           "." + rows.split(".")[1]):
                refused = commit(clerk, forged)
                assert refused.status_code == 403, forged[:40]
                assert "Dữ liệu xem trước đã bị thay đổi" in refused.text
        assert submitted_by(api) == []

    def test_rows_sealed_for_another_session_or_organisation_are_refused(
            self, app: FastAPI, api: Api, sealed: tuple[Browser, str]) -> None:
        _, rows = sealed
        with api.nothing_appended():
            same_person_elsewhere = commit(Browser(app).signed_in(CLERK), rows)
            other_organisation = commit(Browser(app).signed_in(OTHER_ADMIN), rows)
        assert same_person_elsewhere.status_code == 403
        assert other_organisation.status_code == 403
        assert "Dữ liệu xem trước đã bị thay đổi" in other_organisation.text
        assert batches(api) == {}

    def test_a_viewer_neither_previews_nor_records(self, app: FastAPI, api: Api,
                                                   sealed: tuple[Browser, str]) -> None:
        """A preview takes the registry's writer turn for its dry run: it is for those who may record the file."""
        _, rows = sealed
        viewer = Browser(app).signed_in(VIEWER)
        with api.nothing_appended():
            preview = upload(viewer, "lo-hang.csv", make_csv([make_row(lot="L1")]), "text/csv")
            refused = commit(viewer, rows)
        assert (preview.status_code, refused.status_code) == (403, 403)
        assert "Người xem không được ghi vào sổ" in preview.text
        assert "Người xem không được ghi vào sổ" in refused.text

    def test_a_forged_form_is_refused(self, app: FastAPI, api: Api, sealed: tuple[Browser, str]) -> None:
        clerk, rows = sealed
        with api.nothing_appended():
            foreign = commit(clerk, rows, headers={"Origin": "https://evil.example"})
            no_token = clerk.client.post("/portal/import", data={"rows": rows}, files={"none": ("", b"", "text/plain")},
                                         headers={"Origin": ORIGIN})
            signed_out = Browser(app).client.post("/portal/import", data={"rows": rows},
                                                  files={"none": ("", b"", "text/plain")}, headers={"Origin": ORIGIN})
        assert (foreign.status_code, no_token.status_code, signed_out.status_code) == (403, 403, 403)

    def test_another_organisation_imports_under_its_own_name_only(self, app: FastAPI, api: Api,
                                                                  people: dict[str, str]) -> None:
        other = Browser(app).signed_in(OTHER_ADMIN)
        preview = upload(other, "lo.csv", make_csv([make_row(lot="O1", gtin=OTHER_ORG_GTIN),
                                                     make_row(lot="O2")]), "text/csv")
        assert row_errors(preview.text) == {2: [], 3: ["not-your-product"]}
        fixed = upload(other, "lo.csv", make_csv([make_row(lot="O1", gtin=OTHER_ORG_GTIN)]), "text/csv")
        assert commit(other, sealed_of(fixed.text)).status_code == 201
        mine = api.get("/batches", producer=OTHER_PRODUCER)["items"]
        assert [(b["gtin"], b["lot"]) for b in mine] == [(OTHER_ORG_GTIN, "O1")]
        assert batches(api) == {}
