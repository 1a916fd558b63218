"""The portal in a real browser: Debian's headless Chromium signs in as a demo organisation's admin (the
sign-in `nguon demo` wrote to the data directory), creates an API token that then works against the API, and
signs out. Each page is shot at a phone's size (412x915) and a laptop's (1280x800) under
test-artifacts/screenshots/portal-*.png, and axe-core finds no serious or critical violation on any of them,
in Vietnamese and English."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By

from tests.e2e.browser import ARTIFACTS, SIZES, headless_chromium, resize, serious_violations, submit
from tests.e2e.conftest import Server

ORGANISATION = "gom-hong-phuc"
"""A demo producer: Xưởng gốm Hồng Phúc Bát Tràng."""


@pytest.fixture
def browser() -> Iterator[Any]:
    with headless_chromium() as driver:
        yield driver




def _shoot(browser: Any, name: str) -> list[tuple[str, str, Any]]:
    """Screenshots of the page at both sizes (no wider than a phone on a phone), and axe-core's findings."""
    for size, (width, height) in SIZES.items():
        resize(browser, size)
        shot = ARTIFACTS / f"portal-{name}-{width}x{height}.png"
        shot.unlink(missing_ok=True)
        assert browser.save_screenshot(str(shot))
        if size == "phone":
            overflow = browser.execute_script("return document.documentElement.scrollWidth")
            assert overflow <= width, f"the {name} page is {overflow} px wide on a {width} px phone"
    resize(browser, "phone")
    return [(name, v["id"], v) for v in serious_violations(browser)]




def _fill(browser: Any, **fields: str) -> None:
    for name, value in fields.items():
        element = browser.find_element(By.NAME, name)
        element.clear()
        element.send_keys(value)


class TestPortalInABrowser:
    """A demo admin signs in, makes a token that works, and signs out; every page is accessible."""

    def test_sign_in_create_a_token_sign_out(self, server: Server, browser: Any) -> None:
        server.cli("demo")
        sign_ins = json.loads((Path(server.env["NGUON_DATA_DIR"]) / "demo-sign-ins.json").read_text())
        login, password = sign_ins[ORGANISATION]["login"], sign_ins[ORGANISATION]["password"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        found = []

        browser.get(f"{server.base_url}/portal/login?lang=vi")  # the browser asks for English; the choice is kept
        browser.get(f"{server.base_url}/portal/tokens")
        assert browser.current_url == f"{server.base_url}/portal/login?next=/portal/tokens"
        assert browser.execute_script("return document.documentElement.lang") == "vi"
        found += _shoot(browser, "login-vi")
        _fill(browser, login=login, password="sai mật khẩu")  # noqa: S106  (a wrong password, on purpose)
        submit(browser, "main form button[type=submit]")
        assert browser.find_element(By.ID, "login-error").text == "Tên đăng nhập hoặc mật khẩu không đúng."
        found += _shoot(browser, "login-error-vi")
        _fill(browser, login=login, password=password)
        submit(browser, "main form button[type=submit]")
        assert browser.current_url == f"{server.base_url}/portal/tokens"

        _fill(browser, label="Máy in nhãn ở xưởng")
        submit(browser, "form[action='/portal/tokens'] button")
        token = browser.find_element(By.ID, "new-token").text
        assert token.startswith("ngn_")
        assert "Máy in nhãn ở xưởng" in browser.find_element(By.ID, "tokens").text
        found += _shoot(browser, "token-created-vi")
        mine = httpx.get(f"{server.base_url}/api/v1/tokens", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert mine.status_code == 200
        assert {t["organisation"] for t in mine.json()["tokens"]} == {ORGANISATION}

        browser.get(f"{server.base_url}/portal")
        assert browser.find_element(By.ID, "organisation").text == "Xưởng gốm Hồng Phúc Bát Tràng"
        assert browser.find_element(By.ID, "role").text == "Quản trị viên"
        found += _shoot(browser, "home-vi")
        for page in ("users", "account"):
            browser.get(f"{server.base_url}/portal/{page}")
            found += _shoot(browser, f"{page}-vi")
        browser.get(f"{server.base_url}/portal?lang=en")
        assert browser.find_element(By.ID, "organisation").text == "Hong Phuc ceramics workshop, Bat Trang"
        found += _shoot(browser, "home-en")
        browser.get(f"{server.base_url}/portal/tokens")
        assert browser.execute_script("return document.documentElement.lang") == "en", "the choice is kept"
        found += _shoot(browser, "tokens-en")

        submit(browser, "nav form button")
        assert browser.current_url == f"{server.base_url}/portal/login?done=signed_out"
        assert "You are signed out." in browser.find_element(By.TAG_NAME, "main").text
        browser.get(f"{server.base_url}/portal")
        assert browser.current_url.startswith(f"{server.base_url}/portal/login")
        assert found == []
