"""Alembic migrations on an empty database: upgrade, no drift from the models, downgrade, upgrade; and the
tests' migrated copies (tests/databases.py) are the very database Alembic gives."""

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, table, text
from sqlalchemy.sql import column
from sqlmodel import SQLModel

import ledger.store.tables  # noqa: F401  (registers the ledger tables)
from api.migrations import downgrade, upgrade
from api.tokens import organisation_of, token_hash
from ledger.store.engines import make_engine, write_transaction
from registry.state import State
from registry.tables import RegCorrection, RegNonce
from tests.conftest import empty_database
from tests.databases import migrate


def _drift(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), SQLModel.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _schema(url: str) -> dict[str, Any]:
    """Everything a migration makes: tables with their columns, keys, indexes and constraints, triggers, and
    the revision recorded."""
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        shape: dict[str, Any] = {name: (
            [(c["name"], str(c["type"]), c["nullable"], str(c.get("default"))) for c in inspector.get_columns(name)],
            inspector.get_pk_constraint(name), sorted(map(str, inspector.get_indexes(name))),
            sorted(map(str, inspector.get_foreign_keys(name))),
            sorted(map(str, inspector.get_unique_constraints(name))),
            sorted(map(str, inspector.get_check_constraints(name))),
        ) for name in inspector.get_table_names()}
        with engine.connect() as conn:
            triggers = ("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'" if engine.dialect.name == "sqlite"
                        else "SELECT trigger_name, event_manipulation, action_statement"
                             " FROM information_schema.triggers WHERE trigger_schema = current_schema()")
            shape["triggers"] = sorted(map(tuple, conn.execute(text(triggers)).all()))
            shape["revision"] = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        return shape
    finally:
        engine.dispose()


class TestMigratedCopies:
    """A test's migrated database, copied from the process's first, is what Alembic makes."""

    def test_a_copy_has_the_schema_and_revision_alembic_gives(self, database_url: str, tmp_path: Path) -> None:
        upgrade(database_url)
        with empty_database(tmp_path / "first.db") as first, empty_database(tmp_path / "copy.db") as copy:
            migrate(first)
            migrate(copy)
            alembic = _schema(database_url)
            assert alembic["triggers"]
            assert alembic["revision"]
            assert _schema(first) == alembic
            assert _schema(copy) == alembic
            assert _drift(copy) == []


class TestMigrations:
    """The migrations build exactly the models' schema and can be undone and redone."""

    def test_upgrade_matches_models_then_downgrade_and_upgrade_again(self, database_url: str) -> None:
        upgrade(database_url)
        assert _drift(database_url) == []
        assert _tables(database_url) == set(SQLModel.metadata.tables)
        downgrade(database_url, "base")
        assert _tables(database_url) == set()
        upgrade(database_url)
        assert _drift(database_url) == []

    def test_projections_hold_log_indices_beyond_32_bits(self, database_url: str) -> None:
        upgrade(database_url)
        engine = make_engine(database_url)
        index = 2**40 + 7
        try:
            with write_transaction(engine) as connection:
                State(connection).insert(RegNonce, issuer="ipvietnam", nonce="n-1", entry=index)
                State(connection).insert(RegCorrection, entry=index + 1, corrected_entry=index, replacement=index + 2,
                                         issuer="ipvietnam", reason="a 64-bit index")
            with engine.connect() as connection:
                assert State(connection).get(RegNonce, issuer="ipvietnam", nonce="n-1") == {
                    "issuer": "ipvietnam", "nonce": "n-1", "entry": index}
                correction = State(connection).get(RegCorrection, entry=index + 1)
                assert correction is not None
                assert (correction["corrected_entry"], correction["replacement"]) == (index, index + 2)
        finally:
            engine.dispose()

    def test_tokens_made_before_0006_get_an_id_and_no_prefix_and_still_work(self, database_url: str) -> None:
        upgrade(database_url, "0005_entry_bigint")
        old = table("api_tokens", column("token_hash"), column("organisation"), column("label"), column("created_at"))
        tokens = [f"ngn_old-token-{n}" for n in range(3)]
        engine = make_engine(database_url)
        try:
            with write_transaction(engine) as connection:
                connection.execute(old.insert(), [{"token_hash": token_hash(t), "organisation": "ipvietnam",
                                                   "label": "", "created_at": "2026-11-01T00:00:00+00:00"}
                                                  for t in tokens])
            upgrade(database_url)
            with engine.connect() as connection:
                rows = connection.execute(select(column("id"), column("prefix")).select_from(table("api_tokens"))).all()
                assert len({row.id for row in rows}) == 3
                assert {row.prefix for row in rows} == {""}
                assert [organisation_of(connection, t) for t in tokens] == ["ipvietnam"] * 3
        finally:
            engine.dispose()
