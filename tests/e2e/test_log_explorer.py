"""The log explorer in a real browser: headless Chromium shows the demo's log, one entry and one batch's history in
Vietnamese and English at a phone's size (412x915) and a laptop's (1280x800), screenshots kept under
test-artifacts/screenshots/ (with the whole page at the phone's width); nothing is wider than the phone, the
search form works without JavaScript, there is no English in Vietnamese, and axe-core finds no serious or critical
violation."""

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.checks import english_in
from tests.e2e.browser import ARTIFACTS, SIZES, open_page, serious_violations, shoot, visible_text
from tests.e2e.conftest import demo_server

PAGES = {"log": "/log", "entry": "/log/entries/167", "batch": "/log/batches/08939904000019/LT-2610-C"}
"""The log's first page, the demo's certification of a pomelo batch, and that batch's history."""
SAID = {
    "log": {"vi": ["Điểm kiểm tra mới nhất", "Tìm trong sổ cái", "Cũ hơn"],
            "en": ["Latest checkpoint", "Search the ledger", "Older"]},
    "entry": {"vi": ["Cấp chứng nhận", "Đã kiểm chứng: mục này có trong điểm kiểm tra"],
              "en": ["A certification", "Verified: this entry is in the checkpoint of"]},
    "batch": {"vi": ["Lịch sử của lô", "Đăng ký lô hàng", "Tải gói kiểm chứng của lô (JSON)"],
              "en": ["History of the batch", "Registration of the batch", "Download the batch's audit bundle"]},
}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_server(tmp_path_factory.mktemp("log-explorer")) as server:
        yield server.base_url


def _submit(browser: webdriver.Chrome, wanted: str) -> None:
    """Send the search form, and wait until the browser shows the page it asked for (its URL has `wanted`)."""
    browser.find_element("css selector", "form.search button").click()
    WebDriverWait(browser, 30).until(lambda b: wanted in b.current_url and
                                     b.execute_script("return document.readyState") == "complete")


class TestScreenshots:
    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_every_page_is_shot_at_phone_and_laptop_size(self, base_url: str, browser: webdriver.Chrome,
                                                        lang: str) -> None:
        for name, path in PAGES.items():
            for size in SIZES:
                open_page(browser, f"{base_url}{path}", lang, size)
                text = visible_text(browser)
                for said in SAID[name][lang]:
                    assert said in text, (name, said)
                shoot(browser, f"log-{name}-{lang}", size)
                if lang == "vi":
                    assert english_in(text) == [], name


class TestSearchWithoutJavaScript:
    def test_the_form_filters_and_a_wrong_field_is_marked(self, base_url: str, browser: webdriver.Chrome) -> None:
        open_page(browser, f"{base_url}/log", "vi")
        browser.find_element("id", "f-gtin").send_keys("08939904000019")
        browser.find_element("id", "f-lot").send_keys("LT-2610-C")
        _submit(browser, "gtin=08939904000019")
        items = browser.find_elements("css selector", "ol.items > li")
        assert [i.get_attribute("id") for i in items] == ["entry-167", "entry-156", "entry-125", "entry-124"]
        open_page(browser, f"{base_url}/log", "vi")
        browser.find_element("id", "f-lot").send_keys("LT-2610-C")
        _submit(browser, "lot=LT-2610-C")
        assert browser.find_element("id", "e-lot").text == "Cần nhập mã GTIN của lô."
        shot = ARTIFACTS / "log-invalid-vi-412x915.png"
        assert browser.save_screenshot(str(shot))


class TestAccessibility:
    def test_axe_finds_no_serious_or_critical_violation(self, base_url: str, browser: webdriver.Chrome) -> None:
        found = []
        for path in (*PAGES.values(), "/log/entries/100000"):
            for lang in ("vi", "en"):
                open_page(browser, f"{base_url}{path}", lang)
                found += [(path, lang, v) for v in serious_violations(browser)]
        open_page(browser, f"{base_url}/log", "vi")
        browser.get(f"{base_url}/log?lot=X&since=2026-13-01")
        found += [("invalid", "vi", v) for v in serious_violations(browser)]
        assert found == []
