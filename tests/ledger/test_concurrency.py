"""Processes and threads appending to one database at once still make one gapless chain that audits clean.

4 processes (spawned, so each has its own engine and connections) x 8 threads append 4,000 statements in
appends of 1 to 4, all with the same log key. Every receipt a worker gets must name the entry stored at
its index, and the log must come out as if the appends had run one after another.
"""

import multiprocessing
import queue
import random
import threading
import traceback
from multiprocessing.synchronize import Barrier

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from ledger.audit.store import audit
from ledger.core.checkpoint import open_checkpoint
from ledger.core.hashing import ZERO_HASH
from ledger.core.note import NoteSigner
from ledger.core.proof import verify_inclusion
from ledger.core.types import Entry
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from tests.conftest import Issuer

PROCESSES = 4
THREADS = 8
TOTAL = 4000
PER_THREAD = TOTAL // (PROCESSES * THREADS)
BATCH_SIZES = (1, 1, 1, 2, 3, 4)
WAIT_SECONDS = 120

WorkerResult = tuple[int, list[tuple[int, bytes]], int, list[str]]
"""(worker, (index, entry hash) of every receipt, number of appends, tracebacks of failed threads)."""


def issuer_from(name: str, private_key: bytes) -> Issuer:
    """The test issuer rebuilt in another process from its name and raw private key."""
    issuer = Issuer(name)
    issuer.key = Ed25519PrivateKey.from_private_bytes(private_key)
    return issuer


def append_worker(url: str, log_key: str, issuer_name: str, issuer_key: bytes, worker: int, barrier: Barrier,
                  results: "multiprocessing.Queue[WorkerResult]") -> None:
    """One process: THREADS threads each append PER_THREAD statements and check every receipt they get."""
    engine = make_engine(url)
    log = Log(SqlStore(engine), NoteSigner.from_private_text(log_key))
    lookup = issuer_from(issuer_name, issuer_key).lookup
    receipts: list[tuple[int, bytes]] = []
    appends = [0]
    errors: list[str] = []
    lock = threading.Lock()
    go = threading.Event()

    def run(thread: int) -> None:
        issuer = issuer_from(issuer_name, issuer_key)
        rng = random.Random(worker * THREADS + thread)
        left = PER_THREAD
        go.wait()
        try:
            while left:
                count = min(left, rng.choice(BATCH_SIZES))
                got = log.append([issuer.statement() for _ in range(count)], lookup)
                checkpoint, _ = open_checkpoint(got[0].checkpoint.note, log.verifier)
                for receipt in got:
                    verify_inclusion(receipt.entry_hash, receipt.index, checkpoint.size, receipt.proof.hashes,
                                     checkpoint.root)
                with lock:
                    receipts.extend((r.index, bytes(r.entry_hash)) for r in got)
                    appends[0] += 1
                left -= count
        except Exception:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        barrier.wait(WAIT_SECONDS)  # every process is up before any thread appends
    except Exception:
        errors.append(traceback.format_exc())
    go.set()
    for thread in threads:
        thread.join()
    engine.dispose()
    results.put((worker, receipts, appends[0], errors))


@pytest.mark.slow
class TestConcurrentAppends:
    """Concurrent appends from several processes serialise into one log: no gaps, no forks, true receipts."""

    def test_processes_and_threads_append_one_gapless_chain(
        self, database_url: str, sql_store: SqlStore, issuer: Issuer
    ) -> None:
        signer = NoteSigner.generate("test.nguon/log")
        issuer_key = issuer.key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(PROCESSES)
        results: multiprocessing.Queue[WorkerResult] = context.Queue()
        processes = [
            context.Process(target=append_worker, args=(database_url, signer.to_private_text(), issuer.name,
                                                        issuer_key, worker, barrier, results))
            for worker in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        try:
            finished = [results.get(timeout=WAIT_SECONDS) for _ in processes]
        except queue.Empty:
            pytest.fail(f"not every worker reported within {WAIT_SECONDS} s")
        finally:
            for process in processes:
                process.join(WAIT_SECONDS)
        assert [p.exitcode for p in processes] == [0] * PROCESSES
        assert [error for _, _, _, errors in finished for error in errors] == []

        receipts = [receipt for _, got, _, _ in finished for receipt in got]
        appends = sum(count for _, _, count, _ in finished)
        assert sorted(index for index, _ in receipts) == list(range(TOTAL))

        with sql_store.read() as view:
            assert view.head().size == TOTAL
            assert view.count_rows()[0] == TOTAL
            rows = view.entries(0, TOTAL + 1)
            report = audit(view, signer.verifier, lookup=issuer.lookup)
        assert [row.index for row in rows] == list(range(TOTAL))
        entries = [Entry.from_canonical(row.canonical) for row in rows]
        assert [e.index for e in entries] == list(range(TOTAL))
        assert entries[0].prev == ZERO_HASH
        assert [e.prev for e in entries[1:]] == [e.hash for e in entries[:-1]]
        assert len({e.prev for e in entries}) == TOTAL
        stored = {row.index: row.hash for row in rows}
        assert [index for index, h in receipts if stored[index] != h] == []
        assert (report.size, report.checkpoints) == (TOTAL, appends)
