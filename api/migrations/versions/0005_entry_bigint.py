"""Log indices in the registry's projections as 64-bit integers on PostgreSQL, like the log's own index.

INTEGER is already 64-bit in SQLite, where nothing changes.

Revision ID: 0005_entry_bigint
Revises: 0004_witness
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_entry_bigint"
down_revision: str | None = "0004_witness"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY_COLUMNS: dict[str, tuple[str, ...]] = {
    "reg_organisations": ("entry",),
    "reg_keys": ("added_entry", "revoked_entry"),
    "reg_nonces": ("entry",),
    "reg_gis": ("entry",),
    "reg_gi_areas": ("added_entry", "removed_entry"),
    "reg_marks": ("entry",),
    "reg_rights": ("entry",),
    "reg_right_changes": ("entry",),
    "reg_products": ("entry",),
    "reg_batches": ("recalled_entry", "entry"),
    "reg_events": ("entry",),
    "reg_certifications": ("revoked_entry", "entry"),
    "reg_serials": ("entry",),
    "reg_history": ("entry",),
    "reg_corrections": ("entry", "corrected_entry", "replacement"),
}
"""Every column that holds a log index, by table."""


def _alter(to: sa.types.TypeEngine[int], were: sa.types.TypeEngine[int]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in ENTRY_COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=to, existing_type=were)


def upgrade() -> None:
    _alter(sa.BigInteger(), sa.Integer())


def downgrade() -> None:
    _alter(sa.Integer(), sa.BigInteger())
