"""The registry's unit of work: check statements, update projections and append to the log, one commit.

    with store.write() as txn:          # the log's serialised write transaction
        check and apply each statement  # registry.apply, on the same connection
        append entries, nodes, checkpoint
    # commit: entries, nodes, checkpoint and projections together, or nothing

Submissions from concurrent threads are grouped into one such transaction (ledger.store.group): each
submission's statements are checked inside a savepoint, so a refused one is rolled back alone and the
others append together under one signed checkpoint. A submission is still all or nothing.
"""

import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.core.errors import StoreError
from ledger.core.signing import sign_statement
from ledger.core.types import Receipt, Signature, Statement, format_timestamp, parse_timestamp
from ledger.store.group import GroupCommit
from ledger.store.log import MAX_BATCH, Log
from ledger.store.protocol import WriteTxn
from ledger.store.sql import SqlTxn
from registry.apply import apply_statement
from registry.custody import Custody
from registry.errors import DomainError
from registry.handlers.parties import key_id_of
from registry.state import State

Draft = tuple[str, Mapping[str, Any]]
"""(kind, body) of a statement the registry signs for an organisation with its custodial key."""

Item = tuple[Statement, Signature]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _connection(txn: WriteTxn) -> Any:
    if not isinstance(txn, SqlTxn):
        raise TypeError("the registry keeps its projections in SQL; use ledger.store.sql.SqlStore")
    return txn.connection


@contextmanager
def _savepoint(txn: WriteTxn) -> Iterator[None]:
    """Undo what the block wrote if it raises, and only that (the rest of the transaction stands)."""
    connection = _connection(txn)
    connection.exec_driver_sql("SAVEPOINT submission")
    try:
        yield
    except BaseException:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT submission")
        connection.exec_driver_sql("RELEASE SAVEPOINT submission")
        raise
    connection.exec_driver_sql("RELEASE SAVEPOINT submission")


@dataclass(frozen=True)
class Submission:
    """One caller's statements: `check(txn, index, logged_at)` checks and applies them as the entries from log
    index `index` on, logged at `logged_at`, and returns them signed, ready to append. It raises DomainError to
    refuse them all."""

    check: Callable[[WriteTxn, int, str], list[Item]]
    count: int


class Registry:
    """Statements in, receipts out; everything the registry records passes through here."""

    def __init__(self, log: Log, custody: Custody, clock: Callable[[], datetime] = _utcnow, *,
                 on_commit: Callable[[], None] | None = None, group_limit: int = MAX_BATCH) -> None:
        """`on_commit` is called (it must be quick) after each commit that appended. Concurrent submissions
        are grouped into commits of up to `group_limit` statements (1: each submission commits alone)."""
        self.log = log
        self.custody = custody
        self._clock = clock
        self._on_commit = on_commit
        self.group = GroupCommit[Submission, list[Receipt]](self._commit, max_weight=group_limit)

    def _commit(self, submissions: Sequence[Submission]) -> list[list[Receipt] | BaseException]:
        """Check every submission in one write transaction and append those accepted, under one checkpoint.
        Alone, a submission's refusal rolls back the transaction; grouped, only its savepoint."""
        outcomes: list[list[Item] | BaseException] = []
        alone = len(submissions) == 1
        with self.log.store.write() as txn:
            index = txn.head().size
            # One time for the whole commit, read once: the rules judge by it and the entries record it, so
            # replay (which reads logged_at) judges by exactly the time the live rules did.
            logged_at = format_timestamp(self._clock())
            for submission in submissions:
                if alone:
                    items = submission.check(txn, index, logged_at)  # a refusal rolls back the whole transaction
                else:
                    try:
                        with _savepoint(txn):
                            items = submission.check(txn, index, logged_at)
                    except Exception as exc:  # its submitter raises it; the others go on
                        outcomes.append(exc)
                        continue
                outcomes.append(items)
                index += len(items)
            appended = [item for outcome in outcomes if not isinstance(outcome, BaseException) for item in outcome]
            receipts = iter(self.log.append_verified(txn, appended, logged_at) if appended else [])
        if appended and self._on_commit is not None:
            self._on_commit()
        return [outcome if isinstance(outcome, BaseException) else [next(receipts) for _ in outcome]
                for outcome in outcomes]

    def _run(self, submission: Submission) -> list[Receipt]:
        if not 0 < submission.count <= MAX_BATCH:
            raise StoreError(f"a submission holds 1 to {MAX_BATCH} statements, got {submission.count}")
        return self.group.run(submission, submission.count)

    def _check(self, txn: WriteTxn, items: Sequence[Item], index: int, logged_at: str,
               signed_here: bool) -> list[Item]:
        state = State(_connection(txn))
        logged = parse_timestamp(logged_at)
        for offset, (statement, signature) in enumerate(items):
            try:
                apply_statement(state, statement, signature, index + offset, logged, signature_checked=signed_here)
            except DomainError as exc:
                exc.position = offset
                raise
        return list(items)

    def _sign(self, txn: WriteTxn, organisation: str, drafts: Sequence[Draft], issued_at: str) -> list[Item]:
        key = self.custody.signing_key(_connection(txn), organisation)
        items = []
        for kind, body in drafts:
            statement = Statement(kind, organisation, issued_at, secrets.token_urlsafe(16), body)
            items.append((statement, sign_statement(statement, key)))
        return items

    def submit(self, items: Sequence[Item]) -> list[Receipt]:
        """Check and append self-signed statements, all or none; raises DomainError naming the first refusal."""
        return self._run(Submission(lambda txn, index, logged_at: self._check(txn, items, index, logged_at,
                                                                              signed_here=False), len(items)))

    def submit_as(self, organisation: str, drafts: Sequence[Draft]) -> list[Receipt]:
        """Sign drafts with `organisation`'s custodial key, then check and append them, all or none."""
        def check(txn: WriteTxn, index: int, logged_at: str) -> list[Item]:
            return self._check(txn, self._sign(txn, organisation, drafts, logged_at), index, logged_at,
                               signed_here=True)

        return self._run(Submission(check, len(drafts)))

    def _with_new_custodial_key(self, issuer: str, organisation: str,
                                draft: Callable[[str], Draft]) -> Receipt:
        """Make a custodial key for `organisation` and submit `draft(public_key)` as `issuer`, in one
        transaction: a refused statement leaves no key behind. Raises DomainError as `submit_as` does."""
        def check(txn: WriteTxn, index: int, logged_at: str) -> list[Item]:
            public_key = self.custody.create(_connection(txn), organisation)
            return self._check(txn, self._sign(txn, issuer, [draft(public_key)], logged_at), index, logged_at,
                               signed_here=True)

        return self._run(Submission(check, 1))[0]

    def register_with_custodial_key(self, issuer: str, body: Mapping[str, Any]) -> Receipt:
        """Register the organisation `body` describes, as `issuer`, with a custodial key made in the same
        transaction."""
        return self._with_new_custodial_key(issuer, str(body["id"]), lambda key: (
            "organisation.registered.v1", {**body, "keys": [{"public_key": key, "custodial": True}]}))

    def add_custodial_key(self, issuer: str, organisation: str) -> Receipt:
        """Add a fresh custodial key to `organisation` by a key.added.v1 statement of `issuer` (an organisation
        whose key was revoked gets a new one from an authority governing it)."""
        return self._with_new_custodial_key(issuer, organisation, lambda key: (
            "key.added.v1", {"organisation": organisation, "public_key": key, "custodial": True}))

    def bootstrap(self, organisation: str, names: Mapping[str, str]) -> Receipt:
        """Register the root authority as entry 0, with a custodial key that signs its own registration."""
        public_key = self.create_custodial_key(organisation)
        body = {"id": organisation, "names": dict(names), "roles": ["authority"],
                "keys": [{"public_key": public_key, "custodial": True}]}

        def check(txn: WriteTxn, index: int, logged_at: str) -> list[Item]:
            key = self.custody.sealed_key(_connection(txn), organisation, key_id_of(public_key))
            statement = Statement("organisation.registered.v1", organisation, logged_at, secrets.token_urlsafe(16),
                                  body)
            return self._check(txn, [(statement, sign_statement(statement, key))], index, logged_at,
                               signed_here=True)

        return self._run(Submission(check, 1))[0]

    def create_custodial_key(self, organisation: str) -> str:
        """A new sealed key for `organisation`; returns the base64 public key to register in a statement.

        The key signs nothing until a key.added or organisation.registered statement makes it active.
        """
        with self.log.store.write() as txn:
            return self.custody.create(_connection(txn), organisation)
