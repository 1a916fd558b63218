"""The portal's three flows end to end, each in Debian's headless Chromium against a real uvicorn server holding
the demo, on SQLite or PostgreSQL (the test database):

1. an authority registers a producer, the numbering agency licenses it a GS1 company prefix, the authority grants
   it a right to use a GI; the producer's admin registers a product with an image, logs a batch claiming the GI
   and prints a label sheet, whose QR code (the PDF rendered to an image) decodes to a URL whose page says
   "authentic" with the product's image;
2. the authority suspends the right; the batch's page says so; an inspector finds both entries in the log
   explorer and downloads the batch's bundle, which `nguon verify-bundle` accepts;
3. a producer uploads a spreadsheet with errors, sees every error in the preview, fixes the file and records it.

Every page on the way is shot at a phone's and a laptop's size (test-artifacts/screenshots/flow-*.png) and
axe-core finds no serious or critical violation on it."""

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By

from api.pages.log_words import KIND_WORDS
from registry.values import gtin_check_digit
from tests.e2e.browser import ARTIFACTS, printed_codes, resize, serious_violations, shoot, sign_in, submit, visible_text
from tests.e2e.conftest import Server, demo_server, demo_sign_in

POTTERY = "gom-hong-phuc"
"""A demo producer: Xưởng gốm Hồng Phúc Bát Tràng."""
HANOI = "sokhcn-ha-noi"
"""The demo's Hà Nội Department of Science and Technology: it manages the GI "Bưởi La Tinh Hoài Đức"."""
NUMBERING = "gs1-vietnam"
NEWCOMER = "hoai-duc-green-pomelo-cooperative"
"""The producer flow 1 registers (its id is made from its English name)."""
HOAI_DUC = "09832"
"""Xã Hoài Đức, Hà Nội (list of 1 July 2025): inside the GI's area."""
PREFIX = "8938765"
GTIN = f"0{PREFIX}00001" + str(gtin_check_digit(f"0{PREFIX}00001"))
LOT = "BX-2612-01"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with demo_server(tmp_path_factory.mktemp("flows")) as running:
        yield running








def as_demo(browser: webdriver.Chrome, server: Server, organisation: str) -> None:
    demo_sign_in(browser, server, organisation)


def fill(browser: webdriver.Chrome, **fields: str) -> None:
    """Type into the inputs, choose in the selects or set the dates (yyyy-mm-dd) named by `fields`."""
    for name, value in fields.items():
        element = browser.find_element(By.NAME, name)
        if element.tag_name == "select" or element.get_attribute("type") == "date":
            browser.execute_script(
                "const s = arguments[0]; s.value = arguments[1];"
                "if (s.value !== arguments[1]) throw new Error('no option ' + arguments[1] + ' in ' + s.name);",
                element, value)
        else:
            element.clear()
            element.send_keys(value)


def looked_at(browser: webdriver.Chrome, stem: str) -> list[tuple[str, str]]:
    """The open page shot at both sizes (phone last, so the flow goes on at a phone's size); axe-core's serious or
    critical findings as (page, rule)."""
    for size in ("laptop", "phone"):
        resize(browser, size)
        shoot(browser, f"flow-{stem}", size)
    return [(stem, v["id"]) for v in serious_violations(browser)]


def log_size(server: Server) -> int:
    return int(httpx.get(f"{server.base_url}/api/v1/log/checkpoint").text.splitlines()[1])


def workbook(server: Server, rows: list[list[object]], path: Path) -> Path:
    """The server's own xlsx template with `rows` in place of its example row."""
    template = httpx.get(f"{server.base_url}/api/v1/imports/template.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.content))
    sheet = book.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


class TestSpreadsheetFlow:
    """Flow 3: a producer's spreadsheet with errors, previewed, fixed and recorded."""

    def test_every_error_is_shown_then_the_fixed_file_is_recorded(self, server: Server, browser: webdriver.Chrome,
                                                                 tmp_path: Path) -> None:
        found: list[tuple[str, str]] = []
        vase = next(b["gtin"] for b in httpx.get(f"{server.base_url}/api/v1/batches",
                                                 params={"producer": POTTERY}).json()["items"])
        wrong = vase[:-1] + str((int(vase[-1]) + 1) % 10)
        made = date.today() - timedelta(days=2)
        good = [vase, "XLSX-01", 30, "H87", made, "09877", "2025-07-01", "", ""]
        as_demo(browser, server, POTTERY)
        before = log_size(server)

        browser.get(f"{server.base_url}/portal/import")
        found += looked_at(browser, "import")
        bad = workbook(server, [good, [wrong, "XLSX-02", 30, "H87", made, "09877", "2025-07-01", "", ""],
                                [vase, "XLSX-03", -4, "H87", "31/02/2026", "09877", "2025-07-01", "", ""],
                                [vase, "XLSX-04", 5, "H87", made, "99999", "2025-07-01", "", ""]],
                       tmp_path / "lo-hang-loi.xlsx")
        browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(bad))
        submit(browser, "main form button[type=submit]")
        found += looked_at(browser, "import-errors")
        assert not browser.find_elements(By.CSS_SELECTOR, "#row-2 [data-code]"), "row 2 is good"
        assert browser.find_elements(By.CSS_SELECTOR, "#row-3 [data-code=invalid-gtin]")
        row_4 = {e.get_attribute("data-code") for e in browser.find_elements(By.CSS_SELECTOR, "#row-4 [data-code]")}
        assert row_4 == {"invalid-quantity", "invalid-date"}, f"both mistakes of row 4 are shown: {row_4}"
        assert browser.find_elements(By.CSS_SELECTOR, "#row-5 [data-code]"), "an unknown commune, found by the rules"
        assert not browser.find_elements(By.ID, "commit"), "a file with errors cannot be recorded"
        assert log_size(server) == before, "a preview records nothing"

        fixed = workbook(server, [good, [vase, "XLSX-02", 30, "H87", made, "09877", "2025-07-01", "", ""],
                                  [vase, "XLSX-03", 4, "H87", made, "09877", "2025-07-01", "", ""],
                                  [vase, "XLSX-04", 5, "H87", made, "09877", "2025-07-01", "", ""]],
                         tmp_path / "lo-hang.xlsx")
        browser.get(f"{server.base_url}/portal/import")
        browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(fixed))
        submit(browser, "main form button[type=submit]")
        assert not browser.find_elements(By.CSS_SELECTOR, "[data-code]"), visible_text(browser)
        found += looked_at(browser, "import-ready")
        submit(browser, "#commit")
        found += looked_at(browser, "import-done")
        assert "4" in browser.find_element(By.ID, "import-done").text
        assert log_size(server) == before + 4
        lots = {b["lot"] for b in httpx.get(f"{server.base_url}/api/v1/batches",
                                            params={"producer": POTTERY, "gtin": vase}).json()["items"]}
        assert {"XLSX-01", "XLSX-02", "XLSX-03", "XLSX-04"} <= lots
        assert found == []


def days_ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def send(browser: webdriver.Chrome, stem: str | None = None) -> list[tuple[str, str]]:
    """Send the main form of the page (not its "show the communes" button); the page it leads to, looked at."""
    submit(browser, "main form button[type=submit]:not([name='_show'])")
    return [] if stem is None else looked_at(browser, stem)


def pomelo_picture(path: Path) -> Path:
    picture = Image.new("RGB", (240, 240), "#f4f1e6")
    for x in range(40, 200):
        for y in range(40, 200):
            if (x - 120) ** 2 + (y - 120) ** 2 < 80 ** 2:
                picture.putpixel((x, y), (155, 191, 60))
    picture.save(path)
    return path


def label_codes(server: Server, browser: webdriver.Chrome) -> set[str]:
    """The PDF the label form makes for the batch (an A4 sheet of 40 mm labels), rendered at 300 dpi; every QR code
    on it, decoded."""
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    made = httpx.get(f"{server.base_url}/portal/labels.pdf", cookies=cookies,
                     params={"batch": f"{GTIN}/{LOT}", "layout": "a4", "size": "40", "count": "4"})
    assert made.status_code == 200, made.text
    assert made.headers["content-type"] == "application/pdf"
    return printed_codes(made.content, ARTIFACTS / "flow-label-sheet.png")


class TestAuthorityProducerLabelFlow:
    """Flows 1 and 2, one after the other on the same registry: what the first makes, the second suspends."""

    def test_1_an_authority_registers_a_producer_who_logs_a_batch_and_prints_its_label(
            self, server: Server, browser: webdriver.Chrome, tmp_path: Path) -> None:
        found: list[tuple[str, str]] = []
        base = server.base_url
        # The Hà Nội department registers a cooperative of Hoài Đức and invites its first administrator.
        as_demo(browser, server, HANOI)
        browser.get(f"{base}/portal/manage/organisations/new")
        found += looked_at(browser, "authority-organisation")
        fill(browser, name_vi="Hợp tác xã Bưởi xanh Hoài Đức", name_en="Hoai Duc Green Pomelo Cooperative",
             province="01")
        browser.execute_script("arguments[0].click();",
                               browser.find_element(By.CSS_SELECTOR, "input[name=roles][value=producer]"))
        submit(browser, "button[name='_show']")
        fill(browser, commune=f"{HOAI_DUC}@2025-07-01")
        found += send(browser, "authority-organisation-made")
        assert browser.current_url.startswith(f"{base}/portal/manage/organisations/{NEWCOMER}")
        fill(browser, login="an@buoixanh.vn")
        submit(browser, "#first-admin-invite")
        found += looked_at(browser, "authority-first-admin")
        invitation = browser.find_element(By.ID, "first-admin-link").text
        # GS1 Viet Nam licenses it a company prefix.
        as_demo(browser, server, NUMBERING)
        browser.get(f"{base}/portal/manage/prefixes/new")
        fill(browser, licensee=NEWCOMER, prefix=PREFIX, valid_from=days_ago(30))
        found += send(browser, "numbering-licence")
        assert "Không ghi được" not in visible_text(browser)
        # The department grants it the right to use the GI "Bưởi La Tinh Hoài Đức".
        as_demo(browser, server, HANOI)
        browser.get(f"{base}/portal/manage/rights/new")
        fill(browser, subject="gi:la-tinh", holder=NEWCOMER, valid_from=days_ago(30))
        found += looked_at(browser, "authority-right")
        send(browser)
        assert "?done=" in browser.current_url, visible_text(browser)

        # The cooperative's administrator sets a password from the link and signs in.
        browser.delete_all_cookies()
        browser.get(invitation)
        fill(browser, new="bưởi xanh Hoài Đức 2026", repeat="bưởi xanh Hoài Đức 2026")
        send(browser)
        sign_in(browser, server.base_url, "an@buoixanh.vn", "bưởi xanh Hoài Đức 2026")
        found += looked_at(browser, "producer-home")
        browser.get(f"{base}/portal/products/new")
        fill(browser, gtin=GTIN, **{"names.vi": "Bưởi La Tinh loại một", "names.en": "La Tinh pomelo, first grade"},
             unit="H87")
        browser.find_element(By.NAME, "image").send_keys(str(pomelo_picture(tmp_path / "buoi.png")))
        found += send(browser, "producer-product")
        assert "?done=" in browser.current_url, visible_text(browser)
        browser.get(f"{base}/portal/batches/new?province=01")
        fill(browser, gtin=GTIN, lot=LOT, quantity="300", produced_on=days_ago(1), commune=HOAI_DUC)
        browser.execute_script("arguments[0].click();", browser.find_element(By.CSS_SELECTOR, "input[name=claims]"))
        found += looked_at(browser, "producer-batch-form")
        found += send(browser, "producer-batch")
        assert "?done=" in browser.current_url, visible_text(browser)
        browser.get(f"{base}/portal/labels?gtin={GTIN}&lot={LOT}")
        found += looked_at(browser, "producer-labels")

        codes = label_codes(server, browser)
        assert codes == {f"{base}/01/{GTIN}/10/{LOT}"}, codes
        browser.delete_all_cookies()
        browser.get(codes.pop() + "?lang=vi")
        found += looked_at(browser, "scan-authentic")
        assert "Chính hãng" in visible_text(browser)
        picture = browser.find_element(By.CSS_SELECTOR, "img.product-image")
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", picture) == 240
        assert found == []

    def test_2_the_right_suspended_shows_on_the_page_in_the_explorer_and_in_a_bundle_that_verifies(
            self, server: Server, browser: webdriver.Chrome, tmp_path: Path) -> None:
        found: list[tuple[str, str]] = []
        base = server.base_url
        as_demo(browser, server, HANOI)
        browser.get(f"{base}/portal/manage")
        changes = [link.get_attribute("href") for link in browser.find_elements(
            By.CSS_SELECTOR, "#rights a[href$='/change']") if NEWCOMER in (link.get_attribute("href") or "")
            or "Bưởi xanh Hoài Đức" in link.find_element(By.XPATH, "./ancestor::li").text]
        assert len(changes) == 1, changes
        browser.get(str(changes[0]))
        fill(browser, action="suspended", effective_on=days_ago(1),
             reason="Đoàn kiểm tra ngày hôm qua phát hiện bưởi không trồng trong vùng chỉ dẫn địa lý.")
        found += looked_at(browser, "authority-suspend")
        send(browser)
        assert "?done=" in browser.current_url, visible_text(browser)

        browser.delete_all_cookies()
        # Another phone: this browser keeps the page it was shown in flow 1 for the minute its answer allows.
        browser.execute_cdp_cmd("Network.clearBrowserCache", {})
        browser.get(f"{base}/01/{GTIN}/10/{LOT}?lang=vi")
        found += looked_at(browser, "scan-suspended")
        shown = visible_text(browser)
        assert "bị đình chỉ" in shown
        assert not browser.find_elements(By.CSS_SELECTOR, ".verdict-authentic"), "no longer authentic"

        # An inspector, signed in nowhere, finds the grant and the suspension among the department's entries.
        browser.get(f"{base}/log?organisation={HANOI}&lang=vi")
        found += looked_at(browser, "explorer-department")
        lines = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "li[id^=entry-]")
                 if "Hợp tác xã Bưởi xanh Hoài Đức" in li.text]
        assert any(line.split("\n")[0].endswith(KIND_WORDS["right.suspended.v1"][0]) for line in lines), lines
        assert any(line.split("\n")[0].endswith(KIND_WORDS["right.granted.v1"][0]) for line in lines), lines
        browser.get(f"{base}/log/batches/{GTIN}/{LOT}?lang=vi")
        found += looked_at(browser, "explorer-batch")
        bundle_url = browser.find_element(By.PARTIAL_LINK_TEXT, "gói kiểm chứng").get_attribute("href")
        bundle = httpx.get(str(bundle_url))
        assert bundle.status_code == 200
        (tmp_path / "bundle.json").write_bytes(bundle.content)
        key = httpx.get(f"{base}/api/v1/log/key").text.strip()
        said = server.cli("verify-bundle", str(tmp_path / "bundle.json"), "--log-key", key)
        verdict = said.splitlines()[0]
        assert verdict.startswith(f"bundle verifies: {LOT} / GTIN {GTIN} is"), said
        assert "authentic" not in verdict, said
        assert re.search(r"right-suspended|suspended", said), said
        assert found == []
