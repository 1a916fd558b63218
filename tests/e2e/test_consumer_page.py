"""The consumer page in a real browser: headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium) opens the page of every demo outcome in Vietnamese and English; the screenshots, at a phone's size
(412x915) and a laptop's (1280x800), and of the whole page at the phone's width, are kept under
test-artifacts/screenshots/. What a shopper reads is checked as text, and axe-core checks accessibility."""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import httpx
import pytest
from selenium import webdriver

from registry.demo import scenarios
from registry.places import name_en
from registry.values import UNITS
from tests.e2e.browser import SIZES, open_page, serious_violations, shoot, visible_text
from tests.e2e.conftest import Server, demo_server

WORDS = {
    "authentic": {"vi": "Chính hãng", "en": "Authentic"},
    "warning": {"vi": "Cảnh báo", "en": "Warning"},
    "recalled": {"vi": "Đã bị thu hồi", "en": "Recalled"},
    "invalid": {"vi": "Không hợp lệ", "en": "Not valid"},
    "unknown": {"vi": "Không xác định", "en": "Unknown"},
}
ENGLISH = ("demo", "batch", "mark", "lot", "producer", "recalled", "warning", "invalid", "authentic", "unknown",
           "entry", "checkpoint", "shipping", "receiving", "inspecting", "pieces", "boxes", "valid", "passed")
"""English words that must not show inside a Vietnamese page."""
DOUBLED = re.compile(r"\b(Xã|Phường|Đặc khu|Thị trấn|Tỉnh|Thành phố) (Xã|Phường|Đặc khu|Thị trấn|Tỉnh|Thành phố)\b")


@dataclass(frozen=True)
class Page:
    outcome: str
    url: str
    facts: dict[str, Any]
    """The verdict document (JSON) of the code, or the problem document of an unknown one."""


def _demo_data(name: str) -> Any:
    return json.loads((resources.files("registry") / "demo_data" / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Page]]:
    """A server holding the demo (on SQLite, or on PostgreSQL when the tests run there), and the page of a demo
    code for each outcome."""
    with demo_server(tmp_path_factory.mktemp("consumer-page")) as server:
        yield _demo_pages(server)


def _demo_pages(server: Server) -> dict[str, Page]:
    groups = scenarios()
    keys = {"authentic": groups["genuine"][0], "warning": groups["recalled_input"][0],
            "recalled": groups["recalled"][0], "invalid": groups["suspended_right"][0]}
    paths = {outcome: f"/01/{key.gtin}/10/{key.lot}" for outcome, key in keys.items()}
    # A GTIN no product has: a made-up lot of a registered GTIN walks up to the product's page (GS1 Resolver 1.2).
    paths["unknown"] = "/01/08930000000019/10/FAKE-0001"
    found = {}
    for outcome, path in paths.items():
        answer = httpx.get(f"{server.base_url}{path}", headers={"Accept": "application/json"}, timeout=30)
        facts = answer.json()
        assert facts["verdict"] == outcome, (path, facts["verdict"])
        found[outcome] = Page(outcome, f"{server.base_url}{path}", facts)
    return found


def _whole_words(words: list[str] | tuple[str, ...], text: str) -> list[str]:
    """Which of `words` stand in `text` as whole words (not inside a longer word or id)."""
    return [word for word in words if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.IGNORECASE)]


class TestScreenshots:
    """Every outcome renders in both languages at a phone's size and a laptop's."""

    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_every_outcome_is_shot_at_phone_and_laptop_size(self, pages: dict[str, Page], browser: webdriver.Chrome,
                                                           lang: str) -> None:
        for outcome, page in pages.items():
            for size in SIZES:
                open_page(browser, page.url, lang, size)
                assert browser.find_element("css selector", f"section.verdict.{outcome} h1").text == (
                    WORDS[outcome][lang])
                shoot(browser, f"{outcome}-{lang}", size)


def _ids(value: Any) -> set[str]:
    """Every "id" a demo statement body gives (GIs, marks, rights, certifications, licences, ...)."""
    if isinstance(value, dict):
        return ({value["id"]} if isinstance(value.get("id"), str) else set()).union(*map(_ids, value.values()))
    if isinstance(value, list):
        return set().union(*map(_ids, value))
    return set()


def _expected(page: Page, pages: dict[str, Page], lang: str) -> list[str]:
    """What the page must say: the product's and producer's names, and where it was made (in English as English
    writes the lists' names: "Phú Quốc special zone, An Giang", tested literally in tests/api/test_plain.py)."""
    if page.outcome == "unknown":
        return []
    facts = page.facts
    origin = facts["origin"]
    named = (origin["name"], origin["province_name"]) if lang == "vi" else (
        name_en(origin["name"]), name_en(origin["province_name"]))
    return [facts["product"]["names"][lang], facts["organisations"][facts["producer"]["id"]][lang], ", ".join(named)]


ADVICE = {
    "recalled": {"vi": ["Không ăn, không dùng sản phẩm này.", "Mang trả sản phẩm cho nơi đã bán",
                        "đã thu hồi lô hàng này ngày 07/11/2026", "800 kg", "30/10/2026, 08:00",
                        "Ngừng bán, chờ trả về nhà vườn."],
                 "en": ["Do not eat or use this product.", "Take it back to where you bought it",
                        "recalled this batch on 7 November 2026", "800 kg", "30 October 2026, 08:00"]},
    "warning": {"vi": ["đã bị thu hồi ngày 07/11/2026", "40 hộp", "Hãy hỏi lại người bán"],
                "en": ["recalled on 7 November 2026", "40 boxes", "Ask the seller"]},
    "invalid": {"vi": ["Điều đã phát hiện", "bị đình chỉ từ ngày 01/10/2026", "Báo cho: đội Quản lý thị trường",
                       "2.000 cái"],
                "en": ["What was found", "suspended from 1 October 2026", "Report it to the market surveillance",
                       "2,000 pieces"]},
    "unknown": {"vi": ["Báo cho: đội Quản lý thị trường", "FAKE-0001"], "en": ["Report it to the market", "FAKE-0001"]},
    "authentic": {"vi": ["sổ cái công khai", "3.000 cái"], "en": ["public ledger", "3,000 pieces"]},
}
"""What each outcome's page must tell, in the demo's facts and the words, dates and times of its language."""


class TestWhatTheShopperReads:
    """The page speaks in names, local dates and times, and units in words: never in the registry's codes."""

    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_names_places_and_local_words_and_no_code(self, pages: dict[str, Page], browser: webdriver.Chrome,
                                                      lang: str) -> None:
        timeline = _demo_data("timeline.json")
        codes = sorted({org["id"] for org in _demo_data("organisations.json")} | _ids(timeline["steps"]))
        communes = sorted({commune["code"] for commune in timeline["communes"].values()})
        for outcome, page in pages.items():
            open_page(browser, page.url, lang)
            text = visible_text(browser)
            assert WORDS[outcome][lang] in text, outcome
            for said in _expected(page, pages, lang) + ADVICE[outcome][lang]:
                assert said in text, (outcome, said)
            assert _whole_words(codes, text) == [], (outcome, "ids shown")
            assert _whole_words(communes, text) == [], (outcome, "commune codes shown")
            assert _whole_words(tuple(UNITS), text) == [], (outcome, "unit codes shown")
            assert re.findall(r"\d{4}-\d{2}-\d{2}", text) == [], (outcome, "ISO dates or times shown")
            assert DOUBLED.findall(text) == [], (outcome, "a doubled word")
            if lang == "vi":
                assert _whole_words(ENGLISH, text) == [], (outcome, "English words in the Vietnamese page")


class TestAccessibility:
    """axe-core finds no serious or critical violation on any page, with its expert details open."""

    def test_axe_finds_no_serious_or_critical_violation(self, pages: dict[str, Page],
                                                        browser: webdriver.Chrome) -> None:
        found = []
        for outcome, page in pages.items():
            for lang in ("vi", "en"):
                open_page(browser, page.url, lang)
                found += [(outcome, lang, v) for v in serious_violations(browser)]
        assert found == []
