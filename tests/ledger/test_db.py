"""Engines: writers on an SQLite file wait for their turn, at a lock file beside it and at the write lock."""

import fcntl
import os
import stat
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from api.migrations import upgrade
from ledger.store.engines import make_engine, sqlite_writer_turn, write_transaction
from ledger.store.sql import SqlStore


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
        upgrade(url)
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

        with sqlite_writer_turn(engine):
            waiter = threading.Thread(target=second)
            waiter.start()
            time.sleep(0.2)  # time for the second writer to reach the lock
            order.append("first done")
        waiter.join(10)
        assert order == ["first done", "second"]
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
        seen: list[int] = []

        def second() -> None:
            with write_transaction(engine) as connection:
                seen.append(connection.exec_driver_sql("SELECT count(*) FROM t").scalar_one())
                connection.exec_driver_sql("INSERT INTO t VALUES (2)")

        with write_transaction(engine) as connection:
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
            waiter = threading.Thread(target=second)
            waiter.start()
            time.sleep(0.2)  # the second writer is waiting for the lock, not reading a stale snapshot
        waiter.join(10)
        assert seen == [1]
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 2
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
