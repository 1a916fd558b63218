"""Alembic environment: the URL comes from the caller's config or from NGUON_DATABASE_URL."""

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import api.portal.tables  # the portal's accounts and sessions
import api.tables  # noqa: F401  (and the API edge tables)
import ledger.store.tables  # noqa: F401  (registers the ledger tables on SQLModel.metadata)
import registry.tables  # noqa: F401  (and the registry projections)
from api.settings import get_settings
from ledger.store.engines import make_engine
from ledger.witness import tables as witness_tables  # noqa: F401  (the witness's state and the registry's cosignatures)

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def _url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
