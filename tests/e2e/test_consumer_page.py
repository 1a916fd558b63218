"""The consumer page in a real browser: headless Chromium (Debian's package) opens the page of every demo
verdict in Vietnamese and English, and the screenshots are kept under test-artifacts/screenshots/."""

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from registry.demo import scenarios
from tests.e2e.conftest import Server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]
EXPECTED = {
    "authentic": {"vi": "Chính hãng", "en": "Authentic"},
    "warning": {"vi": "Cảnh báo", "en": "Warning"},
    "invalid": {"vi": "Không hợp lệ", "en": "Not valid"},
    "unknown": {"vi": "Không xác định", "en": "Unknown"},
}


def _chromium() -> str:
    path = shutil.which("chromium")
    assert path is not None, "Debian's chromium package is needed (.ci/run installs it)"
    return path


def _browse(url: str, profile: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *mode, url],
                          capture_output=True, text=True, timeout=90, check=False)


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.fixture
def demo_server(server: Server) -> Server:
    server.cli("demo")
    return server


class TestConsumerPage:
    """Every verdict renders in both languages in a phone-sized browser window."""

    def test_every_demo_verdict_renders_in_vietnamese_and_english(self, demo_server: Server, tmp_path: Path) -> None:
        groups = scenarios()
        pages = {
            "authentic": groups["genuine"][0],
            "warning": groups["recalled"][0],
            "invalid": groups["suspended_right"][0],
        }
        urls = {verdict: f"{demo_server.base_url}/01/{key.gtin}/10/{key.lot}" for verdict, key in pages.items()}
        urls["unknown"] = f"{demo_server.base_url}/01/08930000000019/10/FAKE-0001"  # a GTIN no product has
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for verdict, url in urls.items():
            for lang in ("vi", "en"):
                page = f"{url}?lang={lang}"
                dom = _browse(page, tmp_path / f"profile-{verdict}-{lang}", "--dump-dom")
                assert dom.returncode == 0, dom.stderr[-2000:]
                assert f'<html lang="{lang}">' in dom.stdout
                assert f'class="badge {verdict}"' in dom.stdout
                assert EXPECTED[verdict][lang] in dom.stdout
                shot = ARTIFACTS / f"{verdict}-{lang}.png"
                shot.unlink(missing_ok=True)
                taken = _browse(page, tmp_path / f"shot-{verdict}-{lang}", f"--screenshot={shot}",
                                "--window-size=412,1400")
                assert taken.returncode == 0, taken.stderr[-2000:]
                assert _png_size(shot) == (412, 1400)
