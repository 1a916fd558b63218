"""What the `nguon` commands share: the database option, opening the registry, and the user's language."""

import os
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


def in_user_language(en: str, vi: str) -> str:
    """`vi` when the user's locale is Vietnamese (LC_ALL, else LC_MESSAGES, else LANG, as POSIX orders them:
    `vi_VN.UTF-8`), else `en`."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return vi if value.lower().startswith("vi") else en
    return en
