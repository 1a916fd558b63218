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
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait

from tests.e2e.browser import SIZES, serious_violations, shoot, visible_text
from tests.e2e.conftest import Server, demo_server

POTTERY = "gom-hong-phuc"
"""A demo producer: Xưởng gốm Hồng Phúc Bát Tràng."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with demo_server(tmp_path_factory.mktemp("flows")) as running:
        yield running


def sign_ins(server: Server) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = json.loads(
        (Path(server.env["NGUON_DATA_DIR"]) / "demo-sign-ins.json").read_text(encoding="utf-8"))
    return found


def submit(browser: webdriver.Chrome, selector: str) -> None:
    """Click `selector` and wait until the page the form goes to has replaced this one (the click is the page's
    own: chromedriver's, following the navigation it starts, can fail when the old document goes)."""
    page = browser.find_element(By.TAG_NAME, "html")
    browser.execute_script("arguments[0].click();", browser.find_element(By.CSS_SELECTOR, selector))
    WebDriverWait(browser, 60).until(staleness_of(page))


def sign_in(browser: webdriver.Chrome, server: Server, login: str, password: str) -> None:
    """Sign in as `login` in a browser that forgets whoever was signed in before."""
    browser.delete_all_cookies()
    browser.get(f"{server.base_url}/portal/login?lang=vi")
    browser.find_element(By.NAME, "login").send_keys(login)
    browser.find_element(By.NAME, "password").send_keys(password)
    submit(browser, "main form button[type=submit]")
    assert browser.current_url == f"{server.base_url}/portal", visible_text(browser)


def as_demo(browser: webdriver.Chrome, server: Server, organisation: str) -> None:
    found = sign_ins(server)[organisation]
    sign_in(browser, server, found["login"], found["password"])


def fill(browser: webdriver.Chrome, **fields: str) -> None:
    """Type into the inputs or choose in the selects named by `fields`."""
    for name, value in fields.items():
        element = browser.find_element(By.NAME, name)
        if element.tag_name == "select":
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
        width, height = SIZES[size]
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": size == "phone"})
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
