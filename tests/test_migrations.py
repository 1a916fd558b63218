"""Alembic migrations on an empty database: upgrade, no drift from the models, downgrade, upgrade."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import ledger.tables  # noqa: F401  (registers the ledger tables)
from ledger.db import make_engine
from ledger.migrate import downgrade, upgrade


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
