"""Load: 20,000 statements from 8 client processes x 16 connections against a real server with 2 workers.

Every write must answer 201, and afterwards the log must hold exactly what the receipts say: each receipt's
entry at its index, one gapless chain, proofs that verify against checkpoints signed by the log key and
consistent with the final one, and an audit with no fork. Throughput and latency are printed (run with -s).
"""

import multiprocessing
import os
import queue
import threading
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.synchronize import Barrier

import httpx
import pytest

from ledger.audit.store import audit
from ledger.files.keys import load_or_create_log_key
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.sql import SqlStore
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
    latency_summary,
    served_log_key,
    set_up_producers,
)

PROCESSES = 8
CONNECTIONS = 16
STATEMENTS = 20_000
EVENT_EVERY = 8  # one statement in 8 is an event on a batch the same connection registered
PRODUCERS = 4
WAIT_SECONDS = 600


@dataclass(frozen=True)
class Job:
    """What one connection sends: `count` statements as `producer`, lots named from `prefix`."""

    producer: Producer
    prefix: str
    count: int


@dataclass
class Outcome:
    """What one client process got back."""

    receipts: list[Receipt] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0


def _send(client: httpx.Client, job: Job, days: Days, outcome: Outcome) -> None:
    """Send the job's statements one after another, each event on the batch this connection registered last."""
    lots: list[str] = []
    for i in range(job.count):
        if lots and i % EVENT_EVERY == EVENT_EVERY - 1:
            lot, path, body = None, "/api/v1/events", event_body(job.producer.gtin, lots[-1], days)
        else:
            lot = f"{job.prefix}-{i}"
            path, body = "/api/v1/batches", batch_body(job.producer.gtin, lot, days)
        began = time.monotonic()
        try:
            response = client.post(path, json=body)
        except httpx.TransportError as exc:
            outcome.failures.append(f"POST {path}: no answer ({exc!r})")
            continue
        outcome.latencies.append(time.monotonic() - began)
        if response.status_code != 201:
            outcome.failures.append(f"POST {path} answered {response.status_code}: {response.text[:1000]}")
            continue
        outcome.receipts.append(response.json())
        if lot is not None:
            lots.append(lot)


def _connection(base_url: str, job: Job, days: Days, go: threading.Event, outcome: Outcome,
                lock: threading.Lock) -> None:
    mine = Outcome()
    go.wait()
    try:
        with httpx.Client(base_url=base_url, headers=bearer(job.producer.token), timeout=120) as client:
            _send(client, job, days, mine)
    except Exception:  # a connection that dies of a bug in the test must fail the test, not vanish
        mine.failures.append(traceback.format_exc())
    with lock:
        outcome.receipts += mine.receipts
        outcome.latencies += mine.latencies
        outcome.failures += mine.failures


def client_process(base_url: str, jobs: list[Job], days: Days, barrier: Barrier,
                   results: "multiprocessing.Queue[Outcome]") -> None:
    """One client process: a thread per connection, all starting when every process is ready."""
    outcome = Outcome()
    go = threading.Event()
    lock = threading.Lock()
    threads = [threading.Thread(target=_connection, args=(base_url, job, days, go, outcome, lock)) for job in jobs]
    for thread in threads:
        thread.start()
    try:
        barrier.wait(WAIT_SECONDS)
    except threading.BrokenBarrierError as exc:
        outcome.failures.append(f"start barrier broke: {exc!r}")
    outcome.started = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process on Linux
    go.set()
    for thread in threads:
        thread.join()
    outcome.finished = time.monotonic()
    results.put(outcome)


def _jobs(producers: list[Producer]) -> list[list[Job]]:
    """STATEMENTS spread over PROCESSES x CONNECTIONS connections; connection c acts for producer c mod PRODUCERS."""
    connections = PROCESSES * CONNECTIONS
    share, extra = divmod(STATEMENTS, connections)
    return [[Job(producers[(p * CONNECTIONS + c) % len(producers)], f"P{p}C{c}",
                 share + (1 if p * CONNECTIONS + c < extra else 0)) for c in range(CONNECTIONS)]
            for p in range(PROCESSES)]


def _run_clients(server: Server, producers: list[Producer]) -> tuple[list[Outcome], tuple[float, ...]]:
    """Run every client process to the end; what each got, and the 1-minute load average before and after."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results: multiprocessing.Queue[Outcome] = context.Queue()
    processes = [context.Process(target=client_process, args=(server.base_url, jobs, Days.now(), barrier, results))
                 for jobs in _jobs(producers)]
    before = os.getloadavg()[0]
    for process in processes:
        process.start()
    try:
        outcomes = [results.get(timeout=WAIT_SECONDS) for _ in processes]
    except queue.Empty:
        pytest.fail(f"not every client process reported within {WAIT_SECONDS} s")
    finally:
        for process in processes:
            process.join(WAIT_SECONDS)
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    return outcomes, (before, os.getloadavg()[0])


@pytest.mark.slow
class TestLoad:
    """Thousands of concurrent writes are all acknowledged, and every acknowledgement is true."""

    def test_every_write_under_load_is_acknowledged_and_provably_in_one_log(self, server: Server) -> None:
        producers = set_up_producers(server, PRODUCERS)
        engine = make_engine(server.database_url)
        log = Log(SqlStore(engine), load_or_create_log_key(server.data_dir, ORIGIN))
        try:
            with log.store.read() as view:
                before = view.head().size
            outcomes, load_average = _run_clients(server, producers)
            failures = [f for o in outcomes for f in o.failures]
            assert failures == [], f"{len(failures)} writes were not acknowledged with 201, e.g.:\n" + "\n".join(
                failures[:10])
            assert "Traceback" not in server.output(), server.output()[-5000:]
            receipts = [r for o in outcomes for r in o.receipts]
            seconds = max(o.finished for o in outcomes) - min(o.started for o in outcomes)
            figures = {"statements": len(receipts), "seconds": round(seconds, 1),
                       "statements_per_s": round(len(receipts) / seconds, 1),
                       **latency_summary([s for o in outcomes for s in o.latencies]), "load_average": load_average}
            print(f"\nload ({server.database_url.split(':')[0]}, {server.workers} workers, "
                  f"{PROCESSES}x{CONNECTIONS} connections): {figures}")

            checking = time.monotonic()
            log_key = served_log_key(server)
            with log.store.read() as view:
                entries = assert_one_chain(view)
                assert len(entries) == before + STATEMENTS
                assert sorted(r["index"] for r in receipts) == list(range(before, len(entries)))
                assert_receipts_hold(view, log, log_key, entries, receipts)
                report = audit(view, log_key)
                commits = len(view.checkpoints(before, STATEMENTS + 1))
            assert report.size == len(entries)
            print(f"checks took {time.monotonic() - checking:.1f} s; {STATEMENTS} statements in {commits} commits "
                  f"({STATEMENTS / commits:.1f} per commit)")
        finally:
            engine.dispose()

