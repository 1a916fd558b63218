"""The log store on SQL databases (SQLite and PostgreSQL), through SQLAlchemy connections.

Writes are serialised per database: SQLite by `BEGIN IMMEDIATE` after a turn from a lock file (see
ledger.store.engines), PostgreSQL by a transaction-scoped advisory lock taken before the head is read. Hot reads go
through the driver directly.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from ledger.core.errors import BrokenInvariantError, MissingDataError, WriteConflictError
from ledger.core.hashing import Hash
from ledger.store.engines import placeholder, sqlite_writer_turn, write_transaction
from ledger.store.protocol import EMPTY_HEAD, Head, ReadView, StoredCheckpoint, StoredEntry, WriteTxn

_ADVISORY_LOCK = 0x6E67756F6E  # "nguon"
_CHUNK = 500


class SqlView:
    """Reads of one transaction on `connection`."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._mark = placeholder(connection)
        # The DB-API connection inside SQLAlchemy's transaction: SQLAlchemy's per-statement overhead is
        # several times the cost of these small indexed reads.
        self._driver: Any = connection.connection.driver_connection

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        cursor = self._driver.cursor()
        try:
            cursor.execute(sql.replace("?", self._mark), tuple(params))
            return cursor.fetchall()  # type: ignore[no-any-return]
        finally:
            cursor.close()

    def head(self) -> Head:
        rows = self._rows("SELECT size, root, last_hash FROM ledger_head WHERE id = 1")
        if not rows:
            return EMPTY_HEAD
        size, root, last = rows[0]
        return Head(int(size), Hash(bytes(root)), Hash(bytes(last)))

    def node_hashes(self, keys: Sequence[int]) -> list[Hash]:
        found: dict[int, Hash] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), _CHUNK):
            part = unique[i : i + _CHUNK]
            marks = ",".join("?" * len(part))
            for key, h in self._rows(f"SELECT id, hash FROM ledger_nodes WHERE id IN ({marks})", part):
                found[int(key)] = Hash(bytes(h))
        try:
            return [found[k] for k in keys]
        except KeyError as exc:
            raise MissingDataError(f"node {exc.args[0]} is not stored") from exc

    def entries(self, start: int, stop: int) -> list[StoredEntry]:
        rows = self._rows("SELECT idx, hash, canonical FROM ledger_entries WHERE idx >= ? AND idx < ? ORDER BY idx",
                          (start, stop))
        return [StoredEntry(int(i), Hash(bytes(h)), bytes(c)) for i, h, c in rows]

    def checkpoints(self, after: int, limit: int) -> list[StoredCheckpoint]:
        rows = self._rows("SELECT size, note FROM ledger_checkpoints WHERE size > ? ORDER BY size LIMIT ?",
                          (after, limit))
        return [StoredCheckpoint(int(s), str(n)) for s, n in rows]

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        rows = self._rows("SELECT size, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1")
        return StoredCheckpoint(int(rows[0][0]), str(rows[0][1])) if rows else None

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None:
        rows = self._rows("SELECT size, note FROM ledger_checkpoints WHERE size = ?", (size,))
        return StoredCheckpoint(int(rows[0][0]), str(rows[0][1])) if rows else None

    def nodes_between(self, low: int, high: int) -> list[tuple[int, Hash]]:
        rows = self._rows("SELECT id, hash FROM ledger_nodes WHERE id >= ? AND id < ? ORDER BY id", (low, high))
        return [(int(k), Hash(bytes(h))) for k, h in rows]

    def count_rows(self) -> tuple[int, int]:
        entries = self._rows("SELECT count(*) FROM ledger_entries")[0][0]
        nodes = self._rows("SELECT count(*) FROM ledger_nodes")[0][0]
        return int(entries), int(nodes)


class SqlTxn(SqlView):
    """The write transaction; `connection` is shared with the caller's own writes (one unit of work)."""

    _read_head: Head | None = None

    def head(self) -> Head:
        self._read_head = super().head()
        return self._read_head

    def write(
        self,
        entries: Sequence[StoredEntry],
        nodes: Sequence[tuple[int, Hash]],
        checkpoint: StoredCheckpoint,
        head: Head,
    ) -> None:
        old = self._read_head
        if old is None:
            raise BrokenInvariantError("read the head in this transaction before writing")
        if any(e.index != old.size + i for i, e in enumerate(entries)):
            raise BrokenInvariantError(f"entries must extend the log at index {old.size} without gaps")
        m = self._mark
        cursor = self._driver.cursor()
        try:
            cursor.executemany(f"INSERT INTO ledger_entries (idx, hash, canonical) VALUES ({m}, {m}, {m})",
                               [(e.index, e.hash, e.canonical) for e in entries])
            cursor.executemany(f"INSERT INTO ledger_nodes (id, hash) VALUES ({m}, {m})", list(nodes))
            cursor.execute(f"INSERT INTO ledger_checkpoints (size, note) VALUES ({m}, {m})",
                           (checkpoint.size, checkpoint.note))
            if old.size == 0:
                cursor.execute(f"INSERT INTO ledger_head (id, size, root, last_hash) VALUES (1, {m}, {m}, {m})",
                               (head.size, head.root, head.last_hash))
            else:
                cursor.execute(
                    f"UPDATE ledger_head SET size = {m}, root = {m}, last_hash = {m} WHERE id = 1 AND size = {m}",
                    (head.size, head.root, head.last_hash, old.size),
                )
            if cursor.rowcount != 1:
                raise WriteConflictError(f"the log head moved from size {old.size} during this transaction")
        finally:
            cursor.close()
        self._read_head = head


class SqlStore:
    """A log in the database behind `engine` (tables created by the Alembic migrations)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    @contextmanager
    def read(self) -> Iterator[ReadView]:
        with self.engine.connect() as conn:
            if self._postgres:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield SqlView(conn)

    @contextmanager
    def write(self) -> Iterator[WriteTxn]:
        with sqlite_writer_turn(self.engine), write_transaction(self.engine) as conn:
            if self._postgres:
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_LOCK,))
            yield SqlTxn(conn)
