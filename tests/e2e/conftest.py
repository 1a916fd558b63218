"""A real uvicorn server on a free port, on the test database, for end-to-end tests."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from ledger.migrate import upgrade


@dataclass(frozen=True)
class Server:
    base_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = field(default=None, compare=False, repr=False)

    def stop(self) -> str:
        """Stop the server as an operator would (SIGTERM: a graceful shutdown); what it printed."""
        assert self.process is not None
        self.process.terminate()
        output, _ = self.process.communicate(timeout=30)
        return output.decode()

    def cli(self, *args: str) -> str:
        """Run `nguon` against the server's database and data directory; its standard output."""
        done = subprocess.run([sys.executable, "-c", "from api.cli import app; app()", *args], env=self.env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    upgrade(database_url)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NGUON_DATABASE_URL": database_url, "NGUON_DATA_DIR": str(tmp_path / "data"),
           "NGUON_PUBLIC_URL": base_url, "NGUON_LOG_ORIGIN": "e2e.nguon/log",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:app_from_environment", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base_url}/api/v1/log/key", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"server did not start: {output}")
            time.sleep(0.1)
        yield Server(base_url, env, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
