"""Benchmark: statements appended through the registry (rules + ledger + projections in one transaction,
signed with custodial keys), in batches, one at a time, and one at a time from many threads at once (group
commit, against the same threads with grouping off), on an SQLite file (or --database URL).

    python bench/registry_bench.py [--statements N] [--batch B] [--threads T] [--database URL] [--json]
"""

import argparse
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import PRODUCER, batch_drafts, machine, print_figures, set_up_registry

from api.migrations import upgrade
from ledger.core.note import NoteSigner
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from registry.custody import Custody
from registry.service import Registry


def _concurrent(registry: Registry, start: int, threads: int, each: int) -> tuple[float, int]:
    """`threads` threads each submit `each` statements one at a time; (statements/s, commits it took)."""
    commits = registry.group.commits
    go = threading.Barrier(threads + 1)

    def submit(t: int) -> None:
        drafts = batch_drafts(start + t * each, each)
        go.wait()
        for draft in drafts:
            registry.submit_as(PRODUCER, [draft])

    workers = [threading.Thread(target=submit, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    go.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    return threads * each / (time.perf_counter() - started), registry.group.commits - commits


def run(url: str, statements: int, batch: int, threads: int = 32) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    log = Log(SqlStore(engine), NoteSigner.generate("bench.nguon/log"))
    registry = Registry(log, Custody.from_secret(b"bench-secret"))
    set_up_registry(registry)
    drafts = batch_drafts(0, statements)
    started = time.perf_counter()
    for i in range(0, statements, batch):
        registry.submit_as(PRODUCER, drafts[i : i + batch])
    elapsed = time.perf_counter() - started
    single = batch_drafts(statements, 200)
    started = time.perf_counter()
    for draft in single:
        registry.submit_as(PRODUCER, [draft])
    single_elapsed = time.perf_counter() - started
    each = max(1, 2000 // threads)
    grouped, grouped_commits = _concurrent(registry, statements + 1000, threads, each)
    alone = Registry(log, registry.custody, group_limit=1)  # the baseline: every submission commits by itself
    ungrouped, _ = _concurrent(alone, statements + 1000 + threads * each, threads, each)
    engine.dispose()
    return {
        "append_per_s": round(statements / elapsed, 1),
        "append_single_per_s": round(len(single) / single_elapsed, 1),
        "concurrent_single_per_s": round(grouped, 1),
        "concurrent_single_ungrouped_per_s": round(ungrouped, 1),
        "concurrent_statements_per_commit": round(threads * each / grouped_commits, 1),
        "threads": threads,
        "statements": statements,
        "batch": batch,
        "database": url.split(":", 1)[0],
        "machine": machine(),
        "date": datetime.now(UTC).date().isoformat(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--threads", type=int, default=32, help="threads submitting one statement at a time")
    parser.add_argument("--database", help="database URL (default: a new SQLite file in a temporary directory)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        result = run(url, args.statements, args.batch, args.threads)
    print_figures("Registry appends (rules + ledger + projections, custodial signing)", result, args.json)


if __name__ == "__main__":
    main()
