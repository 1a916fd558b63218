"""A registry configured with a witness: its checkpoints get cosigned, and verdicts and offline bundles
carry the cosignature, checked with the witness's key and nothing else."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.verify_bundle import verify_bundle
from ledger.core.cosignature import CosignatureVerifier, open_cosigned_checkpoint
from ledger.core.note import NoteVerifier
from ledger.files.keys import load_or_create_log_key
from ledger.witness.server import load_or_create_witness_key
from registry.values import gtin_check_digit
from tests.databases import migrate
from tests.e2e.conftest import _free_port, license_prefix

ORIGIN = "witnessed.nguon/log"
WITNESS = "witness.e2e.nguon/w2"
GTIN = "0893600000002" + str(gtin_check_digit("0893600000002"))
PREFIX = "893600"
"""The GS1 company prefix licensed to the producer, which holds GTIN."""
ROOT = str(Path(__file__).resolve().parents[2])


def _start(args: list[str], env: dict[str, str], health: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(health, timeout=1)
            return process
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"{args} did not start: {output}")
            time.sleep(0.2)


@pytest.fixture
def registry_with_witness(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str], str, str]]:
    """(registry base URL, its environment, log verifier key, witness verifier key)."""
    migrate(database_url)
    data = tmp_path / "registry"
    log_key = load_or_create_log_key(data, ORIGIN).verifier.to_text()
    witness_key = load_or_create_witness_key(tmp_path / "witness", WITNESS).verifier.to_text()
    env = {**os.environ, "PYTHONPATH": ROOT}
    witness_port, registry_port = _free_port(), _free_port()
    witness = _start(["-c", "from api.cli.main import app; app()", "witness", "serve", "--name", WITNESS, "--log-key",
                      log_key, "--port", str(witness_port), "--database", f"sqlite:///{tmp_path / 'witness.db'}",
                      "--data-dir", str(tmp_path / "witness")], env, f"http://127.0.0.1:{witness_port}/")
    base = f"http://127.0.0.1:{registry_port}"
    registry_env = {**env, "NGUON_DATABASE_URL": database_url, "NGUON_DATA_DIR": str(data),
                    "NGUON_LOG_ORIGIN": ORIGIN, "NGUON_PUBLIC_URL": base, "NGUON_WITNESS_QUORUM": "1",
                    "NGUON_WITNESSES": json.dumps([f"http://127.0.0.1:{witness_port} {witness_key}"])}
    registry = _start(["-m", "uvicorn", "api.app:app_from_environment", "--factory", "--port", str(registry_port)],
                      registry_env, f"{base}/api/v1/health")
    try:
        yield base, registry_env, log_key, witness_key
    finally:
        for process in (registry, witness):
            process.terminate()
            process.wait(timeout=20)


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", "from api.cli.main import app; app()", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


class TestWitnessedRegistry:
    """Checkpoints are published once the witness cosigns them, and the evidence carries the cosignature."""

    def test_verdict_and_bundle_carry_the_witness_cosignature(
            self, registry_with_witness: tuple[str, dict[str, str], str, str], tmp_path: Path) -> None:
        base, env, log_key_text, witness_key_text = registry_with_witness
        root_token = _cli(env, "bootstrap", "--id", "ipvietnam", "--name-vi", "Cục Sở hữu trí tuệ",
                          "--name-en", "IP Office of Viet Nam")
        with httpx.Client(base_url=base, timeout=30) as client:
            created = client.post("/api/v1/organisations", headers={"Authorization": f"Bearer {root_token}"}, json={
                "id": "htx-phu-vinh", "names": {"vi": "HTX mây tre Phú Vinh", "en": "Phu Vinh rattan co-op"},
                "roles": ["producer"]})
            assert created.status_code == 201, created.text
            license_prefix(client, root_token, lambda org: _cli(env, "tokens", "create", "--org", org), "htx-phu-vinh",
                           PREFIX)
            auth = {"Authorization": f"Bearer {_cli(env, 'tokens', 'create', '--org', 'htx-phu-vinh')}"}
            assert client.post("/api/v1/products", headers=auth, json={
                "gtin": GTIN, "names": {"vi": "Giỏ mây", "en": "Rattan basket"}, "unit": "H87"}).status_code == 201
            batch = client.post("/api/v1/batches", headers=auth, json={
                "gtin": GTIN, "lot": "PV-1", "quantity": "30", "unit": "H87", "produced_on": "2026-11-10",
                "origin": {"code": "10030", "version": "2025-07-01"}})
            assert batch.status_code == 201
            deadline = time.monotonic() + 30
            while True:
                note = client.get("/api/v1/log/checkpoint")
                if note.status_code == 200 and f"\n{chr(8212)} {WITNESS} " in note.text \
                        and f"\n{batch.json()['index'] + 1}\n" in note.text:
                    break
                assert time.monotonic() < deadline, f"checkpoint was never cosigned: {note.text}"
                time.sleep(0.3)
            verdict = client.get(f"/01/{GTIN}/10/PV-1", headers={"Accept": "application/json"}).json()
            bundle = client.get(f"/api/v1/bundles/01/{GTIN}/10/PV-1")
        log_key = NoteVerifier.from_text(log_key_text)
        witness = CosignatureVerifier.from_text(witness_key_text)
        assert verdict["verdict"] == "authentic"
        assert open_cosigned_checkpoint(verdict["evidence"]["checkpoint"], log_key, [witness]).witnesses == (WITNESS,)
        path = tmp_path / "bundle.json"
        path.write_text(bundle.text, encoding="utf-8")
        checked = verify_bundle(path, log_key, (witness,))
        assert checked.verdict.verdict == "authentic"
        assert "batch.registered.v1" in {e.kind for e in checked.entries}
        assert checked.checkpoint.size >= batch.json()["index"] + 1
