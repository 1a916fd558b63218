"""Which person of the portal submitted each statement the portal appended (the organisation signs it): kept
beside the log, never in it, like accounts.

Revision ID: 0011_portal_submissions
Revises: 0010_log_explorer
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_portal_submissions"
down_revision: str | None = "0010_log_explorer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_submissions",
        sa.Column("entry", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("submitted_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("entry"),
    )
    op.create_index("ix_portal_submissions_user_id", "portal_submissions", ["user_id", "entry"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_portal_submissions_user_id", table_name="portal_submissions")
    op.drop_table("portal_submissions")
