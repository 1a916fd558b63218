"""Appending to a log and proving what it holds.

`Log.append` verifies each statement's signature through the caller's key lookup (before taking the
write lock: it needs no log state), then in one write transaction: loads the compact range of the stored
tree, re-checks it against the stored head, chains and hashes the new entries, computes the new nodes,
signs one checkpoint, and stages entries, nodes, checkpoint and head to commit together.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from ledger.core.checkpoint import Checkpoint, SignedCheckpoint
from ledger.core.errors import (
    EntryMismatchError,
    HeadMismatchError,
    MissingDataError,
    ProofError,
    StoreError,
    VerificationError,
)
from ledger.core.hashing import Hash
from ledger.core.merkle import (
    BORDER,
    CompactRange,
    NodeId,
    border_roots,
    consistency_nodes,
    inclusion_path,
    inclusion_plan,
    range_nodes,
)
from ledger.core.note import NoteSigner, NoteVerifier
from ledger.core.proof import ConsistencyProof, InclusionProof
from ledger.core.signing import KeyLookup, verify_with_lookup
from ledger.core.types import Entry, Receipt, Signature, Statement, format_timestamp
from ledger.store.protocol import Head, LogStore, ReadView, StoredCheckpoint, StoredEntry, WriteTxn

MAX_BATCH = 10_000

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def load_range(view: ReadView, head: Head) -> CompactRange:
    """The compact range of the stored tree, re-checked against the stored head's root."""
    ids = range_nodes(0, head.size)
    compact = CompactRange(head.size, view.node_hashes([n.key for n in ids]))
    if compact.root() != head.root:
        raise HeadMismatchError(
            f"stored nodes give root {compact.root().hex()} at size {head.size}; the head says {head.root.hex()}"
        )
    return compact


def _fetch(view: ReadView, ids: Sequence[NodeId], known: dict[NodeId, Hash]) -> list[Hash]:
    missing = [n for n in dict.fromkeys(ids) if n not in known]
    if missing:
        known.update(zip(missing, view.node_hashes([n.key for n in missing]), strict=True))
    return [known[n] for n in ids]


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Sorted indices as [start, stop) runs of consecutive indices."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def _check_batch_size(items: Sequence[object]) -> None:
    if not 0 < len(items) <= MAX_BATCH:
        raise StoreError(f"a batch holds 1 to {MAX_BATCH} statements, got {len(items)}")


class Log:
    """One append-only log in a store, signing checkpoints with `signer` (whose name is the origin)."""

    def __init__(self, store: LogStore, signer: NoteSigner, clock: Clock = _utcnow) -> None:
        self.store = store
        self._signer = signer
        self._clock = clock
        self._borders: dict[int, tuple[dict[int, Hash], Hash]] = {}

    @property
    def origin(self) -> str:
        return self._signer.name

    @property
    def verifier(self) -> NoteVerifier:
        return self._signer.verifier

    def append(self, items: Sequence[tuple[Statement, Signature]], lookup: KeyLookup) -> list[Receipt]:
        """Verify and append statements in one transaction; one receipt per statement, in order.

        Raises UnknownKeyError or SignatureError (nothing appended) when a signature does not verify,
        HeadMismatchError when the stored tree disagrees with the stored head.
        """
        _check_batch_size(items)
        for statement, signature in items:
            verify_with_lookup(statement, signature, lookup)
        with self.store.write() as txn:
            return self.append_verified(txn, items)

    def append_verified(self, txn: WriteTxn, items: Sequence[tuple[Statement, Signature]],
                        logged_at: str | None = None) -> list[Receipt]:
        """Append statements whose signatures the caller has verified, inside the caller's transaction.

        `logged_at` is the time every new entry records (default: the log's clock now); a caller whose rules
        read the time passes the time they read, so that replay, which reads logged_at, sees the same.
        """
        _check_batch_size(items)
        head = txn.head()
        compact = load_range(txn, head)
        # A new entry's proof needs only the old tree's compact range and the complete nodes over new leaves.
        known = {n.key: h for n, h in zip(range_nodes(0, head.size), compact.hashes, strict=True)}
        logged_at = logged_at or format_timestamp(self._clock())
        prev = head.last_hash
        entries: list[Entry] = []
        new_nodes: list[tuple[NodeId, Hash]] = []
        for offset, (statement, signature) in enumerate(items):
            entry = Entry(head.size + offset, prev, logged_at, statement, signature)
            compact.append(entry.hash, new_nodes)
            entries.append(entry)
            prev = entry.hash
        root = compact.root()
        note = Checkpoint(self.origin, compact.size, root).sign(self._signer)
        written = [(n.key, h) for n, h in new_nodes]
        txn.write(
            [StoredEntry(e.index, e.hash, e.canonical) for e in entries],
            written,
            StoredCheckpoint(compact.size, note),
            Head(compact.size, root, prev),
        )
        known.update(written)
        signed = SignedCheckpoint(Checkpoint(self.origin, compact.size, root), note)
        border = border_roots(compact)
        receipts = []
        for e in entries:
            path = inclusion_path(e.index, compact.size, known, border)
            proof = InclusionProof(e.index, compact.size, e.hash, root, tuple(path))
            receipts.append(Receipt(e.index, e.hash, proof, signed))
        return receipts

    def checkpoint(self, view: ReadView) -> StoredCheckpoint:
        """The latest signed checkpoint; StoreError for a log that has none yet."""
        latest = view.latest_checkpoint()
        if latest is None:
            raise StoreError("the log is empty and has no checkpoint yet")
        return latest

    def root_at(self, view: ReadView, size: int) -> Hash:
        """The root of the tree of `size` entries, from stored nodes."""
        head = view.head()
        if not 0 <= size <= head.size:
            raise ProofError(f"tree size {size} is beyond the log's size {head.size}")
        if size == head.size:
            return head.root
        ids = range_nodes(0, size)
        return CompactRange(size, view.node_hashes([n.key for n in ids])).root()

    def inclusion(self, view: ReadView, index: int, size: int | None = None) -> InclusionProof:
        """Inclusion proof of entry `index` in the tree of `size` entries (default: the head's)."""
        return self.inclusion_proofs(view, (index,), size)[index]

    def inclusion_proofs(self, view: ReadView, indices: Iterable[int],
                         size: int | None = None) -> dict[int, InclusionProof]:
        """Inclusion proofs of entries `indices` in the tree of `size` entries (default: the head's), by index.

        Every node they need is read in one query (and the tree's right border once per size). Raises
        ProofError unless every index is below `size` and `size` is at most the log's.
        """
        head = view.head()
        size = head.size if size is None else size
        wanted = sorted(set(indices))
        for index in wanted[:1] + wanted[-1:]:
            if not 0 <= index < size <= head.size:
                raise ProofError(f"index {index} must be below size {size}, and size at most the log's {head.size}")
        plans = {index: inclusion_plan(index, size) for index in wanted}
        needed = [k for index, plan in plans.items() for k in (index, *(key for _, key in plan))]
        if BORDER in needed or size != head.size:
            border, root = self._border(view, size)
        else:
            border, root = {}, head.root
        keys = [k for k in dict.fromkeys(needed) if k != BORDER]
        found = dict(zip(keys, view.node_hashes(keys), strict=True))
        return {index: InclusionProof(index, size, found[index], root,
                                      tuple(inclusion_path(index, size, found, border, plans[index])))
                for index in wanted}

    def proven_entries(self, view: ReadView, indices: Iterable[int],
                       size: int) -> list[tuple[StoredEntry, InclusionProof]]:
        """The stored entries at `indices`, ascending, each with its inclusion proof in the tree of `size`
        entries, checked before it is handed out. Entries are read a run of consecutive indices at a time.

        Raises ProofError for an index outside that tree, MissingDataError when an entry is not stored and
        EntryMismatchError when one disagrees with the tree (both mean: audit the store).
        """
        wanted = sorted(set(indices))
        proofs = self.inclusion_proofs(view, wanted, size)
        proven = []
        for start, stop in _runs(wanted):
            stored = view.entries(start, stop)
            if [e.index for e in stored] != list(range(start, stop)):
                raise MissingDataError(f"entries {start} to {stop - 1} are not all stored")
            for e in stored:
                proof = proofs[e.index]
                if proof.leaf_hash != e.hash:
                    raise EntryMismatchError(f"entry {e.index} has hash {e.hash.hex()}; the tree holds "
                                             f"{proof.leaf_hash.hex()}")
                try:
                    proof.verify()
                except VerificationError as exc:
                    raise EntryMismatchError(f"entry {e.index}'s proof from stored nodes does not verify: {exc}") \
                        from exc
                proven.append((e, proof))
        return proven

    def _border(self, view: ReadView, size: int) -> tuple[dict[int, Hash], Hash]:
        """The incomplete right-border subtrees and the root of the tree of `size` entries, kept per size:
        they never change and every proof in that tree shares them."""
        cached = self._borders.get(size)
        if cached is None:
            ids = range_nodes(0, size)
            compact = CompactRange(size, view.node_hashes([n.key for n in ids]))
            if len(self._borders) >= 64:
                self._borders.clear()
            cached = self._borders[size] = (border_roots(compact), compact.root())
        return cached

    def consistency(self, view: ReadView, old: int, new: int | None = None) -> ConsistencyProof:
        """Consistency proof from the tree of `old` entries to that of `new` (default: the head's)."""
        head = view.head()
        new = head.size if new is None else new
        if not 0 < old <= new <= head.size:
            raise ProofError(f"sizes must satisfy 0 < old {old} <= new {new} <= log size {head.size}")
        nodes = consistency_nodes(old, new)
        hashes = nodes.rehash(_fetch(view, nodes.ids, {}))
        return ConsistencyProof(old, new, self.root_at(view, old), self.root_at(view, new), tuple(hashes))
