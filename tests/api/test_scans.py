"""Counting scans (api/scans.py): the readers' key, the evidence and its thresholds, and the counter's queue, its
writer and its bounded storage, on the test's own database."""

import hashlib
import hmac
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.sql.schema import Table

from api.scans import (
    CLIENTS_PER_WINDOW,
    RETENTION_DAYS,
    WARN_CLIENTS,
    WARN_DAYS,
    ScanCounter,
    client_id,
    client_key,
    scan_evidence,
)
from api.tables import ScanClient, ScanWindow
from registry.verdict.record import ScanStats
from tests.api.conftest import GTIN, PRODUCER, Api, make_serials

SECRET = b"the registry secret of this test"
LOT = "L1"
_windows: Table = ScanWindow.__table__  # type: ignore[attr-defined]
_clients: Table = ScanClient.__table__  # type: ignore[attr-defined]


def at(day: date) -> Callable[[], datetime]:
    """A clock stopped at noon UTC of `day`."""
    return lambda: datetime.combine(day, time(12), UTC)


def address(n: int) -> str:
    """The n-th address of 10.0.0.0/8: a different reader for every n below 2**24."""
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def evidence(engine: Engine, serial: str, today: date) -> tuple[int, int, int]:
    """(scans, readers, days) of the item in the window up to `today`."""
    with engine.connect() as connection:
        found = scan_evidence(connection, GTIN, LOT, serial, today)
    return found.scans, found.readers, found.days


class TestReaderKey:
    """Readers are keyed under a key derived for that purpose alone, per item, by network rather than address."""

    def test_the_key_is_derived_with_its_own_info_never_the_secret_itself(self) -> None:
        key = client_key(SECRET)
        assert key == HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"nguon scan client v1").derive(SECRET)
        custody = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"nguon custodial keys v1").derive(SECRET)
        assert key not in (SECRET, custody)
        assert client_key(b"another secret") != key

    def test_a_reader_is_not_a_plain_hmac_under_the_secret(self) -> None:
        stored = client_id(client_key(SECRET), GTIN, LOT, "S1", "203.0.113.7")
        plain = [hmac.new(SECRET, message, hashlib.sha256).hexdigest()[:32]
                 for message in (b"203.0.113.7", f"{GTIN}\n{LOT}\nS1\n203.0.113.7".encode())]
        assert stored not in plain
        assert "203.0.113.7" not in stored
        assert len(stored) == 32

    def test_one_reader_of_two_items_cannot_be_linked(self) -> None:
        key = client_key(SECRET)
        assert client_id(key, GTIN, LOT, "S1", "203.0.113.7") != client_id(key, GTIN, LOT, "S2", "203.0.113.7")

    def test_addresses_of_one_ipv6_64_are_one_reader(self) -> None:
        key = client_key(SECRET)
        one = client_id(key, GTIN, LOT, "S1", "2001:db8:1:2::1")
        assert client_id(key, GTIN, LOT, "S1", "2001:db8:1:2:ffff:ffff:ffff:9") == one
        assert client_id(key, GTIN, LOT, "S1", "2001:db8:1:3::1") != one

    def test_an_ipv4_mapped_ipv6_address_is_its_ipv4_address(self) -> None:
        key = client_key(SECRET)
        assert client_id(key, GTIN, LOT, "S1", "::ffff:203.0.113.7") == client_id(key, GTIN, LOT, "S1", "203.0.113.7")


class TestScanEvidence:
    """Implausible means many readers on many days, at the thresholds the registry passes to the verdict."""

    @pytest.mark.parametrize(("clients", "days", "implausible"), [
        (0, 0, False),
        (WARN_CLIENTS - 1, 30, False),
        (WARN_CLIENTS, WARN_DAYS - 1, False),
        (30 * CLIENTS_PER_WINDOW, 1, False),
        (WARN_CLIENTS, WARN_DAYS, True),
        (500, 30, True),
    ])
    def test_warns_only_for_many_readers_on_many_days(self, clients: int, days: int, implausible: bool) -> None:
        found = ScanStats(scans=10_000, readers=clients, days=days, warn_readers=WARN_CLIENTS, warn_days=WARN_DAYS)
        assert found.implausible is implausible

    @pytest.mark.parametrize("field", ["scans", "readers", "days"])
    def test_refuses_a_negative_count(self, field: str) -> None:
        values: dict[str, Any] = {"scans": 1, "readers": 1, "days": 1, field: -1}
        with pytest.raises(ValueError, match=f"scan statistic {field} is -1"):
            ScanStats(**values)


class TestScanCounter:
    """Scans are queued without blocking and written as one row per serial and day, bounded however many come."""

    def test_a_full_queue_drops_scans_instead_of_blocking(self, engine: Engine) -> None:
        counter = ScanCounter(engine, SECRET, capacity=3)  # not started: a blocking queue would wait for ever
        assert [counter.record(GTIN, LOT, "S1", address(n)) for n in range(5)] == [True, True, True, False, False]
        assert counter.dropped == 2
        assert counter.flush() == 3
        assert counter.record(GTIN, LOT, "S1", address(6)) is True
        assert counter.dropped == 2

    def test_a_flush_writes_one_row_per_serial_and_day(self, engine: Engine) -> None:
        day = date(2026, 11, 20)
        counter = ScanCounter(engine, SECRET, clock=at(day))
        for serial, reader in (("S1", 1), ("S1", 1), ("S1", 2), ("S2", 1), ("S1", None)):
            counter.record(GTIN, LOT, serial, None if reader is None else address(reader))
        counter.clock = at(day + timedelta(days=1))
        counter.record(GTIN, LOT, "S1", address(1))
        assert counter.flush() == 6
        assert evidence(engine, "S1", day + timedelta(days=1)) == (5, 2, 2)
        assert evidence(engine, "S2", day + timedelta(days=1)) == (1, 1, 1)
        assert (count(engine, _windows), count(engine, _clients)) == (3, 4)

    def test_ten_thousand_scans_of_one_serial_on_one_day_are_one_count_and_at_most_the_cap_of_readers(
            self, engine: Engine) -> None:
        counter = ScanCounter(engine, SECRET, clock=at(date(2026, 11, 20)))
        assert all(counter.record(GTIN, LOT, "S1", address(n)) for n in range(10_000))
        assert counter.flush() == 10_000
        assert (count(engine, _windows), count(engine, _clients)) == (1, CLIENTS_PER_WINDOW)
        assert evidence(engine, "S1", date(2026, 11, 20)) == (10_000, CLIENTS_PER_WINDOW, 1)

    def test_ten_thousand_scans_over_forty_days_keep_only_the_retained_days(self, engine: Engine) -> None:
        start = date(2026, 10, 1)
        counter = ScanCounter(engine, SECRET)
        for n in range(10_000):
            counter.clock = at(start + timedelta(days=n // 250))
            counter.record(GTIN, LOT, "S1", address(n))
            if n % 250 == 249:
                counter.flush()
        last = start + timedelta(days=39)
        assert count(engine, _windows) == RETENTION_DAYS
        assert count(engine, _clients) == RETENTION_DAYS * CLIENTS_PER_WINDOW
        assert evidence(engine, "S1", last) == (250 * RETENTION_DAYS, CLIENTS_PER_WINDOW * RETENTION_DAYS,
                                                RETENTION_DAYS)

    def test_counters_of_several_processes_flushing_at_once_keep_the_sums_and_the_cap(self, engine: Engine) -> None:
        day = date(2026, 11, 20)
        counters = [ScanCounter(engine, SECRET, clock=at(day)) for _ in range(4)]
        rounds, barrier, failures = 5, threading.Barrier(len(counters)), []

        def run(number: int, counter: ScanCounter) -> None:
            try:
                for round_ in range(rounds):
                    for n in range(20):
                        for serial in ("S1", "S2", "S3"):
                            counter.record(GTIN, LOT, serial, address(1000 * number + 20 * round_ + n))
                    barrier.wait()
                    counter.flush()
            except Exception as exc:  # the assertion below names it
                failures.append(exc)
                barrier.abort()

        threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(counters)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        for serial in ("S1", "S2", "S3"):
            assert evidence(engine, serial, day) == (4 * rounds * 20, CLIENTS_PER_WINDOW, 1)

    def test_stopping_the_background_writer_writes_what_is_queued(self, engine: Engine) -> None:
        counter = ScanCounter(engine, SECRET, interval=3600, clock=at(date(2026, 11, 20)))
        counter.start()
        for n in range(3):
            counter.record(GTIN, LOT, "S1", address(n))
        counter.stop()
        assert evidence(engine, "S1", date(2026, 11, 20)) == (3, 3, 1)


class TestInTheApp:
    """The app's counter runs with its lifespan: scans queued by requests are written by the time it stops."""

    def test_scans_are_written_when_the_app_stops(self, app: FastAPI, api: Api, batch: dict[str, Any]) -> None:
        api.created("/serials", make_serials(count=None, serials=["S1", "S2"]), as_=PRODUCER)
        counter: ScanCounter = api.services.scans
        with TestClient(app, client=("203.0.113.9", 50000)) as client:
            for serial in ("S1", "S1", "S2", "S3"):
                client.get(f"/01/{GTIN}/10/{LOT}/21/{serial}", headers={"Accept": "application/json"})
        today = counter.today()
        assert evidence(api.engine, "S1", today) == (2, 1, 1)
        assert evidence(api.engine, "S2", today) == (1, 1, 1)
        assert evidence(api.engine, "S3", today) == (0, 0, 0)
