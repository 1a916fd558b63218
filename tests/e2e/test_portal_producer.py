"""The producer's part of the portal in a real browser: headless Chromium signs in as the admin of the demo's pomelo
cooperative (the sign-in `nguon demo` wrote), opens its dashboard, its products and batches, the product and batch
forms (the province chosen first, then its communes, without script) and a batch's page; logs a batch through the
form and sees it. Each page is shot at a phone's size and a laptop's, in Vietnamese and English, under
test-artifacts/screenshots/portal-producer-*.png, no wider than the phone, and axe-core finds no serious or
critical violation."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.e2e.browser import SIZES, serious_violations, shoot, submit, visible_text
from tests.e2e.conftest import Server, demo_server, demo_sign_in

ORGANISATION = "htx-buoi-dong-la"
"""The demo's pomelo cooperative: a right to the La Tinh GI with a quota of 2,500 fruit, and batches."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with demo_server(tmp_path_factory.mktemp("portal-producer")) as running:
        yield running




def _sign_in(browser: webdriver.Chrome, server: Server) -> None:
    demo_sign_in(browser, server, ORGANISATION)


def _look(browser: webdriver.Chrome, url: str, stem: str) -> list[tuple[str, str, str, Any]]:
    """Shoot `url` in both languages at both sizes; axe-core's serious findings on each."""
    found = []
    for lang in ("vi", "en"):
        for size, (width, height) in SIZES.items():
            browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": size == "phone"})
            browser.get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
            assert browser.execute_script("return document.documentElement.lang") == lang
            shoot(browser, f"portal-producer-{stem}-{lang}", size)
            found += [(stem, lang, v["id"], v) for v in serious_violations(browser)]
    return found


class TestProducerPortalInABrowser:
    def test_every_page_is_shot_and_accessible_and_a_batch_is_logged(self, server: Server,
                                                                     browser: webdriver.Chrome) -> None:
        _sign_in(browser, server)
        base = server.base_url
        found = _look(browser, f"{base}/portal", "home")
        browser.get(f"{base}/portal?lang=vi")
        home = visible_text(browser)
        assert "Quyền sử dụng còn hiệu lực" in home
        assert "còn " in home
        assert " trên 2.500 quả" in home
        for path, stem in (("/portal/products", "products"), ("/portal/products/new", "product-new"),
                           ("/portal/batches", "batches"), ("/portal/batches/new", "batch-province"),
                           ("/portal/batches/new?province=01", "batch-new")):
            found += _look(browser, f"{base}{path}", stem)
        browser.get(f"{base}/portal/products?lang=vi")
        product = browser.find_element(By.CSS_SELECTOR, "main .rows a").get_attribute("href")
        assert product is not None
        found += _look(browser, product, "product")

        browser.get(f"{base}/portal/batches/new?lang=vi")
        Select(browser.find_element(By.NAME, "province")).select_by_visible_text("Thành phố Hà Nội")
        submit(browser, "main form button[type=submit]")
        assert "province=01" in browser.current_url
        today = (datetime.now(UTC) + timedelta(hours=7)).date()
        browser.find_element(By.NAME, "lot").send_keys("E2E-1")
        browser.find_element(By.NAME, "quantity").send_keys("12")
        browser.execute_script("arguments[0].value = arguments[1];", browser.find_element(By.NAME, "produced_on"),
                               today.isoformat())
        Select(browser.find_element(By.NAME, "commune")).select_by_visible_text("Xã An Khánh")
        submit(browser, "form[action='/portal/batches/new'] button[type=submit]")
        assert "/portal/batches/" in browser.current_url
        assert "E2E-1" in browser.current_url
        assert "Đã ghi lô hàng vào sổ." in visible_text(browser)
        found += _look(browser, browser.current_url.split("?")[0], "batch")
        assert found == []
