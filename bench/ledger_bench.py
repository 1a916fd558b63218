"""Benchmark of the ledger on SQLite, beside pymerkle's SqliteTree: append, inclusion proof and audit rates.

Run from the repository root:

    .venv/bin/python bench/ledger_bench.py [--max-size N] [--json] [--dir PATH]

One log grows in batches of 1,000 to each size in turn (10^4, 10^5, ... up to --max-size); at each size
both implementations answer inclusion proofs for random indices. pymerkle is fed the very entry bytes the
ledger stored, so both trees must have the same RFC 9162 root at every size, which the run checks.
Statements are built and signed before each timed append; only the append itself is timed. With --json
the figures go to stdout as one JSON object and everything else to stderr.
"""

import argparse
import base64
import json
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import ed25519_verify_rate, machine, workdir
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pymerkle import SqliteTree
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlmodel import SQLModel

import ledger.store.tables
from ledger.core.errors import UnknownKeyError
from ledger.core.note import NoteSigner
from ledger.core.signing import sign_statement, statement_key_id
from ledger.core.types import Signature, Statement, format_timestamp
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.sql import SqlStore

BATCH = 1_000
SINGLE_APPENDS = 3_000
VERIFIED_ENTRIES = 50_000
PROOFS = 10_000
WARM_UP_PROOFS = 3_000
PYMERKLE_PROOF_SECONDS = 20.0
CHECKED_PROOFS = 200
ISSUER = "coop-bat-trang"
LOG_ORIGIN = "bench.nguon/log"

Item = tuple[Statement, Signature]

# (commune, commune code, district, province); codes are illustrative.
_COMMUNES = [
    ("Bát Tràng", "10183", "Gia Lâm", "Hà Nội"),
    ("Vạn Phúc", "09562", "Hà Đông", "Hà Nội"),
    ("Phù Lãng", "09295", "Quế Võ", "Bắc Ninh"),
    ("Đồng Kỵ", "09367", "Từ Sơn", "Bắc Ninh"),
    ("Quý Sơn", "07510", "Lục Ngạn", "Bắc Giang"),
    ("Dương Tơ", "31079", "Phú Quốc", "Kiên Giang"),
]
# (vi name, en name, unit, claimed GI certificate or None)
_PRODUCTS = [
    ("Gốm sứ Bát Tràng men lam", "Bat Trang blue-glaze ceramics", "piece", None),
    ("Lụa tơ tằm Vạn Phúc", "Van Phuc mulberry silk", "m", None),
    ("Vải thiều Lục Ngạn", "Luc Ngan lychee", "kg", "00016"),
    ("Nước mắm Phú Quốc", "Phu Quoc fish sauce", "L", "00001"),
    ("Gỗ mỹ nghệ Đồng Kỵ", "Dong Ky carved wood", "piece", None),
]


def gtin14(item: int) -> str:
    """A GTIN-14 under the Vietnamese GS1 prefix 893 with a valid check digit."""
    digits = f"0893601{item % 1_000_000:06d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return digits + str((10 - total % 10) % 10)


class StatementMaker:
    """Batch-registration statements by one issuer, signed with one Ed25519 key; distinct nonces and lots."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._key = Ed25519PrivateKey.generate()
        self.public_key = self._key.public_key()
        self.key_id = statement_key_id(self.public_key)
        self._count = 0
        self._start = datetime(2026, 11, 1, tzinfo=UTC)

    def lookup(self, issuer: str, key_id: str) -> Ed25519PublicKey:
        if issuer != ISSUER or key_id != self.key_id:
            raise UnknownKeyError(f"no key {key_id} for issuer {issuer}; only {ISSUER} key {self.key_id} is known")
        return self.public_key

    def body(self, n: int) -> dict[str, Any]:
        rng = self._rng
        vi, en, unit, gi = _PRODUCTS[n % len(_PRODUCTS)]
        commune, code, district, province = _COMMUNES[rng.randrange(len(_COMMUNES))]
        produced = self._start - timedelta(days=rng.randrange(1, 60))
        return {
            "gtin": gtin14(rng.randrange(1_000_000)),
            "lot": f"LOT-{produced:%Y%m}-{n:07d}",
            "quantity": f"{rng.randrange(1, 50_000)}.{rng.randrange(100):02d}",
            "unit": unit,
            "production_date": f"{produced:%Y-%m-%d}",
            "origin": {"commune": commune, "commune_code": code, "district": district, "province": province,
                       "admin_version": "2025-07-01"},
            "names": {"vi": vi, "en": en},
            "claims": {"gi": gi, "marks": [f"CM-2019-{rng.randrange(10_000):04d}"]},
            "inputs": [{"gtin": gtin14(rng.randrange(1_000_000)), "lot": f"IN-{rng.randrange(10**6):06d}",
                        "quantity": f"{rng.randrange(1, 500)}.{rng.randrange(10)}"}],
        }

    def make(self, count: int) -> list[Item]:
        items = []
        for _ in range(count):
            n = self._count
            self._count += 1
            statement = Statement(
                "batch.registered", ISSUER, format_timestamp(self._start + timedelta(seconds=n)),
                base64.urlsafe_b64encode(self._rng.randbytes(12)).decode(), self.body(n),
            )
            items.append((statement, sign_statement(statement, self._key)))
        return items


def create_log(path: Path, signer: NoteSigner) -> Log:
    if path.exists():
        raise SystemExit(f"{path} already exists; the benchmark starts from empty logs")
    engine = make_engine(f"sqlite:///{path}")
    assert ledger.store.tables.APPEND_ONLY_TABLES  # the import registers the tables with SQLModel.metadata
    SQLModel.metadata.create_all(engine)
    with engine.begin() as conn:
        for ddl in ledger.store.tables.append_only_ddl(engine.dialect.name):
            conn.exec_driver_sql(ddl)
    return Log(SqlStore(engine), signer)


def create_pymerkle(path: Path) -> Any:
    """A pymerkle SqliteTree with the ledger's durability settings (WAL, synchronous=FULL)."""
    if path.exists():
        raise SystemExit(f"{path} already exists; the benchmark starts from empty trees")
    tree = SqliteTree(str(path))
    tree.con.execute("PRAGMA journal_mode=WAL")
    tree.con.execute("PRAGMA synchronous=FULL")
    return tree


def timed_append(log: Log, items: Sequence[Item]) -> float:
    start = time.perf_counter()
    with log.store.write() as txn:
        receipts = log.append_verified(txn, items)
    elapsed = time.perf_counter() - start
    assert len(receipts) == len(items)
    return elapsed


def check_receipts(log: Log, items: Sequence[Item], rng: random.Random) -> None:
    """Outside any timing: append once more and verify a few receipts' proofs against their checkpoint."""
    with log.store.write() as txn:
        receipts = log.append_verified(txn, items)
    for receipt in rng.sample(receipts, min(10, len(receipts))):
        receipt.proof.verify()
        assert receipt.proof.root == receipt.checkpoint.checkpoint.root
        assert receipt.proof.leaf_hash == receipt.entry_hash


def stored_entries(log: Log, start: int, stop: int) -> list[bytes]:
    with log.store.read() as view:
        return [e.canonical for e in view.entries(start, stop)]


def rate(count: int, seconds: float) -> float:
    return round(count / max(seconds, 1e-9), 1)


@dataclass
class Figures:
    append_batch: float = 0.0
    append_batch_verified: float = 0.0
    append_batch_interleaved: float = 0.0
    append_single: float = 0.0
    ed25519_verify: float = 0.0
    proof: dict[str, float] = field(default_factory=dict)
    audit: float | None = None
    stages: list[tuple[int, int, float, float]] = field(default_factory=list)
    pm_append_batch: float = 0.0
    pm_append_single: float = 0.0
    pm_proof: dict[str, float] = field(default_factory=dict)
    pm_first_proof: dict[str, float] = field(default_factory=dict)
    pm_audit: float = 0.0
    notes: list[str] = field(default_factory=list)


def ledger_proofs(log: Log, size: int, rng: random.Random) -> float:
    """Proofs/s for random indices in steady state: a serving process has its pages mapped, so a warm-up
    of WARM_UP_PROOFS untimed proofs comes first."""
    indices = [rng.randrange(size) for _ in range(PROOFS)]
    with log.store.read() as view:
        for _ in range(WARM_UP_PROOFS):
            log.inclusion(view, rng.randrange(size), size)
        start = time.perf_counter()
        proofs = [log.inclusion(view, i, size) for i in indices]
        elapsed = time.perf_counter() - start
        head = view.head()
        for proof in rng.sample(proofs, CHECKED_PROOFS):
            proof.verify()
            assert proof.root == head.root
            assert proof.leaf_hash == view.entries(proof.index, proof.index + 1)[0].hash
    return rate(len(proofs), elapsed)


def pymerkle_proofs(tree: Any, size: int, root: bytes, rng: random.Random) -> tuple[float, float]:
    """Proofs/s for random indices, and the seconds the first one took (pymerkle fills its cache lazily)."""
    proofs: list[Any] = []
    start = time.perf_counter()
    deadline = start + PYMERKLE_PROOF_SECONDS
    first = 0.0
    while len(proofs) < PROOFS and time.perf_counter() < deadline:
        proofs.append(tree.prove_inclusion(rng.randrange(size) + 1, size))
        if len(proofs) == 1:
            first = time.perf_counter() - start
    elapsed = time.perf_counter() - start
    for proof in rng.sample(proofs, min(CHECKED_PROOFS, len(proofs))):
        proof.verify(tree.get_leaf(proof.index), root, index=proof.index, size=size)
    return rate(len(proofs), elapsed), round(first, 4)


def pymerkle_audit(path: Path, size: int, root: bytes) -> float:
    """Rehash every stored entry and recompute the root from the stored leaf hashes, in a fresh process state.

    pymerkle has no bulk read of entries, so they come from its documented `leaf` table directly.
    """
    tree = SqliteTree(str(path))
    start = time.perf_counter()
    with sqlite3.connect(path) as con:
        count = 0
        for entry, digest in con.execute("SELECT entry, hash FROM leaf ORDER BY id"):
            if tree.hash_buff(entry) != digest:
                raise AssertionError(f"pymerkle leaf {count + 1} does not hash to its stored hash")
            count += 1
    recomputed = tree.get_root()
    elapsed = time.perf_counter() - start
    tree.close()
    assert count == size
    assert recomputed == root, "pymerkle root differs from the ledger's"
    return rate(size, elapsed)


def run_audit(log: Log, figures: Figures) -> None:
    try:
        from ledger.audit.store import audit
    except ImportError as exc:
        figures.notes.append(f"audit_per_s is null: ledger.audit.store.audit is not importable ({exc})")
        return
    with log.store.read() as view:
        size = view.head().size
        start = time.perf_counter()
        try:
            result = audit(view, log.verifier)
        except Exception as exc:
            figures.notes.append(f"audit_per_s is null: audit raised {type(exc).__name__}: {exc}")
            return
        figures.audit = rate(size, time.perf_counter() - start)
    assert result.size == size


def tree_sizes(max_size: int) -> list[int]:
    sizes = {10**k for k in range(4, 13) if 10**k <= max_size}
    return sorted(sizes | {max_size})


@contextmanager
def progress_bar(console: Console) -> Iterator[Progress]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield progress


def grow_and_prove(work: Path, signer: NoteSigner, maker: StatementMaker, max_size: int, figures: Figures,
                   progress: Progress, rng: random.Random) -> tuple[Log, bytes]:
    """Grow the ledger and pymerkle side by side to each size; measure appends and proofs."""
    log = create_log(work / "ledger-grow.db", signer)
    tree = create_pymerkle(work / "pymerkle-grow.db")
    task = progress.add_task("growing both trees", total=max_size)
    size = 0
    ledger_seconds = pymerkle_seconds = 0.0
    for target in tree_sizes(max_size):
        stage_from, stage_ledger, stage_pymerkle = size, ledger_seconds, pymerkle_seconds
        while size < target:
            count = min(BATCH, target - size)
            ledger_seconds += timed_append(log, maker.make(count))
            leaves = stored_entries(log, size, size + count)
            start = time.perf_counter()
            tree_size = tree.append_entries(leaves)
            pymerkle_seconds += time.perf_counter() - start
            size += count
            assert tree_size == size
            progress.advance(task, count)
        figures.stages.append((stage_from, size, rate(size - stage_from, ledger_seconds - stage_ledger),
                               rate(size - stage_from, pymerkle_seconds - stage_pymerkle)))
        with log.store.read() as view:
            root = view.head().root
        progress.update(task, description=f"proofs at {size:,}")
        figures.proof[str(size)] = ledger_proofs(log, size, rng)
        pm_rate, pm_first = pymerkle_proofs(tree, size, root, rng)
        figures.pm_proof[str(size)] = pm_rate
        figures.pm_first_proof[str(size)] = pm_first
        if tree.get_root(size) != root:
            raise AssertionError(f"pymerkle and the ledger disagree on the root at size {size}")
        progress.update(task, description="growing both trees")
    progress.remove_task(task)
    figures.append_batch = rate(size, ledger_seconds)
    figures.pm_append_batch = rate(size, pymerkle_seconds)
    tree.close()
    with log.store.read() as view:
        return log, view.head().root


def append_verified_vs_checked(work: Path, signer: NoteSigner, maker: StatementMaker, max_size: int,
                               figures: Figures, progress: Progress, rng: random.Random) -> None:
    """Batches alternate between append_verified and append (which also verifies each signature)."""
    log = create_log(work / "ledger-verified.db", signer)
    batches = max(2, min(max_size, VERIFIED_ENTRIES) // BATCH)
    task = progress.add_task("append vs append_verified", total=batches)
    checked = unchecked = 0.0
    for b in range(batches):
        items = maker.make(BATCH)
        if b % 2:
            start = time.perf_counter()
            receipts = log.append(items, maker.lookup)
            checked += time.perf_counter() - start
            assert len(receipts) == len(items)
        else:
            unchecked += timed_append(log, items)
        progress.advance(task)
    progress.remove_task(task)
    check_receipts(log, maker.make(BATCH), rng)
    figures.append_batch_verified = rate(batches // 2 * BATCH, checked)
    figures.append_batch_interleaved = rate((batches + 1) // 2 * BATCH, unchecked)


def append_singles(work: Path, signer: NoteSigner, maker: StatementMaker, max_size: int, figures: Figures,
                   progress: Progress) -> None:
    log = create_log(work / "ledger-single.db", signer)
    count = min(SINGLE_APPENDS, max_size)
    items = maker.make(count)
    task = progress.add_task("single appends", total=2 * count)
    seconds = 0.0
    for item in items:
        seconds += timed_append(log, [item])
        progress.advance(task)
    figures.append_single = rate(count, seconds)
    tree = create_pymerkle(work / "pymerkle-single.db")
    seconds = 0.0
    for leaf in stored_entries(log, 0, count):
        start = time.perf_counter()
        tree.append_entry(leaf)
        seconds += time.perf_counter() - start
        progress.advance(task)
    with log.store.read() as view:
        assert tree.get_root() == view.head().root
    tree.close()
    progress.remove_task(task)
    figures.pm_append_single = rate(count, seconds)


def report(figures: Figures, max_size: int, runtime: float) -> dict[str, Any]:
    return {
        "append_batch_per_s": figures.append_batch,
        "append_batch_verified_per_s": figures.append_batch_verified,
        "append_single_per_s": figures.append_single,
        "ed25519_verify_per_s": figures.ed25519_verify,
        "proof_per_s": figures.proof,
        "audit_per_s": figures.audit,
        "pymerkle": {
            "append_batch_per_s": figures.pm_append_batch,
            "append_single_per_s": figures.pm_append_single,
            "proof_per_s": figures.pm_proof,
            "first_proof_s": figures.pm_first_proof,
            "audit_per_s": figures.pm_audit,
        },
        "machine": machine(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "max_size": max_size,
        "runtime_s": round(runtime, 1),
        "notes": figures.notes,
    }


def table(figures: Figures) -> Table:
    def num(value: float | None) -> str:
        return "—" if value is None else f"{value:,.0f}"

    t = Table(title="Ledger vs pymerkle SqliteTree, both on SQLite with WAL and synchronous=FULL")
    t.add_column("measure")
    t.add_column("ledger", justify="right")
    t.add_column("pymerkle", justify="right")
    t.add_row("append, batches of 1,000 (entries/s) [1]", num(figures.append_batch), num(figures.pm_append_batch))
    for low, high, ours, theirs in figures.stages:
        t.add_row(f"  while growing {low:,} → {high:,}", num(ours), num(theirs))
    t.add_row("append with signature checks, batches [2]", num(figures.append_batch_verified), "")
    t.add_row("  append_verified batches interleaved with them", num(figures.append_batch_interleaved), "")
    t.add_row("append, one per transaction (entries/s)", num(figures.append_single), num(figures.pm_append_single))
    for size, ours in figures.proof.items():
        t.add_row(f"inclusion proofs at {int(size):,} (proofs/s) [3]", num(ours), num(figures.pm_proof.get(size)))
    t.add_row("audit (entries/s) [4]", num(figures.audit), num(figures.pm_audit))
    t.add_row("Ed25519 verify, 800-byte message (per s)", num(figures.ed25519_verify), "")
    return t


FOOTNOTES = [
    "[1] ledger: chained entries, Merkle nodes, one signed checkpoint per batch and a receipt (with inclusion "
    "proof) per entry; pymerkle: one leaf row (entry, hash) per entry.",
    "[2] Log.append: Ed25519 verification of every statement through the key lookup, then the same append.",
    "[3] random indices in the tree at that size; pymerkle computes subtree roots from leaves and caches "
    "them, so its first proof at each size pays a cache fill (first_proof_s in the JSON).",
    "[4] ledger: ledger.audit.store.audit(view, log key) without statement signatures (entry hashes, chain, every "
    "stored node, every checkpoint signature and root, head); pymerkle has no audit, so: rehash every stored "
    "entry and recompute the root from the stored leaf hashes, from a fresh tree object.",
]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--max-size", type=int, default=1_000_000, help="largest tree (default 1,000,000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--dir", type=Path, help="where the SQLite files go (kept); default a removed tempdir")
    args = parser.parse_args(argv)
    if args.max_size < 2:
        parser.error("--max-size must be at least 2")
    err = Console(stderr=True)
    started = time.perf_counter()
    figures = Figures()
    rng = random.Random(20261126)
    maker = StatementMaker(seed=1)
    signer = NoteSigner.generate(LOG_ORIGIN)
    with workdir(args.dir) as work, progress_bar(err) as progress:
        figures.ed25519_verify = round(ed25519_verify_rate(1.0), 1)
        log, root = grow_and_prove(work, signer, maker, args.max_size, figures, progress, rng)
        append_verified_vs_checked(work, signer, maker, args.max_size, figures, progress, rng)
        append_singles(work, signer, maker, args.max_size, figures, progress)
        audit_task = progress.add_task("audits", total=None)
        run_audit(log, figures)
        figures.pm_audit = pymerkle_audit(work / "pymerkle-grow.db", args.max_size, root)
        progress.remove_task(audit_task)
    result = report(figures, args.max_size, time.perf_counter() - started)
    out = err if args.json else Console()
    out.print(table(figures))
    for line in [*FOOTNOTES, *figures.notes]:
        out.print(line, highlight=False)
    out.print(f"max size {args.max_size:,}; ran {result['runtime_s']} s", highlight=False)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
