"""The inspector's audit of a log: what it remembers between runs, and the checks that need no registry.

- `AuditState` is the inspector's state file: the log key pinned on the first run and the last signed
  checkpoint seen. A later run raises KeyChangedError when the log presents another key.
- `audit_log` runs ledger.audit.store over a read view and, with a KeySource, checks every statement signature
  on worker processes as the entries stream past (ledger.audit.signatures); the first bad index of either wins.
- `check_consistency` proves that the log now extends the checkpoint seen last; AuditForkError carries both
  signed notes when it does not (a split view: two histories signed by one log key).

Raises, beyond ledger.audit.store's AuditError:

    LedgerError
    ├── VerificationError
    │   ├── KeyChangedError   the log presents another key than the one pinned
    │   └── AuditForkError    two signed checkpoints of this log that no single history explains
    └── StateFileError        the state file cannot be read or does not hold what it should
"""

import json
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.audit.signatures import KeySource, SignatureCheck
from ledger.audit.store import audit
from ledger.core.checkpoint import open_checkpoint
from ledger.core.errors import AuditError, LedgerError, ProofError, RootMismatchError, VerificationError
from ledger.core.hashing import EMPTY_ROOT, Hash, hash_from_hex
from ledger.core.merkle import consistency_nodes
from ledger.core.note import NoteVerifier
from ledger.core.proof import verify_consistency
from ledger.store.protocol import Head, ReadView, StoredCheckpoint, StoredEntry

Progress = Callable[[int, int], None]
"""Called with (entries audited, total)."""

ConsistencySource = Callable[[int, int], Sequence[Hash]]
"""(old size, new size) -> the hashes of the RFC 9162 consistency proof, from wherever the log is read."""


class KeyChangedError(VerificationError):
    """The log presents another key than the one the state file pinned."""

    def __init__(self, pinned: str, presented: str) -> None:
        self.pinned = pinned
        self.presented = presented
        super().__init__(f"the log key is {presented}, not {pinned} as pinned: the log key changed")


class AuditForkError(VerificationError):
    """Two checkpoints, both signed by the log key, that no single append-only history explains."""

    def __init__(self, seen: str, now: str, reason: str) -> None:
        self.seen = seen
        self.now = now
        self.reason = reason
        super().__init__(f"fork: {reason}")


class StateFileError(LedgerError):
    """The inspector's state file cannot be read, or does not hold a log key and a checkpoint it signed."""


@dataclass(frozen=True)
class AuditState:
    """What an inspector remembers of a log: its origin and key, and the last signed checkpoint it audited
    (None, size 0 and the empty root for an empty log)."""

    origin: str
    log_key: str
    checkpoint: str | None
    size: int
    root: Hash

    @classmethod
    def of(cls, log_key: NoteVerifier, note: str | None) -> "AuditState":
        """The state after a clean audit that ended at `note`; raises NoteError unless `log_key` signed it."""
        if note is None:
            return cls(log_key.name, log_key.to_text(), None, 0, EMPTY_ROOT)
        checkpoint, _ = open_checkpoint(note, log_key)
        return cls(log_key.name, log_key.to_text(), note, checkpoint.size, checkpoint.root)

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier.from_text(self.log_key)

    def to_json(self) -> dict[str, Any]:
        return {"origin": self.origin, "log_key": self.log_key, "checkpoint": self.checkpoint, "size": self.size,
                "root": self.root.hex()}

    @classmethod
    def from_json(cls, doc: Any) -> "AuditState":
        """Validate a state document: its key parses, and its checkpoint is signed by it and says size and root."""
        if not isinstance(doc, dict) or not {"origin", "log_key", "checkpoint", "size", "root"} <= set(doc):
            raise StateFileError("state must be an object with origin, log_key, checkpoint, size and root")
        try:
            key = NoteVerifier.from_text(str(doc["log_key"]))
            note = doc["checkpoint"]
            state = cls.of(key, None if note is None else str(note))
            root = hash_from_hex(str(doc["root"]), "root")
        except LedgerError as exc:
            raise StateFileError(f"state does not verify: {exc}") from exc
        recorded = (doc["origin"], doc["size"], root)
        if recorded != (state.origin, state.size, state.root):
            raise StateFileError(f"state says origin, size and root {recorded[0]!r}, {recorded[1]!r}, {root.hex()}; "
                                 f"its checkpoint says {state.origin!r}, {state.size}, {state.root.hex()}")
        return state

    @classmethod
    def load(cls, path: Path) -> "AuditState | None":
        """The state in `path`, or None when there is no such file (a first audit)."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateFileError(f"cannot read state file {path}: {exc}") from exc
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise StateFileError(f"state file {path} is not JSON: {exc}") from exc
        try:
            return cls.from_json(doc)
        except StateFileError as exc:
            raise StateFileError(f"state file {path}: {exc}") from exc

    def save(self, path: Path) -> None:
        """Write the state to `path` whole or not at all."""
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        try:
            tmp.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StateFileError(f"cannot write state file {path}: {exc}") from exc


def check_log_key(pinned: AuditState | None, presented: NoteVerifier) -> None:
    """Raise KeyChangedError when the state pinned another key than `presented`."""
    if pinned is not None and pinned.verifier != presented:
        raise KeyChangedError(pinned.log_key, presented.to_text())


def check_consistency(seen: AuditState, now: AuditState, proof: ConsistencySource) -> None:
    """Raise AuditForkError unless the log at `now` extends the log at `seen` (both already verified as signed)."""
    if seen.checkpoint is None or now.checkpoint is None:
        if seen.size > now.size:
            raise AuditForkError(seen.checkpoint or "", now.checkpoint or "",
                            f"the log is empty now; it had {seen.size} entries")
        return  # every log extends the empty one
    if now.size < seen.size:
        raise AuditForkError(seen.checkpoint, now.checkpoint,
                        f"the log has {now.size} entries; it had {seen.size} when last audited")
    if now.size == seen.size:
        if now.root != seen.root:
            raise AuditForkError(seen.checkpoint, now.checkpoint, f"two checkpoints of size {now.size} with different "
                            f"roots: {seen.root.hex()} seen before, {now.root.hex()} now")
        return
    hashes = proof(seen.size, now.size)
    try:
        verify_consistency(seen.size, now.size, hashes, seen.root, now.root)
    except (ProofError, RootMismatchError) as exc:
        raise AuditForkError(seen.checkpoint, now.checkpoint, f"the log at size {now.size} does not extend the one "
                        f"seen at size {seen.size}: the consistency proof fails ({exc})") from exc


def store_consistency(view: ReadView) -> ConsistencySource:
    """Consistency proofs built from the stored Merkle nodes of `view` (which ledger.audit.store checks)."""

    def proof(old: int, new: int) -> Sequence[Hash]:
        nodes = consistency_nodes(old, new)
        return nodes.rehash(view.node_hashes([n.key for n in nodes.ids]))

    return proof


class _Tap:
    """A read view that also hands the entries ledger.audit.store reads to the signature check."""

    def __init__(self, view: ReadView, check: SignatureCheck) -> None:
        self._view = view
        self._check = check

    def entries(self, start: int, stop: int) -> list[StoredEntry]:
        rows = self._view.entries(start, stop)
        self._check.feed(rows)
        return rows

    def head(self) -> Head:
        return self._view.head()

    def node_hashes(self, keys: Sequence[int]) -> list[Hash]:
        return self._view.node_hashes(keys)

    def checkpoints(self, after: int, limit: int) -> list[StoredCheckpoint]:
        return self._view.checkpoints(after, limit)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        return self._view.latest_checkpoint()

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None:
        return self._view.checkpoint_at(size)

    def nodes_between(self, low: int, high: int) -> list[tuple[int, Hash]]:
        return self._view.nodes_between(low, high)

    def count_rows(self) -> tuple[int, int]:
        return self._view.count_rows()


@dataclass(frozen=True)
class LogAudit:
    """What `audit_log` verified: the log's size and root, the checkpoints and statement signatures checked,
    and the state an inspector records after it."""

    size: int
    root: Hash
    checkpoints: int
    signatures: int
    state: AuditState


def audit_log(view: ReadView, log_key: NoteVerifier, keys: KeySource | None = None, *, workers: int = 0,
              progress: Progress | None = None, chunk: int = 4096) -> LogAudit:
    """ledger.audit.store over `view` and, with `keys`, every statement signature on `workers` processes.

    Raises AuditError naming the first bad index found by either (ledger.audit.store's reasons, or why a signature
    fails); a StoreError, CorruptionError or the database's own errors when the view cannot be read.
    """
    if keys is None:
        report = audit(view, log_key, progress=progress, chunk=chunk)
        signatures = 0
    else:
        size = view.head().size
        failures: list[AuditError] = []
        on_checked = None if progress is None else (lambda done: progress(done, size))
        with SignatureCheck(keys, workers, on_checked) as check:
            try:
                report = audit(_Tap(view, check), log_key, chunk=chunk)
            except AuditError as exc:
                failures.append(exc)
            try:
                signatures = check.finish()
            except AuditError as exc:
                failures.append(exc)
        if failures:
            raise min(failures, key=lambda e: e.index)
    latest = view.latest_checkpoint()
    return LogAudit(report.size, report.root, report.checkpoints, signatures,
                    AuditState.of(log_key, None if latest is None else latest.note))
