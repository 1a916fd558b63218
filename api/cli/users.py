"""`nguon users`: portal accounts made and listed on the server's shell (the first admin of an organisation;
that admin invites the rest from the portal)."""

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import DatabaseOption, database_url, err
from api.portal.accounts import ROLES, create_user, list_users
from ledger.store.engines import make_engine, write_transaction
from registry.errors import DomainError

users_app = typer.Typer(help="Portal accounts.", no_args_is_help=True)


def _password(from_stdin: bool) -> str:
    """The password, from the first line of standard input or typed twice at a prompt that does not echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("create")
def users_create(organisation: Annotated[str, typer.Option("--organisation", help="A registered organisation.")],
                 login: Annotated[str, typer.Option("--login", help="User name or e-mail address (ASCII).")],
                 role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(ROLES)}.")] = "admin",
                 password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                              help="Read the password from standard input.")]
                 = False,
                 database: DatabaseOption = None) -> None:
    """Create a portal account with a password (prompted for, never echoed, or read from standard input)."""
    password = _password(password_stdin)
    engine = make_engine(database_url(database))
    try:
        with write_transaction(engine) as connection:
            user = create_user(connection, organisation, login, role, password)
    except DomainError as exc:
        err.print(f"[red]{exc.en}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(f"user {user.login} ({user.role}) of {user.organisation} created")


@users_app.command("list")
def users_list(organisation: Annotated[str | None, typer.Option("--organisation",
                                                                help="Only this organisation's people.")] = None,
               as_json: Annotated[bool, typer.Option("--json", help="One JSON array instead of a table.")] = False,
               database: DatabaseOption = None) -> None:
    """List portal accounts: login, organisation, role, created, disabled (never a password or its hash)."""
    engine = make_engine(database_url(database))
    try:
        with engine.connect() as connection:
            people = list_users(connection, organisation)
    finally:
        engine.dispose()
    rows = [{"id": p.id, "login": p.login, "organisation": p.organisation, "role": p.role, "created_at": p.created_at,
             "disabled_at": p.disabled_at, "has_password": p.has_password} for p in people]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="Portal accounts")
    for column in ("login", "organisation", "role", "created", "disabled", "password set"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["login"]), str(row["organisation"]), str(row["role"]), str(row["created_at"]),
                      str(row["disabled_at"] or ""), "yes" if row["has_password"] else "no")
    Console(width=200).print(table)
