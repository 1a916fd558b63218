"""The pages of authorities, associations, certifiers and the numbering agency in a real browser, on the demo:
the IP Office's admin (the root), the Hà Nội authority's, GS1 Viet Nam's and the certification centre's open each
of their pages; each is shot at a phone's and a laptop's size, in Vietnamese and English
(test-artifacts/screenshots/portal-auth-*.png), no wider than the phone, with no serious or critical axe-core
violation. A form sent empty shows the API's words at its fields."""

from collections.abc import Iterator
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.e2e.browser import SIZES, open_page, serious_violations, shoot, submit
from tests.e2e.conftest import Server, demo_server, demo_sign_in

PAGES = {
    "ipvietnam": {"manage": "/portal/manage", "org-new": "/portal/manage/organisations/new",
                  "org": "/portal/manage/organisations/dac-san-lang-viet", "gi-new": "/portal/manage/gis/new",
                  "gi-amend": "/portal/manage/gis/la-tinh/amend", "mark-new": "/portal/manage/marks/new",
                  "delegation-new": "/portal/manage/delegations/new",
                  "delegation-withdraw": "/portal/manage/delegations/uy-quyen-sokhcn-ha-noi/withdraw"},
    "sokhcn-ha-noi": {"province-manage": "/portal/manage", "right-new": "/portal/manage/rights/new",
                      "right-change": "/portal/manage/rights/la-tinh-dong-la-2026/change"},
    "gs1-vietnam": {"gs1-manage": "/portal/manage", "prefix-new": "/portal/manage/prefixes/new"},
    "chung-nhan-nguon-xanh": {"cert-manage": "/portal/manage", "cert-new": "/portal/manage/certifications/new"},
}
SAID = {"manage": ("Bưởi La Tinh", "La Tinh pomelo"), "province-manage": ("đang có hiệu lực", "in force"),
        "right-change": ("Đình chỉ", "Suspend"), "gi-new": ("Tỉnh, thành phố", "Province or city")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with demo_server(tmp_path_factory.mktemp("portal-authority")) as running:
        yield running






class TestAuthorityPages:
    @pytest.mark.parametrize("organisation", list(PAGES))
    def test_every_page_at_both_sizes_in_both_languages(self, server: Server, browser: webdriver.Chrome,
                                                        organisation: str) -> None:
        demo_sign_in(browser, server, organisation)
        found: list[tuple[str, Any]] = []
        for name, path in PAGES[organisation].items():
            for lang in ("vi", "en"):
                for size in SIZES:
                    open_page(browser, f"{server.base_url}{path}", lang, size)
                    assert "/portal/login" not in browser.current_url
                    main = browser.find_element(By.TAG_NAME, "main").text
                    if name in SAID:
                        assert SAID[name][0 if lang == "vi" else 1] in main
                    shoot(browser, f"portal-auth-{name}-{lang}", size)
                found += [(f"{name}-{lang}", v) for v in serious_violations(browser)]
        assert found == []

    def test_a_right_sent_without_a_date_shows_the_words_at_the_date(self, server: Server,
                                                                     browser: webdriver.Chrome) -> None:
        demo_sign_in(browser, server, "sokhcn-ha-noi")
        open_page(browser, f"{server.base_url}/portal/manage/rights/new", "vi")
        submit(browser, "main form button[type=submit]:not([name])")
        error = browser.find_element(By.ID, "err-valid_from").text
        assert error
        shoot(browser, "portal-auth-right-refused-vi", "phone")
        assert serious_violations(browser) == []
