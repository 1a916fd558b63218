"""The registry's unit of work: check statements, update projections and append to the log, one commit.

    with store.write() as txn:          # the log's serialised write transaction
        check and apply each statement  # registry.apply, on the same connection
        append entries, nodes, checkpoint
    # commit: entries, nodes, checkpoint and projections together, or nothing
"""

import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ledger.log import Log
from ledger.signing import sign_statement
from ledger.sql import SqlTxn
from ledger.store import WriteTxn
from ledger.types import Receipt, Signature, Statement, format_timestamp
from registry.apply import apply_statement
from registry.custody import Custody
from registry.errors import DomainError
from registry.handlers.parties import key_id_of
from registry.state import State

Draft = tuple[str, Mapping[str, Any]]
"""(kind, body) of a statement the registry signs for an organisation with its custodial key."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _connection(txn: WriteTxn) -> Any:
    if not isinstance(txn, SqlTxn):
        raise TypeError("the registry keeps its projections in SQL; use ledger.sql.SqlStore")
    return txn.connection


class Registry:
    """Statements in, receipts out; everything the registry records passes through here."""

    def __init__(self, log: Log, custody: Custody, clock: Callable[[], datetime] = _utcnow) -> None:
        self.log = log
        self.custody = custody
        self._clock = clock

    def _submit_in(self, txn: WriteTxn, items: Sequence[tuple[Statement, Signature]],
                   signed_here: bool) -> list[Receipt]:
        state = State(_connection(txn))
        size = txn.head().size
        received = self._clock()
        for offset, (statement, signature) in enumerate(items):
            try:
                apply_statement(state, statement, signature, size + offset, received, signature_checked=signed_here)
            except DomainError as exc:
                exc.position = offset
                raise
        return self.log.append_verified(txn, items)

    def submit(self, items: Sequence[tuple[Statement, Signature]]) -> list[Receipt]:
        """Check and append self-signed statements, all or none; raises DomainError naming the first refusal."""
        with self.log.store.write() as txn:
            return self._submit_in(txn, items, signed_here=False)

    def _submit_as_in(self, txn: WriteTxn, organisation: str, drafts: Sequence[Draft]) -> list[Receipt]:
        key = self.custody.signing_key(_connection(txn), organisation)
        issued_at = format_timestamp(self._clock())
        items = []
        for kind, body in drafts:
            statement = Statement(kind, organisation, issued_at, secrets.token_urlsafe(16), body)
            items.append((statement, sign_statement(statement, key)))
        return self._submit_in(txn, items, signed_here=True)

    def submit_as(self, organisation: str, drafts: Sequence[Draft]) -> list[Receipt]:
        """Sign drafts with `organisation`'s custodial key, then check and append them, all or none."""
        with self.log.store.write() as txn:
            return self._submit_as_in(txn, organisation, drafts)

    def register_with_custodial_key(self, issuer: str, body: Mapping[str, Any]) -> Receipt:
        """Register the organisation `body` describes, as `issuer`, with a custodial key made in the same
        transaction: a refused registration leaves no key behind. Raises DomainError as `submit_as` does."""
        with self.log.store.write() as txn:
            public_key = self.custody.create(_connection(txn), str(body["id"]))
            registered = {**body, "keys": [{"public_key": public_key, "custodial": True}]}
            return self._submit_as_in(txn, issuer, [("organisation.registered.v1", registered)])[0]

    def bootstrap(self, organisation: str, names: Mapping[str, str]) -> Receipt:
        """Register the root authority as entry 0, with a custodial key that signs its own registration."""
        public_key = self.create_custodial_key(organisation)
        body = {"id": organisation, "names": dict(names), "roles": ["authority"],
                "keys": [{"public_key": public_key, "custodial": True}]}
        with self.log.store.write() as txn:
            key = self.custody.sealed_key(_connection(txn), organisation, key_id_of(public_key))
            statement = Statement("organisation.registered.v1", organisation, format_timestamp(self._clock()),
                                  secrets.token_urlsafe(16), body)
            return self._submit_in(txn, [(statement, sign_statement(statement, key))], signed_here=True)[0]

    def create_custodial_key(self, organisation: str) -> str:
        """A new sealed key for `organisation`; returns the base64 public key to register in a statement.

        The key signs nothing until a key.added or organisation.registered statement makes it active.
        """
        with self.log.store.write() as txn:
            return self.custody.create(_connection(txn), organisation)
