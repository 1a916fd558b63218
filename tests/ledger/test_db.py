"""Engines: writers on an SQLite file wait for their turn, at a lock file beside it and at the write lock."""

import fcntl
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError

from ledger.store.engines import make_engine, sqlite_writer_turn, write_transaction
from ledger.store.sql import SqlStore
from tests.checks import wait_until
from tests.conftest import on_postgres
from tests.databases import migrate


def _flock_waiters(path: Path) -> int:
    """How many flock requests on `path` the kernel lists as blocked ("->" in /proc/locks)."""
    inode = f":{path.stat().st_ino} "
    lines = Path("/proc/locks").read_text().splitlines()
    return sum(1 for line in lines if "-> FLOCK" in line and inode in line)


def _held_elsewhere(path: Path) -> bool:
    """Whether another open file description holds an exclusive flock on `path`."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


class TestSqliteWriterTurn:
    """Only one write transaction at a time holds the turn, and it lets go when the transaction ends."""

    def test_a_write_transaction_holds_the_turn_until_it_ends(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'log.db'}"
        migrate(url)
        engine = make_engine(url)
        lock = tmp_path / "log.db-writer"
        try:
            with SqlStore(engine).write():
                assert _held_elsewhere(lock)
                assert stat.S_IMODE(lock.stat().st_mode) == 0o600
            assert not _held_elsewhere(lock)
        finally:
            engine.dispose()

    def test_a_second_writer_waits_for_the_first(self, tmp_path: Path) -> None:
        engine = make_engine(f"sqlite:///{tmp_path / 'log.db'}")
        order: list[str] = []

        def second() -> None:
            with sqlite_writer_turn(engine):
                order.append("second")

        try:
            with sqlite_writer_turn(engine):
                waiter = threading.Thread(target=second)
                waiter.start()
                # The kernel lists the second writer's request as blocked behind the first one's lock.
                wait_until(lambda: _flock_waiters(tmp_path / "log.db-writer") == 1, 10,
                           "the second writer to wait at the lock")
                assert order == []
                order.append("first done")
            waiter.join(10)
            assert order == ["first done", "second"]
        finally:
            engine.dispose()

    @pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "postgresql://nobody@127.0.0.1:1/none"])
    def test_other_databases_need_no_turn(self, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)  # a lock file for ":memory:" would land here
        engine = make_engine(url)
        with sqlite_writer_turn(engine):
            pass
        assert list(tmp_path.iterdir()) == []
        engine.dispose()


class TestWriteTransaction:
    """A transaction that writes takes SQLite's write lock before it reads, so it waits instead of failing."""

    @staticmethod
    def _engine(tmp_path: Path) -> Engine:
        engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
        with write_transaction(engine) as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        return engine

    def test_a_writer_that_reads_first_sees_the_other_writers_commit_and_succeeds(self, tmp_path: Path) -> None:
        engine = self._engine(tmp_path)
        second_engine = make_engine(engine.url)
        asked = threading.Event()

        @event.listens_for(second_engine, "connect")
        def _trace(dbapi_connection: Any, _record: Any) -> None:
            # SQLite traces a statement as it starts: BEGIN IMMEDIATE then retries in its busy handler.
            dbapi_connection.set_trace_callback(lambda sql: sql == "BEGIN IMMEDIATE" and asked.set())

        seen: list[tuple[int, float]] = []

        def second() -> None:
            with write_transaction(second_engine) as connection:
                seen.append((connection.exec_driver_sql("SELECT count(*) FROM t").scalar_one(), time.monotonic()))
                connection.exec_driver_sql("INSERT INTO t VALUES (2)")

        try:
            with write_transaction(engine) as connection:
                connection.exec_driver_sql("INSERT INTO t VALUES (1)")
                waiter = threading.Thread(target=second)
                waiter.start()
                assert asked.wait(10), "the second writer never asked for the write lock"
                assert seen == [], "the second writer read while the first held the write lock"
                committing = time.monotonic()
            waiter.join(10)
            assert [count for count, _ in seen] == [1]
            assert seen[0][1] > committing, "the second writer read before the first committed"
            with engine.connect() as connection:
                assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 2
        finally:
            second_engine.dispose()
            engine.dispose()

    def test_a_deferred_transaction_in_the_same_place_fails_at_once(self, tmp_path: Path) -> None:
        """Why write_transaction exists: WAL mode cannot upgrade a snapshot another writer has moved past."""
        engine = self._engine(tmp_path)
        with engine.connect() as reader, reader.begin():
            reader.exec_driver_sql("SELECT count(*) FROM t").scalar_one()
            with write_transaction(engine) as connection:
                connection.exec_driver_sql("INSERT INTO t VALUES (1)")
            began = time.monotonic()
            with pytest.raises(OperationalError, match="database is locked"):
                reader.exec_driver_sql("INSERT INTO t VALUES (2)")
            assert time.monotonic() - began < 5, "it failed at once, not after the busy timeout"
        engine.dispose()


class TestPostgresWriteLock:
    """On PostgreSQL a write transaction of the store takes an advisory lock before it reads the head."""

    @pytest.mark.skipif(not on_postgres(), reason="the advisory lock is PostgreSQL's")
    def test_a_second_writer_waits_at_the_advisory_lock(self, engine: Engine) -> None:
        store = SqlStore(engine)
        order: list[str] = []

        def second() -> None:
            with store.write():
                order.append("second")

        with store.write() as txn, engine.connect() as watcher:
            first = txn.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()  # type: ignore[attr-defined]
            waiter = threading.Thread(target=second)
            waiter.start()
            wait_until(lambda: _advisory_waiters(watcher, first) == 1, 10, "the second writer to wait at the lock")
            assert order == []
            order.append("first done")
        waiter.join(10)
        assert order == ["first done", "second"]


def _advisory_waiters(connection: Connection, holder: int) -> int:
    """Sessions of this database waiting for an advisory lock that backend `holder` holds."""
    return int(connection.exec_driver_sql(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND %s = ANY(pg_blocking_pids(pid))", (holder,)).scalar_one())


def test_sqlite_commits_reach_the_disk_before_they_are_answered(tmp_path: Path) -> None:
    """WAL with synchronous=FULL (2): NORMAL (1) could lose the latest commits, already receipted, on a power cut."""
    engine = make_engine(f"sqlite:///{tmp_path / 'durable.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    finally:
        engine.dispose()
