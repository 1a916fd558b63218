"""The inspector's audit of a registry (`nguon audit`), from its log alone.

In this order, stopping at the first check that fails:
1. the log key is the one the inspector pinned (ledger.audit.auditor.KeyChangedError);
2. ledger.audit.auditor.audit_log: every entry, the chain, the Merkle tree, the signed checkpoints, and every
   statement signature against the keys the registry's own entries register and revoke (AuditError);
3. the log extends the checkpoint the inspector saw last (ledger.audit.auditor.AuditForkError, with both notes);
4. every registry rule, replayed into a fresh SQLite database (AuditError naming the entry refused).
"""

import base64
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ledger.audit.auditor import AuditState, ConsistencySource, LogAudit, audit_log, check_consistency, check_log_key
from ledger.audit.signatures import KeyChange, KeyRegistration, KeyRevocation, KeySource
from ledger.core.errors import AuditError, LedgerError
from ledger.core.note import NoteVerifier
from ledger.core.types import Entry
from ledger.store.engines import make_engine
from ledger.store.protocol import ReadView
from registry.apply import parse_body
from registry.errors import DomainError
from registry.kinds import ORGANISATION_REGISTERED
from registry.replay import CHUNK, ReplayError, replay
from registry.schemas import KeyAdded, KeyRevoked, OrganisationRegistered

KEY_KINDS = (*ORGANISATION_REGISTERED, "key.added.v1", "key.revoked.v1")

Progress = Callable[[str, int, int], None]
"""Called with (phase: "entries" or "replay", done, total)."""


def key_changes(entry: Entry) -> list[KeyChange]:
    """The keys an entry registers or revokes; none for a body the registry's schema refuses (replay names it)."""
    if entry.statement.kind not in KEY_KINDS:
        return []
    try:
        body = parse_body(entry.statement)
    except DomainError:
        return []
    if isinstance(body, OrganisationRegistered):
        return [KeyRegistration(body.id, base64.b64decode(key.public_key)) for key in body.keys]
    if isinstance(body, KeyAdded):
        return [KeyRegistration(body.organisation, base64.b64decode(body.public_key))]
    if isinstance(body, KeyRevoked):
        return [KeyRevocation(body.organisation, body.key_id)]
    return []


REGISTRY_KEYS = KeySource(tuple(f'"kind":"{kind}"'.encode() for kind in KEY_KINDS), key_changes)
"""Where a registry's log records its statement keys."""


def _first_unreadable(view: ReadView, start: int) -> int:
    size = view.head().size
    for first in range(start, size, CHUNK):
        for row in view.entries(first, min(first + CHUNK, size)):
            try:
                Entry.from_canonical(row.canonical)
            except LedgerError:
                return row.index
    return start


SchemaMaker = Callable[[str], None]
"""Creates the registry's schema in the empty database at a URL (the application's migrations: the registry does
not own the whole schema, so the caller hands over the one that does)."""


def replay_fresh(view: ReadView, workdir: Path, create_schema: SchemaMaker,
                 progress: Callable[[int, int], None] | None = None) -> str:
    """Replay every entry of `view` into a fresh SQLite database in `workdir`, made by `create_schema`; the
    projections' digest.

    Raises AuditError naming the first entry the registry's rules refuse, or that cannot be read as an entry.
    """
    url = f"sqlite:///{workdir / 'replay.db'}"
    create_schema(url)
    engine = make_engine(url)
    done = 0

    def seen(count: int, total: int) -> None:
        nonlocal done
        done = count
        if progress is not None:
            progress(count, total)

    try:
        # The signature audit before it verified every statement signature against the key history.
        return replay(view, engine, seen, signatures_checked=True)
    except ReplayError as exc:
        raise AuditError(exc.index, f"the registry's rules refuse it on replay: {exc.error.en}") from exc
    except LedgerError as exc:
        raise AuditError(_first_unreadable(view, done), f"entry cannot be replayed: {exc}") from exc
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Source:
    """A registry's log as the inspector reads it: a read view, the log key it presents, and where
    consistency proofs come from (the server, or the stored nodes)."""

    view: ReadView
    log_key: NoteVerifier
    consistency: ConsistencySource


@dataclass(frozen=True)
class Inspection:
    """A clean inspection: what the log audit verified, the replayed projections' digest, and the state
    the inspector had before (None on a first audit)."""

    audit: LogAudit
    digest: str
    previous: AuditState | None


def inspect(source: Source, previous: AuditState | None, workdir: Path, create_schema: SchemaMaker, *,
            workers: int = 0, progress: Progress | None = None) -> Inspection:
    """Run the checks of the module docstring; raise at the first that fails.

    Raises KeyChangedError, AuditError or AuditForkError (ledger.audit.auditor) for a log that does not hold; the
    source's own errors (RemoteError, the database's) when it cannot be read.
    """

    def phase(name: str) -> Callable[[int, int], None]:
        return lambda done, total: progress(name, done, total) if progress is not None else None

    check_log_key(previous, source.log_key)
    audited = audit_log(source.view, source.log_key, REGISTRY_KEYS, workers=workers, progress=phase("entries"))
    if previous is not None:
        check_consistency(previous, audited.state, source.consistency)
    digest = replay_fresh(source.view, workdir, create_schema, phase("replay"))
    return Inspection(audited, digest, previous)
