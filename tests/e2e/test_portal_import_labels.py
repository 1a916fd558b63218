"""The portal's spreadsheet import and label printing in a real browser: Debian's headless Chromium signs in as a
demo producer's admin, uploads a CSV with errors and sees each at its row, opens the label form of a batch and
downloads its PDF, whose codes decode. Each page is shot at a phone's and a laptop's size, in Vietnamese and
English (test-artifacts/screenshots/portal-import-*.png, portal-labels-*.png, and the PDF's first page as
portal-labels-pdf.png), and axe-core finds no serious or critical violation on any of them."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.e2e.browser import ARTIFACTS, SIZES, printed_codes, resize, serious_violations, shoot, submit, visible_text
from tests.e2e.conftest import Server, demo_server, demo_sign_in

ORGANISATION = "gom-hong-phuc"
"""A demo producer: Xưởng gốm Hồng Phúc Bát Tràng, with the vase batch BT-2608-01 and its serials."""
LOT = "BT-2608-01"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with demo_server(tmp_path_factory.mktemp("import-labels")) as running:
        yield running


@pytest.fixture(scope="module")
def signed_in(server: Server, browser: webdriver.Chrome) -> webdriver.Chrome:
    """The browser signed in as the demo producer's admin."""
    demo_sign_in(browser, server, ORGANISATION)
    return browser


@pytest.fixture(scope="module")
def vase(server: Server) -> str:
    """The GTIN of the demo's vase."""
    items = httpx.get(f"{server.base_url}/api/v1/batches", params={"producer": ORGANISATION}).json()["items"]
    [found] = [b["gtin"] for b in items if b["lot"] == LOT]
    return str(found)


def _tree(server: Server) -> list[str]:
    """The log's origin, size and root hash, from its checkpoint (whose signatures may be renewed meanwhile)."""
    return httpx.get(f"{server.base_url}/api/v1/log/checkpoint").text.splitlines()[:3]






def _shot_and_checked(browser: webdriver.Chrome, stem: str) -> list[tuple[str, str]]:
    """The open page shot at both sizes; axe-core's serious findings, as (page, rule)."""
    for size in SIZES:
        resize(browser, size)
        shoot(browser, stem, size)
    resize(browser, "phone")
    return [(stem, v["id"]) for v in serious_violations(browser)]


def _bad_csv(directory: Path, gtin: str) -> Path:
    """A CSV whose row 2 is good, row 3 repeats the demo's lot, row 4 has a wrong check digit and a date that
    does not exist."""
    path = directory / "lo-hang.csv"
    wrong = gtin[1:-1] + str((int(gtin[-1]) + 1) % 10)
    path.write_text("Mã GTIN;Số lô;Số lượng;Đơn vị;Ngày sản xuất;Mã xã xuất xứ;Phiên bản danh mục xã\n"
                    f"{gtin};BT-E2E-01;20;H87;01/09/2026;09877;2025-07-01\n"
                    f"{gtin};{LOT};20;H87;01/09/2026;09877;2025-07-01\n"
                    f"{wrong};BT-E2E-03;20;H87;31/02/2026;09877;2025-07-01\n", encoding="utf-8")
    return path


class TestImportAndLabels:
    """A producer previews a file with errors and prints labels; every page reads well and is accessible."""

    def test_the_import_form_and_a_preview_with_errors(self, server: Server, signed_in: webdriver.Chrome,
                                                      vase: str, tmp_path: Path) -> None:
        browser, found = signed_in, []
        before = _tree(server)
        for lang in ("vi", "en"):
            resize(browser, "phone")
            browser.get(f"{server.base_url}/portal/import?lang={lang}")
            assert browser.execute_script("return document.documentElement.lang") == lang
            found += _shot_and_checked(browser, f"portal-import-{lang}")
            browser.find_element(By.ID, "file").send_keys(str(_bad_csv(tmp_path, vase)))
            submit(browser, "main form button[type=submit]")
            text = visible_text(browser)
            assert ("Có 3 lỗi ở 2 trên 3 dòng" if lang == "vi" else "3 errors in 2 of 3 rows") in text
            assert browser.find_elements(By.CSS_SELECTOR, "#row-3 [data-code=duplicate-lot]")
            assert browser.find_elements(By.CSS_SELECTOR, "#row-4 [data-code=invalid-gtin]")
            assert browser.find_elements(By.CSS_SELECTOR, "#row-4 [data-code=invalid-date]")
            assert not browser.find_elements(By.CSS_SELECTOR, "#row-2 [data-code]")
            assert not browser.find_elements(By.NAME, "rows"), "a file with errors cannot be recorded"
            found += _shot_and_checked(browser, f"portal-import-preview-{lang}")
        assert _tree(server) == before, "a preview records nothing"
        assert found == []

    def test_the_labels_form_and_its_pdf(self, server: Server, signed_in: webdriver.Chrome, vase: str) -> None:
        browser, found = signed_in, []
        for lang in ("vi", "en"):
            resize(browser, "phone")
            browser.get(f"{server.base_url}/portal/labels?gtin={vase}&lot={LOT}&lang={lang}")
            assert browser.find_element(By.CSS_SELECTOR, f'input[value="{vase}/{LOT}"]').is_selected()
            found += _shot_and_checked(browser, f"portal-labels-{lang}")
        assert found == []
        cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
        made = httpx.get(f"{server.base_url}/portal/labels.pdf", cookies=cookies, params={
            "batch": f"{vase}/{LOT}", "layout": "a4", "size": "30", "serials": "on"})
        assert made.status_code == 200
        codes = printed_codes(made.content, ARTIFACTS / "portal-labels-pdf.png")
        assert len(codes) == 27  # an A4 page of 30 mm labels, each with its own serial
        assert all(code.startswith(f"{server.base_url}/01/{vase}/10/{LOT}/21/BT26") for code in codes)
