"""`nguon tokens`: API tokens, created, listed and revoked on the server's shell."""

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli.common import DatabaseOption, database_url, err
from api.tokens import PREFIX, TokenInfo, create_token_info, list_tokens, revoke_token_id
from ledger.store.engines import make_engine, write_transaction
from registry.errors import DomainError

tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)

@tokens_app.command("create")
def tokens_create(org: Annotated[str, typer.Option("--org", help="Organisation the token acts for.")],
                  label: str = "", database: DatabaseOption = None) -> None:
    """Create an API token for an organisation and print it (it is stored only as a hash)."""
    engine = make_engine(database_url(database))
    try:
        with write_transaction(engine) as connection:
            token, info = create_token_info(connection, org, label)
    except DomainError as exc:
        err.print(f"[red]{exc.en}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    err.print(f"token {info.id} for {org} (prefix {PREFIX}{info.prefix}…)")
    typer.echo(token)


def _token_json(info: TokenInfo) -> dict[str, str | None]:
    return {"id": info.id, "organisation": info.organisation, "label": info.label, "prefix": info.prefix,
            "created_at": info.created_at, "revoked_at": info.revoked_at}


@tokens_app.command("list")
def tokens_list(org: Annotated[str, typer.Option("--org", help="Organisation whose tokens to list.")],
                as_json: Annotated[bool, typer.Option("--json", help="One JSON array instead of a table.")] = False,
                database: DatabaseOption = None) -> None:
    """List an organisation's API tokens: id, label, prefix, when made and revoked (never the tokens)."""
    engine = make_engine(database_url(database))
    try:
        with engine.connect() as connection:
            infos = list_tokens(connection, org)
    except DomainError as exc:
        err.print(f"[red]{exc.en}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps([_token_json(info) for info in infos], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"API tokens of {org}")
    for column in ("id", "prefix", "label", "created", "revoked"):
        table.add_column(column)
    for info in infos:
        # Tokens made before prefixes were recorded have none to show.
        table.add_row(info.id, f"{PREFIX}{info.prefix}…" if info.prefix else "", info.label, info.created_at,
                      info.revoked_at or "")
    Console(width=200).print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[str, typer.Argument(metavar="ID", help="Token id (see `tokens list`).")],
                  database: DatabaseOption = None) -> None:
    """Revoke an API token by its id; it stops working at once."""
    engine = make_engine(database_url(database))
    try:
        with write_transaction(engine) as connection:
            info = revoke_token_id(connection, token_id)
    except DomainError as exc:
        err.print(f"[red]{exc.en}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(f"token {info.id} of {info.organisation} revoked at {info.revoked_at}")
