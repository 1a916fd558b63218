"""A real uvicorn server that can be killed and restarted on the test database, a registry set up on it the
way an operator would (CLI, then API), and the checks both reliability suites end with.

Receipts are kept as the JSON the API answered (`{"index", "hash", "proof", "checkpoint"}`), so what is
checked is what a client holds, not what the server would say about it afterwards.
"""

import contextlib
import math
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.core.checkpoint import Checkpoint, open_checkpoint
from ledger.core.hashing import ZERO_HASH, Hash
from ledger.core.merkle import MAX_TREE_SIZE
from ledger.core.note import NoteVerifier
from ledger.core.proof import InclusionProof, verify_consistency, verify_inclusion
from ledger.core.types import Entry
from ledger.store.log import Log
from ledger.store.protocol import Head, ReadView
from registry.values import gtin_check_digit
from tests.checks import wait_until
from tests.databases import migrate
from tests.factories import (
    NUMBERING,
    ROOT,
    body,
    make_batch,
    make_event,
    make_licence,
    make_organisation,
    make_product,
)

ORIGIN = "reliability.nguon/log"
START_SECONDS = 60
# Two workers on both databases. On SQLite they are as safe as on PostgreSQL: a write transaction opens
# with BEGIN IMMEDIATE, so the second process waits (busy_timeout, 60 s) for the write lock before it reads
# the head, exactly as a second thread of one process does; the load test checks the result.
WORKERS = 2

Receipt = dict[str, Any]
"""A receipt as the API answered it: {"index", "hash", "proof", "checkpoint"}."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """uvicorn in a process group of its own, so that a SIGKILL takes the supervisor and every worker at once."""

    database_url: str
    data_dir: Path
    log_path: Path
    workers: int = WORKERS
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    start_seconds: list[float] = field(default_factory=list)
    """How long each start took until the server answered."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        # NGUON_RATE_LIMIT="": the public rate limit would throttle the load generator, not the server.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("NGUON_")}
        return {**inherited, "NGUON_DATABASE_URL": self.database_url, "NGUON_DATA_DIR": str(self.data_dir),
                "NGUON_PUBLIC_URL": self.base_url, "NGUON_LOG_ORIGIN": ORIGIN, "NGUON_RATE_LIMIT": "",
                "PYTHONPATH": str(Path(__file__).resolve().parents[2])}

    def start(self) -> None:
        """Start the server and return once it answers."""
        assert self.process is None, "the server is already running"
        began = time.monotonic()
        with self.log_path.open("ab") as out:
            process = self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "api.app:app_from_environment", "--factory", "--host", "127.0.0.1",
                 "--port", str(self.port), "--workers", str(self.workers), "--log-level", "warning",
                 "--no-access-log"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until(lambda: process.poll() is not None or self._answers(), START_SECONDS, "the server to answer",
                       every=0.05)
        except AssertionError:
            pytest.fail(f"server did not answer within {START_SECONDS} s (start {len(self.start_seconds) + 1}):\n"
                        f"{self.output()}")
        if process.poll() is not None:
            pytest.fail(f"server exited at start {len(self.start_seconds) + 1}:\n{self.output()}")
        self.start_seconds.append(time.monotonic() - began)

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/api/v1/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """SIGKILL the supervisor and every worker at once: a crash of the server, not of the machine (what the
        database has written reaches its files through the operating system, which stays up)."""
        self._signal(signal.SIGKILL, wait=30)

    def stop(self) -> None:
        try:
            self._signal(signal.SIGTERM, wait=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def _signal(self, signum: int, wait: float) -> None:
        process = self.process
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):  # it may have died by itself
            os.killpg(process.pid, signum)  # the group start_new_session made: this server and its workers
        process.wait(timeout=wait)
        _wait_for_group_to_exit(process.pid, wait)
        self.process = None

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def cli(self, *args: str) -> str:
        """Run `nguon` on the server's database and data directory; its standard output."""
        return self.cli_many([args])[0]

    def cli_many(self, commands: Sequence[Sequence[str]]) -> list[str]:
        """Run several `nguon` commands at once (each pays the interpreter's start-up); their outputs in order."""
        running = [subprocess.Popen([sys.executable, "-c", "from api.cli.main import app; app()", *args], env=self.env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for args in commands]
        outputs = []
        for args, process in zip(commands, running, strict=True):
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, f"nguon {' '.join(args)} failed: {err}"
            outputs.append(out)
        return outputs


def _wait_for_group_to_exit(group: int, seconds: float) -> None:
    """Wait until no live process is left in `group`: a worker that outlived its supervisor by a moment would
    still hold the listening socket, and the next start could not bind the port."""
    deadline = time.monotonic() + seconds
    while members := _live_members(group):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise subprocess.TimeoutExpired(f"process group {group}", seconds)
        _wait_for_an_exit(members, remaining)


def _wait_for_an_exit(pids: Sequence[int], seconds: float) -> None:
    """Block until one of `pids` exits (its pidfd becomes readable then), or `seconds` have passed."""
    fds: list[int] = []
    try:
        for pid in pids:
            try:
                fds.append(os.pidfd_open(pid))
            except ProcessLookupError:
                return  # gone already
        select.select(fds, [], [], seconds)
    finally:
        for fd in fds:
            os.close(fd)


def _live_members(group: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # exited while we looked
        state, pgrp = fields[0], int(fields[2])  # fields after "(comm)": state ppid pgrp ...
        if pgrp == group and state not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    """A running server on a migrated, empty test database; stopped (and its output kept) at the end."""
    migrate(database_url)
    running = Server(database_url, tmp_path / "data", tmp_path / "server.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()


@dataclass(frozen=True)
class Producer:
    """A producer organisation with its API token and one registered product."""

    id: str
    token: str
    gtin: str


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def created(response: httpx.Response) -> Receipt:
    assert response.status_code == 201, f"{response.request.url} answered {response.status_code}: {response.text}"
    body: Receipt = response.json()
    return body


def company_prefix(number: int) -> str:
    """The GS1 company prefix of producer `number` (9 digits; no two producers' prefixes nest)."""
    return f"8936{number:05d}"


def gtin(number: int) -> str:
    """The GTIN of producer `number`'s product, inside its company prefix."""
    stem = f"0{company_prefix(number)}001"
    return stem + str(gtin_check_digit(stem))


def set_up_producers(server: Server, count: int) -> list[Producer]:
    """Bootstrap the registry through the CLI; through the API with the root token, register the numbering
    agency and `count` producers, each licensed its company prefix by the agency; give each a token from `nguon
    tokens create`, and register a product each."""
    root = server.cli("bootstrap", "--id", ROOT, "--name-vi", "Cục Sở hữu trí tuệ",
                      "--name-en", "IP Office of Viet Nam").strip()
    ids = [f"htx-tin-cay-{i}" for i in range(count)]
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        created(client.post("/api/v1/organisations", headers=bearer(root), json=body(make_organisation(
            NUMBERING, ["numbering_agency"], names={"vi": "GS1 Việt Nam", "en": "GS1 Viet Nam"}, commune=None))))
        for org in ids:
            created(client.post("/api/v1/organisations", headers=bearer(root), json=body(make_organisation(
                org, names={"vi": f"HTX tin cậy {org}", "en": f"Reliable co-op {org}"}))))
        numbering, *tokens = [out.strip() for out in server.cli_many(
            [("tokens", "create", "--org", org, "--label", "reliability") for org in (NUMBERING, *ids)])]
        for i, org in enumerate(ids):
            kind, licence = make_licence(org, company_prefix(i))
            created(client.post("/api/v1/statements", headers=bearer(numbering), json={"kind": kind, "body": licence}))
        producers = [Producer(org, token, gtin(i)) for i, (org, token) in enumerate(zip(ids, tokens, strict=True))]
        for producer in producers:
            created(client.post("/api/v1/products", headers=bearer(producer.token), json=body(make_product(
                gtin=producer.gtin, names={"vi": "Gạo tám thơm", "en": "Fragrant rice"}))))
    return producers


@dataclass(frozen=True)
class Days:
    """Dates the registry accepts today: a production day, and a later event time."""

    produced_on: str
    event_time: str

    @classmethod
    def now(cls) -> "Days":
        today = datetime.now(UTC).date()
        return cls((today - timedelta(days=3)).isoformat(), f"{today - timedelta(days=1)}T08:00:00Z")


def batch_body(gtin_: str, lot: str, days: Days) -> dict[str, Any]:
    return body(make_batch(gtin=gtin_, lot=lot, quantity="12", produced_on=days.produced_on))


def event_body(gtin_: str, lot: str, days: Days) -> dict[str, Any]:
    return body(make_event(gtin=gtin_, lot=lot, event_time=days.event_time, destination=ROOT))


def served_log_key(server: Server) -> NoteVerifier:
    """The log's verifier key as any client gets it: GET /api/v1/log/key."""
    response = httpx.get(f"{server.base_url}/api/v1/log/key", timeout=30)
    assert response.status_code == 200, response.text
    return NoteVerifier.from_text(response.text.strip())


def assert_one_chain(view: ReadView) -> list[Entry]:
    """The stored entries are 0..size-1 with no gap, each chained to the one before, and no two share a prev."""
    size = view.head().size
    assert view.count_rows()[0] == size, f"{view.count_rows()[0]} entry rows for a head of size {size}"
    entries = [Entry.from_canonical(row.canonical) for start in range(0, size, 5000)
               for row in view.entries(start, min(start + 5000, size))]
    assert [e.index for e in entries] == list(range(size))
    assert entries[0].prev == ZERO_HASH
    assert [e.prev for e in entries[1:]] == [e.hash for e in entries[:-1]]
    shared = [prev.hex() for prev, n in Counter(e.prev for e in entries).items() if n > 1]
    assert shared == [], f"entries share a prev: {shared[:5]}"
    return entries


def assert_receipts_hold(view: ReadView, log: Log, log_key: NoteVerifier, entries: Sequence[Entry],
                         receipts: Sequence[Receipt]) -> None:
    """Every receipt names the entry stored at its index, its inclusion proof verifies against its checkpoint
    signed by `log_key`, that checkpoint is the one stored at its size, and it is consistent with the latest."""
    latest = view.latest_checkpoint()
    assert latest is not None
    final, _ = open_checkpoint(latest.note, log_key)
    assert final.size == len(entries)
    indices = Counter(r["index"] for r in receipts)
    assert [i for i, n in indices.items() if n > 1] == [], "two receipts name the same index"
    wrong = [(r["index"], r["hash"]) for r in receipts
             if not r["index"] < len(entries) or entries[r["index"]].hash.hex() != r["hash"]]
    assert wrong == [], f"{len(wrong)} receipts name another entry than the stored one, e.g. {wrong[:5]}"
    opened: dict[str, Checkpoint] = {}
    for r in receipts:
        checkpoint = opened.get(r["checkpoint"])
        if checkpoint is None:
            checkpoint = opened[r["checkpoint"]] = open_checkpoint(r["checkpoint"], log_key)[0]
        stored = view.checkpoint_at(checkpoint.size)
        assert stored is not None, f"receipt {r['index']}: no checkpoint is stored at size {checkpoint.size}"
        assert stored.note == r["checkpoint"], f"receipt {r['index']}: another checkpoint is stored at its size"
        proof = InclusionProof.from_json(r["proof"])
        assert (proof.index, proof.leaf_hash.hex(), proof.size) == (r["index"], r["hash"], checkpoint.size)
        verify_inclusion(proof.leaf_hash, proof.index, checkpoint.size, proof.hashes, checkpoint.root)
    # Thousands of proofs, each a few queries: build them from one read of every stored node instead.
    head = view.head()
    levels = head.size.bit_length() + 1
    snapshot = _NodeSnapshot(head, dict(view.nodes_between(0, levels * MAX_TREE_SIZE)))
    for checkpoint in opened.values():
        consistency = log.consistency(snapshot, checkpoint.size, final.size)  # type: ignore[arg-type]
        verify_consistency(checkpoint.size, final.size, consistency.hashes, checkpoint.root, final.root)


@dataclass(frozen=True)
class _NodeSnapshot:
    """The part of a read view that proofs need (head and nodes), held in memory."""

    stored_head: Head
    nodes: dict[int, Hash]

    def head(self) -> Head:
        return self.stored_head

    def node_hashes(self, keys: Sequence[int]) -> list[Hash]:
        return [self.nodes[k] for k in keys]


def latency_summary(seconds: Sequence[float]) -> Mapping[str, float]:
    """p50, p99 and the maximum in milliseconds (nearest-rank percentiles)."""
    ordered = sorted(seconds)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)] * 1000

    return {"p50_ms": round(rank(0.50), 1), "p99_ms": round(rank(0.99), 1), "max_ms": round(ordered[-1] * 1000, 1)}
