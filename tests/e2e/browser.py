"""Debian's headless Chromium as the browser tests run it: where screenshots go, and the flags that keep it
from reaching anything but the server under test (no updates, sync or background requests)."""

import shutil
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                  "--no-first-run", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--hide-scrollbars"]


def chromium() -> str:
    """The path of Debian's chromium."""
    path = shutil.which("chromium")
    assert path is not None, "Debian's chromium package is needed (.ci/run installs it)"
    return path
