"""Secrets stay secret: API tokens are stored only as hashes, custodial keys only sealed, and no token, private
key or NGUON_SECRET_KEY appears in any log line or any answer, in process or from a real server.

The secrets looked for, in every form they could be written out (raw, hex, base64, URL-safe base64): every API
token made, NGUON_SECRET_KEY, the AES key registry.custody derives from it and the key of scanning readers'
HMACs (api.scans.client_key), the log key's `PRIVATE+KEY+…` text in NGUON_DATA_DIR/log.key and its seed, and
the seed of every custodial key. No answer holds a token's hash either (the SQL log, at DEBUG, does: it is the
parameter that finds the token).
"""

import base64
import hashlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, select, update
from sqlalchemy.engine import Connection

from api.app import create_app
from api.scans import client_key
from api.settings import Settings
from api.tables import ApiToken
from api.tokens import PREFIX, revoke_token, token_hash
from ledger.core.note import NoteSigner
from ledger.core.signing import public_key_bytes
from ledger.files.keys import LOG_KEY_FILE
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from registry.custody import Custody
from registry.errors import NotAllowedError
from registry.held import RegCustodialKey
from registry.service import Registry
from registry.tables import RegKey
from tests.databases import migrate
from tests.e2e.conftest import Server
from tests.factories import NUMBERING, gtin, make_batch, make_licence, make_organisation, make_product
from tests.registry.conftest import OwnKey
from tests.security.conftest import ROOT, Seeded, seed, seed_server, settings_of, token

CUSTODY_INFO = b"nguon custodial keys v1"
"""The HKDF info of registry.custody, to derive the AES key a leak could also show."""
_tokens = ApiToken.__table__  # type: ignore[attr-defined]
_keys = RegKey.__table__  # type: ignore[attr-defined]
_sealed = RegCustodialKey.__table__  # type: ignore[attr-defined]


def forms(secret: bytes) -> list[bytes]:
    """The ways `secret` could be written out."""
    b64, url = base64.b64encode(secret), base64.urlsafe_b64encode(secret)
    return [secret, secret.hex().encode(), secret.hex().upper().encode(), b64, b64.rstrip(b"="), url, url.rstrip(b"=")]


class Secrets:
    """What must never be written out, by name."""

    def __init__(self) -> None:
        self.forms: dict[str, list[bytes]] = {}

    def add(self, name: str, secret: bytes) -> None:
        self.forms[name] = forms(secret)

    def add_token(self, value: str) -> None:
        self.forms[f"token {value[:8]}…"] = [value.encode(), value.removeprefix(PREFIX).encode()]

    def leaked_in(self, text: bytes) -> list[str]:
        return [name for name, written in self.forms.items() if any(w in text for w in written)]


def custodial_seeds(engine: Engine, secret_key: str) -> dict[str, bytes]:
    """Key id -> seed of every custodial key, unsealed with NGUON_SECRET_KEY."""
    custody = Custody.from_secret(secret_key.encode())
    with engine.connect() as connection:
        rows = connection.execute(select(_sealed.c.key_id, _sealed.c.organisation)).all()
        return {key_id: custody.sealed_key(connection, owner, key_id).private_bytes_raw() for key_id, owner in rows}


def all_secrets(engine: Engine, data_dir: Path, secret_key: str, tokens: list[str]) -> Secrets:
    found = Secrets()
    for value in tokens:
        found.add_token(value)
    found.add("NGUON_SECRET_KEY", secret_key.encode())
    found.add("custody AES key", HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=CUSTODY_INFO)
              .derive(secret_key.encode()))
    found.add("scan client key", client_key(secret_key.encode()))
    private_text = (data_dir / LOG_KEY_FILE).read_text().strip()
    encoded = private_text.split("+", 4)[4]  # PRIVATE+KEY+name+hexid+base64, whose base64 may hold "+"
    found.forms["log key PRIVATE+KEY text"] = [private_text.encode(), encoded.encode()]
    found.add("log key seed", base64.b64decode(encoded)[1:])
    for key_id, seed_ in custodial_seeds(engine, secret_key).items():
        found.add(f"custodial key {key_id}", seed_)
    assert len(found.forms) >= len(tokens) + 6, "expected the log key and at least two custodial keys"
    return found


def database_dump(engine: Engine) -> bytes:
    """Every value of every table: text as UTF-8, binary as stored; and an SQLite database's files."""
    metadata = MetaData()
    metadata.reflect(engine)
    parts: list[bytes] = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                parts.extend(v if isinstance(v, bytes) else str(v).encode() for v in row)
    if engine.url.get_backend_name() == "sqlite" and engine.url.database:
        path = Path(engine.url.database)
        parts.extend(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    return b"\n".join(parts)


def owner_of(connection: Connection, key_id: str) -> str:
    owner: str = connection.execute(select(_sealed.c.organisation).where(_sealed.c.key_id == key_id)).scalar_one()
    return owner


@pytest.fixture
def seeded(engine: Engine, secret_key: str) -> Seeded:
    """ROOT, PRODUCER and NUMBERING registered with custodial keys sealed under `secret_key`, and a token of ROOT
    and of PRODUCER."""
    log = Log(SqlStore(engine), NoteSigner.generate("secrets.nguon/log"))
    return seed(Registry(log, Custody.from_secret(secret_key.encode())), engine)


class TestAtRest:
    """What the database holds of tokens and custodial keys reveals neither."""

    def test_tokens_are_stored_only_as_their_sha256(self, engine: Engine, seeded: Seeded) -> None:
        tokens = [seeded.root_token, seeded.producer_token, *(token(engine, ROOT) for _ in range(3))]
        with engine.connect() as connection:
            hashes_ = connection.execute(select(_tokens.c.token_hash)).scalars().all()
        assert sorted(hashes_) == sorted(hashlib.sha256(t.encode()).hexdigest() for t in tokens)
        dump = database_dump(engine)
        secrets_ = Secrets()
        for value in tokens:
            secrets_.add_token(value)
        assert secrets_.leaked_in(dump) == []

    def test_custodial_keys_are_sealed_and_unseal_to_their_registered_public_keys(
            self, engine: Engine, seeded: Seeded, secret_key: str) -> None:
        seeds = custodial_seeds(engine, secret_key)
        assert len(seeds) == 3  # ROOT's, PRODUCER's and NUMBERING's
        dump = database_dump(engine)
        custody = Custody.from_secret(secret_key.encode())
        with engine.connect() as connection:
            for key_id, seed_ in seeds.items():
                private = custody.sealed_key(connection, owner_of(connection, key_id), key_id)
                public = connection.execute(select(_keys.c.public_key).where(_keys.c.key_id == key_id)).scalar_one()
                assert base64.b64encode(public_key_bytes(private.public_key())).decode() == public
                sealed = connection.execute(select(_sealed.c.sealed).where(_sealed.c.key_id == key_id)).scalar_one()
                assert len(sealed) == 12 + 32 + 16, "nonce, AES-GCM ciphertext of the seed, tag"
                for written in forms(seed_):
                    assert written not in sealed
                    assert written not in dump

    def test_a_sealed_key_opens_only_under_its_secret_and_for_its_organisation(
            self, engine: Engine, seeded: Seeded, secret_key: str) -> None:
        key_id = next(iter(custodial_seeds(engine, secret_key)))
        with engine.connect() as connection:
            with pytest.raises(NotAllowedError) as wrong_secret:
                Custody.from_secret(b"another secret").sealed_key(connection, owner_of(connection, key_id), key_id)
            assert wrong_secret.value.code == "custodial-key-sealed"
            connection.execute(update(_sealed).where(_sealed.c.key_id == key_id).values(organisation="elsewhere"))
            with pytest.raises(NotAllowedError) as moved:
                Custody.from_secret(secret_key.encode()).sealed_key(connection, "elsewhere", key_id)
            assert moved.value.code == "custodial-key-sealed"
            connection.rollback()


@pytest.fixture
def capture_all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog at DEBUG on every logger, including those that set their own level or do not propagate."""
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict)]
    saved = [(logger, logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.propagate = True
    yield caplog
    for logger, level, propagate in saved:
        logger.setLevel(level)
        logger.propagate = propagate


def logged(caplog: pytest.LogCaptureFixture) -> bytes:
    """Everything the captured records say: message, arguments and exception text."""
    lines = [f"{r.name} {r.levelname} {r.getMessage()} {r.args!r} {r.exc_text or ''} {r.exc_info!r}"
             for r in caplog.records]
    assert len(lines) > 10, "expected the run to log something"
    return "\n".join(lines).encode()


def exercise(client: httpx.Client, root_token: str, make_token: Callable[[str], str],
             revoke: Callable[[str], None]) -> tuple[list[str], bytes]:
    """Make tokens, write with them, list them and revoke one through the API, scan an item, and provoke refusals
    (unknown, revoked and mangled tokens, a bad signature, an oversized body, malformed JSON, a token pasted into
    a body); the tokens made, and every answer."""
    created = client.post("/api/v1/organisations", json=make_organisation("htx-secret", ["producer"])[1],
                          headers={"Authorization": f"Bearer {root_token}"})
    assert created.status_code == 201, created.text
    numbering = make_token(NUMBERING)
    kind, body = make_licence("htx-secret", "893424")
    licensed = client.post("/api/v1/statements", json={"kind": kind, "body": body},
                           headers={"Authorization": f"Bearer {numbering}"})
    assert licensed.status_code == 201, licensed.text
    producer, revoked, spare = make_token("htx-secret"), make_token("htx-secret"), make_token("htx-secret")
    revoke(revoked)
    auth = {"Authorization": f"Bearer {producer}"}
    listed = client.get("/api/v1/tokens", headers=auth)
    [spare_id] = [t["id"] for t in listed.json()["tokens"] if t["prefix"] == spare[4:10]]
    revoked_by_api = client.post(f"/api/v1/tokens/{spare_id}/revoke", headers=auth)
    as_json = {**auth, "Content-Type": "application/json"}
    code = gtin(4242, prefix="0893424")
    statement, signature = OwnKey(ROOT).sign(make_product(gtin=gtin(4247)))
    writes = [
        client.post("/api/v1/products", json=make_product(gtin=code)[1], headers=auth),
        client.post("/api/v1/batches", json=make_batch(gtin=code, lot="S-1")[1], headers=auth),
        client.post("/api/v1/statements", headers=auth, json={"kind": "batch.event.v1", "body": {
            "gtin": code, "lot": "S-1", "biz_step": "shipping", "event_time": "2026-11-20T08:00:00Z"}}),
        client.post("/api/v1/serials", json={"gtin": code, "lot": "S-1", "serials": ["V1"]}, headers=auth),
    ]
    refusals = [
        client.post("/api/v1/products", json=make_product(gtin=gtin(4243))[1],
                    headers={"Authorization": f"Bearer {revoked}"}),
        client.post("/api/v1/products", json=make_product(gtin=gtin(4244))[1],
                    headers={"Authorization": f"Bearer {producer[:-2]}xx"}),
        client.post("/api/v1/products", json=make_product(gtin=gtin(4245))[1],
                    headers={"Authorization": f"Basic {producer}"}),
        client.post("/api/v1/products", content=b"{" + b" " * 2_000_000 + b"}", headers=as_json),
        client.post("/api/v1/products", content=b'{"gtin": ', headers=as_json),
        client.post("/api/v1/products", json={**make_product(gtin=gtin(4246))[1], "token": producer}, headers=auth),
        client.post("/api/v1/statements", json={"statement": statement.to_json(), "signature": signature.to_json()}),
        client.post("/api/v1/keys", json={"organisation": ROOT, "public_key": OwnKey(ROOT).public_key}, headers=auth),
    ]
    reads = [client.get(path, headers=auth) for path in (
        "/api/v1/organisations/htx-secret", "/api/v1/keys", "/api/v1/log/entries", "/api/v1/log/checkpoint",
        "/api/v1/log/key", f"/api/v1/batches/{code}/S-1", f"/api/v1/batches/{code}/S-1/qr.svg",
        f"/api/v1/batches/{code}/S-1/qr.png", f"/api/v1/batches/{code}/S-1/labels.html", f"/page/01/{code}/10/S-1",
        f"/api/v1/bundles/01/{code}/10/S-1", "/openapi.json", f"/page/01/{code}/10/S-1/21/V1",
        "/api/v1/tokens")]
    reads.append(client.get(f"/01/{code}/10/S-1", headers={"Accept": "application/json"}))
    reads.append(client.get(f"/01/{code}/10/S-1/21/V1", headers={"Accept": "application/json"}))
    assert [r.status_code for r in writes] == [201, 201, 201, 201], [r.text for r in writes]
    assert all(400 <= r.status_code < 500 for r in refusals), [r.text for r in refusals]
    assert all(r.status_code == 200 for r in [*reads, listed, revoked_by_api]), [r.text for r in reads]
    answers = [created, licensed, *writes, *refusals, *reads, listed, revoked_by_api]
    return [numbering, producer, revoked, spare], b"\n".join(json.dumps(dict(a.headers)).encode() + b"\n" + a.content
                                                             for a in answers)


def hashes_in(answers: bytes, tokens: list[str]) -> list[str]:
    """The tokens whose SHA-256 (the stored hash) appears in `answers`."""
    return [t[:8] for t in tokens if token_hash(t).encode() in answers or token_hash(t).upper().encode() in answers]


class TestNothingSecretIsWrittenOut:
    """No log line and no answer holds a token, a private key or the secret key."""

    def test_in_process(self, capture_all_logs: pytest.LogCaptureFixture, engine: Engine, tmp_path: Path,
                        secret_key: str) -> None:
        settings = Settings(database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data",
                            log_origin="secrets.nguon/log", rate_limit="", secret_key=secret_key)
        app = create_app(settings)
        with TestClient(app) as client:
            seeded = seed(app.state.services.registry, engine)
            made, answers = exercise(client, seeded.root_token, lambda org: token(engine, org),
                                     lambda value: _revoke(engine, value))
        made = [seeded.root_token, seeded.producer_token, *made]
        found = all_secrets(engine, settings.data_dir, secret_key, made)
        assert found.leaked_in(logged(capture_all_logs)) == []
        assert found.leaked_in(answers) == []
        assert hashes_in(answers, made) == []

    def test_from_a_real_server(self, capture_all_logs: pytest.LogCaptureFixture,
                                talkative_server: "TalkativeServer", secret_key: str) -> None:
        seeded = seed_server(talkative_server.server)
        settings = settings_of(talkative_server.server)
        engine = make_engine(settings.database_url)
        try:
            with httpx.Client(base_url=talkative_server.server.base_url, timeout=30) as client:
                made, answers = exercise(client, seeded.root_token, lambda org: token(engine, org),
                                         lambda value: _revoke(engine, value))
            made = [seeded.root_token, seeded.producer_token, *made]
            found = all_secrets(engine, settings.data_dir, secret_key, made)
        finally:
            engine.dispose()
        server_output = talkative_server.stop()
        assert b"POST /api/v1/products" in server_output, "expected the server to log its requests"
        assert b"FROM api_tokens" in server_output, "expected the server to log its SQL"
        assert found.leaked_in(server_output) == []
        assert found.leaked_in(logged(capture_all_logs)) == []
        assert found.leaked_in(answers) == []
        assert hashes_in(answers, made) == []


def _revoke(engine: Engine, value: str) -> None:
    with engine.begin() as connection:
        assert revoke_token(connection, value)


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "root": {"level": "DEBUG", "handlers": ["stderr"]},
    "loggers": {"sqlalchemy": {"level": "DEBUG"}},
}
"""Every logger of the server process at DEBUG; SQLAlchemy, which sets its own to WARN, logs each statement, its
parameters and the rows it reads."""



@dataclass(frozen=True)
class TalkativeServer:
    server: Server
    process: "subprocess.Popen[bytes]"
    output: Path

    def stop(self) -> bytes:
        """Stop the server (if it runs); everything it wrote to stdout and stderr."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.output.read_bytes()


@pytest.fixture
def talkative_server(database_url: str, tmp_path: Path, secret_key: str) -> Iterator[TalkativeServer]:
    """Like the e2e `server`, but at uvicorn's trace level with every logger at DEBUG, its stdout and stderr
    kept in a file (the e2e server logs warnings only, to a pipe no one reads)."""
    migrate(database_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NGUON_DATABASE_URL": database_url, "NGUON_DATA_DIR": str(tmp_path / "data"),
           "NGUON_PUBLIC_URL": base_url, "NGUON_LOG_ORIGIN": "e2e.nguon/log", "NGUON_SECRET_KEY": secret_key,
           "NGUON_RATE_LIMIT": "", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    config = tmp_path / "logging.json"
    config.write_text(json.dumps(LOG_CONFIG))
    output = tmp_path / "server.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:app_from_environment", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-config", str(config), "--log-level", "trace"],
            env=env, stdout=sink, stderr=subprocess.STDOUT)
    running = TalkativeServer(Server(base_url, env), process, output)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server did not start: {output.read_text()}")
            time.sleep(0.1)
        yield running
    finally:
        running.stop()
