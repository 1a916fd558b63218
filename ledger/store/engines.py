"""Engines for SQLite and PostgreSQL, set up for the ledger's one-writer discipline.

SQLite runs in WAL mode; the driver's own transaction handling is switched off so that a write
transaction starts with `BEGIN IMMEDIATE` (taking the write lock before reading the head) and a read
transaction with a plain `BEGIN`.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url

WRITE_OPTION = "nguon_write"
"""Connection execution option marking a write transaction."""


def normalise_url(url: str | URL) -> URL:
    """Use psycopg 3 for postgresql:// URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def placeholder(connection: Connection) -> str:
    """The DB-API parameter marker of `connection`'s driver: SQLite's `?`, psycopg's `%s`."""
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for `url` (sqlite:///file or postgresql://…); nothing connects until first use."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 60}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before its receipts and signed checkpoint leave. NORMAL in WAL mode survives a
        # crashed process, but a power cut may lose the latest commits after their checkpoint was handed to
        # producers and witnesses, and the log would then sign other entries at the same indices: a fork. The
        # fsync costs about 0.25 ms per commit here (2026-12-08, this machine's disk); group commit shares it.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        # Proofs read ~20 random nodes each: keep the upper tree in the page cache and map the file.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA mmap_size=2147418112")  # SQLite's default upper bound for mmap
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: `BEGIN IMMEDIATE` on SQLite, so it waits (busy timeout) for the write
    lock before it reads anything. A deferred one that reads first fails at once with "database is locked"
    when another connection commits in between (WAL mode cannot upgrade a stale snapshot)."""
    with engine.connect() as connection, connection.execution_options(**{WRITE_OPTION: True}).begin():
        yield connection


@contextmanager
def sqlite_writer_turn(engine: Engine) -> Iterator[None]:
    """Wait for this process's turn to write to the SQLite file behind `engine` (a no-op elsewhere).

    SQLite's busy handler polls with growing sleeps, so a writer that has just committed usually takes the
    lock again before a sleeping one wakes: under load one process can starve another for seconds. An
    exclusive flock on a file beside the database wakes a waiter as soon as the holder lets go, which gives
    writers of several processes their turns. The kernel releases it when a process dies.
    """
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    fd = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and with it the lock
