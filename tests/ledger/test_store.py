"""The storage contract of a log, run on the memory store and on the SQL store of the test database.

The rows are synthetic (entry bytes, real Merkle nodes over them, notes that are not signed): the stores
keep what they are given and do not interpret it.
"""

import threading

import pytest

from ledger.core.errors import BrokenInvariantError, MissingDataError, WriteConflictError
from ledger.core.hashing import EMPTY_ROOT, ZERO_HASH, Hash, leaf_hash
from ledger.core.merkle import CompactRange, NodeId
from ledger.store.protocol import EMPTY_HEAD, Head, LogStore, MemoryStore, StoredCheckpoint, StoredEntry
from ledger.store.sql import SqlStore
from tests.conftest import on_postgres

SQL_ID = "postgresql" if on_postgres() else "sqlite"


def entry_bytes(index: int) -> bytes:
    return f'{{"index":{index},"statement":"synthetic"}}'.encode()


def tree_rows(start: int, stop: int) -> tuple[list[StoredEntry], list[tuple[int, Hash]], Head]:
    """Entries start..stop-1 of a synthetic log, the Merkle nodes they complete, and the head after them."""
    compact = CompactRange()
    entries: list[StoredEntry] = []
    nodes: list[tuple[int, Hash]] = []
    for index in range(stop):
        made: list[tuple[NodeId, Hash]] = []
        compact.append(leaf_hash(entry_bytes(index)), made)
        if index >= start:
            entries.append(StoredEntry(index, leaf_hash(entry_bytes(index)), entry_bytes(index)))
            nodes.extend((node.key, h) for node, h in made)
    return entries, nodes, Head(stop, compact.root(), entries[-1].hash if entries else ZERO_HASH)


def note(size: int) -> str:
    return f"test.nguon/log\n{size}\nsynthetic root\n\n— test.nguon/log c2lnbmF0dXJl\n"


def append(store: LogStore, count: int) -> Head:
    """Append `count` synthetic entries, their nodes, a checkpoint and the new head in one transaction."""
    with store.write() as txn:
        start = txn.head().size
        entries, nodes, head = tree_rows(start, start + count)
        txn.write(entries, nodes, StoredCheckpoint(head.size, note(head.size)), head)
    return head


def write_then_fail(store: LogStore, stop: int) -> None:
    """Stage the rows up to size `stop`, then fail as a caller would after staging them."""
    with store.write() as txn:
        entries, nodes, head = tree_rows(txn.head().size, stop)
        txn.write(entries, nodes, StoredCheckpoint(stop, note(stop)), head)
        raise RuntimeError("caller failed after staging its rows")


def write_from(store: LogStore, start: int, count: int) -> None:
    """Write `count` entries numbered from `start`, whatever the head the transaction read."""
    with store.write() as txn:
        txn.head()
        entries, _, head = tree_rows(start, start + count)
        txn.write(entries, [], StoredCheckpoint(head.size, note(head.size)), head)


def snapshot(store: LogStore) -> tuple[Head, tuple[int, int], StoredCheckpoint | None]:
    with store.read() as view:
        return view.head(), view.count_rows(), view.latest_checkpoint()


@pytest.fixture(params=["memory", SQL_ID])
def store(request: pytest.FixtureRequest) -> LogStore:
    if request.param == "memory":
        return MemoryStore()
    return SqlStore(request.getfixturevalue("engine"))


class TestLogStoreContract:
    """Every store keeps what a write transaction commits, in order, and nothing of one that fails."""

    def test_new_store_has_the_empty_head_and_no_rows(self, store: LogStore) -> None:
        with store.read() as view:
            assert view.head() == EMPTY_HEAD
            assert view.head().root == EMPTY_ROOT
            assert view.count_rows() == (0, 0)
            assert view.entries(0, 10) == []
            assert view.checkpoints(0, 10) == []
            assert view.latest_checkpoint() is None
            assert view.checkpoint_at(0) is None
            assert view.nodes_between(0, 1 << 62) == []
            assert view.node_hashes([]) == []

    def test_committed_rows_are_visible_to_later_reads(self, store: LogStore) -> None:
        head = append(store, 5)
        entries, nodes, _ = tree_rows(0, 5)
        with store.read() as view:
            assert view.head() == head
            assert view.entries(0, 5) == entries
            assert view.nodes_between(0, 1 << 62) == sorted(nodes)
            assert view.checkpoints(0, 10) == [StoredCheckpoint(5, note(5))]
            assert view.count_rows() == (5, len(nodes))

    def test_transaction_that_raises_writes_nothing_and_keeps_the_head(self, store: LogStore) -> None:
        head = append(store, 3)
        before = snapshot(store)
        with pytest.raises(RuntimeError, match="caller failed"):
            write_then_fail(store, 7)
        assert snapshot(store) == before
        assert before[0] == head
        with store.read() as view:
            assert view.entries(3, 10) == []
            assert view.checkpoint_at(7) is None
            assert view.nodes_between(NodeId(0, 3).key, NodeId(0, 10).key) == []

    def test_log_keeps_growing_after_a_failed_transaction(self, store: LogStore) -> None:
        append(store, 2)
        with pytest.raises(RuntimeError, match="caller failed"):
            write_then_fail(store, 4)
        head = append(store, 2)
        assert head == tree_rows(0, 4)[2]
        with store.read() as view:
            assert view.entries(0, 10) == tree_rows(0, 4)[0]

    def test_entries_come_back_ascending_for_any_range(self, store: LogStore) -> None:
        for count in (1, 4, 1, 7):
            append(store, count)
        entries, _, _ = tree_rows(0, 13)
        with store.read() as view:
            assert view.entries(0, 13) == entries
            assert view.entries(0, 1000) == entries
            assert view.entries(2, 9) == entries[2:9]
            assert view.entries(12, 20) == entries[12:]
            assert view.entries(13, 20) == []
            assert view.entries(5, 5) == []
            assert view.entries(6, 4) == []

    def test_node_hashes_come_back_in_the_order_asked_with_duplicates(self, store: LogStore) -> None:
        append(store, 600)  # more nodes than the SQL store asks for in one query
        _, nodes, _ = tree_rows(0, 600)
        stored = dict(nodes)
        keys = [key for key, _ in reversed(nodes)]
        keys = [*keys, keys[0], keys[-1], keys[0]]
        with store.read() as view:
            assert view.node_hashes(keys) == [stored[k] for k in keys]
            assert view.node_hashes([NodeId(1, 4).key, NodeId(0, 9).key]) == [
                stored[NodeId(1, 4).key], stored[NodeId(0, 9).key]]

    def test_node_hashes_refuse_a_key_that_is_not_stored(self, store: LogStore) -> None:
        append(store, 4)
        missing = NodeId(0, 4).key
        with store.read() as view, pytest.raises(MissingDataError, match=f"node {missing} is not stored"):
            view.node_hashes([NodeId(0, 0).key, missing, NodeId(2, 0).key])

    def test_checkpoints_page_ascending_after_a_size(self, store: LogStore) -> None:
        sizes = []
        for count in (1, 2, 1, 4, 1, 3, 1):
            sizes.append(append(store, count).size)
        assert sizes == [1, 3, 4, 8, 9, 12, 13]
        with store.read() as view:
            pages, after = [], 0
            while page := view.checkpoints(after, 3):
                pages.append([c.size for c in page])
                after = page[-1].size
            assert pages == [[1, 3, 4], [8, 9, 12], [13]]
            assert view.checkpoints(5, 2) == [StoredCheckpoint(8, note(8)), StoredCheckpoint(9, note(9))]
            assert view.checkpoints(0, 100) == [StoredCheckpoint(s, note(s)) for s in sizes]
            assert view.checkpoints(13, 10) == []

    def test_latest_checkpoint_and_checkpoint_at_a_size(self, store: LogStore) -> None:
        append(store, 2)
        append(store, 3)
        with store.read() as view:
            assert view.latest_checkpoint() == StoredCheckpoint(5, note(5))
            assert view.checkpoint_at(2) == StoredCheckpoint(2, note(2))
            assert view.checkpoint_at(5) == StoredCheckpoint(5, note(5))
            assert view.checkpoint_at(3) is None
            assert view.checkpoint_at(6) is None

    def test_nodes_between_returns_the_keys_in_range_ascending(self, store: LogStore) -> None:
        append(store, 9)
        append(store, 3)
        _, nodes, _ = tree_rows(0, 12)
        stored = dict(nodes)
        with store.read() as view:
            level0 = view.nodes_between(NodeId(0, 2).key, NodeId(0, 7).key)
            assert level0 == [(NodeId(0, i).key, stored[NodeId(0, i).key]) for i in range(2, 7)]
            level1 = view.nodes_between(NodeId(1, 0).key, NodeId(2, 0).key)
            assert level1 == [(NodeId(1, i).key, stored[NodeId(1, i).key]) for i in range(6)]
            assert view.nodes_between(NodeId(0, 12).key, NodeId(1, 0).key) == []
            assert [k for k, _ in view.nodes_between(0, 1 << 62)] == sorted(stored)

    def test_count_rows_counts_entries_and_nodes(self, store: LogStore) -> None:
        append(store, 5)
        append(store, 6)
        with store.read() as view:
            assert view.count_rows() == (11, 11 + 5 + 2 + 1)

    def test_refuses_entries_that_do_not_start_at_the_head_it_read(self, store: LogStore) -> None:
        append(store, 4)
        before = snapshot(store)
        for start in (5, 3):  # a gap, then an overlap with stored entry 3
            with pytest.raises(BrokenInvariantError, match="extend the log"):
                write_from(store, start, 2)
            assert snapshot(store) == before

    def test_reader_sees_the_committed_state_while_a_write_is_open(self, store: LogStore) -> None:
        committed = append(store, 2)
        with store.write() as txn:
            entries, nodes, head = tree_rows(txn.head().size, 5)
            txn.write(entries, nodes, StoredCheckpoint(5, note(5)), head)
            with store.read() as view:
                assert view.head() == committed
                assert view.count_rows() == (2, 3)
                assert view.latest_checkpoint() == StoredCheckpoint(2, note(2))
        assert snapshot(store)[0] == head

    def test_second_writer_waits_for_the_first_and_reads_its_head(self, store: LogStore) -> None:
        append(store, 1)
        second_read: list[Head] = []
        entered = threading.Event()

        def second_writer() -> None:
            with store.write() as txn:
                entered.set()
                second_read.append(txn.head())

        with store.write() as txn:
            txn.head()
            entries, nodes, head = tree_rows(1, 3)
            txn.write(entries, nodes, StoredCheckpoint(3, note(3)), head)
            thread = threading.Thread(target=second_writer)
            thread.start()
            assert not entered.wait(0.3)
        thread.join(30)
        assert second_read == [head]


class TestSqlWriteTransaction:
    """The SQL write transaction writes only over the head row it read in the same transaction."""

    def test_refuses_to_write_before_reading_the_head(self, sql_store: SqlStore) -> None:
        entries, nodes, head = tree_rows(0, 1)
        with pytest.raises(BrokenInvariantError, match="read the head"), sql_store.write() as txn:
            txn.write(entries, nodes, StoredCheckpoint(1, note(1)), head)
        assert snapshot(sql_store) == (EMPTY_HEAD, (0, 0), None)

    def test_refuses_when_the_head_row_moved_after_it_was_read(self, sql_store: SqlStore) -> None:
        append(sql_store, 2)
        before = snapshot(sql_store)

        def write_after_the_head_moved() -> None:
            with sql_store.write() as txn:
                assert txn.head().size == 2
                # A writer that skipped the lock moves the head between this transaction's read and write.
                txn.connection.exec_driver_sql("UPDATE ledger_head SET size = size + 1")  # type: ignore[attr-defined]
                entries, nodes, head = tree_rows(2, 3)
                txn.write(entries, nodes, StoredCheckpoint(3, note(3)), head)

        with pytest.raises(WriteConflictError, match="head moved from size 2"):
            write_after_the_head_moved()
        assert snapshot(sql_store) == before
