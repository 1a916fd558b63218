"""QR labels of the organisation's batches as a PDF (api/portal/labels.py, api/label_pdf.py): rendered at 300 dpi,
every QR code on every page decodes to the batch's (or item's) Digital Link URI, for each layout and size; the
words are Vietnamese with their diacritics; only the organisation's own batches print, and printing records
nothing."""

from datetime import date
from typing import Any

import httpx
import pypdfium2 as pdfium
import pytest
import zxingcpp
from fastapi import FastAPI
from sqlalchemy import select

from api.label_pdf import PdfLayout
from registry.tables import RegSerial
from tests.api.conftest import (
    GTIN,
    OTHER_PRODUCER,
    PRODUCER,
    PUBLIC_URL,
    Api,
    gtin,
    make_batch,
    make_product,
    make_serials,
    produced_on,
)
from tests.api.portal_client import Browser, add_user

CLERK, VIEWER, OTHER_ADMIN = "clerk@coop-hoai-duc", "viewer@coop-hoai-duc", "admin@coop-dien"
OTHER_ORG_GTIN = gtin(5, "0893777")
SLASHED = "2026/08-B"
"""A lot with a slash, which a Digital Link percent-encodes."""


@pytest.fixture
def people(api: Api, producer: str) -> dict[str, str]:
    """PRODUCER's batches L1 (with 3 serials) and SLASHED, OTHER_PRODUCER's batch O1; a clerk and a viewer of
    PRODUCER and an admin of OTHER_PRODUCER."""
    api.created("/batches", make_batch(lot="L1"), as_=PRODUCER)
    api.created("/batches", make_batch(lot=SLASHED), as_=PRODUCER)
    api.created("/serials", make_serials(lot="L1", count=3, prefix="HD"), as_=PRODUCER)
    api.register_producer(OTHER_PRODUCER, "893777")
    api.created("/products", make_product(gtin=OTHER_ORG_GTIN, names={"vi": "Gạo tám", "en": "Tam rice"}),
                as_=OTHER_PRODUCER)
    api.created("/batches", make_batch(gtin=OTHER_ORG_GTIN, lot="O1"), as_=OTHER_PRODUCER)
    made = [add_user(api.engine, PRODUCER, CLERK, "clerk"), add_user(api.engine, PRODUCER, VIEWER, "viewer"),
            add_user(api.engine, OTHER_PRODUCER, OTHER_ADMIN)]
    return {user.login: user.id for user in made}


def uri(lot: str, serial: str | None = None) -> str:
    path = f"{PUBLIC_URL}/01/{GTIN}/10/{lot.replace('/', '%2F')}"
    return path if serial is None else f"{path}/21/{serial}"


def pdf(browser: Browser, **params: Any) -> httpx.Response:
    response = browser.get("/portal/labels.pdf", params=params)
    return response


def decoded(content: bytes) -> list[list[str]]:
    """The text of every QR code on each page of the PDF, rendered at 300 dpi."""
    document = pdfium.PdfDocument(content)
    try:
        pages = []
        for page in document:
            image = page.render(scale=300 / 72).to_pil()
            codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            pages.append(sorted(code.text for code in codes))
        return pages
    finally:
        document.close()


def page_texts(content: bytes) -> list[str]:
    document = pdfium.PdfDocument(content)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def page_sizes_mm(content: bytes) -> list[tuple[int, int]]:
    document = pdfium.PdfDocument(content)
    try:
        return [(round(page.get_width() / 72 * 25.4), round(page.get_height() / 72 * 25.4)) for page in document]
    finally:
        document.close()


class TestPdf:
    """Every label's code decodes to its Digital Link URI, on A4 sheets and single labels of every size."""

    @pytest.mark.parametrize("size", [30, 40, 50])
    def test_an_a4_sheet_of_two_batches_decodes_label_by_label(self, app: FastAPI, api: Api,
                                                               people: dict[str, str], size: int) -> None:
        clerk = Browser(app).signed_in(CLERK)
        per_page = PdfLayout("a4", size).per_page
        copies = per_page // 2 + 1  # two batches fill one page and spill onto a second
        made = pdf(clerk, batch=[f"{GTIN}/L1", f"{GTIN}/{SLASHED}"], layout="a4", size=str(size), copies=str(copies))
        assert made.status_code == 200, made.text
        assert made.headers["content-type"] == "application/pdf"
        assert made.headers["content-disposition"].startswith("attachment;")
        pages = decoded(made.content)
        assert page_sizes_mm(made.content) == [(210, 297)] * 2
        assert len(pages[0]) == per_page
        assert sorted(pages[0] + pages[1]) == sorted([uri("L1")] * copies + [uri(SLASHED)] * copies)

    @pytest.mark.parametrize("size", [30, 40, 50])
    def test_single_labels_are_one_per_page_of_the_label_size(self, app: FastAPI, api: Api,
                                                              people: dict[str, str], size: int) -> None:
        clerk = Browser(app).signed_in(CLERK)
        made = pdf(clerk, gtin=GTIN[1:], lot=SLASHED, layout="single", size=str(size), copies="2")
        assert made.status_code == 200, made.text
        assert decoded(made.content) == [[uri(SLASHED)], [uri(SLASHED)]]
        assert page_sizes_mm(made.content) == [(2 * size, size)] * 2

    def test_serial_labels_carry_each_issued_serial(self, app: FastAPI, api: Api, people: dict[str, str]) -> None:
        with api.engine.connect() as connection:
            serials = sorted(connection.execute(select(RegSerial.serial).where(RegSerial.lot == "L1")).scalars())
        assert len(serials) == 3
        made = pdf(Browser(app).signed_in(CLERK), batch=f"{GTIN}/L1", layout="a4", size="30", serials="on")
        assert decoded(made.content) == [sorted(uri("L1", s) for s in serials)]
        assert f"Số sê-ri: {serials[0]}" in page_texts(made.content)[0]

    def test_the_words_are_vietnamese_with_their_diacritics(self, app: FastAPI, api: Api,
                                                            people: dict[str, str]) -> None:
        made = pdf(Browser(app).signed_in(CLERK), batch=f"{GTIN}/L1", layout="single", size="40", copies="1")
        [text] = page_texts(made.content)
        made_on = f"Ngày sản xuất: {date.fromisoformat(produced_on()):%d/%m/%Y}"
        for words in ("Bưởi Hoài Đức", "Số lô: L1", made_on, "Quét mã để xem nguồn gốc"):
            assert words in text.replace("\r\n", " ").replace("\n", " "), (words, text)

    def test_a_viewer_prints_and_nothing_is_recorded(self, app: FastAPI, api: Api, people: dict[str, str]) -> None:
        viewer = Browser(app).signed_in(VIEWER)
        with api.nothing_appended():
            made = pdf(viewer, batch=f"{GTIN}/L1", layout="a4", size="40", copies="3")
        assert made.status_code == 200
        assert decoded(made.content) == [[uri("L1")] * 3]


class TestRefusals:
    """Another organisation's batch is not found; a choice that cannot print says why at the form."""

    def test_another_organisations_batch_is_not_found(self, app: FastAPI, api: Api,
                                                      people: dict[str, str]) -> None:
        clerk = Browser(app).signed_in(CLERK)
        for batch in (f"{OTHER_ORG_GTIN}/O1", f"{GTIN}/NOPE", "garbage"):
            refused = pdf(clerk, batch=[f"{GTIN}/L1", batch], layout="a4", size="40", copies="1")
            assert refused.status_code == 404, batch
            assert "Tổ chức của bạn không có mục này" in refused.text
        other = Browser(app).signed_in(OTHER_ADMIN)
        assert pdf(other, gtin=GTIN, lot="L1", layout="a4", size="40").status_code == 404
        assert pdf(other, gtin=OTHER_ORG_GTIN, lot="O1", layout="a4", size="40").status_code == 200

    def test_the_form_lists_only_the_organisations_batches(self, app: FastAPI, api: Api,
                                                           people: dict[str, str]) -> None:
        form = Browser(app).signed_in(CLERK).get("/portal/labels", params={"gtin": GTIN, "lot": SLASHED})
        assert form.status_code == 200
        assert f'value="{GTIN}/{SLASHED}" checked' in form.text
        assert f'value="{GTIN}/L1">' in form.text
        assert "O1" not in form.text
        assert "Gạo tám" not in form.text
        assert f'href="/api/v1/batches/{GTIN}/2026/08-B/labels.html"' in form.text
        assert api.client.get(f"/api/v1/batches/{GTIN}/2026/08-B/labels.html").status_code == 200

    def test_a_choice_that_cannot_print_is_refused_in_words(self, app: FastAPI, api: Api,
                                                           people: dict[str, str]) -> None:
        clerk = Browser(app).signed_in(CLERK)
        cases = {"Hãy chọn ít nhất một lô hàng.": {"layout": "a4", "size": "40"},
                 "Số nhãn cho mỗi lô phải là số nguyên từ 1 đến 240.": {"batch": f"{GTIN}/L1", "copies": "0"},
                 "Mỗi tệp PDF có tối đa 240 nhãn; bạn đã chọn 300 nhãn.": {
                     "batch": [f"{GTIN}/L1", f"{GTIN}/{SLASHED}"], "copies": "150"},
                 "Các lô đã chọn chưa được cấp số sê-ri nào.": {"batch": f"{GTIN}/{SLASHED}", "serials": "on"}}
        for message, params in cases.items():
            refused = pdf(clerk, **params)
            assert refused.status_code == 400, message
            assert message in refused.text
        assert pdf(clerk, batch=f"{GTIN}/L1", size="35").status_code == 400
        assert pdf(clerk, batch=f"{GTIN}/L1", layout="roll").status_code == 400

    def test_signed_out_asks_to_sign_in(self, app: FastAPI, api: Api, people: dict[str, str]) -> None:
        asked = pdf(Browser(app), batch=f"{GTIN}/L1")
        assert asked.status_code == 303
        assert asked.headers["location"].startswith("/portal/login")
