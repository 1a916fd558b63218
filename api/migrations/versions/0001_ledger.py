"""Ledger tables: entries, Merkle nodes, checkpoints, head; append-only triggers.

Revision ID: 0001_ledger
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ledger.store.tables import append_only_ddl, drop_append_only_ddl

revision: str = "0001_ledger"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("idx", _KEY, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.Column("canonical", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("id", _KEY, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("size", _KEY, primary_key=True, autoincrement=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("last_hash", sa.LargeBinary(32), nullable=False),
    )
    for statement in append_only_ddl(op.get_context().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only_ddl(op.get_context().dialect.name):
        op.execute(statement)
    for table in ("ledger_head", "ledger_checkpoints", "ledger_nodes", "ledger_entries"):
        op.drop_table(table)
