"""`nguon log`: the log's key, checkpoint, static tiles and audit."""

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api.cli.common import DatabaseOption, database_url, err
from api.settings import get_settings
from ledger.audit.store import audit
from ledger.core.errors import AuditError, UnsafePathError
from ledger.files.keys import load_or_create_log_key
from ledger.store.engines import make_engine
from ledger.store.sql import SqlStore
from ledger.store.tiles import export as export_tiles

log_app = typer.Typer(help="The append-only log.", no_args_is_help=True)

@log_app.command("key")
def log_key() -> None:
    """Print the log's verifier key (name+id+key), creating the log key on first use."""
    settings = get_settings()
    typer.echo(load_or_create_log_key(settings.data_dir, settings.log_origin).verifier.to_text())


@log_app.command("checkpoint")
def log_checkpoint(database: DatabaseOption = None) -> None:
    """Print the latest signed checkpoint."""
    engine = make_engine(database_url(database))
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
    engine = make_engine(database_url(database))
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
    engine = make_engine(database_url(database))
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
