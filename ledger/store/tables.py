"""SQL tables of the ledger. Entries, nodes and checkpoints are append-only: triggers refuse UPDATE,
DELETE (and on PostgreSQL TRUNCATE); only the one-row head moves.
"""

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, Text
from sqlmodel import Field, SQLModel

# SQLite makes only an INTEGER PRIMARY KEY the rowid; BIGINT would add a second index to every insert.
_Key = BigInteger().with_variant(Integer(), "sqlite")


class LedgerEntry(SQLModel, table=True):
    """One log entry: its index, its RFC 9162 leaf hash and the exact canonical bytes that were hashed."""

    __tablename__ = "ledger_entries"

    idx: int = Field(sa_column=Column("idx", _Key, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column("hash", LargeBinary(32), nullable=False))
    canonical: bytes = Field(sa_column=Column("canonical", LargeBinary(), nullable=False))


class LedgerNode(SQLModel, table=True):
    """A complete Merkle subtree root, keyed by `NodeId.key` (level << 48 | index)."""

    __tablename__ = "ledger_nodes"

    id: int = Field(sa_column=Column("id", _Key, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column("hash", LargeBinary(32), nullable=False))


class LedgerCheckpoint(SQLModel, table=True):
    """The signed note of the checkpoint at each tree size an append produced."""

    __tablename__ = "ledger_checkpoints"

    size: int = Field(sa_column=Column("size", _Key, primary_key=True, autoincrement=False))
    note: str = Field(sa_column=Column("note", Text(), nullable=False))


class LedgerHead(SQLModel, table=True):
    """The log's latest size, root and last entry hash; the one mutable ledger row."""

    __tablename__ = "ledger_head"

    id: int = Field(sa_column=Column("id", Integer(), primary_key=True, autoincrement=False))
    size: int = Field(sa_column=Column("size", BigInteger(), nullable=False))
    root: bytes = Field(sa_column=Column("root", LargeBinary(32), nullable=False))
    last_hash: bytes = Field(sa_column=Column("last_hash", LargeBinary(32), nullable=False))


APPEND_ONLY_TABLES = ("ledger_entries", "ledger_nodes", "ledger_checkpoints")


def append_only_ddl(dialect: str) -> list[str]:
    """DDL creating the triggers that refuse UPDATE and DELETE on the append-only tables."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t} "
            f"BEGIN SELECT RAISE(ABORT, '{t} is append-only: {op} refused'); END"
            for t in APPEND_ONLY_TABLES
            for op in ("UPDATE", "DELETE")
        ]
    statements = [
        "CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused'; END $$"
    ]
    for t in APPEND_ONLY_TABLES:
        statements.append(
            f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
            "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
        )
        statements.append(
            f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"
        )
    return statements


def drop_append_only_ddl(dialect: str) -> list[str]:
    """DDL removing those triggers (for downgrades, and tamper tests that play the attacker)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in APPEND_ONLY_TABLES for op in ("update", "delete")]
    statements = []
    for t in APPEND_ONLY_TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}")
        statements.append(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}")
    return [*statements, "DROP FUNCTION IF EXISTS ledger_append_only()"]
