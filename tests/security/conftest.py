"""Fixtures of the security tests: a small registry, the app or a real server on it, and what must stay secret.

`seed(registry, engine)` writes the registry every suite starts from: entry 0 registers the root authority
ROOT, then ROOT registers PRODUCER (custodial key) and the numbering agency NUMBERING, which licenses
PRODUCER's GS1 company prefixes; PRODUCER registers product GTIN and batch GTIN/LOT. It returns an API token for
ROOT and PRODUCER. `seeded_app` is an app on such a registry, shared by a module (refusals
append nothing, which `SeededApp.nothing_appended` checks); `live_server` is the e2e `server` fixture
started with NGUON_SECRET_KEY set and rate limiting off. `assert_problem` (tests/checks.py) checks an RFC 9457
refusal; the cast and drafts come from tests/factories.py.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.app import create_app
from api.settings import Settings, load_secret
from api.tokens import create_token
from ledger.files.keys import load_or_create_log_key
from ledger.store.engines import make_engine, write_transaction
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from registry.custody import Custody
from registry.held import RegCustodialKey
from registry.service import Registry
from tests.checks import (
    assert_problem,  # noqa: F401  (imported by the security tests from here)
    log_size,
    nothing_changed,
)
from tests.e2e.conftest import Server, server  # noqa: F401  (`server` is a fixture, requested by name below)
from tests.factories import (
    GTIN,
    LOT,
    NUMBERING,
    PRODUCER,
    PRODUCER_PREFIXES,
    ROOT,
    ROOT_NAMES,
    make_batch,
    make_licence,
    make_organisation,
    make_product,
)
from tests.registry.conftest import fresh_engine

_custodial_keys = RegCustodialKey.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Seeded:
    """API tokens of the seeded registry's organisations."""

    root_token: str
    producer_token: str


def register(registry: Registry, org_id: str, roles: tuple[str, ...], issuer: str = ROOT, **overrides: Any) -> None:
    """Register `org_id` with `roles` (in COMMUNE unless overridden) and a custodial key, so the registry signs
    for its tokens."""
    registry.register_with_custodial_key(issuer, make_organisation(org_id, roles, **overrides)[1])


def token(engine: Engine, organisation: str) -> str:
    with write_transaction(engine) as connection:  # as the app's writers: no busy snapshot on SQLite
        return create_token(connection, organisation, "security test")


def seed(registry: Registry, engine: Engine) -> Seeded:
    """Bootstrap ROOT, register PRODUCER (licensed PRODUCER_PREFIXES by NUMBERING) with its product GTIN and batch
    GTIN/LOT; a token of ROOT and of PRODUCER."""
    registry.bootstrap(ROOT, ROOT_NAMES)
    register(registry, PRODUCER, ("producer",))
    register(registry, NUMBERING, ("numbering_agency",))
    registry.submit_as(NUMBERING, [make_licence(PRODUCER, prefix) for prefix in PRODUCER_PREFIXES])
    registry.submit_as(PRODUCER, [make_product(gtin=GTIN), make_batch(gtin=GTIN, lot=LOT)])
    return Seeded(token(engine, ROOT), token(engine, PRODUCER))


def settings_of(running: Server) -> Settings:
    """The settings the server runs with (it reads them from its environment)."""
    env = running.env
    return Settings(database_url=env["NGUON_DATABASE_URL"], data_dir=Path(env["NGUON_DATA_DIR"]),
                    log_origin=env["NGUON_LOG_ORIGIN"], public_url=env["NGUON_PUBLIC_URL"],
                    secret_key=env.get("NGUON_SECRET_KEY"))


def seed_server(running: Server) -> Seeded:
    """Seed the server's database through a Registry of its own on the server's keys and secret."""
    settings = settings_of(running)
    engine = make_engine(settings.database_url)
    try:
        log = Log(SqlStore(engine), load_or_create_log_key(settings.data_dir, settings.log_origin))
        return seed(Registry(log, Custody.from_secret(load_secret(settings))), engine)
    finally:
        engine.dispose()


@pytest.fixture
def secret_key() -> str:
    """The NGUON_SECRET_KEY the servers and apps of a test run with."""
    return secrets.token_urlsafe(32)


@pytest.fixture
def live_server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, secret_key: str) -> Server:
    """The e2e server, started with NGUON_SECRET_KEY set and no rate limit (fuzzing reads thousands of times)."""
    monkeypatch.setenv("NGUON_SECRET_KEY", secret_key)
    monkeypatch.setenv("NGUON_RATE_LIMIT", "")
    started: Server = request.getfixturevalue("server")
    return started


@dataclass
class SeededApp:
    """An app on a seeded registry, its client, and the seeded tokens."""

    app: FastAPI
    client: TestClient
    tokens: Seeded

    @property
    def registry(self) -> Registry:
        registry: Registry = self.app.state.services.registry
        return registry

    @property
    def engine(self) -> Engine:
        engine: Engine = self.app.state.services.engine
        return engine

    def size(self) -> int:
        return log_size(self.registry.log.store)

    def custodial_keys(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(_custodial_keys)).scalar_one())

    @contextmanager
    def nothing_appended(self) -> Iterator[None]:
        """Check that what happens inside appends no entry, leaves every projection as it was and makes no
        custodial key."""
        keys = self.custodial_keys()
        with nothing_changed(self.registry.log.store, self.engine):
            yield
        assert self.custodial_keys() == keys, "a refused request left a custodial key behind"


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededApp]:
    """One seeded app per module on a database of its own: refusals append nothing, so tests can share it."""
    directory = tmp_path_factory.mktemp("security")
    with fresh_engine(directory) as engine:
        settings = Settings(database_url=engine.url.render_as_string(hide_password=False), data_dir=directory / "data",
                            log_origin="security.nguon/log", public_url="https://nguon.example", rate_limit="",
                            secret_key=secrets.token_urlsafe(32))
        app = create_app(settings)
        with TestClient(app) as client:
            tokens = seed(app.state.services.registry, app.state.services.engine)
            yield SeededApp(app, client, tokens)
