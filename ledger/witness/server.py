"""A C2SP tlog-witness over SQL: check a submitted checkpoint against the one last cosigned, store it, cosign it.

Checking and storing happen in one write transaction that holds the log's lock: SQLite's `BEGIN IMMEDIATE`
(see ledger.store.engines), on PostgreSQL a transaction-scoped advisory lock per origin taken before the stored row is
read. Two concurrent requests therefore run one after the other, and the stored checkpoint never rolls back
(tlog-witness, add-checkpoint: "checking the old size ... and persisting the new checkpoint must be
performed atomically"). The row update is also conditional on the size read, as a second guard.

A checkpoint of the stored size with another root is a fork: it is refused (409), and both signed notes are
recorded in `witness_forks` and logged, as evidence that the log signed two views.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection

from ledger.core.checkpoint import Checkpoint
from ledger.core.cosignature import CosignatureSigner, CosignatureVerifier
from ledger.core.errors import (
    BrokenInvariantError,
    NoteError,
    ProofError,
    RootMismatchError,
    SignatureError,
    UnknownKeyError,
)
from ledger.core.hashing import Hash
from ledger.core.note import Note, NoteVerifier, open_note
from ledger.core.proof import verify_consistency
from ledger.files.keys import load_or_create_named_key
from ledger.store.engines import write_transaction
from ledger.witness.protocol import (
    AddCheckpointRequest,
    InconsistentError,
    MalformedRequestError,
    SizeConflictError,
    UnknownLogError,
    UntrustedCheckpointError,
    WitnessError,
    WitnessForkError,
)
from ledger.witness.tables import WitnessFork, WitnessLog

WITNESS_KEY_FILE = "witness.key"

logger = logging.getLogger("nguon.witness")

_logs = WitnessLog.__table__  # type: ignore[attr-defined]
_forks = WitnessFork.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class WitnessedCheckpoint:
    """What the witness stores per log: the latest checkpoint it cosigned, as the log signed it."""

    origin: str
    size: int
    root: Hash
    note: str
    cosigned_at: int


@dataclass(frozen=True)
class Fork:
    """A recorded fork: two notes signed by the log for one size, with different roots."""

    origin: str
    size: int
    stored_note: str
    submitted_note: str
    detected_at: int


def _lock_key(origin: str) -> int:
    return int.from_bytes(hashlib.sha256(b"nguon witness\n" + origin.encode()).digest()[:8], "big", signed=True)


def _stored(connection: Connection, origin: str) -> WitnessedCheckpoint | None:
    row = connection.execute(select(_logs).where(_logs.c.origin == origin)).first()
    if row is None:
        return None
    return WitnessedCheckpoint(row.origin, int(row.size), Hash(bytes(row.root)), row.note, int(row.cosigned_at))


class Witness:
    """A witness named by `signer`, cosigning checkpoints of the logs whose keys are `log_keys`.

    A log is known by its origin, which is its key's name; several keys may share an origin (rotation).
    """

    def __init__(self, engine: Engine, signer: CosignatureSigner, log_keys: Iterable[NoteVerifier],
                 clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._signer = signer
        self._clock = clock
        self._keys: dict[str, list[NoteVerifier]] = {}
        for key in log_keys:
            self._keys.setdefault(key.name, []).append(key)
        self._postgres = engine.dialect.name == "postgresql"

    @property
    def key(self) -> CosignatureVerifier:
        """The witness's cosigner verifier key, which logs and their clients configure."""
        return self._signer.verifier

    @property
    def origins(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def _open(self, note: str) -> tuple[Checkpoint, Note]:
        """The checkpoint and its opened note; 404 for an unknown origin, 403 unless a trusted key signed it."""
        origin = note.partition("\n")[0]
        keys = self._keys.get(origin)
        if keys is None:
            raise UnknownLogError(f"checkpoint origin {origin[:100]!r} is not a log this witness follows; "
                                  f"it follows {', '.join(map(repr, self._keys)) or 'none'}")
        try:
            opened = open_note(note, keys)
        except (UnknownKeyError, SignatureError) as exc:
            raise UntrustedCheckpointError(f"checkpoint of {origin} is not signed by a trusted key of the log: "
                                           f"{exc}") from exc
        except NoteError as exc:
            raise MalformedRequestError(f"checkpoint note is malformed: {exc}") from exc
        try:
            return Checkpoint.from_text(opened.text), opened
        except NoteError as exc:
            raise MalformedRequestError(str(exc)) from exc

    @contextmanager
    def _locked(self, origin: str) -> Iterator[Connection]:
        with write_transaction(self._engine) as connection:
            if self._postgres:
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_lock_key(origin),))
            yield connection

    def add_checkpoint(self, request: AddCheckpointRequest) -> str:
        """Check `request` against the stored checkpoint, store it, and return the cosignature line(s).

        Raises a WitnessError (see ledger.witness.protocol for the tree and HTTP statuses). A fork is recorded
        before WitnessForkError is raised; nothing is stored for any other refusal.
        """
        checkpoint, opened = self._open(request.note)
        if request.old > checkpoint.size:
            raise MalformedRequestError(f"old size {request.old} is larger than the checkpoint size "
                                        f"{checkpoint.size}")
        if opened.unverified:
            # Other witnesses' cosignatures, or anything else: what this witness stores and shows as the log's
            # note is only what it checked. Names and key ids only; the lines themselves are the sender's choice.
            logger.info("checkpoint of %s at size %d: dropped %d signature lines of keys this witness does not "
                        "trust for the log: %s", checkpoint.origin, checkpoint.size, len(opened.unverified),
                        ", ".join(f"{sig.name[:100]}+{sig.key_id.hex()}" for sig in opened.unverified[:10]))
        note = opened.verified_note()
        now = int(self._clock())
        with self._locked(checkpoint.origin) as connection:
            refusal = self._check_and_store(connection, request, checkpoint, note, now)
        if refusal is not None:
            raise refusal
        return self._signer.sign_line(opened.text, now)

    def _check_and_store(self, connection: Connection, request: AddCheckpointRequest, checkpoint: Checkpoint,
                         note: str, now: int) -> WitnessError | None:
        """Inside the lock: the refusal to raise once the transaction ends, or None once stored. `note` is the
        submitted note with only its verified signature lines."""
        origin = checkpoint.origin
        stored = _stored(connection, origin)
        if stored is not None and stored.size == checkpoint.size and stored.root != checkpoint.root:
            connection.execute(insert(_forks).values(origin=origin, size=checkpoint.size, stored_note=stored.note,
                                                     submitted_note=note, detected_at=now))
            logger.error("fork of log %s at size %d: cosigned note %r, submitted note %r", origin,
                         checkpoint.size, stored.note, note)
            return WitnessForkError(origin, checkpoint.size, stored.note, note)
        known = 0 if stored is None else stored.size
        if request.old != known:
            return SizeConflictError(known, request.old)
        if stored is None:
            connection.execute(insert(_logs).values(origin=origin, size=checkpoint.size, root=checkpoint.root,
                                                    note=note, cosigned_at=now))
            return None
        if checkpoint.size == stored.size:
            if request.proof:
                return InconsistentError(f"the consistency proof between equal sizes {stored.size} must be empty; "
                                         f"it has {len(request.proof)} hashes")
            connection.execute(update(_logs).where(_logs.c.origin == origin).values(cosigned_at=now))
            return None
        if stored.size > 0:
            try:
                verify_consistency(stored.size, checkpoint.size, request.proof, stored.root, checkpoint.root)
            except (ProofError, RootMismatchError) as exc:
                # tlog-witness: a validly signed checkpoint that fails the proof may be evidence; keep a trace.
                logger.warning("refused checkpoint of %s at size %d: consistency proof from size %d does not "
                               "verify (%s); note %r", origin, checkpoint.size, stored.size, exc, note)
                return InconsistentError(f"consistency proof from size {stored.size} to {checkpoint.size} does "
                                         f"not verify: {exc}")
        moved = connection.execute(
            update(_logs).where(_logs.c.origin == origin, _logs.c.size == stored.size)
            .values(size=checkpoint.size, root=checkpoint.root, note=note, cosigned_at=now))
        if moved.rowcount != 1:
            raise BrokenInvariantError(f"the stored checkpoint of {origin} moved from size {stored.size} while locked")
        return None

    def latest(self, origin: str) -> WitnessedCheckpoint | None:
        """The latest checkpoint cosigned for `origin`, or None."""
        with self._engine.connect() as connection:
            return _stored(connection, origin)

    def forks(self, origin: str | None = None) -> list[Fork]:
        """Recorded forks, oldest first, of one log or of all."""
        query = select(_forks).order_by(_forks.c.id)
        if origin is not None:
            query = query.where(_forks.c.origin == origin)
        with self._engine.connect() as connection:
            rows: Any = connection.execute(query).all()
        return [Fork(r.origin, int(r.size), r.stored_note, r.submitted_note, int(r.detected_at)) for r in rows]


def load_or_create_witness_key(data_dir: Path, name: str) -> CosignatureSigner:
    """Load `data_dir/witness.key`, or create it (mode 0600) for `name` when it does not exist.

    Raises NoteError when the stored key is malformed or is named otherwise.
    """
    return load_or_create_named_key(data_dir / WITNESS_KEY_FILE, CosignatureSigner, name, "witness key named")
