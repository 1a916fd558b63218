"""A real uvicorn server on a free port, on the test database, for end-to-end tests: `server` under uvicorn's
command line, `serve` as `nguon serve`; and what a producer needs before it can register a product there
(`license_prefix`)."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from selenium import webdriver

from tests.conftest import TEST_DATABASE_ENV, postgres_schema
from tests.databases import migrate
from tests.e2e.browser import headless_chromium, sign_in

NUMBERING = "gs1-vietnam"
"""The numbering agency, which licenses GS1 company prefixes."""


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
        done = subprocess.run([sys.executable, "-c", "from api.cli.main import app; app()", *args], env=self.env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout


def license_prefix(client: httpx.Client, root_token: str, token_of: Callable[[str], str], licensee: str,
                   prefix: str) -> None:
    """Through the API: the root registers the numbering agency NUMBERING, which licenses GS1 company prefix
    `prefix` to `licensee`; `token_of(organisation)` makes an API token (with `nguon tokens create`)."""
    registered = client.post("/api/v1/organisations", headers={"Authorization": f"Bearer {root_token}"}, json={
        "id": NUMBERING, "names": {"vi": "GS1 Việt Nam", "en": "GS1 Viet Nam"}, "roles": ["numbering_agency"]})
    assert registered.status_code == 201, registered.text
    licensed = client.post("/api/v1/statements", headers={"Authorization": f"Bearer {token_of(NUMBERING)}"}, json={
        "kind": "prefix.licensed.v1",
        "body": {"id": f"licence-{prefix}", "prefix": prefix, "licensee": licensee, "valid_from": "2020-01-01"}})
    assert licensed.status_code == 201, licensed.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def uvicorn_server(database_url: str, directory: Path) -> Iterator[Server]:
    """A server on a migrated `database_url`, its data directory in `directory`, until the block ends."""
    migrate(database_url)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NGUON_DATABASE_URL": database_url, "NGUON_DATA_DIR": str(directory / "data"),
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


@contextmanager
def demo_server(directory: Path) -> Iterator[Server]:
    """A server holding the demo, on the test database: a fresh PostgreSQL schema when the tests run there, else a
    SQLite file in `directory`. For a module's pages, shared by its tests."""
    base = os.environ.get(TEST_DATABASE_ENV)
    with (postgres_schema(base) if base else nullcontext(f"sqlite:///{directory / 'nguon.db'}")) as url, \
            uvicorn_server(url, directory) as server:
        server.cli("demo")
        yield server


def demo_sign_in(browser: webdriver.Chrome, server: Server, organisation: str, next_: str = "/portal") -> None:
    """Sign in as the admin of a demo organisation, with the sign-in `nguon demo` wrote to the data directory."""
    sign_ins = json.loads((Path(server.env["NGUON_DATA_DIR"]) / "demo-sign-ins.json").read_text(encoding="utf-8"))
    sign_in(browser, server.base_url, sign_ins[organisation]["login"], sign_ins[organisation]["password"], next_)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Debian's headless Chromium, one per test module (a module may ask for a fresh one per test instead)."""
    with headless_chromium() as driver:
        yield driver


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    with uvicorn_server(database_url, tmp_path) as running:
        yield running


ServeFactory = Callable[..., AbstractContextManager[Server]]
"""`serve(*options, **env)`: a context manager running `nguon serve` with `options` (`--workers`, `2`) and NGUON_*
variables `env` added."""


@pytest.fixture
def serve(database_url: str, tmp_path: Path) -> ServeFactory:
    """Start `nguon serve`, the command an operator runs (not uvicorn's own command line), on the test database
    and a free port; on leaving, stop it and check that it logged no traceback."""
    migrate(database_url)

    @contextmanager
    def running(*options: str, **extra: str) -> Iterator[Server]:
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("NGUON_")},
               "NGUON_DATABASE_URL": database_url, "NGUON_DATA_DIR": str(tmp_path / "data"),
               "NGUON_PUBLIC_URL": base_url, "NGUON_LOG_ORIGIN": "e2e.nguon/log",
               "PYTHONPATH": str(Path(__file__).resolve().parents[2]), **extra}
        output = tmp_path / f"serve-{port}.log"
        with output.open("wb") as out:
            process = subprocess.Popen([sys.executable, "-c", "from api.cli.main import app; app()", "serve", "--port",
                                        str(port), *options], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"nguon serve did not start: {output.read_text(errors='replace')}")
                time.sleep(0.1)
            yield Server(base_url, env)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        assert "Traceback" not in output.read_text(errors="replace"), output.read_text(errors="replace")

    return running
