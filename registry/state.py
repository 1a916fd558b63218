"""The registry's state inside one write (or replay) transaction: projection reads and writes.

Handlers read and write projections only through `State`, on the same connection as the ledger append,
so rules, projections and entries commit together or not at all. Reads are cached per transaction and
writes keep the cache current.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, and_, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

Row = dict[str, Any]


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


class State:
    """Projection access for handlers, on `connection`'s transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._cache: dict[tuple[str, tuple[Any, ...]], Row | None] = {}

    @staticmethod
    def _key(table: Table, values: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(values[c.name] for c in table.primary_key.columns)

    def get(self, model: type[SQLModel], **pk: Any) -> Row | None:
        """The row with this primary key, or None."""
        table = table_of(model)
        key = (table.name, self._key(table, pk))
        if key not in self._cache:
            clause = and_(*(table.c[name] == value for name, value in pk.items()))
            row = self.connection.execute(select(table).where(clause)).mappings().first()
            self._cache[key] = None if row is None else dict(row)
        cached = self._cache[key]
        return None if cached is None else dict(cached)

    def find(self, model: type[SQLModel], **where: Any) -> list[Row]:
        """Rows whose columns equal the given values, in primary-key order."""
        table = table_of(model)
        clause = and_(*(table.c[name] == value for name, value in where.items()))
        query = select(table).where(clause).order_by(*table.primary_key.columns)
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def insert(self, model: type[SQLModel], **values: Any) -> None:
        table = table_of(model)
        row = model(**values).model_dump()  # fills the model's defaults
        self.connection.execute(insert(table).values(**row))
        self._cache[(table.name, self._key(table, row))] = row

    def update(self, model: type[SQLModel], pk: Mapping[str, Any], **values: Any) -> None:
        table = table_of(model)
        clause = and_(*(table.c[name] == value for name, value in pk.items()))
        self.connection.execute(update(table).where(clause).values(**values))
        key = (table.name, self._key(table, pk))
        cached = self._cache.get(key)
        if cached is not None:
            cached.update(values)
        else:
            self._cache.pop(key, None)

    def delete(self, model: type[SQLModel], **where: Any) -> None:
        """Remove projection rows (a projection may be replaced; the log never is)."""
        table = table_of(model)
        self.connection.execute(delete(table).where(and_(*(table.c[n] == v for n, v in where.items()))))
        self._cache = {k: v for k, v in self._cache.items() if k[0] != table.name}

    def insert_many(self, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
        """Insert several rows in one statement; they are not cached."""
        if rows:
            self.connection.execute(insert(table_of(model)), [model(**r).model_dump() for r in rows])
