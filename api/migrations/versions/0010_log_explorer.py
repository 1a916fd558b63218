"""Indexes the public log explorer filters by: an entry's kind and its issuer, each with the entry index, so a
page of entries of one kind or one organisation, newest first, is a range scan of one index (keyset paging by
index). The subject index (0006) serves the GTIN, lot, GI and mark filters; the ledger's primary key, days.

Revision ID: 0010_log_explorer
Revises: 0009_accounts
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_log_explorer"
down_revision: str | None = "0009_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_reg_entries_kind", "reg_entries", ["kind", "entry"])
    op.create_index("ix_reg_entries_issuer", "reg_entries", ["issuer", "entry"])


def downgrade() -> None:
    op.drop_index("ix_reg_entries_issuer", table_name="reg_entries")
    op.drop_index("ix_reg_entries_kind", table_name="reg_entries")
