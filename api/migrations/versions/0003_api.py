"""API tokens (hashes only) and serial scan counts.

Revision ID: 0003_api
Revises: 0002_registry
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_api"
down_revision: str | None = "0002_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_serial_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gtin", sa.String(), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("serial", sa.String(), nullable=False),
        sa.Column("scanned_at", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=True),
        sa.Column("client", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("api_serial_scans", schema=None) as batch_op:
        batch_op.create_index("ix_api_serial_scans_item", ["gtin", "lot", "serial"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("organisation", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("revoked_at", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_organisation"), ["organisation"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_organisation"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("api_serial_scans", schema=None) as batch_op:
        batch_op.drop_index("ix_api_serial_scans_item")

    op.drop_table("api_serial_scans")
