"""The `nguon` command line."""

import sqlite3
import sys
from enum import StrEnum
from typing import Annotated

import psycopg
import typer
from sqlalchemy.exc import DBAPIError

from api import serving
from api.cli.audit import audit as inspector_audit
from api.cli.common import DatabaseOption, database_url, err
from api.cli.log import log_app
from api.cli.places import places_command
from api.cli.registry import app as registry_commands
from api.cli.tokens import tokens_app
from api.cli.users import users_app
from api.cli.witness import witness_app
from api.migrations import upgrade
from api.settings import get_settings

app = typer.Typer(help="Nguồn: a traceability and geographical-indication registry.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(log_app, name="log")
app.add_typer(witness_app, name="witness")
app.add_typer(tokens_app, name="tokens")
app.add_typer(users_app, name="users")
app.command("audit")(inspector_audit)
app.command("places")(places_command)
for command in registry_commands.registered_commands:
    app.registered_commands.append(command)


@app.callback()
def _each_run() -> None:
    """Every run reads the environment it is given: settings cached by an earlier run in the same process (a
    program that invokes the CLI more than once, as the tests do) would name another database."""
    get_settings.cache_clear()


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None, revision: str = "head") -> None:
    """Migrate the database to the latest schema."""
    upgrade(database_url(database), revision)
    err.print(f"database migrated to {revision}")


class LogFormat(StrEnum):
    json = "json"
    text = "text"


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          log_format: Annotated[LogFormat | None, typer.Option(
              help="json: one JSON object per line (for a log collector); text: for a person. Default: text at a "
              "terminal, json otherwise")] = None) -> None:
    """Serve the registry over HTTP (configured by NGUON_* variables; proxy headers are believed only from
    NGUON_TRUSTED_PROXIES). Logs go to standard error, each line with its request's id."""
    chosen = log_format or (LogFormat.text if sys.stderr.isatty() else LogFormat.json)
    if chosen is LogFormat.text:  # JSON logs stay one object per line, for the collector that reads them
        err.print(f"portal: http://{host}:{port}/portal/login (sign in with an account from `nguon users create`)")
    serving.run("api.app:app_from_environment", get_settings(), host=host, port=port, workers=workers, factory=True,
                log_format=chosen.value)


def main() -> None:
    """Entry point of the `nguon` script: database trouble becomes one clear line, not a traceback."""
    try:
        app(standalone_mode=True)
    except (DBAPIError, sqlite3.Error, psycopg.Error) as exc:
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        err.print(f"[red]the database could not be used[/red]: {cause}. Is NGUON_DATABASE_URL right, and "
                  "has `nguon db upgrade` been run?")
        raise SystemExit(3) from exc
