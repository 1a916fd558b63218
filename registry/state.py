"""The registry's state inside one write (or replay) transaction: projection reads and writes.

Handlers read and write projections only through `State`, on the same connection as the ledger append,
so rules, projections and entries commit together or not at all. Statements are prepared text run on the
driver inside SQLAlchemy's transaction (building SQLAlchemy expressions per call cost more than the
queries).

Rows read by primary key are cached, for one transaction: every write through `State` keeps the cache current
(an insert or update writes through, a change by other columns drops the table's rows), a new transaction on the
connection starts it afresh, and a rollback to a savepoint must be followed by `forget()`. It holds at most
CACHE_LIMIT rows, so a long transaction (a replay chunk, a large batch) reads again what it dropped.
"""

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from ledger.store.engines import placeholder

Row = dict[str, Any]

CACHE_LIMIT = 4096
"""Rows a State caches at most; when full it starts over (the rows a unit of work reads again and again, its
issuer's organisation and keys, are back after one read)."""


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


@cache
def _columns(model: type[SQLModel]) -> tuple[str, ...]:
    return tuple(c.name for c in table_of(model).columns)


@cache
def _primary_key(model: type[SQLModel]) -> tuple[str, ...]:
    return tuple(c.name for c in table_of(model).primary_key.columns)


@cache
def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    fields = model.model_fields
    return {name: (fields[name].default if name in fields and not fields[name].is_required() else None)
            for name in _columns(model)}


def _q(name: str) -> str:
    return f'"{name}"'


class State:
    """Projection access for handlers, on `connection`'s transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._driver: Any = connection.connection.driver_connection
        self._mark = placeholder(connection)
        self._cache: dict[tuple[str, tuple[Any, ...]], Row | None] = {}
        self._transaction = connection.get_transaction()
        self._sql: dict[tuple[Any, ...], str] = {}

    def forget(self) -> None:
        """Drop every cached read (after a rollback to a savepoint undid writes the cache holds)."""
        self._cache.clear()

    @property
    def cached(self) -> int:
        """How many rows (or known absences) the cache holds."""
        return len(self._cache)

    def _remember(self, key: tuple[str, tuple[Any, ...]], row: Row | None) -> None:
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = row

    def _run(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        cursor = self._driver.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()

    def _where(self, names: tuple[str, ...], nulls: frozenset[str] = frozenset()) -> str:
        return " AND ".join(f"{_q(n)} IS NULL" if n in nulls else f"{_q(n)} = {self._mark}" for n in names)

    def _select(self, model: type[SQLModel], names: tuple[str, ...], nulls: frozenset[str] = frozenset()) -> str:
        key = ("select", model, names, nulls)
        if key not in self._sql:
            cols = ", ".join(_q(c) for c in _columns(model))
            order = ", ".join(_q(c) for c in _primary_key(model))
            where = f" WHERE {self._where(names, nulls)}" if names else ""
            self._sql[key] = f"SELECT {cols} FROM {table_of(model).name}{where} ORDER BY {order}"
        return self._sql[key]

    def _cache_key(self, model: type[SQLModel], values: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        return table_of(model).name, tuple(values[c] for c in _primary_key(model))

    def get(self, model: type[SQLModel], **pk: Any) -> Row | None:
        """The row with this primary key, or None."""
        transaction = self.connection.get_transaction()
        if transaction is not self._transaction:  # what was cached belongs to a transaction that has ended
            self._cache.clear()
            self._transaction = transaction
        key = self._cache_key(model, pk)
        if key not in self._cache:
            names = tuple(pk)
            rows = self._run(self._select(model, names), tuple(pk[n] for n in names))
            self._remember(key, dict(zip(_columns(model), rows[0], strict=True)) if rows else None)
        cached = self._cache[key]
        return None if cached is None else dict(cached)

    def find(self, model: type[SQLModel], **where: Any) -> list[Row]:
        """Rows whose columns equal the given values (None: IS NULL), in primary-key order."""
        names = tuple(where)
        nulls = frozenset(n for n in names if where[n] is None)
        columns = _columns(model)
        rows = self._run(self._select(model, names, nulls), tuple(where[n] for n in names if n not in nulls))
        return [dict(zip(columns, r, strict=True)) for r in rows]

    def _insert_sql(self, model: type[SQLModel]) -> str:
        key = ("insert", model)
        if key not in self._sql:
            cols = _columns(model)
            self._sql[key] = (f"INSERT INTO {table_of(model).name} ({', '.join(_q(c) for c in cols)}) "
                              f"VALUES ({', '.join(self._mark for _ in cols)})")
        return self._sql[key]

    def _full_row(self, model: type[SQLModel], values: Mapping[str, Any]) -> Row:
        unknown = set(values) - set(_columns(model))
        if unknown:
            raise KeyError(f"{table_of(model).name} has no columns {sorted(unknown)}")
        return {**_defaults(model), **values}

    def insert(self, model: type[SQLModel], **values: Any) -> None:
        row = self._full_row(model, values)
        self._run(self._insert_sql(model), tuple(row[c] for c in _columns(model)))
        self._remember(self._cache_key(model, row), row)

    def insert_many(self, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
        """Insert several rows in one statement; they are not cached (a cached absence of one is dropped)."""
        if not rows:
            return
        full = [self._full_row(model, r) for r in rows]
        cursor = self._driver.cursor()
        try:
            cursor.executemany(self._insert_sql(model), [tuple(row[c] for c in _columns(model)) for row in full])
        finally:
            cursor.close()
        if self._cache:
            for row in full:
                self._cache.pop(self._cache_key(model, row), None)

    def update(self, model: type[SQLModel], pk: Mapping[str, Any], **values: Any) -> None:
        names = tuple(values)
        keys = tuple(pk)
        sql = (f"UPDATE {table_of(model).name} SET {', '.join(f'{_q(n)} = {self._mark}' for n in names)} "
               f"WHERE {self._where(keys)}")
        self._run(sql, tuple(values[n] for n in names) + tuple(pk[k] for k in keys))
        key = self._cache_key(model, pk)
        cached = self._cache.pop(key, None)
        if set(values) & set(_primary_key(model)):
            # The row moved to another key, where an absence may be cached: forget that too.
            self._cache.pop(self._cache_key(model, {**pk, **values}), None)
        elif cached is not None:
            cached.update(values)
            self._cache[key] = cached

    def update_where(self, model: type[SQLModel], where: Mapping[str, Any], **values: Any) -> None:
        """Update every row whose columns equal `where` (not only one by primary key)."""
        names = tuple(values)
        keys = tuple(where)
        sql = (f"UPDATE {table_of(model).name} SET {', '.join(f'{_q(n)} = {self._mark}' for n in names)} "
               f"WHERE {self._where(keys)}")
        self._run(sql, tuple(values[n] for n in names) + tuple(where[k] for k in keys))
        name = table_of(model).name
        self._cache = {k: v for k, v in self._cache.items() if k[0] != name}

    def delete(self, model: type[SQLModel], **where: Any) -> None:
        """Remove projection rows (a projection may be replaced; the log never is)."""
        names = tuple(where)
        self._run(f"DELETE FROM {table_of(model).name} WHERE {self._where(names)}", tuple(where[n] for n in names))
        name = table_of(model).name
        self._cache = {k: v for k, v in self._cache.items() if k[0] != name}
