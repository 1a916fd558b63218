"""The `nguon` command line."""

import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import psycopg
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from api import serving
from api.audit_cli import audit as inspector_audit
from api.digital_link import DigitalLink, DigitalLinkError, normalise_gtin
from api.qr import qr_png, qr_svg
from api.tokens import PREFIX, TokenInfo, create_token, create_token_info, list_tokens, revoke_token_id
from api.verify_bundle import verify_bundle
from api.witness_cli import witness_app
from ledger.audit import audit
from ledger.config import get_settings
from ledger.cosignature import CosignatureVerifier
from ledger.db import make_engine, write_transaction
from ledger.errors import AuditError, LedgerError, UnsafePathError
from ledger.keys import load_or_create_log_key
from ledger.log import Log
from ledger.migrate import upgrade
from ledger.note import NoteVerifier
from ledger.sql import SqlStore
from ledger.tiles import export as export_tiles
from registry.custody import Custody, load_secret
from registry.demo import load_demo, scenarios, serialised
from registry.errors import DomainError
from registry.kinds import vietnam_today
from registry.replay import ReplayError, projection_digest, replay
from registry.service import Registry
from registry.state import State
from registry.tables import RegSerial
from registry.verdict import verify_batch

app = typer.Typer(help="Nguồn: a traceability and geographical-indication registry.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
log_app = typer.Typer(help="The append-only log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(log_app, name="log")
app.add_typer(witness_app, name="witness")
app.command("audit")(inspector_audit)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")

err = Console(stderr=True)
DatabaseOption = Annotated[str | None, typer.Option("--database", help="Database URL (default: NGUON_DATABASE_URL).")]


def _url(database: str | None) -> str:
    return database or get_settings().database_url


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None, revision: str = "head") -> None:
    """Migrate the database to the latest schema."""
    upgrade(_url(database), revision)
    err.print(f"database migrated to {revision}")


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the registry over HTTP (configured by NGUON_* variables; proxy headers are believed only from
    NGUON_TRUSTED_PROXIES)."""
    serving.run("api.app:app_from_environment", get_settings(), host=host, port=port, workers=workers, factory=True)


@app.command("replay")
def replay_command(database: DatabaseOption = None,
                   into: Annotated[str | None, typer.Option(help="Empty database to rebuild into "
                                                            "(default: a temporary SQLite file).")] = None) -> None:
    """Rebuild every projection from the log, re-running every rule; exit 0 only when the result equals
    the live projections."""
    source = make_engine(_url(database))
    with tempfile.TemporaryDirectory() as tmp:
        target_url = into or f"sqlite:///{Path(tmp) / 'replay.db'}"
        upgrade(target_url)
        target = make_engine(target_url)
        columns = (TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        try:
            with SqlStore(source).read() as view, Progress(*columns, console=err) as bar:
                task = bar.add_task("replay", total=view.head().size)
                rebuilt = replay(view, target, lambda done, total: bar.update(task, completed=done, total=total))
                live = projection_digest(view.connection)  # type: ignore[attr-defined]
        except ReplayError as exc:
            err.print(f"[red]replay refused entry {exc.index}[/red]: {exc.error.en}")
            raise typer.Exit(2) from exc
        finally:
            target.dispose()
            source.dispose()
    if rebuilt != live:
        err.print(f"[red]projections differ[/red]: live {live}, rebuilt {rebuilt}")
        raise typer.Exit(1)
    typer.echo(f"replay matches: projection digest {live}")


def _registry(database: str | None) -> tuple[Registry, Engine]:
    settings = get_settings()
    engine = make_engine(_url(database))
    log = Log(SqlStore(engine), load_or_create_log_key(settings.data_dir, settings.log_origin))
    return Registry(log, Custody.from_secret(load_secret(settings))), engine


@app.command("bootstrap")
def bootstrap(organisation: Annotated[str, typer.Option("--id", help="Id of the root authority.")],
              name_vi: Annotated[str, typer.Option(help="Vietnamese name.")],
              name_en: Annotated[str, typer.Option(help="English name.")],
              database: DatabaseOption = None) -> None:
    """Start a new registry: entry 0 registers the root authority (with a custodial key); print its API token."""
    registry, engine = _registry(database)
    try:
        registry.bootstrap(organisation, {"vi": name_vi, "en": name_en})
        with write_transaction(engine) as connection:
            token = create_token(connection, organisation, "bootstrap")
    except DomainError as exc:
        err.print(f"[red]{exc.en}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(token)


DEMO_TOKENS = "demo-tokens.json"


def _write_tokens(path: Path, tokens: dict[str, str]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(tokens, f, indent=2, ensure_ascii=False)


def _demo_urls(registry: Registry, engine: Engine, base: str) -> list[tuple[str, str, str]]:
    """(verdict, what, URL) for every demo scenario batch, and for one serialised item."""
    keys = [key for batch_keys in scenarios().values() for key in batch_keys]
    links = [DigitalLink(k.gtin, k.lot) for k in dict.fromkeys(keys)]
    # A code a counterfeiter might print: a real product, a lot never registered.
    links.append(DigitalLink(keys[0].gtin, "FAKE-0001"))
    with SqlStore(engine).read() as view:
        connection = view.connection  # type: ignore[attr-defined]
        item = serialised()
        if item is not None:
            first = State(connection).find(RegSerial, gtin=item.gtin, lot=item.lot)[:1]
            links += [DigitalLink(item.gtin, item.lot, row["serial"]) for row in first]
        rows = []
        for link in links:
            document = verify_batch(view, registry.log, connection, link.gtin14, link.lot, serial=link.serial,
                                    today=vietnam_today())
            name = (document["product"] or {}).get("names", {}).get("vi", link.gtin14)
            rows.append((document["verdict"], f"{name} — {link.element_string()}", link.uri(base)))
    order = {"authentic": 0, "warning": 1, "invalid": 2, "unknown": 3}
    return sorted(rows, key=lambda row: order[row[0]])


@app.command("demo")
def demo(database: DatabaseOption = None,
         if_empty: Annotated[bool, typer.Option("--if-empty", help="Load only into an empty log; "
                                                "otherwise just list the demo URLs.")] = False) -> None:
    """Load the demo registry into an empty database, write demo API tokens to NGUON_DATA_DIR/demo-tokens.json,
    and print the URL of a demo product for each verdict."""
    settings = get_settings()
    registry, engine = _registry(database)
    try:
        with SqlStore(engine).read() as view:
            size = view.head().size
        if size == 0:
            summary = load_demo(registry)
            tokens = {}
            with write_transaction(engine) as connection:
                for organisation in summary.organisations:
                    tokens[organisation] = create_token(connection, organisation, "demo")
            _write_tokens(settings.data_dir / DEMO_TOKENS, tokens)
            err.print(f"demo loaded: {summary.entries} entries; API tokens in {settings.data_dir / DEMO_TOKENS}")
        elif not if_empty:
            err.print(f"[red]the log already holds {size} entries; the demo loads into an empty registry[/red]")
            raise typer.Exit(1)
        else:
            err.print(f"the log already holds {size} entries; the demo was not loaded again")
        table = Table(title=f"Demo products on {settings.public_url}")
        for column in ("verdict", "product", "URL"):
            table.add_column(column)
        for verdict, what, url in _demo_urls(registry, engine, settings.public_url):
            table.add_row(verdict, what, url)
        Console(width=200).print(table)
    except DomainError as exc:
        err.print(f"[red]{exc.en}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


@app.command("qr")
def qr(gtin: str, lot: str, serial: Annotated[str | None, typer.Option(help="Serial of one item.")] = None,
       png: Annotated[bool, typer.Option("--png", help="PNG instead of SVG.")] = False,
       out: Annotated[Path | None, typer.Option(help="File to write (default: standard output).")] = None) -> None:
    """Print the QR code (SVG, or PNG with --png) of a batch's or item's Digital Link on NGUON_PUBLIC_URL."""
    try:
        link = DigitalLink(normalise_gtin(gtin), lot, serial)
    except DigitalLinkError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    uri = link.uri(get_settings().public_url)
    data = qr_png(uri) if png else qr_svg(uri)
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)
        err.print(f"{uri} -> {out}")


def _key_text(text: str) -> str:
    """A key given as its text, or as the path of a file holding it."""
    path = Path(text)
    return path.read_text(encoding="utf-8").strip() if "+" not in text and path.is_file() else text


def _key(text: str) -> NoteVerifier:
    return NoteVerifier.from_text(_key_text(text))


VERDICT_WORDS = {"authentic": ("authentic", "chính hãng"), "warning": ("warning", "cảnh báo"),
                 "invalid": ("not valid", "không hợp lệ"), "unknown": ("unknown", "không xác định")}


@app.command("verify-bundle")
def verify_bundle_command(
    bundle: Annotated[Path, typer.Argument(help="Bundle file from GET /api/v1/bundles/01/{gtin}/10/{lot}.")],
    log_key: Annotated[str, typer.Option("--log-key", help="The log's verifier key (text or file).")],
    witness_key: Annotated[list[str] | None, typer.Option("--witness-key", help="A witness that must have "
                                                           "cosigned (text or file); repeatable.")] = None,
) -> None:
    """Check an offline bundle with no network: every proof, and the verdict judged again from its entries.
    Exit 0 only when both hold, printing the verdict the bundle vouches for."""
    try:
        witnesses = tuple(CosignatureVerifier.from_text(_key_text(k)) for k in witness_key or ())
        checked = verify_bundle(bundle, _key(log_key), witnesses)
    except LedgerError as exc:
        err.print(f"[red]bundle does not verify[/red]: {exc}")
        raise typer.Exit(1) from exc
    checkpoint, verdict = checked.checkpoint, checked.verdict
    table = Table(title=f"{len(checked.entries)} entries proved under checkpoint {checkpoint.origin} size "
                  f"{checkpoint.size}")
    for column in ("index", "kind", "issuer"):
        table.add_column(column)
    for entry in checked.entries:
        table.add_row(str(entry.index), entry.kind, entry.issuer)
    Console(stderr=True).print(table)
    en, vi = VERDICT_WORDS[verdict.verdict]
    batch = verdict.batch
    what = f"{batch.lot} / GTIN {batch.gtin}" if batch else "?"
    typer.echo(f"bundle verifies: {what} is {en} as of {verdict.as_of}")
    typer.echo(f"gói bằng chứng hợp lệ: lô {what} — {vi} (tính đến ngày {verdict.as_of})")
    for reason in verdict.reasons:
        if not reason.ok:
            typer.echo(f"  - {reason.vi}\n    {reason.en}")


@tokens_app.command("create")
def tokens_create(org: Annotated[str, typer.Option("--org", help="Organisation the token acts for.")],
                  label: str = "", database: DatabaseOption = None) -> None:
    """Create an API token for an organisation and print it (it is stored only as a hash)."""
    engine = make_engine(_url(database))
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
    engine = make_engine(_url(database))
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
    engine = make_engine(_url(database))
    try:
        with write_transaction(engine) as connection:
            info = revoke_token_id(connection, token_id)
    except DomainError as exc:
        err.print(f"[red]{exc.en}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(f"token {info.id} of {info.organisation} revoked at {info.revoked_at}")


@log_app.command("key")
def log_key() -> None:
    """Print the log's verifier key (name+id+key), creating the log key on first use."""
    settings = get_settings()
    typer.echo(load_or_create_log_key(settings.data_dir, settings.log_origin).verifier.to_text())


@log_app.command("checkpoint")
def log_checkpoint(database: DatabaseOption = None) -> None:
    """Print the latest signed checkpoint."""
    engine = make_engine(_url(database))
    try:
        with SqlStore(engine).read() as view:
            latest = view.latest_checkpoint()
    finally:
        engine.dispose()
    if latest is None:
        err.print("the log is empty: no checkpoint yet")
        raise typer.Exit(1)
    typer.echo(latest.note, nl=False)


@log_app.command("tiles")
def log_tiles(directory: Annotated[Path, typer.Argument(help="where to write checkpoint and tile/…")],
              database: DatabaseOption = None) -> None:
    """Export the log as static C2SP tlog-tiles (checkpoint, tiles, entry bundles) for a CDN or any static
    file server; run it again after appends: full tiles already there are kept."""
    engine = make_engine(_url(database))
    columns = (TextColumn("exporting tiles"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with SqlStore(engine).read() as view, Progress(*columns, console=err) as bar:
            latest = view.latest_checkpoint()
            if latest is None:
                err.print("the log is empty: no checkpoint yet")
                raise typer.Exit(1)
            task = bar.add_task("tiles", total=None)
            written = export_tiles(view, latest, directory,
                                   progress=lambda done, total: bar.update(task, completed=done, total=total))
    except UnsafePathError as exc:
        err.print(f"[red]export refused[/red]: {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(f"{written} files written to {directory} for tree size {latest.size}")


@log_app.command("audit")
def log_audit(database: DatabaseOption = None) -> None:
    """Verify every entry, node, checkpoint and the head of the log against the log key."""
    settings = get_settings()
    verifier = load_or_create_log_key(settings.data_dir, settings.log_origin).verifier
    engine = make_engine(_url(database))
    columns = (TextColumn("auditing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with SqlStore(engine).read() as view, Progress(*columns, console=err) as bar:
            task = bar.add_task("audit", total=view.head().size)
            report = audit(view, verifier, progress=lambda done, total: bar.update(task, completed=done, total=total))
    except AuditError as exc:
        err.print(f"[red]audit failed at entry {exc.index}[/red]: {exc.reason}")
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    typer.echo(f"audit clean: {report.size} entries, {report.checkpoints} checkpoints, root {report.root.hex()}")


def main() -> None:
    """Entry point of the `nguon` script: database trouble becomes one clear line, not a traceback."""
    try:
        app(standalone_mode=True)
    except (DBAPIError, sqlite3.Error, psycopg.Error) as exc:
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        err.print(f"[red]the database could not be used[/red]: {cause}. Is NGUON_DATABASE_URL right, and "
                  "has `nguon db upgrade` been run?")
        raise SystemExit(3) from exc
