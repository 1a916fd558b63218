"""Appending to a log and proving what it holds, on the memory store and on the SQL store of the test database."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DatabaseError

from ledger.core.checkpoint import open_checkpoint
from ledger.core.errors import (
    EntryMismatchError,
    HeadMismatchError,
    MissingDataError,
    ProofError,
    SignatureError,
    StoreError,
    UnknownKeyError,
)
from ledger.core.hashing import EMPTY_ROOT, ZERO_HASH, Hash
from ledger.core.merkle import CompactRange, NodeId, range_nodes
from ledger.core.note import NoteSigner
from ledger.core.proof import verify_consistency, verify_inclusion
from ledger.core.types import Entry, Receipt, Signature, Statement
from ledger.store.log import MAX_BATCH, Log
from ledger.store.protocol import Head, LogStore, MemoryStore, ReadView, StoredCheckpoint
from ledger.store.sql import SqlStore
from ledger.store.tables import drop_append_only_ddl
from tests.conftest import Issuer, on_postgres

ORIGIN = "test.nguon/log"
SQL_ID = "postgresql" if on_postgres() else "sqlite"

Item = tuple[Statement, Signature]


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture
def log(sql_store: SqlStore, signer: NoteSigner) -> Log:
    return Log(sql_store, signer)


@pytest.fixture(params=["memory", SQL_ID])
def any_log(request: pytest.FixtureRequest, signer: NoteSigner) -> Log:
    store: LogStore = MemoryStore() if request.param == "memory" else request.getfixturevalue("sql_store")
    return Log(store, signer)


def state(log: Log) -> tuple[Head, tuple[int, int], StoredCheckpoint | None]:
    """What an append changes: the head, the row counts and the latest checkpoint."""
    with log.store.read() as view:
        return view.head(), view.count_rows(), view.latest_checkpoint()


def check_receipt(log: Log, receipt: Receipt) -> None:
    """The receipt's proof puts its entry hash at its index under the root of its signed checkpoint."""
    checkpoint, _ = open_checkpoint(receipt.checkpoint.note, log.verifier)
    assert checkpoint == receipt.checkpoint.checkpoint
    assert (receipt.proof.index, receipt.proof.size) == (receipt.index, checkpoint.size)
    assert (receipt.proof.leaf_hash, receipt.proof.root) == (receipt.entry_hash, checkpoint.root)
    verify_inclusion(receipt.entry_hash, receipt.index, checkpoint.size, receipt.proof.hashes, checkpoint.root)


def stored_entries(view: ReadView) -> list[Entry]:
    """The stored entries parsed back from their bytes; each stored hash must be the parsed entry's hash."""
    rows = view.entries(0, view.head().size)
    entries = [Entry.from_canonical(row.canonical) for row in rows]
    assert [row.hash for row in rows] == [entry.hash for entry in entries]
    return entries


def roots_by_size(hashes: list[Hash]) -> list[Hash]:
    """roots[n] is the root of the tree of the first n leaves, computed without the store."""
    compact = CompactRange()
    roots = [compact.root()]
    for h in hashes:
        compact.append(h)
        roots.append(compact.root())
    return roots


@contextmanager
def attacker(engine: Engine) -> Iterator[Connection]:
    """A connection of someone who can write to the database and first drops the append-only triggers."""
    with engine.begin() as conn:
        for statement in drop_append_only_ddl(engine.dialect.name):
            conn.exec_driver_sql(statement)
        yield conn


def flip(data: bytes, at: int = 5) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


class TestAppend:
    """Appending returns receipts that prove each entry against a checkpoint signed by the log key."""

    def test_one_statement_gets_a_receipt_proven_against_the_signed_checkpoint(
        self, any_log: Log, issuer: Issuer
    ) -> None:
        (receipt,) = any_log.append([issuer.statement()], issuer.lookup)
        assert receipt.index == 0
        assert receipt.checkpoint.checkpoint.size == 1
        check_receipt(any_log, receipt)

    def test_batches_get_consecutive_indices_under_one_checkpoint_each(self, any_log: Log, issuer: Issuer) -> None:
        indices = []
        for count in (1, 7, 1, 5):
            receipts = any_log.append([issuer.statement() for _ in range(count)], issuer.lookup)
            assert len(receipts) == count
            assert {r.checkpoint.note for r in receipts} == {receipts[0].checkpoint.note}
            assert receipts[0].checkpoint.checkpoint.size == receipts[-1].index + 1
            for receipt in receipts:
                check_receipt(any_log, receipt)
            indices.extend(r.index for r in receipts)
        assert indices == list(range(14))

    def test_entries_chain_each_prev_to_the_previous_entry_hash(self, any_log: Log, issuer: Issuer) -> None:
        appended: list[Item] = []
        receipts: list[Receipt] = []
        for count in (1, 4, 1, 6):
            items = [issuer.statement() for _ in range(count)]
            receipts.extend(any_log.append(items, issuer.lookup))
            appended.extend(items)
        with any_log.store.read() as view:
            entries = stored_entries(view)
        assert [e.index for e in entries] == list(range(12))
        assert entries[0].prev == ZERO_HASH
        assert [e.prev for e in entries[1:]] == [e.hash for e in entries[:-1]]
        assert [(e.statement, e.signature) for e in entries] == appended
        assert [e.hash for e in entries] == [r.entry_hash for r in receipts]

    def test_head_and_latest_checkpoint_follow_the_last_append(self, any_log: Log, issuer: Issuer) -> None:
        any_log.append([issuer.statement() for _ in range(3)], issuer.lookup)
        receipts = any_log.append([issuer.statement() for _ in range(2)], issuer.lookup)
        head, (entries, nodes), latest = state(any_log)
        assert head == Head(5, receipts[-1].checkpoint.checkpoint.root, receipts[-1].entry_hash)
        assert (entries, nodes) == (5, 5 + 2 + 1)
        assert latest == StoredCheckpoint(5, receipts[-1].checkpoint.note)
        with any_log.store.read() as view:
            assert any_log.checkpoint(view) == latest


class TestAppendRefusals:
    """A batch with one bad statement, or of a size the log does not take, appends nothing at all."""

    def test_statement_under_an_unknown_issuer_is_refused(self, any_log: Log, issuer: Issuer) -> None:
        any_log.append([issuer.statement()], issuer.lookup)
        before = state(any_log)
        stranger = Issuer("coop-van-phuc")
        with pytest.raises(UnknownKeyError, match="coop-van-phuc"):
            any_log.append([issuer.statement(), issuer.statement(), stranger.statement()], issuer.lookup)
        assert state(any_log) == before

    def test_statement_signed_by_a_key_the_issuer_never_registered_is_refused(
        self, any_log: Log, issuer: Issuer
    ) -> None:
        any_log.append([issuer.statement()], issuer.lookup)
        before = state(any_log)
        impostor = Issuer(issuer.name)  # same organisation id, another key
        with pytest.raises(UnknownKeyError, match=f"for issuer {issuer.name}"):
            any_log.append([issuer.statement(), impostor.statement()], issuer.lookup)
        assert state(any_log) == before

    def test_statement_with_a_bad_signature_is_refused(self, any_log: Log, issuer: Issuer) -> None:
        any_log.append([issuer.statement()], issuer.lookup)
        before = state(any_log)
        statement, signature = issuer.statement()
        flipped = (statement, replace(signature, value=flip(signature.value, 10)))
        with pytest.raises(SignatureError, match="does not verify"):
            any_log.append([issuer.statement(), flipped, issuer.statement()], issuer.lookup)
        assert state(any_log) == before

    def test_signature_of_another_statement_is_refused(self, any_log: Log, issuer: Issuer) -> None:
        statement, _ = issuer.statement()
        _, other_signature = issuer.statement()
        with pytest.raises(SignatureError, match="does not verify"):
            any_log.append([(statement, other_signature)], issuer.lookup)
        assert state(any_log) == (Head(0, EMPTY_ROOT, ZERO_HASH), (0, 0), None)

    def test_empty_batch_is_refused(self, any_log: Log, issuer: Issuer) -> None:
        any_log.append([issuer.statement()], issuer.lookup)
        before = state(any_log)
        with pytest.raises(StoreError, match=f"a batch holds 1 to {MAX_BATCH} statements, got 0"):
            any_log.append([], issuer.lookup)
        assert state(any_log) == before

    def test_batch_over_the_limit_is_refused(self, log: Log, issuer: Issuer) -> None:
        log.append([issuer.statement()], issuer.lookup)
        before = state(log)
        with pytest.raises(StoreError, match=f"a batch holds 1 to {MAX_BATCH} statements, got {MAX_BATCH + 1}"):
            log.append([issuer.statement()] * (MAX_BATCH + 1), issuer.lookup)
        assert state(log) == before

    @pytest.mark.parametrize("node", range_nodes(0, 6), ids=lambda n: f"level{n.level}-index{n.index}")
    def test_tampered_node_of_the_compact_range_stops_the_next_append(
        self, log: Log, engine: Engine, issuer: Issuer, node: NodeId
    ) -> None:
        log.append([issuer.statement()], issuer.lookup)
        log.append([issuer.statement() for _ in range(5)], issuer.lookup)
        with attacker(engine) as conn:
            stored = conn.execute(text("SELECT hash FROM ledger_nodes WHERE id = :k"), {"k": node.key}).scalar_one()
            conn.execute(text("UPDATE ledger_nodes SET hash = :h WHERE id = :k"),
                         {"h": flip(bytes(stored)), "k": node.key})
        before = state(log)
        with pytest.raises(HeadMismatchError, match=r"stored nodes give root [0-9a-f]{64} at size 6; the head says"):
            log.append([issuer.statement()], issuer.lookup)
        assert state(log) == before


class TestProofs:
    """Inclusion and consistency proofs from stored nodes verify against roots computed from the entries."""

    SIZE = 37

    @pytest.fixture
    def grown(self, any_log: Log, issuer: Issuer) -> tuple[Log, list[Hash], list[Hash]]:
        """A log of 37 entries appended in batches, its entry hashes, and the root at every size."""
        for count in (1, 5, 1, 10, 3, 17):
            any_log.append([issuer.statement() for _ in range(count)], issuer.lookup)
        with any_log.store.read() as view:
            hashes = [e.hash for e in stored_entries(view)]
        assert len(hashes) == self.SIZE
        return any_log, hashes, roots_by_size(hashes)

    def test_inclusion_proofs_verify_at_every_index_and_size(self, grown: tuple[Log, list[Hash], list[Hash]]) -> None:
        log, hashes, roots = grown
        with log.store.read() as view:
            for size in range(1, self.SIZE + 1):
                for index in range(size):
                    proof = log.inclusion(view, index, size)
                    assert (proof.index, proof.size, proof.leaf_hash) == (index, size, hashes[index])
                    assert proof.root == roots[size]
                    verify_inclusion(hashes[index], index, size, proof.hashes, roots[size])

    def test_inclusion_proof_defaults_to_the_head_size(self, grown: tuple[Log, list[Hash], list[Hash]]) -> None:
        log, _, roots = grown
        with log.store.read() as view:
            for index in (0, 16, 36):
                proof = log.inclusion(view, index)
                assert (proof.size, proof.root) == (self.SIZE, roots[-1])
                proof.verify()

    def test_proofs_of_many_entries_at_once_are_the_proofs_one_at_a_time(
        self, grown: tuple[Log, list[Hash], list[Hash]]
    ) -> None:
        log, hashes, roots = grown
        with log.store.read() as view:
            for size in (1, 16, 20, 36, self.SIZE):
                proofs = log.inclusion_proofs(view, [*range(size), 0, size - 1], size)
                assert list(proofs) == list(range(size))
                assert [proofs[i] for i in range(size)] == [log.inclusion(view, i, size) for i in range(size)]
                for index, proof in proofs.items():
                    verify_inclusion(hashes[index], index, size, proof.hashes, roots[size])
            assert log.inclusion_proofs(view, []) == {}
            with pytest.raises(ProofError, match=re.escape("index 20 must be below size 20")):
                log.inclusion_proofs(view, [3, 20], 20)

    def test_entries_are_proven_at_any_indices(self, grown: tuple[Log, list[Hash], list[Hash]]) -> None:
        log, hashes, roots = grown
        with log.store.read() as view:
            wanted = [30, 0, 1, 2, 7, 36, 1]
            proven = log.proven_entries(view, wanted, self.SIZE)
            assert [(e.index, e.hash) for e, _ in proven] == [(i, hashes[i]) for i in sorted(set(wanted))]
            assert [proof for _, proof in proven] == [log.inclusion(view, e.index) for e, _ in proven]
            assert all(proof.root == roots[-1] for _, proof in proven)

    def test_a_missing_or_altered_entry_is_corruption(self, signer: NoteSigner, issuer: Issuer) -> None:
        store = MemoryStore()
        log = Log(store, signer)
        log.append([issuer.statement() for _ in range(5)], issuer.lookup)
        store._entries[3] = store._entries[3]._replace(hash=Hash(bytes(32)))
        with store.read() as view, pytest.raises(EntryMismatchError, match=f"entry 3 has hash {'00' * 32}"):
            log.proven_entries(view, [2, 3], 5)
        store._entries[3] = None  # type: ignore[call-overload]  # the memory store's way to lose an entry
        with store.read() as view, pytest.raises(MissingDataError, match="entries 2 to 3 are not all stored"):
            log.proven_entries(view, [2, 3], 5)

    def test_consistency_proofs_verify_between_every_pair_of_sizes(
        self, grown: tuple[Log, list[Hash], list[Hash]]
    ) -> None:
        log, _, roots = grown
        with log.store.read() as view:
            for new in range(1, self.SIZE + 1):
                for old in range(1, new + 1):
                    proof = log.consistency(view, old, new)
                    assert (proof.old, proof.new, proof.old_root, proof.new_root) == (old, new, roots[old], roots[new])
                    verify_consistency(old, new, proof.hashes, roots[old], roots[new])
            latest = log.consistency(view, 6)
            assert (latest.new, latest.new_root) == (self.SIZE, roots[-1])
            latest.verify()

    def test_roots_at_every_size_match_the_entries_and_the_signed_checkpoints(
        self, grown: tuple[Log, list[Hash], list[Hash]]
    ) -> None:
        log, _, roots = grown
        with log.store.read() as view:
            assert [log.root_at(view, size) for size in range(self.SIZE + 1)] == roots
            stored = view.checkpoints(0, 100)
        assert [c.size for c in stored] == [1, 6, 7, 17, 20, 37]
        for checkpoint in stored:
            opened, _ = open_checkpoint(checkpoint.note, log.verifier)
            assert (opened.origin, opened.size, opened.root) == (ORIGIN, checkpoint.size, roots[checkpoint.size])

    @pytest.mark.parametrize(
        ("request_proof", "message"),
        [
            (lambda log, view: log.inclusion(view, 37),
             "index 37 must be below size 37, and size at most the log's 37"),
            (lambda log, view: log.inclusion(view, 5, 38),
             "index 5 must be below size 38, and size at most the log's 37"),
            (lambda log, view: log.inclusion(view, -1, 10), "index -1 must be below size 10"),
            (lambda log, view: log.inclusion(view, 0, 0), "index 0 must be below size 0"),
            (lambda log, view: log.consistency(view, 0), "sizes must satisfy 0 < old 0 <= new 37 <= log size 37"),
            (lambda log, view: log.consistency(view, 10, 9), "sizes must satisfy 0 < old 10 <= new 9 <= log size 37"),
            (lambda log, view: log.consistency(view, 5, 38), "sizes must satisfy 0 < old 5 <= new 38 <= log size 37"),
            (lambda log, view: log.root_at(view, 38), "tree size 38 is beyond the log's size 37"),
            (lambda log, view: log.root_at(view, -1), "tree size -1 is beyond the log's size 37"),
        ],
        ids=["inclusion-at-size", "inclusion-beyond-log", "negative-index", "empty-tree", "consistency-from-0",
             "old-after-new", "consistency-beyond-log", "root-beyond-log", "negative-root-size"],
    )
    def test_request_outside_the_log_is_refused_with_value_and_expectation(
        self, grown: tuple[Log, list[Hash], list[Hash]], request_proof: Callable[[Log, ReadView], object],
        message: str,
    ) -> None:
        log, _, _ = grown
        with log.store.read() as view, pytest.raises(ProofError, match=re.escape(message)):
            request_proof(log, view)

    def test_empty_log_has_no_proofs_and_no_checkpoint(self, any_log: Log) -> None:
        with any_log.store.read() as view:
            with pytest.raises(ProofError, match=re.escape("index 0 must be below size 0")):
                any_log.inclusion(view, 0)
            with pytest.raises(ProofError, match=re.escape("0 < old 1 <= new 0 <= log size 0")):
                any_log.consistency(view, 1)
            with pytest.raises(StoreError, match="the log is empty and has no checkpoint yet"):
                any_log.checkpoint(view)
            assert any_log.root_at(view, 0) == EMPTY_ROOT


def table_rows(engine: Engine, table: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]


EMPTY_TABLE = "TRUNCATE {table}" if on_postgres() else "DELETE FROM {table}"


class TestAppendOnlyTables:
    """The database itself refuses to change or remove entries, nodes and checkpoints."""

    @pytest.mark.parametrize(
        ("table", "statement"),
        [
            ("ledger_entries", "UPDATE ledger_entries SET canonical = canonical || canonical WHERE idx = 1"),
            ("ledger_entries", "UPDATE ledger_entries SET idx = 9 WHERE idx = 2"),
            ("ledger_entries", "DELETE FROM ledger_entries WHERE idx = 1"),
            ("ledger_entries", EMPTY_TABLE.format(table="ledger_entries")),
            ("ledger_nodes", "UPDATE ledger_nodes SET hash = (SELECT hash FROM ledger_nodes WHERE id = 1) "
                             "WHERE id = 0"),
            ("ledger_nodes", "DELETE FROM ledger_nodes WHERE id = 2"),
            ("ledger_nodes", EMPTY_TABLE.format(table="ledger_nodes")),
            ("ledger_checkpoints", "UPDATE ledger_checkpoints SET note = 'forged' WHERE size = 3"),
            ("ledger_checkpoints", "DELETE FROM ledger_checkpoints WHERE size = 1"),
            ("ledger_checkpoints", EMPTY_TABLE.format(table="ledger_checkpoints")),
        ],
        ids=["entries-update", "entries-renumber", "entries-delete", "entries-empty", "nodes-update",
             "nodes-delete", "nodes-empty", "checkpoints-update", "checkpoints-delete", "checkpoints-empty"],
    )
    def test_triggers_refuse_changing_a_stored_row(
        self, log: Log, engine: Engine, issuer: Issuer, table: str, statement: str
    ) -> None:
        log.append([issuer.statement()], issuer.lookup)
        log.append([issuer.statement() for _ in range(2)], issuer.lookup)
        before = table_rows(engine, table)
        with pytest.raises(DatabaseError, match=f"{table} is append-only"), engine.begin() as conn:
            conn.exec_driver_sql(statement)
        assert table_rows(engine, table) == before
        assert len(log.append([issuer.statement()], issuer.lookup)) == 1

    def test_head_row_is_the_one_ledger_row_that_moves(self, log: Log, engine: Engine, issuer: Issuer) -> None:
        log.append([issuer.statement()], issuer.lookup)
        (receipt,) = log.append([issuer.statement()], issuer.lookup)
        assert table_rows(engine, "ledger_head") == [
            (1, 2, receipt.checkpoint.checkpoint.root, receipt.entry_hash)]
