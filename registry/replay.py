"""Rebuilding the projections from the log, and a digest that says whether two rebuilds agree."""

import hashlib
from collections.abc import Callable

from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from ledger.core.encoding import canonical
from ledger.core.types import Entry, parse_timestamp
from ledger.store.protocol import ReadView
from registry.apply import apply_statement
from registry.errors import DomainError
from registry.state import State, table_of
from registry.tables import PROJECTIONS

CHUNK = 1000


class ReplayError(Exception):
    """An entry of the log that the registry's rules refuse on replay."""

    def __init__(self, index: int, error: DomainError) -> None:
        self.index = index
        self.error = error
        super().__init__(f"entry {index} is refused on replay: {error}")


def projection_digest(connection: Connection) -> str:
    """SHA-256 over every projection row, table by table in primary-key order (RFC 8785 rows)."""
    digest = hashlib.sha256()
    for model in PROJECTIONS:
        table = table_of(model)
        digest.update(table.name.encode() + b"\n")
        for row in connection.execute(select(table).order_by(*table.primary_key.columns)).mappings():
            digest.update(canonical(dict(row)) + b"\n")
    return digest.hexdigest()


def replay(source: ReadView, target: Engine, progress: Callable[[int, int], None] | None = None, *,
           signatures_checked: bool = False) -> str:
    """Apply every entry of `source` to the empty projections of `target`, re-running every rule and
    signature check; return the digest of the rebuilt projections. Raises ReplayError naming the first
    entry the rules refuse."""
    size = source.head().size
    for start in range(0, size, CHUNK):
        with target.begin() as conn:
            state = State(conn)
            for row in source.entries(start, min(start + CHUNK, size)):
                entry = Entry.from_canonical(row.canonical)
                try:
                    apply_statement(state, entry.statement, entry.signature, entry.index,
                                    parse_timestamp(entry.logged_at), signature_checked=signatures_checked)
                except DomainError as exc:
                    raise ReplayError(entry.index, exc) from exc
        if progress is not None:
            progress(min(start + CHUNK, size), size)
    with target.connect() as conn:
        return projection_digest(conn)
