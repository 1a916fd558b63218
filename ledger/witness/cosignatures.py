"""The log's book of cosignatures: which witness cosigned which checkpoint, in SQL (`log_cosignatures`).

Every line kept here was verified against the witness's configured key before it was stored, keyed by
(checkpoint size, witness key name); the first one stored per witness and size wins. A checkpoint is published
once `quorum` of the configured witnesses have cosigned it; `cosigned_note` is its note with the stored
cosignature lines appended. No HTTP here.
"""

from collections.abc import Iterable

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ledger.core.cosignature import Cosignature
from ledger.core.errors import StoreError
from ledger.store.engines import write_transaction
from ledger.store.protocol import ReadView
from ledger.store.sql import SqlView
from ledger.witness.tables import LogCosignature

_cosignatures = LogCosignature.__table__  # type: ignore[attr-defined]


def _connection(source: Connection | ReadView) -> Connection:
    """The SQL connection of a connection or of a read view of the SQL store."""
    if isinstance(source, Connection):
        return source
    if isinstance(source, SqlView):
        return source.connection
    raise TypeError(f"witnessing keeps cosignatures in SQL; got a {type(source).__name__}, not an SQL view")


def stored_cosignatures(source: Connection | ReadView, size: int,
                        witnesses: Iterable[str] | None = None) -> list[str]:
    """The stored cosignature lines of checkpoint `size`, by witness name; only of `witnesses` if given."""
    query = select(_cosignatures.c.line).where(_cosignatures.c.size == size).order_by(_cosignatures.c.witness)
    if witnesses is not None:
        query = query.where(_cosignatures.c.witness.in_(list(witnesses)))
    return [str(line) for line in _connection(source).execute(query).scalars()]


def cosigners(source: Connection | ReadView, size: int) -> set[str]:
    """The names of the witnesses with a stored cosignature of checkpoint `size`."""
    query = select(_cosignatures.c.witness).where(_cosignatures.c.size == size)
    return {str(name) for name in _connection(source).execute(query).scalars()}


def cosigned_note(source: Connection | ReadView, size: int, witnesses: Iterable[str] | None = None) -> str:
    """The signed note of checkpoint `size` with the stored cosignature lines appended.

    Raises StoreError when the log has no checkpoint of that size.
    """
    connection = _connection(source)
    stored = SqlView(connection).checkpoint_at(size)
    if stored is None:
        raise StoreError(f"the log has no checkpoint of size {size}")
    return stored.note + "".join(stored_cosignatures(connection, size, witnesses))


def is_published(source: Connection | ReadView, size: int, witnesses: Iterable[str], quorum: int) -> bool:
    """Whether at least `quorum` of `witnesses` (key names) have a stored cosignature of checkpoint `size`."""
    return len(stored_cosignatures(source, size, witnesses)) >= quorum


def latest_published(source: Connection | ReadView, witnesses: Iterable[str], quorum: int) -> int | None:
    """The largest checkpoint size that `quorum` of `witnesses` cosigned; with quorum 0, the latest checkpoint."""
    connection = _connection(source)
    if quorum <= 0:
        latest = SqlView(connection).latest_checkpoint()
        return None if latest is None else latest.size
    query = (select(_cosignatures.c.size).where(_cosignatures.c.witness.in_(list(witnesses)))
             .group_by(_cosignatures.c.size).having(func.count() >= quorum)
             .order_by(_cosignatures.c.size.desc()).limit(1))
    size = connection.execute(query).scalar()
    return None if size is None else int(size)


def last_cosigned(engine: Engine, witness: str) -> int:
    """The largest checkpoint size with a stored cosignature by `witness` (a key name); 0 if none."""
    query = select(func.max(_cosignatures.c.size)).where(_cosignatures.c.witness == witness)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar() or 0)


def store_cosignature(engine: Engine, size: int, cosignature: Cosignature) -> None:
    """Keep a verified cosignature of checkpoint `size`; the first one stored per witness wins."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_cosignatures).values(size=size, witness=cosignature.name, line=cosignature.to_line(),
                                                     timestamp=cosignature.timestamp)
    with write_transaction(engine) as connection:
        connection.execute(statement.on_conflict_do_nothing(index_elements=["size", "witness"]))
