"""Migrated test databases in milliseconds: Alembic runs once per test process, every test gets a copy.

Running the migrations costs about 0.25 s on SQLite and 0.37 s on PostgreSQL, and nearly every test needs
a migrated database of its own: a third of a CI run went there. So the first database a process migrates
is migrated by Alembic itself, and later ones are copies of it:

- on SQLite, a byte copy of a file Alembic migrated (SQLite's own backup, so the copy is consistent);
- on PostgreSQL, where one schema cannot be copied into another, the statements Alembic sent for the first
  test's schema, recorded at the driver's cursor and replayed in the same order, in one transaction, into
  the new (empty) schema. Every migration step that reads (0007 reads tokens) read an empty database then
  as it would now, so the replay sends what Alembic would.

tests/test_migrations.py checks that a copy has the very schema and revision that Alembic gives.
"""

import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from api.migrations import upgrade
from ledger.store.engines import make_engine, normalise_url


@dataclass
class _Recorded:
    statement: str
    parameters: Any
    many: bool


@dataclass
class _Templates:
    directory: tempfile.TemporaryDirectory[str] = field(default_factory=tempfile.TemporaryDirectory)
    sqlite_file: Path | None = None
    postgres: list[_Recorded] | None = None


_templates = _Templates()


def migrate(url: str) -> None:
    """Bring the empty database at `url` (an SQLite path or a fresh PostgreSQL schema) to the latest
    revision, exactly as `api.migrations.upgrade(url)` does."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        _copy_sqlite(_sqlite_template(), Path(str(parsed.database)))
    elif _templates.postgres is None:
        _templates.postgres = _record_upgrade(url)
    else:
        _replay(url, _templates.postgres)


def _sqlite_template() -> Path:
    if _templates.sqlite_file is None:
        path = Path(_templates.directory.name) / "migrated.db"
        upgrade(f"sqlite:///{path}")
        _templates.sqlite_file = path
    return _templates.sqlite_file


def _copy_sqlite(template: Path, target: Path) -> None:
    source = sqlite3.connect(template)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _record_upgrade(url: str) -> list[_Recorded]:
    """Run Alembic on `url` and keep every statement it sent to the driver, in order."""
    recorded: list[_Recorded] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        recorded.append(_Recorded(statement, parameters, many))

    event.listen(Engine, "before_cursor_execute", keep)
    try:
        upgrade(url)
    finally:
        event.remove(Engine, "before_cursor_execute", keep)
    schema = normalise_url(url).query.get("options", "")
    assert not any(schema and schema.split("=")[-1] in r.statement for r in recorded), (
        "a migration named its schema: a replay would touch the first test's schema")
    return recorded


def _replay(url: str, recorded: list[_Recorded]) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            for step in recorded:
                if step.many:
                    cursor.executemany(step.statement, step.parameters)
                else:
                    cursor.execute(step.statement, step.parameters or None)
    finally:
        engine.dispose()
