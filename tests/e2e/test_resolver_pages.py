"""The resolver's own pages and /docs in a real browser: headless Chromium (Debian's package) draws them under
their Content-Security-Policy with no network but this server's, reports no violation of it, and the
screenshots are kept under test-artifacts/screenshots/."""

import subprocess
from pathlib import Path

import httpx
import pytest

from registry.demo import scenarios
from tests.e2e.browser import ARTIFACTS, CHROMIUM_FLAGS, chromium
from tests.e2e.conftest import Server

# Everything but this server is unreachable, as on a machine without internet.
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--enable-logging=stderr", "--v=0",
           "--virtual-time-budget=10000"]


def _browse(url: str, profile: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, *OFFLINE, f"--user-data-dir={profile}", *mode, url],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def demo_server(server: Server) -> Server:
    server.cli("demo")
    return server


class TestPagesInABrowser:
    """Each page draws with its styles allowed and nothing refused."""

    def test_product_walk_up_and_refusal_pages(self, demo_server: Server, tmp_path: Path) -> None:
        key = scenarios()["genuine"][0]
        wrong = key.gtin[:-1] + str((int(key.gtin[-1]) + 1) % 10)
        pages = {"product": (f"/01/{key.gtin}", "Sản phẩm đã được đăng ký"),
                 "walked-up": (f"/01/{key.gtin}/10/FAKE-0001", "Không tìm thấy lô hàng"),
                 "check-digit": (f"/01/{wrong}/10/{key.lot}", "Mã GTIN sai số kiểm tra"),
                 "malformed": (f"/01/{key.gtin}/21/S1/10/{key.lot}", "Đường dẫn không hợp lệ"),
                 "verdict": (f"/01/{key.gtin}/10/{key.lot}", "Chính hãng")}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name, (url, text) in pages.items():
            url = f"{demo_server.base_url}{url}?lang=vi"  # the browser asks for English
            dom = _browse(url, tmp_path / f"profile-{name}", "--dump-dom")
            assert dom.returncode == 0, dom.stderr[-2000:]
            assert text in dom.stdout
            assert "Content Security Policy" not in dom.stderr, dom.stderr[-2000:]
            shot = ARTIFACTS / f"resolver-{name}.png"
            shot.unlink(missing_ok=True)
            taken = _browse(url, tmp_path / f"shot-{name}", f"--screenshot={shot}",
                            "--window-size=412,900")
            assert taken.returncode == 0, taken.stderr[-2000:]
            assert shot.stat().st_size > 0

    def test_the_api_documentation_draws_offline(self, server: Server, tmp_path: Path) -> None:
        dom = _browse(f"{server.base_url}/docs", tmp_path / "profile-docs", "--dump-dom")
        assert dom.returncode == 0, dom.stderr[-2000:]
        assert "swagger-ui" in dom.stdout
        assert "/api/v1/batches" in dom.stdout, "Swagger UI drew the operations of openapi.json"
        assert "Content Security Policy" not in dom.stderr, dom.stderr[-2000:]
        shot = ARTIFACTS / "docs.png"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot.unlink(missing_ok=True)
        taken = _browse(f"{server.base_url}/docs", tmp_path / "shot-docs", f"--screenshot={shot}",
                        "--window-size=1280,1400")
        assert taken.returncode == 0, taken.stderr[-2000:]


class TestHeadUnderUvicorn:
    """uvicorn sends HEAD's headers, GET's length among them, and no body."""

    def test_head_of_a_page_and_a_linkset(self, demo_server: Server) -> None:
        key = scenarios()["genuine"][0]
        with httpx.Client(base_url=demo_server.base_url, timeout=30) as client:
            for url in (f"/01/{key.gtin}/10/{key.lot}", f"/01/{key.gtin}/10/{key.lot}?linkType=linkset",
                        f"/01/{key.gtin}"):
                got, head = client.get(url), client.head(url)
                assert (head.status_code, head.content) == (got.status_code, b"")
                assert head.headers["content-length"] == str(len(got.content))
                assert head.headers["link"] == got.headers["link"]
