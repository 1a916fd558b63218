"""The GI and mark pages in a real browser, as the producer page's tests open it: headless Chromium shows the demo's
Phú Quốc fish sauce GI (a right suspended) and its Cốm làng Vòng collective mark (22 members, a right expired), and
both lists, in Vietnamese and English at a phone's size (412x915) and a laptop's (1280x800), screenshots kept under
test-artifacts/screenshots/ (with the whole page at the phone's width); nothing is wider than the phone, what a
reader sees has no id, ISO day or unit code, the folded members open, and axe-core finds no serious or critical
violation."""

import re
from collections.abc import Iterator

import pytest
from selenium import webdriver

from registry.values import UNITS
from tests.checks import english_in
from tests.e2e.browser import SIZES, open_page, serious_violations, shoot, visible_text
from tests.e2e.conftest import demo_server
from tests.e2e.test_producer_page import _ids

PAGES = {"gi-suspended": "/gis/phu-quoc", "mark": "/marks/com-vong", "gis": "/gis", "marks": "/marks"}
"""The demo's GI with a suspended right, its collective mark with members past the fold, and the two lists."""
SAID = {
    "gi-suspended": {"vi": ["Nhà thùng nước mắm Sóng Xanh", "Tạm đình chỉ từ ngày 01/10/2026",
                            "Đặc khu Phú Quốc, Tỉnh An Giang (khâu chế biến)"],
                     "en": ["Song Xanh fish sauce barrel house", "Suspended from 1 October 2026",
                            "Phú Quốc special zone, An Giang (processing stage)"]},
    "mark": {"vi": ["Nhãn hiệu tập thể", "Hộ làm cốm Vòng số 02", "Đã hết hạn từ ngày 30/09/2026",
                    "Xem thêm 2 thành viên"],
             "en": ["Collective mark", "Expired on 30 September 2026", "2 more members"]},
    "gis": {"vi": ["Nước mắm Phú Quốc", "1 tổ chức đang được phép sử dụng"],
            "en": ["Phu Quoc fish sauce", "1 may use it now"]},
    "marks": {"vi": ["Cốm Mễ Trì", "Nhãn hiệu chứng nhận"], "en": ["Me Tri green rice flakes", "Certification mark"]},
}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_server(tmp_path_factory.mktemp("gi-pages")) as server:
        yield server.base_url


class TestScreenshots:
    """Every page renders in both languages at a phone's size and a laptop's, no wider than the phone."""

    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_every_page_is_shot_at_phone_and_laptop_size(self, base_url: str, browser: webdriver.Chrome,
                                                        lang: str) -> None:
        for name, url in PAGES.items():
            for size in SIZES:
                open_page(browser, f"{base_url}{url}", lang, size)
                assert browser.find_element("css selector", "section.org h1").text
                shoot(browser, f"{name}-{lang}", size)


class TestWhatTheReaderSees:
    """Names, places, local days and words: never the registry's ids and codes, no English in Vietnamese."""

    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_words_not_codes(self, base_url: str, browser: webdriver.Chrome, lang: str) -> None:
        ids = _ids()
        for name, url in PAGES.items():
            open_page(browser, f"{base_url}{url}", lang)
            text = visible_text(browser)
            for said in SAID[name][lang]:
                assert said in text, (name, said)
            assert [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)] == [], name
            assert [u for u in UNITS if re.search(rf"\b{u}\b", text)] == [], name
            assert re.findall(r"\d{4}-\d{2}-\d{2}", text) == [], name
            if lang == "vi":
                assert english_in(text) == [], name

    def test_the_folded_members_open_and_lead_to_their_pages(self, base_url: str, browser: webdriver.Chrome) -> None:
        open_page(browser, f"{base_url}/marks/com-vong", "vi")
        assert "Hộ làm cốm Vòng số 22" not in visible_text(browser)
        browser.find_element("css selector", "#members ~ details summary").click()
        assert "Hộ làm cốm Vòng số 22" in visible_text(browser)
        browser.find_element("link text", "Hộ làm cốm Vòng số 22").click()
        assert browser.find_element("css selector", "section.org h1").text == "Hộ làm cốm Vòng số 22"


class TestAccessibility:
    """axe-core finds no serious or critical violation on any of the pages, nor on an unknown GI's."""

    def test_axe_finds_no_serious_or_critical_violation(self, base_url: str, browser: webdriver.Chrome) -> None:
        found = []
        for url in (*PAGES.values(), "/gis/no-such-gi"):
            for lang in ("vi", "en"):
                open_page(browser, f"{base_url}{url}", lang)
                found += [(url, lang, v) for v in serious_violations(browser)]
        assert found == []
