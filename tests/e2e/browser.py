"""Debian's headless Chromium as the browser tests run it: where screenshots go, the flags that keep it from
reaching anything but the server under test (no updates, sync or background requests), and what the page tests
share: the driver, a reader's text, whole-page screenshots, and axe-core's serious findings."""

import base64
import shutil
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                  "--no-first-run", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--hide-scrollbars"]


def chromium() -> str:
    """The path of Debian's chromium."""
    path = shutil.which("chromium")
    assert path is not None, "Debian's chromium package is needed (.ci/run installs it)"
    return path


@contextmanager
def headless_chromium() -> Iterator[webdriver.Chrome]:
    """Headless Chromium driven by Debian's chromedriver, in US English (a page's language must come from the
    page's own choice, not the browser's), until the block ends."""
    options = webdriver.ChromeOptions()
    options.binary_location = chromium()
    for flag in (*CHROMIUM_FLAGS, "--lang=en-US"):
        options.add_argument(flag)
    assert Path("/usr/bin/chromedriver").exists(), "Debian's chromium-driver package is needed (.ci/run installs it)"
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.set_script_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


def visible_text(browser: webdriver.Chrome) -> str:
    """What a reader sees: the page's rendered text (closed <details> hide theirs) without the language switch."""
    text: str = browser.execute_script(
        "const switcher = document.querySelector('header a[hreflang]');"
        "return document.body.innerText.replace(switcher ? switcher.innerText : '', '');")
    return text


SIZES = {"phone": (412, 915), "laptop": (1280, 800)}
"""The sizes pages are looked at: a common phone's and a laptop's, in CSS pixels."""


def resize(browser: webdriver.Chrome, size: str) -> None:
    """Look at the page as a device of one of SIZES would (a phone's viewport is a mobile one)."""
    width, height = SIZES[size]
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": size == "phone"})


def submit(browser: webdriver.Chrome, selector: str, seconds: float = 60) -> None:
    """Click the button `selector` names and wait until the page the form goes to has replaced this one. The click
    is the page's own (a script's): chromedriver's, which follows the navigation it starts, can fail when the old
    document goes while it looks."""
    page = browser.find_element(By.TAG_NAME, "html")
    browser.execute_script("arguments[0].click();", browser.find_element(By.CSS_SELECTOR, selector))
    WebDriverWait(browser, seconds).until(staleness_of(page))


def sign_in(browser: webdriver.Chrome, base_url: str, login: str, password: str, next_: str = "/portal") -> None:
    """Sign in to the portal as `login`, in a browser that forgets whoever was signed in before; at `next_` after."""
    browser.delete_all_cookies()
    browser.get(f"{base_url}/portal/login?lang=vi&next={next_}")
    browser.find_element(By.NAME, "login").send_keys(login)
    browser.find_element(By.NAME, "password").send_keys(password)
    submit(browser, "main form button[type=submit]")
    assert browser.current_url == f"{base_url}{next_}", browser.current_url


def open_page(browser: webdriver.Chrome, url: str, lang: str, size: str = "phone") -> None:
    """Open `url` in `lang` at one of SIZES, as that device would (a phone's viewport is a mobile one)."""
    resize(browser, size)
    browser.get(f"{url}?lang={lang}")
    assert browser.execute_script("return document.documentElement.lang") == lang


def shoot(browser: webdriver.Chrome, stem: str, size: str) -> None:
    """The open page's screenshot, ARTIFACTS/{stem}-{width}x{height}.png, at the size it was opened at; on a phone
    also the whole page, which must be no wider than the phone."""
    width, height = SIZES[size]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{stem}-{width}x{height}.png"
    shot.unlink(missing_ok=True)
    assert browser.save_screenshot(str(shot))
    assert png_size(shot) == (width, height)
    if size == "phone":
        whole_page(browser, ARTIFACTS / f"{stem}-{width}-whole.png")
        overflow = browser.execute_script("return document.documentElement.scrollWidth")
        assert overflow <= width, f"the page {stem} is {overflow} px wide on a {width} px phone"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def whole_page(browser: webdriver.Chrome, path: Path) -> None:
    """A screenshot of the whole page at the current width, as tall as the page."""
    metrics = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
        "x": 0, "y": 0, "width": metrics["width"], "height": metrics["height"], "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))


def serious_violations(browser: webdriver.Chrome) -> list[dict[str, Any]]:
    """What axe-core finds serious or critical on the page open in `browser`, with its <details> opened (each as
    its rule id, impact, help text and first three elements)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/e2e` (.ci/run does) to install axe-core")
    browser.execute_script("document.querySelectorAll('details').forEach(d => { d.open = true; });")
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => ("
        "{id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html)}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def printed_codes(pdf: bytes, shot: Path) -> set[str]:
    """Every QR code on the first page of `pdf`, as a printer at 300 dpi would put it on paper (the page is saved to
    `shot`) and a real decoder (zxing-cpp) reads it."""
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=300 / 72).to_pil()
    finally:
        document.close()
    shot.parent.mkdir(parents=True, exist_ok=True)
    image.save(shot)
    return {code.text for code in zxingcpp.read_barcodes(image)}
