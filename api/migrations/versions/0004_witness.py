"""Witnessing: a witness's latest cosigned checkpoint per log and the forks it saw; the registry's cosignatures.

Revision ID: 0004_witness
Revises: 0003_api
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_witness"
down_revision: str | None = "0003_api"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "log_cosignatures",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("witness", sa.String(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("size", "witness"),
    )
    op.create_table(
        "witness_forks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_note", sa.Text(), nullable=False),
        sa.Column("submitted_note", sa.Text(), nullable=False),
        sa.Column("detected_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("witness_forks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_witness_forks_origin"), ["origin"], unique=False)

    op.create_table(
        "witness_logs",
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("cosigned_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("origin"),
    )


def downgrade() -> None:
    op.drop_table("witness_logs")
    with op.batch_alter_table("witness_forks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_witness_forks_origin"))

    op.drop_table("witness_forks")
    op.drop_table("log_cosignatures")
