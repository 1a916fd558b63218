"""Audit of a stored log: a clean log passes, and each way of tampering with its rows is named at its index.

The attacker writes raw SQL after dropping the append-only triggers, as someone with the database
password could; the audit must still name the first entry that is wrong.
"""

import base64
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from ledger.audit.store import AuditReport, audit
from ledger.core.checkpoint import Checkpoint, open_checkpoint
from ledger.core.errors import AuditError
from ledger.core.hashing import EMPTY_ROOT, Hash
from ledger.core.merkle import CompactRange, NodeId
from ledger.core.note import NoteSigner
from ledger.core.types import Entry, Statement
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from ledger.store.tables import drop_append_only_ddl
from tests.conftest import Issuer

ORIGIN = "test.nguon/log"
BATCHES = (1, 1, 40, 1, 100, 3, 1, 60, 1, 90, 2)
SIZE = sum(BATCHES)  # 300
CHECKPOINT_SIZES = [sum(BATCHES[: i + 1]) for i in range(len(BATCHES))]  # 1, 2, 42, 43, 143, 146, 147, 207, ...
K = 150  # the entry most tamper cases hit: mid-log, inside the append of entries 147..206


@pytest.fixture
def log(sql_store: SqlStore, issuer: Issuer) -> Log:
    """A log of 300 entries appended as single statements and batches, one checkpoint per append."""
    log = Log(sql_store, NoteSigner.generate(ORIGIN))
    for count in BATCHES:
        log.append([issuer.statement() for _ in range(count)], issuer.lookup)
    return log


@pytest.fixture(params=[4096, 37], ids=["one-chunk", "chunks-of-37"])
def chunk(request: pytest.FixtureRequest) -> int:
    """How many entries the audit reads at a time; 37 puts chunk boundaries inside batches and subtrees."""
    return int(request.param)


@contextmanager
def attacker(engine: Engine) -> Iterator[Connection]:
    """A connection of someone who can write to the database and first drops the append-only triggers."""
    with engine.begin() as conn:
        for statement in drop_append_only_ddl(engine.dialect.name):
            conn.exec_driver_sql(statement)
        yield conn


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def audit_error(log: Log, chunk: int = 4096) -> AuditError:
    with log.store.read() as view, pytest.raises(AuditError) as caught:
        audit(view, log.verifier, chunk=chunk)
    return caught.value


def entry_row(conn: Connection, index: int) -> tuple[bytes, bytes]:
    h, data = conn.execute(text("SELECT hash, canonical FROM ledger_entries WHERE idx = :i"), {"i": index}).one()
    return bytes(h), bytes(data)


def set_entry(conn: Connection, index: int, h: bytes, data: bytes) -> None:
    conn.execute(text("UPDATE ledger_entries SET hash = :h, canonical = :c WHERE idx = :i"),
                 {"h": h, "c": data, "i": index})


def flip_node(conn: Connection, node: NodeId) -> None:
    stored = conn.execute(text("SELECT hash FROM ledger_nodes WHERE id = :k"), {"k": node.key}).scalar_one()
    conn.execute(text("UPDATE ledger_nodes SET hash = :h WHERE id = :k"), {"h": flip(bytes(stored), 7), "k": node.key})


def set_note(conn: Connection, size: int, note: str) -> None:
    conn.execute(text("UPDATE ledger_checkpoints SET note = :n WHERE size = :s"), {"n": note, "s": size})


def note_at(conn: Connection, size: int) -> str:
    return str(conn.execute(text("SELECT note FROM ledger_checkpoints WHERE size = :s"), {"s": size}).scalar_one())


class TestCleanAudit:
    """A log written only through Log.append audits clean and says what it verified."""

    def test_reports_size_root_and_checkpoints(self, log: Log, chunk: int) -> None:
        with log.store.read() as view:
            report = audit(view, log.verifier, chunk=chunk)
            head = view.head()
            latest, _ = open_checkpoint(log.checkpoint(view).note, log.verifier)
        assert report == AuditReport(SIZE, head.root, len(BATCHES))
        assert (latest.size, latest.root) == (SIZE, report.root)

    def test_progress_counts_increase_up_to_the_size(self, log: Log) -> None:
        calls: list[tuple[int, int]] = []
        with log.store.read() as view:
            audit(view, log.verifier, progress=lambda done, total: calls.append((done, total)), chunk=64)
        assert calls == [(64, SIZE), (128, SIZE), (192, SIZE), (256, SIZE), (SIZE, SIZE)]

    def test_progress_in_one_chunk_is_called_once_with_the_size(self, log: Log) -> None:
        calls: list[tuple[int, int]] = []
        with log.store.read() as view:
            audit(view, log.verifier, progress=lambda done, total: calls.append((done, total)))
        assert calls == [(SIZE, SIZE)]

    def test_with_a_lookup_it_verifies_every_statement_signature(self, log: Log, issuer: Issuer, chunk: int) -> None:
        with log.store.read() as view:
            report = audit(view, log.verifier, lookup=issuer.lookup, chunk=chunk)
        assert (report.size, report.checkpoints) == (SIZE, len(BATCHES))

    def test_lookup_that_does_not_know_the_key_fails_at_entry_0(self, log: Log) -> None:
        stranger = Issuer()  # same organisation id, another key
        with log.store.read() as view, pytest.raises(AuditError, match="entry 0: entry does not verify") as caught:
            audit(view, log.verifier, lookup=stranger.lookup)
        assert caught.value.index == 0

    def test_log_key_of_another_log_fails_at_the_first_checkpoint(self, log: Log) -> None:
        other = NoteSigner.generate(ORIGIN).verifier
        with log.store.read() as view, pytest.raises(AuditError, match="checkpoint at size 1 does not") as caught:
            audit(view, other)
        assert caught.value.index == 0

    def test_empty_log_audits_clean(self, sql_store: SqlStore) -> None:
        with sql_store.read() as view:
            report = audit(view, NoteSigner.generate(ORIGIN).verifier)
        assert report == AuditReport(0, EMPTY_ROOT, 0)


class TestTamperedLog:
    """Every tampering with entries, nodes, checkpoints or the head is named at the first index it breaks."""

    def test_flipped_byte_in_an_entry_is_named_at_that_entry(self, log: Log, engine: Engine, chunk: int) -> None:
        with attacker(engine) as conn:
            h, data = entry_row(conn, K)
            set_entry(conn, K, h, flip(data, len(data) // 2))
        error = audit_error(log, chunk)
        assert error.index == K
        assert "is not the hash of its bytes" in error.reason

    def test_changed_hash_column_is_named_at_that_entry(self, log: Log, engine: Engine, chunk: int) -> None:
        with attacker(engine) as conn:
            h, data = entry_row(conn, K)
            set_entry(conn, K, flip(h, 0), data)
        assert audit_error(log, chunk).index == K

    def test_flipped_leaf_node_is_named_at_its_leaf(self, log: Log, engine: Engine, chunk: int) -> None:
        with attacker(engine) as conn:
            flip_node(conn, NodeId(0, K))
        error = audit_error(log, chunk)
        assert error.index == K
        assert "stored leaf node differs" in error.reason

    def test_flipped_level_3_node_is_named_at_the_first_leaf_it_covers(
        self, log: Log, engine: Engine, chunk: int
    ) -> None:
        node = NodeId(3, K >> 3)  # leaves 144..151
        with attacker(engine) as conn:
            flip_node(conn, node)
        error = audit_error(log, chunk)
        assert error.index == node.coverage()[0] == 144
        assert "stored Merkle node (level 3, index 18) is" in error.reason

    def test_missing_level_2_node_is_named_at_the_first_leaf_it_covers(
        self, log: Log, engine: Engine, chunk: int
    ) -> None:
        with attacker(engine) as conn:
            conn.execute(text("DELETE FROM ledger_nodes WHERE id = :k"), {"k": NodeId(2, 40).key})
        error = audit_error(log, chunk)
        assert error.index == 160
        assert "stored Merkle node (level 2, index 40) is missing" in error.reason

    def test_changed_checkpoint_signature_is_named_at_its_last_entry(
        self, log: Log, engine: Engine, chunk: int
    ) -> None:
        size = 147
        with attacker(engine) as conn:
            body, signature_line = note_at(conn, size).split("\n\n")
            prefix, encoded = signature_line.rstrip("\n").rsplit(" ", 1)
            raw = base64.b64decode(encoded)
            tampered = base64.b64encode(raw[:4] + flip(raw[4:], 10)).decode()  # the signature, not the key id
            set_note(conn, size, f"{body}\n\n{prefix} {tampered}\n")
        error = audit_error(log, chunk)
        assert error.index == size - 1
        assert f"checkpoint at size {size} does not verify" in error.reason

    def test_checkpoint_forged_under_another_key_is_named_at_its_last_entry(
        self, log: Log, engine: Engine, chunk: int
    ) -> None:
        size = 147
        forger = NoteSigner.generate(ORIGIN)  # the log's name, not its key
        forged = Checkpoint(ORIGIN, size, Hash(hashlib.sha256(b"another history").digest())).sign(forger)
        with attacker(engine) as conn:
            set_note(conn, size, forged)
        error = audit_error(log, chunk)
        assert error.index == size - 1
        assert "none of them is a known key" in error.reason

    def test_checkpoint_forged_at_a_new_size_is_named_at_its_last_entry(
        self, log: Log, engine: Engine, chunk: int
    ) -> None:
        forged = Checkpoint(ORIGIN, K, Hash(hashlib.sha256(b"another history").digest())).sign(
            NoteSigner.generate(ORIGIN))
        with attacker(engine) as conn:
            conn.execute(text("INSERT INTO ledger_checkpoints (size, note) VALUES (:s, :n)"), {"s": K, "n": forged})
        assert audit_error(log, chunk).index == K - 1

    def test_deleted_entry_is_named_at_its_index(self, log: Log, engine: Engine, chunk: int) -> None:
        with attacker(engine) as conn:
            conn.execute(text("DELETE FROM ledger_entries WHERE idx = :i"), {"i": K})
        error = audit_error(log, chunk)
        assert error.index == K
        assert "entry is missing from storage" in error.reason

    def test_deleted_last_entry_is_named_at_its_index(self, log: Log, engine: Engine, chunk: int) -> None:
        with attacker(engine) as conn:
            conn.execute(text("DELETE FROM ledger_entries WHERE idx = :i"), {"i": SIZE - 1})
        assert audit_error(log, chunk).index == SIZE - 1

    def test_extra_entry_row_after_the_head_is_named_at_the_size(
        self, log: Log, engine: Engine, issuer: Issuer, chunk: int
    ) -> None:
        with attacker(engine) as conn:
            last_hash, _ = entry_row(conn, SIZE - 1)
            extra = Entry(SIZE, Hash(last_hash), "2026-11-26T10:00:00.000Z", *issuer.statement())
            conn.execute(text("INSERT INTO ledger_entries (idx, hash, canonical) VALUES (:i, :h, :c)"),
                         {"i": SIZE, "h": extra.hash, "c": extra.canonical})
        error = audit_error(log, chunk)
        assert error.index == SIZE
        assert f"{SIZE + 1} entry rows are stored for a log of size {SIZE}" in error.reason

    @pytest.mark.parametrize(("node", "index"), [(NodeId(0, SIZE), SIZE), (NodeId(3, SIZE >> 3), 296)],
                             ids=["leaf-after-the-last", "level-3-over-the-edge"])
    def test_extra_node_row_outside_the_tree_is_named(
        self, log: Log, engine: Engine, chunk: int, node: NodeId, index: int
    ) -> None:
        with attacker(engine) as conn:
            conn.execute(text("INSERT INTO ledger_nodes (id, hash) VALUES (:k, :h)"),
                         {"k": node.key, "h": hashlib.sha256(b"extra").digest()})
        error = audit_error(log, chunk)
        assert error.index == index
        assert f"Merkle node (level {node.level}, index {node.index}) is not part of the tree" in error.reason

    def test_swapped_entries_are_named_at_the_first_of_them(self, log: Log, engine: Engine, chunk: int) -> None:
        with attacker(engine) as conn:
            first, second = entry_row(conn, K), entry_row(conn, K + 1)
            set_entry(conn, K, *second)
            set_entry(conn, K + 1, *first)
        assert audit_error(log, chunk).index == K

    def test_moved_head_is_named_at_the_size(self, log: Log, engine: Engine, chunk: int) -> None:
        with attacker(engine) as conn:
            conn.execute(text("UPDATE ledger_head SET root = :r"), {"r": hashlib.sha256(b"another root").digest()})
        error = audit_error(log, chunk)
        assert error.index == SIZE
        assert "the stored head does not match the entries" in error.reason

    def test_history_rewritten_after_an_entry_fails_at_the_next_signed_checkpoint(
        self, log: Log, engine: Engine, chunk: int
    ) -> None:
        """Entries from K on are rewritten and rechained, every node and the head recomputed; only the
        signed checkpoints, which the attacker cannot re-sign, still describe the old history."""
        rewritten = rewrite_history(log, K)
        with attacker(engine) as conn:
            store_history(conn, rewritten, K)
        error = audit_error(log, chunk)
        first_checkpoint_after = min(size for size in CHECKPOINT_SIZES if size > K)
        assert error.index >= K
        assert error.index == first_checkpoint_after - 1
        assert f"checkpoint at size {first_checkpoint_after} has root" in error.reason

    def test_history_rewritten_with_the_later_checkpoints_deleted_fails_where_signing_stops(
        self, log: Log, engine: Engine, chunk: int
    ) -> None:
        """The attacker also deletes the checkpoints that describe the old history: no signed checkpoint
        covers the entries after the last one left, and the audit names the first of them."""
        last_left = max(size for size in CHECKPOINT_SIZES if size <= K)
        rewritten = rewrite_history(log, K)
        with attacker(engine) as conn:
            store_history(conn, rewritten, K)
            conn.execute(text("DELETE FROM ledger_checkpoints WHERE size > :k"), {"k": K})
        error = audit_error(log, chunk)
        assert error.index == last_left
        assert f"no signed checkpoint covers entries {last_left} to {SIZE - 1}" in error.reason

    def test_deleted_latest_checkpoint_leaves_the_last_append_unsigned(
        self, log: Log, engine: Engine, chunk: int
    ) -> None:
        with attacker(engine) as conn:
            conn.execute(text("DELETE FROM ledger_checkpoints WHERE size = :s"), {"s": SIZE})
        assert audit_error(log, chunk).index == CHECKPOINT_SIZES[-2]


def rewrite_history(log: Log, start: int) -> list[Entry]:
    """The log's entries with entry `start`'s statement changed and every later entry rechained."""
    with log.store.read() as view:
        entries = [Entry.from_canonical(row.canonical) for row in view.entries(0, SIZE)]
    changed = entries[start].statement
    rewritten = entries[:start]
    for old in entries[start:]:
        statement = old.statement
        if old.index == start:
            statement = Statement(changed.kind, changed.issuer, changed.issued_at, changed.nonce,
                                  {**changed.body, "quantity": "9999"})
        rewritten.append(replace(old, prev=rewritten[-1].hash, statement=statement))
    return rewritten


def store_history(conn: Connection, rewritten: list[Entry], start: int) -> None:
    """Replace the entries from `start` on, recompute and replace every node, and move the head to match."""
    compact = CompactRange()
    nodes: list[tuple[NodeId, Hash]] = []
    compact.extend((e.hash for e in rewritten), nodes)
    conn.execute(text("DELETE FROM ledger_entries WHERE idx >= :k"), {"k": start})
    conn.execute(text("INSERT INTO ledger_entries (idx, hash, canonical) VALUES (:i, :h, :c)"),
                 [{"i": e.index, "h": e.hash, "c": e.canonical} for e in rewritten[start:]])
    conn.execute(text("DELETE FROM ledger_nodes"))
    conn.execute(text("INSERT INTO ledger_nodes (id, hash) VALUES (:k, :h)"), [{"k": n.key, "h": h} for n, h in nodes])
    conn.execute(text("UPDATE ledger_head SET root = :r, last_hash = :l"),
                 {"r": compact.root(), "l": rewritten[-1].hash})
