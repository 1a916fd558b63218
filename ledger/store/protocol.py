"""The storage contract of a log, and an in-memory implementation.

A store hands out read views and one serialised write transaction at a time. A write transaction sees
the latest committed head, writes entries, nodes, a checkpoint and the new head, and commits them
together when its context exits without an exception (or writes nothing at all).
"""

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from ledger.core.errors import BrokenInvariantError, MissingDataError
from ledger.core.hashing import EMPTY_ROOT, ZERO_HASH, Hash


class StoredEntry(NamedTuple):
    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose: it is the log index
    hash: Hash
    canonical: bytes


class StoredCheckpoint(NamedTuple):
    size: int
    note: str


@dataclass(frozen=True)
class Head:
    """The log's latest state: size, Merkle root and the hash of the last entry (the next `prev`)."""

    size: int
    root: Hash
    last_hash: Hash


EMPTY_HEAD = Head(0, EMPTY_ROOT, ZERO_HASH)


class ReadView(Protocol):
    def head(self) -> Head:
        """The committed head (EMPTY_HEAD for a new log)."""

    def node_hashes(self, keys: Sequence[int]) -> list[Hash]:
        """Hashes of the nodes with these storage keys, same order; MissingDataError if one is missing."""

    def entries(self, start: int, stop: int) -> list[StoredEntry]:
        """Stored entries with start <= index < stop, ascending by index."""

    def checkpoints(self, after: int, limit: int) -> list[StoredCheckpoint]:
        """Up to `limit` stored checkpoints with size > after, ascending by size."""

    def latest_checkpoint(self) -> StoredCheckpoint | None: ...

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None: ...

    def nodes_between(self, low: int, high: int) -> list[tuple[int, Hash]]:
        """Stored nodes with low <= key < high, ascending by key."""

    def count_rows(self) -> tuple[int, int]:
        """How many entries and nodes are stored."""


class WriteTxn(ReadView, Protocol):
    def write(
        self,
        entries: Sequence[StoredEntry],
        nodes: Sequence[tuple[int, Hash]],
        checkpoint: StoredCheckpoint,
        head: Head,
    ) -> None:
        """Stage the rows of one append; they commit with the transaction."""


class LogStore(Protocol):
    def read(self) -> AbstractContextManager[ReadView]: ...

    def write(self) -> AbstractContextManager[WriteTxn]:
        """Begin the one write transaction of this log, waiting for any other to finish."""


class _MemoryView:
    def __init__(self, store: "MemoryStore") -> None:
        self._s = store

    def head(self) -> Head:
        return self._s._head

    def node_hashes(self, keys: Sequence[int]) -> list[Hash]:
        try:
            return [self._s._nodes[k] for k in keys]
        except KeyError as exc:
            raise MissingDataError(f"node {exc.args[0]} is not stored") from exc

    def entries(self, start: int, stop: int) -> list[StoredEntry]:
        return [e for e in self._s._entries[start:stop] if e is not None]

    def checkpoints(self, after: int, limit: int) -> list[StoredCheckpoint]:
        sizes = sorted(s for s in self._s._checkpoints if s > after)[:limit]
        return [StoredCheckpoint(s, self._s._checkpoints[s]) for s in sizes]

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        if not self._s._checkpoints:
            return None
        size = max(self._s._checkpoints)
        return StoredCheckpoint(size, self._s._checkpoints[size])

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None:
        note = self._s._checkpoints.get(size)
        return None if note is None else StoredCheckpoint(size, note)

    def nodes_between(self, low: int, high: int) -> list[tuple[int, Hash]]:
        return sorted((k, h) for k, h in self._s._nodes.items() if low <= k < high)

    def count_rows(self) -> tuple[int, int]:
        return len(self._s._entries), len(self._s._nodes)


class _MemoryTxn(_MemoryView):
    def __init__(self, store: "MemoryStore") -> None:
        super().__init__(store)
        self.staged: list[tuple[Sequence[StoredEntry], Sequence[tuple[int, Hash]], StoredCheckpoint, Head]] = []

    def write(
        self,
        entries: Sequence[StoredEntry],
        nodes: Sequence[tuple[int, Hash]],
        checkpoint: StoredCheckpoint,
        head: Head,
    ) -> None:
        self.staged.append((entries, nodes, checkpoint, head))


class MemoryStore:
    """A log held in memory, for tests and tools; one writer at a time, readers see committed state."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._head = EMPTY_HEAD
        self._entries: list[StoredEntry] = []
        self._nodes: dict[int, Hash] = {}
        self._checkpoints: dict[int, str] = {}

    @contextmanager
    def read(self) -> Iterator[ReadView]:
        yield _MemoryView(self)

    @contextmanager
    def write(self) -> Iterator[WriteTxn]:
        with self._lock:
            txn = _MemoryTxn(self)
            yield txn
            for entries, nodes, checkpoint, head in txn.staged:
                if any(e.index != len(self._entries) + i for i, e in enumerate(entries)):
                    raise BrokenInvariantError("entries must extend the log without gaps")
                if any(k in self._nodes for k, _ in nodes) or checkpoint.size in self._checkpoints:
                    raise BrokenInvariantError("stored nodes and checkpoints are never replaced")
                self._entries.extend(entries)
                self._nodes.update(nodes)
                self._checkpoints[checkpoint.size] = checkpoint.note
                self._head = head
