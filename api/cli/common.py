"""What the `nguon` commands share: the database option and opening the registry."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine

from api.settings import get_settings, load_secret
from ledger.core.note import NoteVerifier
from ledger.files.keys import load_or_create_log_key
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from registry.custody import Custody
from registry.service import Registry

err = Console(stderr=True)
DatabaseOption = Annotated[str | None, typer.Option("--database", help="Database URL (default: NGUON_DATABASE_URL).")]


def database_url(database: str | None) -> str:
    return database or get_settings().database_url


def open_registry(database: str | None) -> tuple[Registry, Engine]:
    settings = get_settings()
    engine = make_engine(database_url(database))
    log = Log(SqlStore(engine), load_or_create_log_key(settings.data_dir, settings.log_origin))
    return Registry(log, Custody.from_secret(load_secret(settings))), engine


def key_text(text: str) -> str:
    """A key given as its text, or as the path of a file holding it."""
    path = Path(text)
    return path.read_text(encoding="utf-8").strip() if "+" not in text and path.is_file() else text


def note_verifier(text: str) -> NoteVerifier:
    return NoteVerifier.from_text(key_text(text))
