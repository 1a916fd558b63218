"""Shared fixtures: a real database per test.

Without NGUON_TEST_DATABASE_URL every test gets its own SQLite file. With it (a PostgreSQL URL, as
.ci/run sets), every test gets a fresh schema in that database, dropped afterwards.
"""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine

from ledger.core.errors import UnknownKeyError
from ledger.core.signing import sign_statement, statement_key_id
from ledger.core.types import Signature, Statement
from ledger.store.engines import make_engine, normalise_url
from ledger.store.sql import SqlStore
from tests.databases import migrate

TEST_DATABASE_ENV = "NGUON_TEST_DATABASE_URL"


def on_postgres() -> bool:
    return bool(os.environ.get(TEST_DATABASE_ENV))


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A URL whose connections work in a fresh schema of the PostgreSQL database at `base`, dropped on exit."""
    schema = f"t_{secrets.token_hex(6)}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = normalise_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@contextmanager
def empty_database(path: Path) -> Iterator[str]:
    """A URL of an empty database of its own: the SQLite file at `path`, or a fresh PostgreSQL schema."""
    base = os.environ.get(TEST_DATABASE_ENV)
    if not base:
        yield f"sqlite:///{path}"
        return
    with postgres_schema(base) as url:
        yield url


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of its own: an SQLite file, or a fresh PostgreSQL schema."""
    with empty_database(tmp_path / "nguon.db") as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to the latest revision."""
    migrate(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sql_store(engine: Engine) -> SqlStore:
    return SqlStore(engine)


class Issuer:
    """A test issuer with one Ed25519 key, and the key lookup a log needs to check its signatures."""

    def __init__(self, name: str = "coop-bat-trang") -> None:
        self.name = name
        self.key = Ed25519PrivateKey.generate()
        self._counter = 0

    def lookup(self, issuer: str, key_id: str) -> Ed25519PublicKey:
        if issuer != self.name or key_id != statement_key_id(self.key.public_key()):
            raise UnknownKeyError(f"no key {key_id} for issuer {issuer}")
        return self.key.public_key()

    def statement(self, **body: object) -> tuple[Statement, Signature]:
        self._counter += 1
        statement = Statement(
            kind="batch.registered",
            issuer=self.name,
            issued_at="2026-11-26T09:30:00Z",
            nonce=f"n{secrets.token_hex(8)}{self._counter}",
            body={"gtin": "08934567890128", "lot": f"LOT-{self._counter}", "quantity": "12.5", **body},
        )
        return statement, sign_statement(statement, self.key)


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()
