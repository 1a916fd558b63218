"""Crash: the server is SIGKILLed at 30 random moments under write load and restarted on the same database.

Clients keep every 201 receipt (a write cut off by a kill has no answer, and that is all it may lose).
After the last restart every receipt must still hold, the log must audit clean, and nothing of a
half-done transaction may show: as many entries as the head says, a checkpoint for every append, every
Merkle node, and projections equal to those a replay of the log rebuilds.

The kill moments are drawn from a seed, printed with the result and named in any failure; NGUON_CRASH_SEED=<seed>
draws the same moments again (the writes between them still interleave as the machine schedules them).
"""

import os
import random
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from ledger.audit.store import audit
from ledger.files.keys import load_or_create_log_key
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.sql import SqlStore, SqlView
from registry.replay import projection_digest, replay
from tests.databases import migrate
from tests.reliability.conftest import (
    ORIGIN,
    Days,
    Producer,
    Receipt,
    Server,
    assert_one_chain,
    assert_receipts_hold,
    batch_body,
    bearer,
    event_body,
    served_log_key,
    set_up_producers,
)

KILLS = 30
WRITERS = 4
PRODUCERS = 2
EVENT_EVERY = 4  # one write in 4 is an event on a batch the same writer holds a receipt for
DELAY_SECONDS = (0.2, 1.5)
AFTER_LAST_RESTART_SECONDS = 30
TIMEOUT_SECONDS = 30
SEED_ENV = "NGUON_CRASH_SEED"


@dataclass
class Writer:
    """A client writing until told to stop, keeping what the server acknowledged."""

    producer: Producer
    name: str
    days: Days
    acknowledged: threading.Condition
    """Notified whenever any writer keeps a receipt."""
    up: threading.Event
    """Set while the server is up: a writer refused a connection waits for it."""
    receipts: list[Receipt] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    refused: int = 0
    cut_off: int = 0

    def run(self, base_url: str, stop: threading.Event) -> None:
        auth = bearer(self.producer.token)
        try:
            with httpx.Client(base_url=base_url, headers=auth, timeout=TIMEOUT_SECONDS) as client:
                self._write(client, stop)
        except Exception:  # a writer that dies of a bug in the test must fail the test, not vanish
            self.failures.append(traceback.format_exc())

    def _write(self, client: httpx.Client, stop: threading.Event) -> None:
        lots: list[str] = []
        attempt = 0
        while not stop.is_set():
            attempt += 1
            if lots and attempt % EVENT_EVERY == 0:
                lot, path, body = None, "/api/v1/events", event_body(self.producer.gtin, lots[-1], self.days)
            else:
                # A fresh lot every attempt: one cut off by a kill may have been committed.
                lot = f"{self.name}-{attempt}"
                path, body = "/api/v1/batches", batch_body(self.producer.gtin, lot, self.days)
            try:
                response = client.post(path, json=body)
            except httpx.TimeoutException as exc:
                # A kill resets connections; a server that holds one without answering is hung.
                self.failures.append(f"POST {path}: no answer within {TIMEOUT_SECONDS} s ({exc!r})")
                continue
            except httpx.ConnectError:
                self.refused += 1  # the server is down
                self.up.wait(TIMEOUT_SECONDS)
                continue
            except httpx.TransportError:
                self.cut_off += 1  # the server was killed while the request was under way
                continue
            if response.status_code != 201:
                self.failures.append(f"POST {path} answered {response.status_code}: {response.text[:1000]}")
                continue
            with self.acknowledged:
                self.receipts.append(response.json())
                self.acknowledged.notify_all()
            if lot is not None:
                lots.append(lot)


def _digests(view: SqlView, directory: Path) -> tuple[str, str]:
    """(live projection digest, digest of the projections a replay of the log rebuilds in a fresh SQLite db)."""
    url = f"sqlite:///{directory / 'replay.db'}"
    migrate(url)
    target = make_engine(url)
    try:
        return projection_digest(view.connection), replay(view, target)
    finally:
        target.dispose()


def _write_through_kills(server: Server, producers: list[Producer], rng: random.Random) -> tuple[list[Writer], float]:
    """Writers write while the server is killed and restarted KILLS times, after delays drawn from `rng`, and
    until the restarted server has acknowledged a write to each of them; the writers, and how long it took."""
    days = Days.now()
    acknowledged, up = threading.Condition(), threading.Event()
    writers = [Writer(producers[i % len(producers)], f"W{i}", days, acknowledged, up) for i in range(WRITERS)]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(server.base_url, stop)) for w in writers]
    started = time.monotonic()
    up.set()
    for thread in threads:
        thread.start()
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(*DELAY_SECONDS))  # the crash moment: the test's input, not a wait
            up.clear()
            server.kill()
            server.start()
            up.set()
        with acknowledged:
            counts = [len(w.receipts) for w in writers]
            each_wrote = acknowledged.wait_for(
                lambda: all(len(w.receipts) > n for w, n in zip(writers, counts, strict=True)),
                AFTER_LAST_RESTART_SECONDS)
        failures = [f for w in writers for f in w.failures]
        assert each_wrote, (f"not every writer had a write acknowledged {AFTER_LAST_RESTART_SECONDS} s after the "
                            f"restart: {failures[:3]}")
    finally:
        stop.set()
        up.set()
        for thread in threads:
            thread.join(TIMEOUT_SECONDS + 5)
    assert not any(t.is_alive() for t in threads), "a writer did not stop"
    return writers, time.monotonic() - started


@pytest.fixture
def crash_seed(request: pytest.FixtureRequest) -> int:
    """The seed of the kill moments: NGUON_CRASH_SEED, or a new one; reported with the test's outcome."""
    given = os.environ.get(SEED_ENV)
    seed = int(given) if given else random.SystemRandom().randrange(2**32)
    request.node.add_report_section("call", "crash seed", f"{SEED_ENV}={seed}")
    return seed


def _crash_and_check(server: Server, tmp_path: Path, rng: random.Random) -> str:
    """Write through the kills, then check what the log holds; a summary of the run."""
    producers = set_up_producers(server, PRODUCERS)
    engine = make_engine(server.database_url)
    log = Log(SqlStore(engine), load_or_create_log_key(server.data_dir, ORIGIN))
    try:
        with log.store.read() as view:
            before = view.head().size
        writers, seconds = _write_through_kills(server, producers, rng)
        failures = [f for w in writers for f in w.failures]
        assert failures == [], f"{len(failures)} writes failed, e.g.:\n" + "\n".join(failures[:10])
        assert "Traceback" not in server.output(), server.output()[-5000:]
        receipts = [r for w in writers for r in w.receipts]

        log_key = served_log_key(server)
        with log.store.read() as view:
            assert isinstance(view, SqlView)
            entries = assert_one_chain(view)
            size = len(entries)
            assert_receipts_hold(view, log, log_key, entries, receipts)
            report = audit(view, log_key)
            # One checkpoint per commit (concurrent writes share one), the last at the head's size.
            sizes = [c.size for c in view.checkpoints(0, size + 1)]
            assert sizes == sorted(set(sizes))
            assert sizes[-1] == size
            assert view.count_rows()[1] == sum(size >> level for level in range(size.bit_length()))
            live, replayed = _digests(view, tmp_path)
        assert report.size == size
        assert replayed == live
    finally:
        engine.dispose()
    restarts = server.start_seconds[1:]
    return (f"crash ({server.database_url.split(':')[0]}, {server.workers} workers): {KILLS} kills in "
            f"{seconds:.1f} s (restarts took {min(restarts):.1f}-{max(restarts):.1f} s); {len(receipts)} receipts; "
            f"{sum(w.cut_off for w in writers)} requests cut off, of which {size - before - len(receipts)} had "
            f"been committed; {sum(w.refused for w in writers)} connections refused; log size {size} in "
            f"{len(sizes)} commits; load average {os.getloadavg()[0]:.2f}")


@pytest.mark.slow
class TestCrash:
    """A server killed at any moment loses no acknowledged write and leaves no half-written transaction."""

    def test_kills_under_write_load_lose_no_receipt_and_leave_no_partial_transaction(
        self, server: Server, tmp_path: Path, crash_seed: int
    ) -> None:
        try:
            summary = _crash_and_check(server, tmp_path, random.Random(crash_seed))
        except (AssertionError, pytest.fail.Exception) as exc:
            raise AssertionError(f"{exc}\nThe kill moments came from {SEED_ENV}={crash_seed}; set it to draw them "
                                 "again.") from exc
        print(f"\n{summary}; {SEED_ENV}={crash_seed}")
