"""Projection reads and writes through registry.state.State, and its cache of rows read by primary key: a read
sees every write before it in its transaction, nothing of another transaction's, and the cache stays bounded."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from registry.state import CACHE_LIMIT, State
from registry.tables import RegSerial

GTIN, LOT = "08934567890120", "L1"


def _key(serial: str) -> dict[str, str]:
    return {"gtin": GTIN, "lot": LOT, "serial": serial}


def _serial(serial: str, entry: int = 1) -> dict[str, object]:
    return {**_key(serial), "entry": entry}


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        yield connection


def _fresh(engine: Engine, serial: str) -> dict[str, object] | None:
    """The row as a new transaction on another connection reads it."""
    with engine.connect() as other:
        return State(other).get(RegSerial, **_key(serial))


class TestReadsSeeWritesOfTheirTransaction:
    """Whatever was cached before, a read returns the row as the transaction has written it."""

    def test_an_insert_is_read_back_after_a_miss_was_cached(self, connection: Connection) -> None:
        with connection.begin():
            state = State(connection)
            assert state.get(RegSerial, **_key("1")) is None
            state.insert(RegSerial, **_serial("1"))
            assert state.get(RegSerial, **_key("1")) == {**_serial("1"), "retracted": False}

    def test_rows_inserted_together_are_read_back_after_a_miss_was_cached(self, connection: Connection) -> None:
        with connection.begin():
            state = State(connection)
            assert state.get(RegSerial, **_key("1")) is None
            state.insert_many(RegSerial, [_serial("1"), _serial("2")])
            row = state.get(RegSerial, **_key("1"))
            assert row is not None
            assert row["entry"] == 1

    def test_an_update_is_read_back_whether_or_not_the_row_was_cached(self, connection: Connection) -> None:
        with connection.begin():
            state = State(connection)
            state.insert_many(RegSerial, [_serial("1"), _serial("2")])
            assert state.get(RegSerial, **_key("1")) is not None
            state.update(RegSerial, _key("1"), entry=7)
            state.update(RegSerial, _key("2"), entry=8)
            assert [state.get(RegSerial, **_key(s))["entry"] for s in ("1", "2")] == [7, 8]  # type: ignore[index]

    def test_an_update_of_the_primary_key_moves_the_row(self, connection: Connection) -> None:
        with connection.begin():
            state = State(connection)
            state.insert(RegSerial, **_serial("1"))
            assert state.get(RegSerial, **_key("9")) is None  # an absence, cached
            state.update(RegSerial, _key("1"), serial="9")
            assert state.get(RegSerial, **_key("1")) is None
            assert state.get(RegSerial, **_key("9")) is not None

    def test_updates_and_deletes_by_other_columns_are_read_back(self, connection: Connection) -> None:
        with connection.begin():
            state = State(connection)
            state.insert(RegSerial, **_serial("1", entry=3))
            state.insert(RegSerial, **_serial("2", entry=4))
            state.update_where(RegSerial, {"entry": 3}, retracted=True)
            assert bool(state.get(RegSerial, **_key("1"))["retracted"]) is True  # type: ignore[index]
            state.delete(RegSerial, entry=4)
            assert state.get(RegSerial, **_key("2")) is None

    def test_a_row_read_is_a_copy_the_caller_may_change(self, connection: Connection) -> None:
        with connection.begin():
            state = State(connection)
            state.insert(RegSerial, **_serial("1"))
            state.get(RegSerial, **_key("1"))["entry"] = 99  # type: ignore[index]
            assert state.get(RegSerial, **_key("1"))["entry"] == 1  # type: ignore[index]

    def test_a_cached_row_equals_the_row_a_later_transaction_reads(self, engine: Engine,
                                                                   connection: Connection) -> None:
        with connection.begin():
            state = State(connection)
            state.insert(RegSerial, **_serial("1"))
            state.update(RegSerial, _key("1"), retracted=True)
            cached = state.get(RegSerial, **_key("1"))
        assert cached == _fresh(engine, "1")


class TestOtherTransactions:
    """A State kept across transactions serves nothing cached in an earlier one."""

    def test_a_row_committed_elsewhere_is_seen_in_the_next_transaction(self, engine: Engine,
                                                                       connection: Connection) -> None:
        state = State(connection)
        with connection.begin():
            assert state.get(RegSerial, **_key("1")) is None
        with engine.begin() as other:
            State(other).insert(RegSerial, **_serial("1"))
        with connection.begin():
            assert state.get(RegSerial, **_key("1")) is not None

    def test_a_row_of_a_rolled_back_transaction_is_not_served(self, connection: Connection) -> None:
        state = State(connection)
        transaction = connection.begin()
        state.insert(RegSerial, **_serial("1"))
        transaction.rollback()
        with connection.begin():
            assert state.get(RegSerial, **_key("1")) is None

    def test_a_units_writes_are_not_seen_by_another_transaction_before_commit(self, engine: Engine,
                                                                            connection: Connection) -> None:
        with connection.begin():
            State(connection).insert(RegSerial, **_serial("1"))
            assert _fresh(engine, "1") is None
        assert _fresh(engine, "1") is not None


class TestBound:
    """However long the transaction, the cache holds at most CACHE_LIMIT rows, and reads stay right."""

    def test_a_long_transaction_keeps_the_cache_bounded(self, connection: Connection) -> None:
        count = CACHE_LIMIT + 50
        with connection.begin():
            state = State(connection)
            for n in range(count):
                state.insert(RegSerial, **_serial(str(n), entry=n))
                assert state.cached <= CACHE_LIMIT
            assert all(state.get(RegSerial, **_key(str(n)))["entry"] == n  # type: ignore[index]
                       for n in (0, CACHE_LIMIT // 2, count - 1))
            assert state.cached <= CACHE_LIMIT
