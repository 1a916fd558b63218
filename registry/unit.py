"""The registry's unit of work: one write transaction of the log, in which statements are checked, the
projections updated and the entries appended, committed together or not at all.

    with open_unit(store, clock) as unit:        # the log's serialised write transaction
        unit.apply(items)                         # rules and projections, on the transaction's connection
        unit.append(log)                          # entries, nodes and checkpoint of what `apply` accepted
    # leaving the block commits all of it; an exception rolls all of it back

Of the log's store the registry needs one thing beyond the store protocol: an SQL connection in the write
transaction, on which it keeps its projections (`ProjectionTxn`). Any store whose transaction offers one
will do; the in-memory store has none, so it cannot keep a registry.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy.engine import Connection

from ledger.core.types import Receipt, Signature, Statement, format_timestamp, parse_timestamp
from ledger.store.log import Log
from ledger.store.protocol import LogStore, WriteTxn
from registry.apply import apply_statement
from registry.errors import DomainError
from registry.state import State

Item = tuple[Statement, Signature]


@runtime_checkable
class ProjectionTxn(WriteTxn, Protocol):
    """A write transaction of the log whose SQL connection the projections share, so that they commit with
    the entries (ledger.store.sql.SqlTxn is one)."""

    @property
    def connection(self) -> Connection: ...


class UnitOfWork:
    """What one write transaction has done so far: the statements accepted (`items`, to be appended from
    log index `start`), the projections they changed, and the projection reads cached on the way (`state`).

    Every statement is judged by one time, `logged_at`, which the entries then record, so replay (which reads
    logged_at) judges by exactly the time the live rules did.
    """

    def __init__(self, txn: ProjectionTxn, logged_at: str, start: int) -> None:
        self.txn = txn
        self.connection = txn.connection
        self.state = State(txn.connection)
        self.logged_at = logged_at
        self.start = start
        self.items: list[Item] = []
        self._logged = parse_timestamp(logged_at)

    @property
    def index(self) -> int:
        """The log index the next accepted statement will have."""
        return self.start + len(self.items)

    def apply(self, items: Sequence[Item], *, signature_checked: bool = False) -> list[Item]:
        """Check `items` as the next entries and update the projections; return them, accepted.

        Raises DomainError naming the position of the first refused statement; the caller must then roll back
        (leave the unit by the exception, or the savepoint around the call). `signature_checked` is
        `apply_statement`'s: for signatures the registry has just made itself.
        """
        index = self.index
        for offset, (statement, signature) in enumerate(items):
            try:
                apply_statement(self.state, statement, signature, index + offset, self._logged,
                                signature_checked=signature_checked)
            except DomainError as exc:
                exc.position = offset
                raise
        self.items.extend(items)
        return list(items)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo what the block did if it raises, and only that: its projection writes, its cached reads and
        the statements it accepted. The rest of the unit stands."""
        accepted = len(self.items)
        self.connection.exec_driver_sql("SAVEPOINT submission")
        try:
            yield
        except BaseException:
            self.connection.exec_driver_sql("ROLLBACK TO SAVEPOINT submission")
            self.connection.exec_driver_sql("RELEASE SAVEPOINT submission")
            del self.items[accepted:]
            self.state.forget()
            raise
        self.connection.exec_driver_sql("RELEASE SAVEPOINT submission")

    def append(self, log: Log) -> list[Receipt]:
        """Append every accepted statement to `log` in this transaction, under one signed checkpoint; their
        receipts, in order (none, and nothing written, when nothing was accepted)."""
        return log.append_verified(self.txn, self.items, self.logged_at) if self.items else []


_SHARING: set[type] = set()
"""Transaction types found to be ProjectionTxn (a protocol's isinstance inspects every member, each commit)."""


def projection_txn(txn: WriteTxn) -> ProjectionTxn:
    """`txn` as a transaction the projections can share; TypeError for a store that keeps no SQL connection."""
    if type(txn) in _SHARING:
        return txn  # type: ignore[return-value]  # checked below when this type was first seen
    if not isinstance(txn, ProjectionTxn):
        raise TypeError(f"the registry keeps its projections on the log's SQL connection; {type(txn).__name__} "
                        "has none (use a store whose write transaction has one, such as ledger.store.sql.SqlStore)")
    _SHARING.add(type(txn))
    return txn


@contextmanager
def open_unit(store: LogStore, clock: Callable[[], datetime]) -> Iterator[UnitOfWork]:
    """Begin the log's write transaction (waiting for any other) as a unit of work judged at the time `clock`
    says once the transaction has begun; it commits when the block ends and rolls back, all of it, when the
    block raises."""
    with store.write() as txn:
        start = txn.head().size
        # Read inside the transaction: commits are serialised, so their logged_at times never go backwards.
        yield UnitOfWork(projection_txn(txn), format_timestamp(clock()), start)
