"""Audit of a stored log: recompute everything the log claims and name the first entry that is wrong.

Checks, streaming in chunks so that memory stays flat as the log grows:
- every entry is present at its index, and its stored hash is SHA-256(0x00 || its stored bytes);
- each entry's `index` and `prev` fields chain it to the entry before;
- every stored Merkle node equals the node recomputed from the entries, and no node is stored that the
  tree does not have;
- every stored checkpoint is signed by the log key, names the log's origin, and its root equals the
  root recomputed at its size; the latest is at the log's size (every append signs one);
- the head matches the recomputed size, root and last entry hash;
- optionally, every statement signature verifies against the issuer's key (through `lookup`).
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ledger.core.checkpoint import open_checkpoint
from ledger.core.errors import AuditError, LedgerError
from ledger.core.hashing import ZERO_HASH, Hash, leaf_hash
from ledger.core.merkle import MAX_TREE_SIZE, CompactRange, NodeId
from ledger.core.note import NoteVerifier
from ledger.core.signing import KeyLookup, verify_with_lookup
from ledger.core.types import Entry
from ledger.store.protocol import ReadView, StoredCheckpoint, StoredEntry

Progress = Callable[[int, int], None]
"""Called with (entries audited, total) after each chunk."""

_LEVEL_SPAN = MAX_TREE_SIZE


@dataclass(frozen=True)
class AuditReport:
    size: int
    root: Hash
    checkpoints: int


# Entries are RFC 8785 objects, so they open with their index, logged_at and prev in this order; a JSON
# string cannot hold an unescaped quote, so the match cannot come from inside a value.
_CHAIN_PREFIX = re.compile(rb'\{"index":(0|[1-9][0-9]*),"logged_at":"[^"\\]{1,40}","prev":"([0-9a-f]{64})","')


def _chain_fields(index: int, data: bytes) -> tuple[object, str]:
    """(index, prev hex) of an entry, read from its canonical prefix, or from a full parse to explain why not."""
    match = _CHAIN_PREFIX.match(data)
    if match is not None:
        return int(match.group(1)), match.group(2).decode()
    try:
        doc = json.loads(data)
        return doc["index"], doc["prev"]
    except (ValueError, KeyError, TypeError) as exc:
        raise AuditError(index, f"entry bytes are not an entry: {exc}") from exc


def _checkpoint_stream(view: ReadView) -> Iterator[StoredCheckpoint]:
    after = 0
    while True:
        page = view.checkpoints(after, 1000)
        if not page:
            return
        yield from page
        after = page[-1].size


def _stored_level(view: ReadView, level: int, first: int, last: int) -> dict[int, Hash]:
    """Stored nodes of `level` with index in [first, last], keyed by index."""
    base = level * _LEVEL_SPAN
    return {key - base: h for key, h in view.nodes_between(base + first, base + last + 1)}


def _check_nodes(view: ReadView, made: list[tuple[NodeId, Hash]]) -> None:
    """Compare the nodes recomputed for one chunk (level 0 excluded) with the stored ones."""
    by_level: dict[int, list[tuple[int, Hash]]] = {}
    for node, h in made:
        if node.level:
            by_level.setdefault(node.level, []).append((node.index, h))
    bad: list[tuple[int, str]] = []
    for level, nodes in by_level.items():
        stored = _stored_level(view, level, nodes[0][0], nodes[-1][0])
        for index, h in nodes:
            got = stored.get(index)
            if got != h:
                first = index << level
                what = "is missing" if got is None else f"is {got.hex()}, recomputed {h.hex()}"
                bad.append((first, f"stored Merkle node (level {level}, index {index}) {what}"))
    if bad:
        raise AuditError(*min(bad))


def _check_checkpoint(stored: StoredCheckpoint, log_key: NoteVerifier, root: Hash) -> None:
    where = f"checkpoint at size {stored.size}"
    try:
        checkpoint, _ = open_checkpoint(stored.note, log_key)
    except LedgerError as exc:
        raise AuditError(stored.size - 1, f"{where} does not verify: {exc}") from exc
    if checkpoint.size != stored.size:
        raise AuditError(stored.size - 1, f"{where} says size {checkpoint.size}")
    if checkpoint.root != root:
        raise AuditError(stored.size - 1, f"{where} has root {checkpoint.root.hex()}; entries give {root.hex()}")


@dataclass
class _Walk:
    """What the audit has recomputed so far: the tree, the last entry hash, and the checkpoints still to check."""

    log_key: NoteVerifier
    checkpoints: Iterator[StoredCheckpoint]
    pending: StoredCheckpoint | None
    compact: CompactRange = field(default_factory=CompactRange)
    prev: Hash = ZERO_HASH
    audited: int = 0
    signed: int = 0
    """Entries below this are covered by a verified checkpoint."""

    def check_checkpoints(self) -> None:
        """Check every pending checkpoint at the tree's size; a checkpoint below it was skipped."""
        while self.pending is not None and self.pending.size <= self.compact.size:
            if self.pending.size < self.compact.size:
                raise AuditError(self.pending.size - 1, f"checkpoint at size {self.pending.size} was skipped")
            _check_checkpoint(self.pending, self.log_key, self.compact.root())
            self.audited += 1
            self.signed = self.pending.size
            self.pending = next(self.checkpoints, None)


def _check_entry(index: int, row: StoredEntry | None, leaf: Hash | None, prev: Hash,
                 lookup: KeyLookup | None) -> Hash:
    """The hash of entry `index`, after checking its row, its leaf node, its chain to `prev` and, with
    `lookup`, its signature."""
    if row is None or row.index != index:
        raise AuditError(index, "entry is missing from storage")
    h = leaf_hash(row.canonical)
    if row.hash != h:
        raise AuditError(index, f"stored hash {row.hash.hex()} is not the hash of its bytes ({h.hex()})")
    if leaf != h:
        raise AuditError(index, "stored leaf node differs from the entry hash")
    if lookup is None:
        fields = _chain_fields(index, row.canonical)
    else:
        try:
            entry = Entry.from_canonical(row.canonical)
            verify_with_lookup(entry.statement, entry.signature, lookup)
        except LedgerError as exc:
            raise AuditError(index, f"entry does not verify: {exc}") from exc
        fields = (entry.index, entry.prev.hex())
    if fields[0] != index:
        raise AuditError(index, f"entry says index {fields[0]!r}")
    if fields[1] != prev.hex():
        raise AuditError(index, f"entry's prev {fields[1]!r} is not the previous entry's hash {prev.hex()}")
    return h


def _audit_chunk(view: ReadView, walk: _Walk, start: int, stop: int, lookup: KeyLookup | None) -> None:
    """Audit entries [start, stop), their nodes and the checkpoints they reach."""
    rows = view.entries(start, stop)
    leaves = _stored_level(view, 0, start, stop - 1)
    made: list[tuple[NodeId, Hash]] = []
    compact, prev = walk.compact, walk.prev
    for offset in range(stop - start):
        index = start + offset
        row = rows[offset] if offset < len(rows) else None
        prev = _check_entry(index, row, leaves.get(index), prev, lookup)
        compact.append(prev, made)
        if walk.pending is not None and walk.pending.size <= compact.size:
            walk.check_checkpoints()
    walk.prev = prev
    _check_nodes(view, made)


def audit(
    view: ReadView,
    log_key: NoteVerifier,
    *,
    lookup: KeyLookup | None = None,
    progress: Progress | None = None,
    chunk: int = 4096,
) -> AuditReport:
    """Audit the log in `view` against the log's public key; return what was verified.

    Raises AuditError naming the first bad entry index (for a checkpoint: its size - 1) and why.
    With `lookup`, every statement signature is verified too.
    """
    head = view.head()
    size = head.size
    checkpoints = _checkpoint_stream(view)
    walk = _Walk(log_key, checkpoints, next(checkpoints, None))
    for start in range(0, size, chunk):
        stop = min(start + chunk, size)
        _audit_chunk(view, walk, start, stop, lookup)
        if progress is not None:
            progress(stop, size)
    if walk.pending is not None:
        raise AuditError(size, f"checkpoint at size {walk.pending.size} is beyond the log's size {size}")
    if walk.signed < size:
        # Every append signs a checkpoint at its new size: entries past the last one were never signed.
        raise AuditError(walk.signed, f"no signed checkpoint covers entries {walk.signed} to {size - 1}")
    if walk.compact.root() != head.root or walk.prev != head.last_hash:
        raise AuditError(size, "the stored head does not match the entries")
    _check_no_extra_rows(view, size)
    return AuditReport(size, walk.compact.root(), walk.audited)


def _check_no_extra_rows(view: ReadView, size: int) -> None:
    entries, nodes = view.count_rows()
    if entries != size:
        beyond = view.entries(size, MAX_TREE_SIZE)
        index = beyond[0].index if beyond else size
        raise AuditError(index, f"{entries} entry rows are stored for a log of size {size}")
    expected = sum(size >> level for level in range(size.bit_length()))
    if nodes != expected:
        for level in range(64):
            base = level * _LEVEL_SPAN
            extra = view.nodes_between(base + (size >> level), base + _LEVEL_SPAN)
            if extra:
                index = extra[0][0] - base
                raise AuditError(
                    min(index << level, size), f"Merkle node (level {level}, index {index}) is not part of the tree"
                )
        raise AuditError(size, f"{nodes} node rows are stored; a tree of size {size} has {expected}")
