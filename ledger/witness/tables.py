"""SQL tables of witnessing, on both sides of the C2SP tlog-witness protocol.

A witness keeps, per log origin, the latest checkpoint it cosigned (`witness_logs`, one row it moves forward
under a lock) and the evidence of every fork it saw (`witness_forks`). A registry keeps the cosignatures
witnesses returned for its checkpoints (`log_cosignatures`). All three live in the shared migrations; a
witness's own database simply leaves the registry's tables empty, and the other way round.
"""

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, String, Text
from sqlmodel import Field, SQLModel


class WitnessLog(SQLModel, table=True):
    """The latest checkpoint this witness cosigned for one log: size, root and the log's signed note."""

    __tablename__ = "witness_logs"

    origin: str = Field(sa_column=Column("origin", String(), primary_key=True))
    size: int = Field(sa_column=Column("size", BigInteger(), nullable=False))
    root: bytes = Field(sa_column=Column("root", LargeBinary(32), nullable=False))
    note: str = Field(sa_column=Column("note", Text(), nullable=False))
    cosigned_at: int = Field(sa_column=Column("cosigned_at", BigInteger(), nullable=False))
    """POSIX seconds of the latest cosignature over this checkpoint."""


class WitnessFork(SQLModel, table=True):
    """Two checkpoints of one size with different roots, both signed by the log: proof that it forked."""

    __tablename__ = "witness_forks"

    id: int | None = Field(default=None, sa_column=Column("id", Integer(), primary_key=True, autoincrement=True))
    origin: str = Field(sa_column=Column("origin", String(), nullable=False, index=True))
    size: int = Field(sa_column=Column("size", BigInteger(), nullable=False))
    stored_note: str = Field(sa_column=Column("stored_note", Text(), nullable=False))
    """The note this witness had cosigned."""
    submitted_note: str = Field(sa_column=Column("submitted_note", Text(), nullable=False))
    """The note submitted afterwards: same origin and size, another root."""
    detected_at: int = Field(sa_column=Column("detected_at", BigInteger(), nullable=False))


class LogCosignature(SQLModel, table=True):
    """A witness's verified cosignature line over the registry's checkpoint of `size`; the first one kept."""

    __tablename__ = "log_cosignatures"

    size: int = Field(sa_column=Column("size", BigInteger(), primary_key=True, autoincrement=False))
    witness: str = Field(sa_column=Column("witness", String(), primary_key=True))
    """The witness's key name."""
    line: str = Field(sa_column=Column("line", Text(), nullable=False))
    """The note signature line, `— name base64(...)` and its newline."""
    timestamp: int = Field(sa_column=Column("timestamp", BigInteger(), nullable=False))
    """The cosignature's own timestamp (POSIX seconds)."""
