"""Alembic migrations on an empty database: upgrade, no drift from the models, downgrade, upgrade."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, table
from sqlalchemy.sql import column
from sqlmodel import SQLModel

import ledger.store.tables  # noqa: F401  (registers the ledger tables)
from api.migrations import downgrade, upgrade
from api.tokens import organisation_of, token_hash
from ledger.store.engines import make_engine, write_transaction
from registry.state import State
from registry.tables import RegCorrection, RegNonce


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
