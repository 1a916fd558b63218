"""Benchmark of the inspector's log audit: every entry, node and checkpoint, and every statement signature
verified on all cores, against the raw Ed25519 verification rate of one core measured in the same run.

Run from the repository root:

    .venv/bin/python bench/audit_bench.py [--entries N] [--json] [--dir PATH] [--workers W]

It builds an SQLite log of N entries (default 1,000,000): entry 0 registers the root authority with its key,
the next entries register a few producers with theirs, and the rest are batch registrations those producers
signed (signed on all cores, appended with Log.append_verified in batches of 10,000). Then, each in a fresh
process so that its peak memory is its own: the ledger audit alone (ledger.audit.store), and the full log audit
of `nguon audit` (ledger.audit.auditor.audit_log with the registry's key history, signatures on W worker
processes, W = every core by default). The registry's rule replay is not part of these figures.
The target: audit_per_s >= 60% of ed25519_verify_per_s x cores. With --json the figures go to stdout as
one JSON object and everything else to stderr.
"""

import argparse
import base64
import json
import os
import platform
import random
import resource
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from common import ed25519_verify_rate, machine, workdir
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import event
from sqlmodel import SQLModel

import ledger.store.tables
from ledger.audit.auditor import audit_log
from ledger.audit.store import audit
from ledger.core.note import NoteSigner, NoteVerifier
from ledger.core.signing import public_key_bytes, sign_statement
from ledger.core.types import Signature, Statement, format_timestamp
from ledger.store.engines import make_engine
from ledger.store.log import MAX_BATCH, Log
from ledger.store.sql import SqlStore
from registry.inspection import REGISTRY_KEYS

ROOT = "ipvietnam"
PRODUCERS = ("htx-bat-trang", "htx-van-phuc", "coop-luc-ngan", "nuoc-mam-phu-quoc")
LOG_ORIGIN = "bench.nguon/log"
TARGET = 0.6
SIGN_CHUNK = 2_000
START = datetime(2026, 11, 1, tzinfo=UTC)

Item = tuple[Statement, Signature]


def gtin14(item: int) -> str:
    """A GTIN-14 under the Vietnamese GS1 prefix 893 with a valid check digit."""
    digits = f"0893601{item % 1_000_000:06d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return digits + str((10 - total % 10) % 10)


def seed_of(name: str) -> bytes:
    """A fixed Ed25519 seed per organisation, so that worker processes sign with the same keys."""
    return name.encode().ljust(32, b".")[:32]


def key_of(name: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed_of(name))


def public_text(name: str) -> str:
    return base64.b64encode(public_key_bytes(key_of(name).public_key())).decode()


def organisation(org: str, roles: list[str]) -> dict[str, Any]:
    return {"id": org, "names": {"vi": f"Tổ chức {org}", "en": f"Organisation {org}"}, "roles": roles,
            "keys": [{"public_key": public_text(org), "custodial": False}]}


def setup_items() -> list[Item]:
    """Entry 0: the root authority registers itself with the key that signs it; then it registers producers."""
    root = key_of(ROOT)
    items = []
    bodies = [organisation(ROOT, ["authority"]), *(organisation(p, ["producer"]) for p in PRODUCERS)]
    for n, body in enumerate(bodies):
        statement = Statement("organisation.registered.v1", ROOT, format_timestamp(START), f"setup-{n:04d}", body)
        items.append((statement, sign_statement(statement, root)))
    return items


def batch_body(rng: random.Random, n: int) -> dict[str, Any]:
    produced = START - timedelta(days=rng.randrange(1, 60))
    return {
        "gtin": gtin14(rng.randrange(1_000_000)), "lot": f"LOT-{produced:%Y%m}-{n:07d}",
        "quantity": f"{rng.randrange(1, 50_000)}", "unit": "H87", "produced_on": f"{produced:%Y-%m-%d}",
        "origin": {"code": f"{rng.randrange(10_000, 32_000)}", "version": "2025-07-01"},
        "claims": [{"type": "gi", "id": "nuoc-mam-phu-quoc"}, {"type": "mark", "id": "gom-bat-trang"}],
        "inputs": [{"gtin": gtin14(rng.randrange(1_000_000)), "lot": f"IN-{rng.randrange(10**6):06d}",
                    "quantity": f"{rng.randrange(1, 500)}"}],
    }


def sign_range(job: tuple[int, int]) -> list[Item]:
    """Statements start..start+count-1, each by producer n % len(PRODUCERS); run in worker processes."""
    start, count = job
    rng = random.Random(start)
    keys = {p: key_of(p) for p in PRODUCERS}
    items = []
    for n in range(start, start + count):
        issuer = PRODUCERS[n % len(PRODUCERS)]
        statement = Statement("batch.registered.v1", issuer, format_timestamp(START + timedelta(seconds=n)),
                              f"b{n:010d}", batch_body(rng, n))
        items.append((statement, sign_statement(statement, keys[issuer])))
    return items


def build(job: tuple[str, int, str]) -> tuple[float, float]:
    """Write the log of `entries` at `path`, signed by the log key in `key_text`; (seconds, peak RSS in MB)."""
    path, entries, key_text = job
    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{path}")
    assert ledger.store.tables.APPEND_ONLY_TABLES  # the import registers the tables with SQLModel.metadata
    SQLModel.metadata.create_all(engine, tables=[SQLModel.metadata.tables[name] for name in (
        "ledger_entries", "ledger_nodes", "ledger_checkpoints", "ledger_head")])
    log = Log(SqlStore(engine), NoteSigner.from_private_text(key_text))
    setup = setup_items()[:entries]
    with log.store.write() as txn:
        log.append_verified(txn, setup)
    remaining = entries - len(setup)
    jobs = [(n, min(SIGN_CHUNK, remaining - n)) for n in range(0, remaining, SIGN_CHUNK)]
    pending: list[Item] = []
    with get_context("spawn").Pool(os.cpu_count() or 1) as pool:
        for items in pool.imap(sign_range, jobs):
            pending.extend(items)
            if len(pending) >= MAX_BATCH:
                append(log, pending[:MAX_BATCH])
                pending = pending[MAX_BATCH:]
    if pending:
        append(log, pending)
    engine.dispose()
    return time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def append(log: Log, items: Sequence[Item]) -> None:
    with log.store.write() as txn:
        log.append_verified(txn, items)


def verify_rate_per_core(cores: int, seconds: float = 3.0) -> float:
    """Raw verifications per second per core, with every core verifying at once (the audit's conditions: on a
    shared machine one busy core is not `cores` busy ones)."""
    with get_context("spawn").Pool(cores) as pool:
        pool.map(abs, range(cores))  # the workers are up before the clock starts
        return sum(pool.map(ed25519_verify_rate, [seconds] * cores)) / cores


def run_audit(job: tuple[str, str, int, bool]) -> dict[str, Any]:
    """In a fresh process: the audit of the log at `path`; its rate, and peak memory of it and its workers."""
    path, key_text, workers, signatures = job
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _no_mmap(dbapi_connection: Any, _record: Any) -> None:
        # Mapped pages of the database file would count in RSS: the figure is meant to be memory the audit holds.
        dbapi_connection.execute("PRAGMA mmap_size=0")

    key = NoteVerifier.from_text(key_text)
    with SqlStore(engine).read() as view:
        size = view.head().size
        start = time.perf_counter()
        if signatures:
            result = audit_log(view, key, REGISTRY_KEYS, workers=workers)
            checked = result.signatures
        else:
            audit(view, key)
            checked = 0
        elapsed = time.perf_counter() - start
    engine.dispose()
    return {"entries": size, "seconds": elapsed, "signatures": checked,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def _send_result(function: Callable[[Any], Any], job: Any, sender: Connection) -> None:
    sender.send(function(job))
    sender.close()


def in_fresh_process(function: Callable[[Any], Any], job: Any) -> Any:
    """function(job) in a new process, so that its peak memory is its own (getrusage counts a process from its
    fork, and spawned processes fork from this small one); non-daemonic, as it starts workers of its own."""
    context = get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_send_result, args=(function, job, sender))
    process.start()
    sender.close()
    try:
        result = receiver.recv()
    except EOFError as exc:
        process.join()
        raise SystemExit(f"{function.__name__} died with exit code {process.exitcode}") from exc
    process.join()
    return result


def table(result: dict[str, Any]) -> Table:
    t = Table(title=f"Log audit of {result['entries']:,} entries on SQLite, {result['cores']} cores")
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_row("Ed25519 verify per core, all cores busy (per s)", f"{result['ed25519_verify_per_s']:,.0f}")
    t.add_row("  one process alone (per s)", f"{result['ed25519_verify_one_process_per_s']:,.0f}")
    t.add_row(f"  x {result['cores']} cores", f"{result['ed25519_verify_per_s'] * result['cores']:,.0f}")
    t.add_row("ledger audit without signatures (entries/s)", f"{result['ledger_audit_per_s']:,.0f}")
    t.add_row(f"full audit, signatures on {result['workers']} workers (entries/s)", f"{result['audit_per_s']:,.0f}")
    t.add_row("  per core", f"{result['audit_per_s_per_core']:,.0f}")
    t.add_row("  ratio to raw verify x cores (target >= 0.6)", f"{result['ratio']:.2f}")
    t.add_row("peak RSS: auditing process / largest worker (MB)",
              f"{result['peak_rss_mb']['audit']:.0f} / {result['peak_rss_mb']['workers']:.0f}")
    t.add_row("peak RSS: building process (MB)", f"{result['peak_rss_mb']['build']:.0f}")
    t.add_row("build (s)", f"{result['build_s']:.1f}")
    return t


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=1_000_000, help="log size (default 1,000,000)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="signature workers (default: cores)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--dir", type=Path, help="where the SQLite file goes (kept); default a removed tempdir")
    args = parser.parse_args(argv)
    if args.entries < len(PRODUCERS) + 2:
        parser.error(f"--entries must be at least {len(PRODUCERS) + 2}")
    err = Console(stderr=True)
    cores = os.cpu_count() or 1
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    signer = NoteSigner.generate(LOG_ORIGIN)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with workdir(args.dir) as work, Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(f"building a log of {args.entries:,} entries", total=None)
        path = work / f"audit-{args.entries}.db"
        if path.exists():
            raise SystemExit(f"{path} already exists; the benchmark starts from an empty log")
        build_s, build_rss = in_fresh_process(build, (str(path), args.entries, signer.to_private_text()))
        progress.update(task, description="measuring")
        verify_before = verify_rate_per_core(cores)
        ledger_only = in_fresh_process(run_audit, (str(path), signer.verifier.to_text(), 0, False))
        full = in_fresh_process(run_audit, (str(path), signer.verifier.to_text(), args.workers, True))
        verify_after = verify_rate_per_core(cores)
        one_process = ed25519_verify_rate()
        progress.remove_task(task)
    assert full["signatures"] == args.entries, full
    verify = (verify_before + verify_after) / 2
    audit_rate = full["entries"] / full["seconds"]
    result = {
        "audit_per_s": round(audit_rate, 1),
        "ed25519_verify_per_s": round(verify, 1),
        "cores": cores,
        "workers": args.workers,
        "entries": args.entries,
        "audit_per_s_per_core": round(audit_rate / cores, 1),
        "ratio": round(audit_rate / (verify * cores), 3),
        "target_ratio": TARGET,
        "meets_target": audit_rate >= TARGET * verify * cores,
        "ledger_audit_per_s": round(ledger_only["entries"] / ledger_only["seconds"], 1),
        "ed25519_verify_per_s_before_after": [round(verify_before, 1), round(verify_after, 1)],
        "ed25519_verify_one_process_per_s": round(one_process, 1),
        "audit_s": round(full["seconds"], 2),
        "build_s": round(build_s, 1),
        "peak_rss_mb": {"audit": round(full["peak_rss_mb"], 1), "workers": round(full["worker_peak_rss_mb"], 1),
                        "ledger_audit": round(ledger_only["peak_rss_mb"], 1), "build": round(build_rss, 1)},
        "machine": {**machine(), "load_average_at_start": load_at_start},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
    }
    out = err if args.json else Console()
    out.print(table(result))
    out.print("Ed25519 per core: every core verifying at once, mean of runs before and after the audits; audits "
              "include starting their worker processes; peak RSS from getrusage (the auditing process, and its "
              "largest worker).",
              highlight=False)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
