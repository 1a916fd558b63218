"""Registry rules: jurisdiction (delegations, accreditations), GS1 prefix licences, GI yields, recalls and the
retraction state of every entry.

Existing rows get the defaults of the new columns. Projections are read models: a registry whose log was
written before these rules should be rebuilt from its log (`nguon replay`), which re-runs the rules in force.

Revision ID: 0006_registry_rules
Revises: 0005_entry_bigint
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_registry_rules"
down_revision: str | None = "0005_entry_bigint"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FALSE = sa.false()

RETRACTED = ("reg_batches", "reg_certifications", "reg_events", "reg_right_changes", "reg_serials")
"""Tables that gain a `retracted` flag."""


def upgrade() -> None:
    op.create_table(
        "reg_entries",
        sa.Column("entry", ENTRY, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("issuer", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("retracted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("entry"),
    )
    op.create_index("ix_reg_entries_subject", "reg_entries", ["subject"])
    op.create_table(
        "reg_delegations",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("authority", sa.String(), nullable=False),
        sa.Column("provinces", sa.String(), nullable=False),
        sa.Column("gis", sa.String(), nullable=False),
        sa.Column("marks", sa.String(), nullable=False),
        sa.Column("valid_from", sa.String(), nullable=False),
        sa.Column("valid_until", sa.String(), nullable=True),
        sa.Column("withdrawn_entry", ENTRY, nullable=True),
        sa.Column("entry", ENTRY, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reg_delegations_authority", "reg_delegations", ["authority"])
    op.create_table(
        "reg_accreditations",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("certifier", sa.String(), nullable=False),
        sa.Column("schemes", sa.String(), nullable=False),
        sa.Column("provinces", sa.String(), nullable=False),
        sa.Column("valid_from", sa.String(), nullable=False),
        sa.Column("valid_until", sa.String(), nullable=False),
        sa.Column("withdrawn_entry", ENTRY, nullable=True),
        sa.Column("entry", ENTRY, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reg_accreditations_certifier", "reg_accreditations", ["certifier"])
    op.create_table(
        "reg_prefix_licences",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("prefix", sa.String(), nullable=False),
        sa.Column("licensee", sa.String(), nullable=False),
        sa.Column("valid_from", sa.String(), nullable=False),
        sa.Column("valid_until", sa.String(), nullable=True),
        sa.Column("revoked_on", sa.String(), nullable=True),
        sa.Column("revoked_entry", ENTRY, nullable=True),
        sa.Column("entry", ENTRY, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reg_prefix_licences_prefix", "reg_prefix_licences", ["prefix"])
    op.create_index("ix_reg_prefix_licences_licensee", "reg_prefix_licences", ["licensee"])
    op.create_table(
        "reg_gi_yields",
        sa.Column("gi", sa.String(), nullable=False),
        sa.Column("input_unit", sa.String(), nullable=False),
        sa.Column("output_unit", sa.String(), nullable=False),
        sa.Column("output_gtin", sa.String(), nullable=False),
        sa.Column("added_entry", ENTRY, nullable=False),
        sa.Column("per_input", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=True),
        sa.Column("removed_entry", ENTRY, nullable=True),
        sa.PrimaryKeyConstraint("gi", "input_unit", "output_unit", "output_gtin", "added_entry"),
    )
    op.create_table(
        "reg_recalls",
        sa.Column("entry", ENTRY, nullable=False),
        sa.Column("gtin", sa.String(), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("issuer", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("retracted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("entry"),
    )
    op.create_index("ix_reg_recalls_batch", "reg_recalls", ["gtin", "lot"])
    for table in RETRACTED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("retracted", sa.Boolean(), nullable=False, server_default=FALSE))
    with op.batch_alter_table("reg_batch_claims") as batch:
        batch.add_column(sa.Column("credit", sa.String(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("charged", sa.String(), nullable=False, server_default="0"))
    with op.batch_alter_table("reg_corrections") as batch:
        batch.add_column(sa.Column("authority", sa.Boolean(), nullable=False, server_default=FALSE))
    with op.batch_alter_table("reg_products") as batch:
        batch.add_column(sa.Column("licence", sa.String(), nullable=False, server_default=""))
    op.create_index("ix_reg_certifications_entry", "reg_certifications", ["entry"])
    op.create_index("ix_reg_serials_entry", "reg_serials", ["entry"])
    # The defaults only fill existing rows; new rows always get their values from the registry.
    for table in RETRACTED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("retracted", server_default=None)
    with op.batch_alter_table("reg_batch_claims") as batch:
        batch.alter_column("credit", server_default=None)
        batch.alter_column("charged", server_default=None)
    with op.batch_alter_table("reg_corrections") as batch:
        batch.alter_column("authority", server_default=None)
    with op.batch_alter_table("reg_products") as batch:
        batch.alter_column("licence", server_default=None)


def downgrade() -> None:
    op.drop_index("ix_reg_serials_entry", "reg_serials")
    op.drop_index("ix_reg_certifications_entry", "reg_certifications")
    with op.batch_alter_table("reg_products") as batch:
        batch.drop_column("licence")
    with op.batch_alter_table("reg_corrections") as batch:
        batch.drop_column("authority")
    with op.batch_alter_table("reg_batch_claims") as batch:
        batch.drop_column("charged")
        batch.drop_column("credit")
    for table in RETRACTED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("retracted")
    for table in ("reg_recalls", "reg_gi_yields", "reg_prefix_licences", "reg_accreditations", "reg_delegations",
                  "reg_entries"):
        op.drop_table(table)
