"""API tokens get a public id and a display prefix; scans become bounded daily aggregates.

Tokens made before this revision get a random id and an empty prefix: only the hash of the token is stored,
so its first characters cannot be recovered. The per-request rows of api_serial_scans are dropped, not
converted: they were written for any code and any client-chosen region, so they are not evidence.

Revision ID: 0007_credentials_scans
Revises: 0006_registry_rules
Create Date: 2026-11-28
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_credentials_scans"
down_revision: str | None = "0006_registry_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ITEM = ("gtin", "lot", "serial", "day")


def _item_columns() -> list[sa.Column[str]]:
    return [sa.Column(name, sa.String(), nullable=False) for name in _ITEM]


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("prefix", sa.String(), nullable=True))
    tokens = sa.table("api_tokens", sa.column("token_hash", sa.String()), sa.column("id", sa.String()),
                      sa.column("prefix", sa.String()))
    bind = op.get_bind()
    for token_hash in bind.execute(sa.select(tokens.c.token_hash)).scalars().all():
        bind.execute(sa.update(tokens).where(tokens.c.token_hash == token_hash)
                     .values(id=secrets.token_hex(6), prefix=""))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("id", existing_type=sa.String(), nullable=False)
        batch_op.alter_column("prefix", existing_type=sa.String(), nullable=False)
        batch_op.create_index(batch_op.f("ix_api_tokens_id"), ["id"], unique=True)

    op.create_table(
        "api_scan_windows",
        *_item_columns(),
        sa.Column("scans", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*_ITEM),
    )
    with op.batch_alter_table("api_scan_windows", schema=None) as batch_op:
        batch_op.create_index("ix_api_scan_windows_day", ["day"], unique=False)
    op.create_table(
        "api_scan_clients",
        *_item_columns(),
        sa.Column("client", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint(*_ITEM, "client"),
    )
    with op.batch_alter_table("api_scan_clients", schema=None) as batch_op:
        batch_op.create_index("ix_api_scan_clients_day", ["day"], unique=False)

    with op.batch_alter_table("api_serial_scans", schema=None) as batch_op:
        batch_op.drop_index("ix_api_serial_scans_item")
    op.drop_table("api_serial_scans")


def downgrade() -> None:
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

    for table in ("api_scan_clients", "api_scan_windows"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_day")
        op.drop_table(table)

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_id"))
        batch_op.drop_column("prefix")
        batch_op.drop_column("id")
