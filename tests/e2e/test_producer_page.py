"""The producer page in a real browser, as the consumer page's tests open it: headless Chromium shows the demo's
producers in Vietnamese and English at a phone's size (412x915) and a laptop's (1280x800), screenshots kept under
test-artifacts/screenshots/ (with the whole page at the phone's width); nothing is wider than the phone, what a
reader sees has no id, ISO day or unit code, and axe-core finds no serious or critical violation."""

import json
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from selenium import webdriver

from registry.values import UNITS
from tests.checks import english_in
from tests.e2e.browser import ARTIFACTS, SIZES, open_page, png_size, serious_violations, shoot, visible_text
from tests.e2e.conftest import demo_server

PRODUCERS = {
    "grower": "htx-buoi-dong-la",
    "suspended": "nha-thung-song-xanh",
    "potter": "gom-hong-phuc",
}
"""The demo's pomelo cooperative (a GI right with a quota, certified batches), its fish sauce maker whose right is
suspended, and its potter (a product with a picture)."""
SAID = {
    "grower": {"vi": ["Đang có hiệu lực", "Sản lượng được phép: 2.500 quả", "sản xuất ngày 15/10/2026"],
               "en": ["In force", "Quantity allowed: 2,500 pieces", "produced on 15 October 2026"]},
    "suspended": {"vi": ["Tạm đình chỉ từ ngày 01/10/2026", "Đặc khu Phú Quốc, Tỉnh An Giang"],
                  "en": ["Suspended from 1 October 2026", "Phú Quốc special zone, An Giang"]},
    "potter": {"vi": ["Xã Bát Tràng, Thành phố Hà Nội", "Bình gốm men lam vẽ tay Bát Tràng"],
               "en": ["Bát Tràng commune, Hà Nội", "Bat Trang hand-painted blue-glaze vase"]},
}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_server(tmp_path_factory.mktemp("producer-page")) as server:
        yield server.base_url


def _ids() -> list[str]:
    """The demo's organisation ids, and the ids its timeline gives GIs, marks, rights and certifications."""
    def data(name: str) -> Any:
        return json.loads((resources.files("registry") / "demo_data" / name).read_text(encoding="utf-8"))
    found = {o["id"] for o in data("organisations.json")}
    found |= set(re.findall(r'"id": "([^"]+)"', json.dumps(data("timeline.json"))))
    return sorted(found)


class TestScreenshots:
    """Every producer's page renders in both languages at a phone's size and a laptop's, no wider than the phone."""

    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_every_page_is_shot_at_phone_and_laptop_size(self, base_url: str, browser: webdriver.Chrome,
                                                        lang: str) -> None:
        for name, org in PRODUCERS.items():
            for size in SIZES:
                open_page(browser, f"{base_url}/producers/{org}", lang, size)
                assert browser.find_element("css selector", "section.org h1").text
                shoot(browser, f"producer-{name}-{lang}", size)

    def test_an_unknown_organisation_s_page_is_shot_too(self, base_url: str, browser: webdriver.Chrome) -> None:
        open_page(browser, f"{base_url}/producers/no-such-organisation", "vi")
        assert browser.find_element("css selector", ".badge h1").text == "Không tìm thấy tổ chức"
        shot = ARTIFACTS / "producer-unknown-vi-412x915.png"
        assert browser.save_screenshot(str(shot))
        assert png_size(shot) == SIZES["phone"]


class TestWhatTheReaderSees:
    """Names, places, local days and words: never the registry's ids and codes, no English in Vietnamese."""

    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_words_not_codes(self, base_url: str, browser: webdriver.Chrome, lang: str) -> None:
        ids = _ids()
        for name, org in PRODUCERS.items():
            open_page(browser, f"{base_url}/producers/{org}", lang)
            text = visible_text(browser)
            for said in SAID[name][lang]:
                assert said in text, (name, said)
            assert [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)] == [], name
            assert [u for u in UNITS if re.search(rf"\b{u}\b", text)] == [], name
            assert re.findall(r"\d{4}-\d{2}-\d{2}", text) == [], name
            if lang == "vi":
                assert english_in(text) == [], name

    def test_the_product_picture_loads(self, base_url: str, browser: webdriver.Chrome) -> None:
        open_page(browser, f"{base_url}/producers/{PRODUCERS['potter']}", "vi")
        loaded = browser.execute_script(
            "return [...document.querySelectorAll('.product img')].map(i => i.complete && i.naturalWidth > 0)")
        assert loaded == [True]


class TestAccessibility:
    """axe-core finds no serious or critical violation on any producer's page, nor on the unknown one's."""

    def test_axe_finds_no_serious_or_critical_violation(self, base_url: str, browser: webdriver.Chrome) -> None:
        found = []
        for org in (*PRODUCERS.values(), "no-such-organisation"):
            for lang in ("vi", "en"):
                open_page(browser, f"{base_url}/producers/{org}", lang)
                found += [(org, lang, v) for v in serious_violations(browser)]
        assert found == []
