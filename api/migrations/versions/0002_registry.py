"""Registry projections (read models rebuilt from the log) and sealed custodial keys.

Revision ID: 0002_registry
Revises: 0001_ledger
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_registry"
down_revision: str | None = "0001_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reg_batch_claims",
        sa.Column("gtin", sa.String(), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("subject_type", sa.String(), nullable=False),
        sa.Column("subject_id", sa.String(), nullable=False),
        sa.Column("right", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("gtin", "lot", "subject_type", "subject_id"),
    )
    op.create_table(
        "reg_batch_inputs",
        sa.Column("gtin", sa.String(), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("input_gtin", sa.String(), nullable=False),
        sa.Column("input_lot", sa.String(), nullable=False),
        sa.Column("quantity", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("gtin", "lot", "input_gtin", "input_lot"),
    )
    with op.batch_alter_table("reg_batch_inputs", schema=None) as batch_op:
        batch_op.create_index("ix_reg_batch_inputs_input", ["input_gtin", "input_lot"], unique=False)

    op.create_table(
        "reg_batches",
        sa.Column("gtin", sa.String(), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("producer", sa.String(), nullable=False),
        sa.Column("quantity", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("used", sa.String(), nullable=False),
        sa.Column("serials", sa.Integer(), nullable=False),
        sa.Column("produced_on", sa.String(), nullable=False),
        sa.Column("origin_code", sa.String(), nullable=False),
        sa.Column("origin_version", sa.String(), nullable=False),
        sa.Column("recalled_entry", sa.Integer(), nullable=True),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("gtin", "lot"),
    )
    with op.batch_alter_table("reg_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reg_batches_producer"), ["producer"], unique=False)

    op.create_table(
        "reg_certifications",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("certifier", sa.String(), nullable=False),
        sa.Column("subject_type", sa.String(), nullable=False),
        sa.Column("subject_gtin", sa.String(), nullable=True),
        sa.Column("subject_lot", sa.String(), nullable=True),
        sa.Column("subject_org", sa.String(), nullable=True),
        sa.Column("scheme", sa.String(), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("valid_from", sa.String(), nullable=False),
        sa.Column("valid_until", sa.String(), nullable=False),
        sa.Column("document_sha256", sa.String(), nullable=False),
        sa.Column("revoked_entry", sa.Integer(), nullable=True),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reg_certifications", schema=None) as batch_op:
        batch_op.create_index("ix_reg_certifications_subject", ["subject_gtin", "subject_lot"], unique=False)
        batch_op.create_index("ix_reg_certifications_subject_org", ["subject_org"], unique=False)

    op.create_table(
        "reg_corrections",
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.Column("corrected_entry", sa.Integer(), nullable=False),
        sa.Column("replacement", sa.Integer(), nullable=True),
        sa.Column("issuer", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("entry"),
    )
    with op.batch_alter_table("reg_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reg_corrections_corrected_entry"), ["corrected_entry"], unique=False)

    op.create_table(
        "reg_custodial_keys",
        sa.Column("key_id", sa.String(), nullable=False),
        sa.Column("organisation", sa.String(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
    )
    with op.batch_alter_table("reg_custodial_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reg_custodial_keys_organisation"), ["organisation"], unique=False)

    op.create_table(
        "reg_events",
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.Column("gtin", sa.String(), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("issuer", sa.String(), nullable=False),
        sa.Column("biz_step", sa.String(), nullable=False),
        sa.Column("disposition", sa.String(), nullable=True),
        sa.Column("event_time", sa.String(), nullable=False),
        sa.Column("place_code", sa.String(), nullable=True),
        sa.Column("place_version", sa.String(), nullable=True),
        sa.Column("place_name", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("destination", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("entry"),
    )
    with op.batch_alter_table("reg_events", schema=None) as batch_op:
        batch_op.create_index("ix_reg_events_batch", ["gtin", "lot"], unique=False)

    op.create_table(
        "reg_gi_areas",
        sa.Column("gi", sa.String(), nullable=False),
        sa.Column("commune_code", sa.String(), nullable=False),
        sa.Column("commune_version", sa.String(), nullable=False),
        sa.Column("added_entry", sa.Integer(), nullable=False),
        sa.Column("commune_name", sa.String(), nullable=True),
        sa.Column("stage", sa.String(), nullable=True),
        sa.Column("removed_entry", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("gi", "commune_code", "commune_version", "added_entry"),
    )
    op.create_table(
        "reg_history",
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(), nullable=False),
        sa.Column("subject_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("entry"),
    )
    with op.batch_alter_table("reg_history", schema=None) as batch_op:
        batch_op.create_index("ix_reg_history_subject", ["subject_type", "subject_id"], unique=False)
    op.create_table(
        "reg_gis",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("certificate", sa.String(), nullable=False),
        sa.Column("application", sa.String(), nullable=False),
        sa.Column("name_vi", sa.String(), nullable=False),
        sa.Column("name_en", sa.String(), nullable=False),
        sa.Column("product", sa.String(), nullable=False),
        sa.Column("manager", sa.String(), nullable=False),
        sa.Column("specification", sa.String(), nullable=False),
        sa.Column("granted_on", sa.String(), nullable=False),
        sa.Column("cancelled_on", sa.String(), nullable=True),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("certificate"),
    )
    op.create_table(
        "reg_keys",
        sa.Column("key_id", sa.String(), nullable=False),
        sa.Column("organisation", sa.String(), nullable=False),
        sa.Column("public_key", sa.String(), nullable=False),
        sa.Column("custodial", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_entry", sa.Integer(), nullable=False),
        sa.Column("revoked_entry", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
    )
    with op.batch_alter_table("reg_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reg_keys_organisation"), ["organisation"], unique=False)

    op.create_table(
        "reg_mark_users",
        sa.Column("mark", sa.String(), nullable=False),
        sa.Column("organisation", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("mark", "organisation"),
    )
    op.create_table(
        "reg_marks",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("certificate", sa.String(), nullable=False),
        sa.Column("application", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("name_vi", sa.String(), nullable=False),
        sa.Column("name_en", sa.String(), nullable=False),
        sa.Column("goods", sa.String(), nullable=False),
        sa.Column("nice_classes", sa.String(), nullable=False),
        sa.Column("valid_from", sa.String(), nullable=False),
        sa.Column("valid_until", sa.String(), nullable=False),
        sa.Column("cancelled_on", sa.String(), nullable=True),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("certificate"),
    )
    op.create_table(
        "reg_nonces",
        sa.Column("issuer", sa.String(), nullable=False),
        sa.Column("nonce", sa.String(), nullable=False),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "nonce"),
        sa.UniqueConstraint("entry"),
    )
    op.create_table(
        "reg_organisations",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name_vi", sa.String(), nullable=False),
        sa.Column("name_en", sa.String(), nullable=False),
        sa.Column("roles", sa.String(), nullable=False),
        sa.Column("commune_code", sa.String(), nullable=True),
        sa.Column("commune_version", sa.String(), nullable=True),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "reg_products",
        sa.Column("gtin", sa.String(), nullable=False),
        sa.Column("producer", sa.String(), nullable=False),
        sa.Column("name_vi", sa.String(), nullable=False),
        sa.Column("name_en", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("gtin"),
    )
    with op.batch_alter_table("reg_products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reg_products_producer"), ["producer"], unique=False)

    op.create_table(
        "reg_right_changes",
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.Column("right", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("effective_on", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("entry"),
    )
    with op.batch_alter_table("reg_right_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reg_right_changes_right"), ["right"], unique=False)

    op.create_table(
        "reg_rights",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("subject_type", sa.String(), nullable=False),
        sa.Column("subject_id", sa.String(), nullable=False),
        sa.Column("valid_from", sa.String(), nullable=False),
        sa.Column("valid_until", sa.String(), nullable=True),
        sa.Column("quota_quantity", sa.String(), nullable=True),
        sa.Column("quota_unit", sa.String(), nullable=True),
        sa.Column("quota_text", sa.String(), nullable=True),
        sa.Column("quota_used", sa.String(), nullable=False),
        sa.Column("plot", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reg_rights", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reg_rights_holder"), ["holder"], unique=False)

    op.create_table(
        "reg_serials",
        sa.Column("gtin", sa.String(), nullable=False),
        sa.Column("lot", sa.String(), nullable=False),
        sa.Column("serial", sa.String(), nullable=False),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("gtin", "lot", "serial"),
    )


def downgrade() -> None:
    op.drop_table("reg_serials")
    with op.batch_alter_table("reg_rights", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reg_rights_holder"))

    op.drop_table("reg_rights")
    with op.batch_alter_table("reg_right_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reg_right_changes_right"))

    op.drop_table("reg_right_changes")
    with op.batch_alter_table("reg_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reg_products_producer"))

    op.drop_table("reg_products")
    op.drop_table("reg_organisations")
    op.drop_table("reg_nonces")
    op.drop_table("reg_marks")
    op.drop_table("reg_mark_users")
    with op.batch_alter_table("reg_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reg_keys_organisation"))

    op.drop_table("reg_keys")
    op.drop_table("reg_gis")
    op.drop_table("reg_gi_areas")
    with op.batch_alter_table("reg_history", schema=None) as batch_op:
        batch_op.drop_index("ix_reg_history_subject")

    op.drop_table("reg_history")
    with op.batch_alter_table("reg_events", schema=None) as batch_op:
        batch_op.drop_index("ix_reg_events_batch")

    op.drop_table("reg_events")
    with op.batch_alter_table("reg_custodial_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reg_custodial_keys_organisation"))

    op.drop_table("reg_custodial_keys")
    with op.batch_alter_table("reg_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reg_corrections_corrected_entry"))

    op.drop_table("reg_corrections")
    with op.batch_alter_table("reg_certifications", schema=None) as batch_op:
        batch_op.drop_index("ix_reg_certifications_subject_org")
        batch_op.drop_index("ix_reg_certifications_subject")

    op.drop_table("reg_certifications")
    with op.batch_alter_table("reg_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reg_batches_producer"))

    op.drop_table("reg_batches")
    with op.batch_alter_table("reg_batch_inputs", schema=None) as batch_op:
        batch_op.drop_index("ix_reg_batch_inputs_input")

    op.drop_table("reg_batch_inputs")
    op.drop_table("reg_batch_claims")
