"""The charts and the audit report in a real browser: headless Chromium shows /portal/charts (a demo producer whose
serials were scanned, and a demo authority), the public /log/charts and /log/audit, in Vietnamese and English at a
phone's size (412x915) and a laptop's (1280x800), screenshots kept under test-artifacts/screenshots/chart-*.png.
Every chart's picture is drawn (it has a size), nothing is wider than the phone, there is no English in
Vietnamese, and axe-core finds no serious or critical violation."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from selenium import webdriver
from sqlalchemy import select

from api.scans import WARN_CLIENTS, WARN_DAYS, Scan, write_scans
from ledger.store.engines import make_engine
from registry.kinds import vietnam_today
from registry.state import table_of
from registry.tables import RegSerial
from tests.checks import english_in
from tests.e2e.browser import SIZES, open_page, serious_violations, shoot, visible_text
from tests.e2e.conftest import Server, demo_server, demo_sign_in

PRODUCER = "gom-hong-phuc"
"""The demo's Bát Tràng workshop: batches with serials, which this test scans."""
AUTHORITY = "sokhcn-ha-noi"
"""Manages a GI whose right of use has a quota."""
SAID = {
    "log-charts": {"vi": ["Số liệu sổ cái", "Số mục ghi vào sổ cái mỗi ngày", "Độ trễ của các nhân chứng"],
                   "en": ["The log in figures", "Entries written to the log per day", "How far the witnesses"]},
    "log-audit": {"vi": ["Báo cáo kiểm toán sổ cái", "Sổ cái toàn vẹn: mọi kiểm tra đều đạt.", "Những gì đã kiểm tra"],
                  "en": ["Log audit report", "The log is intact: every check passed.", "What was checked"]},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with demo_server(tmp_path_factory.mktemp("charts")) as running:
        engine = make_engine(running.env["NGUON_DATABASE_URL"])
        try:
            with engine.connect() as connection:
                serials = connection.execute(select(table_of(RegSerial)).limit(40)).all()
            today = vietnam_today()
            scans = [Scan(s.gtin, s.lot, s.serial, today.isoformat(), f"reader-{i}") for i, s in enumerate(serials)]
            first = serials[0]
            scans += [Scan(first.gtin, first.lot, first.serial, (today - timedelta(days=back)).isoformat(),
                           f"crowd-{back}-{n}") for back in range(WARN_DAYS) for n in range(WARN_CLIENTS)]
            write_scans(engine, scans)
        finally:
            engine.dispose()
        yield running


def sign_in(browser: webdriver.Chrome, server: Server, organisation: str) -> None:
    demo_sign_in(browser, server, organisation, "/portal/charts")


def pictures_drawn(browser: webdriver.Chrome) -> int:
    """Charts whose SVG takes room on the page, each inside a role="img" with an accessible name."""
    drawn = browser.execute_script(
        "return [...document.querySelectorAll('.picture[role=img]')].filter(p => {"
        "  const box = p.querySelector('svg').getBoundingClientRect();"
        "  return box.width > 100 && box.height > 50 && document.getElementById("
        "    p.getAttribute('aria-labelledby')).textContent.trim().length > 0; }).length;")
    return int(drawn)


class TestChartsInABrowser:
    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_public_pages_shot_and_readable(self, server: Server, browser: webdriver.Chrome, lang: str) -> None:
        for name, path in (("log-charts", "/log/charts"), ("log-audit", "/log/audit")):
            for size in SIZES:
                open_page(browser, f"{server.base_url}{path}", lang, size)
                text = visible_text(browser)
                for said in SAID[name][lang]:
                    assert said in text, (name, said)
                shoot(browser, f"chart-{name}-{lang}", size)
                if lang == "vi":
                    assert english_in(text) == [], name
            if name == "log-charts":
                assert pictures_drawn(browser) == 1, "entries per day drawn; no witness, said in words"

    @pytest.mark.parametrize("organisation", [PRODUCER, AUTHORITY])
    def test_portal_charts_shot_and_readable(self, server: Server, browser: webdriver.Chrome,
                                             organisation: str) -> None:
        sign_in(browser, server, organisation)
        for lang in ("vi", "en"):
            for size in SIZES:
                open_page(browser, f"{server.base_url}/portal/charts", lang, size)
                shoot(browser, f"chart-portal-{organisation}-{lang}", size)
            text = visible_text(browser)
            if lang == "vi":
                assert "Hạn mức đã dùng của từng quyền sử dụng" in text
                assert english_in(text) == []
            else:
                assert "Quota used of each right of use" in text
        drawn = pictures_drawn(browser)
        assert drawn >= 2, "batches, and scans or quota, are drawn"

    def test_axe_finds_no_serious_or_critical_violation(self, server: Server, browser: webdriver.Chrome) -> None:
        found = []
        for path in ("/log/charts", "/log/audit"):
            for lang in ("vi", "en"):
                open_page(browser, f"{server.base_url}{path}", lang)
                found += [(path, lang, v) for v in serious_violations(browser)]
        for organisation in (PRODUCER, AUTHORITY):
            sign_in(browser, server, organisation)
            for lang in ("vi", "en"):
                open_page(browser, f"{server.base_url}/portal/charts", lang)
                found += [(organisation, lang, v) for v in serious_violations(browser)]
        assert found == []
