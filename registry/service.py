"""The registry's service: statements in, receipts out, each commit one unit of work (registry.unit).

    with open_unit(store, clock) as unit:       # the log's serialised write transaction
        check and apply each submission        # registry.apply, on the transaction's connection
        append entries, nodes, checkpoint
    # commit: entries, nodes, checkpoint and projections together, or nothing

Submissions from concurrent threads are grouped into one such unit (ledger.store.group): each submission's
statements are checked inside a savepoint, so a refused one is rolled back alone and the others append
together under one signed checkpoint. A submission is still all or nothing.
"""

import contextlib
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from ledger.core.errors import StoreError
from ledger.core.signing import sign_statement
from ledger.core.types import Receipt, Statement
from ledger.store.group import GroupCommit
from ledger.store.log import MAX_BATCH, Log
from registry import images
from registry.custody import Custody
from registry.errors import DomainError, NotAllowedError
from registry.handlers.parties import key_id_of
from registry.images import Image
from registry.queries import roles_of
from registry.state import State
from registry.tables import RegOrganisation
from registry.unit import Item, UnitOfWork, open_unit, projection_txn

Draft = tuple[str, Mapping[str, Any]]
"""(kind, body) of a statement the registry signs for an organisation with its custodial key."""

After = Callable[[Connection, list[Receipt]], None]
"""Called with a submission's receipts on the commit's connection, before it commits, to record beside the log
something the log does not hold (the portal: which person submitted a statement). Its rows commit with the
entries, or neither does."""


Appended = Callable[[int, Sequence[Item]], None]
"""Called after each commit that appended, with the number of submissions that shared it and the statements
appended (the operator's figures: api.metrics); quick, no I/O."""


class _Checked(Exception):
    """Leaves a unit of work that only checked its statements: rolled back like a refusal."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Submission:
    """One caller's statements: `check(unit)` checks and applies them in `unit` (UnitOfWork.apply) and returns
    them signed. It raises DomainError to refuse them all."""

    check: Callable[[UnitOfWork], list[Item]]
    count: int
    after: After | None = None


class Registry:
    """Statements in, receipts out; everything the registry records passes through here."""

    def __init__(self, log: Log, custody: Custody, clock: Callable[[], datetime] = _utcnow, *,
                 on_commit: Callable[[], None] | None = None, group_limit: int = MAX_BATCH,
                 on_appended: Appended | None = None) -> None:
        """`on_commit` is called (it must be quick) after each commit that appended, then `on_appended`.
        Concurrent submissions are grouped into commits of up to `group_limit` statements (1: each submission
        commits alone)."""
        self.log = log
        self.custody = custody
        self._clock = clock
        self._on_commit = on_commit
        self._on_appended = on_appended
        self.group = GroupCommit[Submission, list[Receipt]](self._commit, max_weight=group_limit)

    def _commit(self, submissions: Sequence[Submission]) -> list[list[Receipt] | BaseException]:
        """Check every submission in one unit of work and append those accepted, under one checkpoint.
        Alone, a submission's refusal rolls back the unit; grouped, only its savepoint."""
        outcomes: list[list[Item] | BaseException] = []
        with open_unit(self.log.store, self._clock) as unit:
            if len(submissions) == 1:
                outcomes.append(submissions[0].check(unit))  # a refusal rolls back the whole unit
            else:
                for submission in submissions:
                    try:
                        with unit.savepoint():
                            outcomes.append(submission.check(unit))
                    except Exception as exc:  # its submitter raises it; the others go on
                        outcomes.append(exc)
            receipts = iter(unit.append(self.log))
            results: list[list[Receipt] | BaseException] = [
                outcome if isinstance(outcome, BaseException) else [next(receipts) for _ in outcome]
                for outcome in outcomes]
            for submission, result in zip(submissions, results, strict=True):
                if submission.after is not None and not isinstance(result, BaseException):
                    submission.after(unit.connection, result)
        if unit.items and self._on_commit is not None:
            self._on_commit()
        if unit.items and self._on_appended is not None:
            self._on_appended(len(submissions), unit.items)
        return results

    def _run(self, submission: Submission) -> list[Receipt]:
        if not 0 < submission.count <= MAX_BATCH:
            raise StoreError(f"a submission holds 1 to {MAX_BATCH} statements, got {submission.count}")
        return self.group.run(submission, submission.count)

    def _sign(self, unit: UnitOfWork, organisation: str, drafts: Sequence[Draft]) -> list[Item]:
        key = self.custody.signing_key(unit.connection, organisation)
        items = []
        for kind, body in drafts:
            statement = Statement(kind, organisation, unit.logged_at, secrets.token_urlsafe(16), body)
            items.append((statement, sign_statement(statement, key)))
        return items

    def submit(self, items: Sequence[Item]) -> list[Receipt]:
        """Check and append self-signed statements, all or none; raises DomainError naming the first refusal."""
        return self._run(Submission(lambda unit: unit.apply(items), len(items)))

    def submit_as(self, organisation: str, drafts: Sequence[Draft], after: After | None = None) -> list[Receipt]:
        """Sign drafts with `organisation`'s custodial key, then check and append them, all or none; `after`, if
        given, records beside them in the same transaction."""
        def check(unit: UnitOfWork) -> list[Item]:
            return unit.apply(self._sign(unit, organisation, drafts), signature_checked=True)

        return self._run(Submission(check, len(drafts), after))

    def refusals_as(self, organisation: str, drafts: Sequence[Draft]) -> list[DomainError]:
        """What the registry would refuse of `drafts` signed by `organisation`, appending nothing: each draft is
        checked after the ones before it that were accepted, so every refusal is found, not only the first. Each
        error's `position` is its draft's. Raises DomainError (position None) for a refusal of the whole
        submission, such as an organisation without a custodial key."""
        refusals: list[DomainError] = []

        def check(unit: UnitOfWork) -> list[Item]:
            for position, item in enumerate(self._sign(unit, organisation, drafts)):
                try:
                    with unit.savepoint():
                        unit.apply([item], signature_checked=True)
                except DomainError as exc:
                    exc.position = position
                    refusals.append(exc)
            raise _Checked  # nothing of this unit is to be appended

        with contextlib.suppress(_Checked):
            self._run(Submission(check, len(drafts)))
        return refusals

    def _with_new_custodial_key(self, issuer: str, organisation: str,
                                draft: Callable[[str], Draft], after: After | None = None) -> Receipt:
        """Make a custodial key for `organisation` and submit `draft(public_key)` as `issuer`, in one
        transaction: a refused statement leaves no key behind. Raises DomainError as `submit_as` does."""
        def check(unit: UnitOfWork) -> list[Item]:
            public_key = self.custody.create(unit.connection, organisation)
            return unit.apply(self._sign(unit, issuer, [draft(public_key)]), signature_checked=True)

        return self._run(Submission(check, 1, after))[0]

    def register_with_custodial_key(self, issuer: str, body: Mapping[str, Any],
                                    kind: str = "organisation.registered.v1", after: After | None = None) -> Receipt:
        """Register the organisation `body` describes, as `issuer`, by a statement of `kind` (a version of
        organisation.registered), with a custodial key made in the same transaction."""
        return self._with_new_custodial_key(issuer, str(body["id"]), lambda key: (
            kind, {**body, "keys": [{"public_key": key, "custodial": True}]}), after)

    def add_custodial_key(self, issuer: str, organisation: str, after: After | None = None) -> Receipt:
        """Add a fresh custodial key to `organisation` by a key.added.v1 statement of `issuer` (an organisation
        whose key was revoked gets a new one from an authority governing it)."""
        return self._with_new_custodial_key(issuer, organisation, lambda key: (
            "key.added.v1", {"organisation": organisation, "public_key": key, "custodial": True}), after)

    def bootstrap(self, organisation: str, names: Mapping[str, str]) -> Receipt:
        """Register the root authority as entry 0, with a custodial key that signs its own registration."""
        public_key = self.create_custodial_key(organisation)
        body = {"id": organisation, "names": dict(names), "roles": ["authority"],
                "keys": [{"public_key": public_key, "custodial": True}]}

        def check(unit: UnitOfWork) -> list[Item]:
            key = self.custody.sealed_key(unit.connection, organisation, key_id_of(public_key))
            statement = Statement("organisation.registered.v1", organisation, unit.logged_at,
                                  secrets.token_urlsafe(16), body)
            return unit.apply([(statement, sign_statement(statement, key))], signature_checked=True)

        return self._run(Submission(check, 1))[0]

    def store_image(self, organisation: str, data: bytes, declared: str | None) -> tuple[Image, bool]:
        """Keep an image a producer uploads for its products (`registry.images.store`): the image and whether it
        is new. Raises NotAllowedError for an organisation that is not a producer, ImageError for bytes that are
        not an image the registry keeps."""
        with self.log.store.write() as txn:
            connection = projection_txn(txn).connection
            found = State(connection).get(RegOrganisation, id=organisation)
            if found is None or "producer" not in roles_of(found):
                raise NotAllowedError("role-not-allowed", f"{organisation} may not upload images; only a producer "
                                      "may, for its products", f"{organisation} không được tải ảnh lên; chỉ nhà sản "
                                      "xuất được tải ảnh cho sản phẩm của mình")
            return images.store(connection, organisation, data, declared)

    def create_custodial_key(self, organisation: str) -> str:
        """A new sealed key for `organisation`; returns the base64 public key to register in a statement.

        The key signs nothing until a key.added or organisation.registered statement makes it active.
        """
        with self.log.store.write() as txn:
            return self.custody.create(projection_txn(txn).connection, organisation)
