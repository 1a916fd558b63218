"""Key and secret files: generated on first use into the data directory (mode 0600), loaded afterwards.

The private key is never logged or returned; only its verifier key text leaves this module's callers.
"""

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ledger.core.errors import NoteError
from ledger.core.note import NamedSigner, NoteSigner

LOG_KEY_FILE = "log.key"

Signer = TypeVar("Signer", bound=NamedSigner)


def load_or_create_secret_file(path: Path, make: Callable[[], str]) -> str:
    """The text of the secret file at `path`, created (mode 0600, in a 0700 directory) from `make()` when it
    does not exist. Safe when several processes start together: exactly one file appears, whole."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(make() + "\n")
        try:
            # A hard link appears whole or not at all, and fails if another process won the race.
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="utf-8").strip()


def load_or_create_named_key(path: Path, kind: type[Signer], name: str, what: str) -> Signer:
    """The `kind` key in the file at `path`, created for `name` when the file does not exist (as
    `load_or_create_secret_file`).

    Raises NoteError when the stored key is malformed (never quoting it) or is named otherwise; `what` says
    which key the name is of, in that message.
    """
    signer = kind.from_private_text(load_or_create_secret_file(path, lambda: kind.generate(name).to_private_text()))
    if signer.name != name:
        raise NoteError(f"{path} holds the {what} {signer.name!r}, not {name!r}")
    return signer


def load_or_create_log_key(data_dir: Path, origin: str) -> NoteSigner:
    """Load `data_dir/log.key`, or create it for `origin` when it does not exist.

    Raises NoteError when the stored key is malformed or is named for another origin.
    """
    return load_or_create_named_key(data_dir / LOG_KEY_FILE, NoteSigner, origin, "key of origin")
