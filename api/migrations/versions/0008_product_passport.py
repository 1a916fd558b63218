"""The data Vietnamese law asks a product's page to show: a product's passport (image, shelf life, standards,
usage and warnings), a batch's expiry date, an organisation's street and identifiers, and the images products
name.

New columns are empty in existing rows, as the statements that wrote them gave none of it (they are v1 kinds).
Images are not a projection: they are kept beside the log, by the SHA-256 a product statement names.

Revision ID: 0008_product_passport
Revises: 0007_credentials_scans
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_product_passport"
down_revision: str | None = "0007_credentials_scans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORGANISATION = ("street", "tax_code", "business_registration")


def upgrade() -> None:
    op.create_table(
        "reg_product_passports",
        sa.Column("gtin", sa.String(), nullable=False),
        sa.Column("image", sa.String(), nullable=True),
        sa.Column("shelf_life_days", sa.Integer(), nullable=True),
        sa.Column("standards", sa.String(), nullable=False),
        sa.Column("usage_vi", sa.String(), nullable=True),
        sa.Column("usage_en", sa.String(), nullable=True),
        sa.Column("warnings_vi", sa.String(), nullable=True),
        sa.Column("warnings_en", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("gtin"),
    )
    op.create_table(
        "reg_images",
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("media_type", sa.String(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("organisation", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    with op.batch_alter_table("reg_organisations") as batch:
        for name in _ORGANISATION:
            batch.add_column(sa.Column(name, sa.String(), nullable=True))
        batch.create_index("ix_reg_organisations_tax_code", ["tax_code"], unique=False)
    with op.batch_alter_table("reg_batches") as batch:
        batch.add_column(sa.Column("expires_on", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reg_batches") as batch:
        batch.drop_column("expires_on")
    with op.batch_alter_table("reg_organisations") as batch:
        batch.drop_index("ix_reg_organisations_tax_code")
        for name in reversed(_ORGANISATION):
            batch.drop_column(name)
    op.drop_table("reg_images")
    op.drop_table("reg_product_passports")
