"""`nguon audit`: the inspector's audit of a registry, over its public log API or straight from its database.

`--report FILE` also writes the result as a report people read (api.audit_report), in Vietnamese or English.

Exit status: 0 when everything holds; 1 when the log is tampered with or inconsistent (the first bad entry and
why), forks from the checkpoint seen last (both signed notes), or presents another log key than the one
pinned (an alarm); 2 when the registry, the database or the state file cannot be read.
"""

import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import psycopg
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from api import audit_report
from api.migrations import upgrade
from api.settings import Settings
from ledger.audit.auditor import AuditForkError, AuditState, KeyChangedError, StateFileError, store_consistency
from ledger.audit.remote import RemoteError, RemoteLog, RemoteView
from ledger.core.errors import AuditError, CorruptionError, LedgerError, StoreError
from ledger.core.note import NoteSigner, NoteVerifier
from ledger.core.types import format_timestamp
from ledger.files.keys import LOG_KEY_FILE
from ledger.store.engines import make_engine
from ledger.store.sql import SqlStore
from registry.inspection import Inspection, Source, inspect

CLEAN, INCONSISTENT, UNREADABLE = 0, 1, 2
PARALLEL_FROM = 16_384
"""Logs at least this long are verified on worker processes; shorter ones in this process (no start-up cost)."""
DEFAULT_STATE = Path(".nguon-audit.json")
_PHASES = {"entries": "auditing entries and signatures", "replay": "replaying the registry's rules"}
_READ_ERRORS = (StoreError, CorruptionError, RemoteError, StateFileError, SQLAlchemyError, sqlite3.Error,
                psycopg.Error, OSError)

err = Console(stderr=True)


class _Unreadable(Exception):
    """What the command cannot read, said in one line."""


def _verifier(text: str | None) -> NoteVerifier | None:
    if text is None:
        return None
    try:
        return NoteVerifier.from_text(text)
    except LedgerError as exc:
        raise _Unreadable(f"--log-key {text!r} is not a verifier key (name+hexid+base64key): {exc}") from exc


def _operator_key(previous: AuditState | None) -> NoteVerifier:
    """The key of the log in NGUON_DATA_DIR when there is one, else the pinned key."""
    path = Settings().data_dir / LOG_KEY_FILE
    if path.exists():
        try:
            return NoteSigner.from_private_text(path.read_text(encoding="utf-8")).verifier
        except LedgerError as exc:
            raise _Unreadable(f"the log key in {path} cannot be read: {exc}") from exc
    if previous is not None:
        return previous.verifier
    raise _Unreadable(f"no log key to audit with: pass --log-key, or set NGUON_DATA_DIR to where {LOG_KEY_FILE} is")


@contextmanager
def _open_remote(target: str, explicit: NoteVerifier | None, workdir: Path) -> Iterator[Source]:
    log = RemoteLog(target)
    try:
        served = log.log_key()
        if explicit is not None and explicit != served:
            raise KeyChangedError(explicit.to_text(), served.to_text())
        view = RemoteView(log, log.checkpoint(), workdir / "entries.db")
        try:
            yield Source(view, served, log.consistency)
        finally:
            view.close()
    finally:
        log.close()


@contextmanager
def _open_database(database: str, explicit: NoteVerifier | None, previous: AuditState | None,
                   engine: Engine | None = None) -> Iterator[Source]:
    key = explicit or _operator_key(previous)
    own = engine is None
    engine = make_engine(database) if engine is None else engine
    try:
        with SqlStore(engine).read() as view:
            yield Source(view, key, store_consistency(view))
    finally:
        if own:
            engine.dispose()


@contextmanager
def _progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    # Refreshed here rather than by rich's thread: signature workers fork this process, best with one thread.
    with Progress(*columns, console=err, auto_refresh=False) as bar:
        tasks: dict[str, Any] = {}
        shown = 0.0

        def update(phase: str, done: int, total: int) -> None:
            nonlocal shown
            if phase not in tasks:
                tasks[phase] = bar.add_task(_PHASES.get(phase, phase), total=total)
            bar.update(tasks[phase], completed=done, total=total)
            if done == total or time.monotonic() - shown > 0.2:
                bar.refresh()
                shown = time.monotonic()

        yield update


def _clean(result: dict[str, Any], done: Inspection, state: Path) -> None:
    audited = done.audit
    result.update(result="clean", exit_code=CLEAN, size=audited.size, root=audited.root.hex(),
                  checkpoints=audited.checkpoints, signatures=audited.signatures, projection_digest=done.digest,
                  log_key=audited.state.log_key, checkpoint=audited.state.checkpoint, state_updated=True)
    if done.previous is None:
        seen = f"first audit: log key {audited.state.log_key} pinned in {state}"
    else:
        result["previous"] = {"size": done.previous.size, "root": done.previous.root.hex()}
        seen = f"consistent with the checkpoint of size {done.previous.size} seen before"
    result["message"] = (f"audit clean: {audited.size} entries, {audited.checkpoints} checkpoints, "
                         f"{audited.signatures} statement signatures, root {audited.root.hex()}; replayed projections "
                         f"digest {done.digest}; {seen}")


def run(target: str | None, database: str | None, state: Path, log_key: str | None, workers: int | None,
        progress: Callable[[str, int, int], None], engine: Engine | None = None) -> dict[str, Any]:
    """The audit of `target` (a URL) or `database` (read through `engine` when given), as the result `--json`
    prints."""
    source_name = target or make_url(database or "").render_as_string(hide_password=True)
    result: dict[str, Any] = {
        "result": None, "exit_code": None, "message": None, "source": source_name,
        "size": None, "root": None, "checkpoints": None, "signatures": None, "projection_digest": None,
        "log_key": None, "checkpoint": None, "previous": None,
        "first_bad_index": None, "reason": None, "fork": None, "key": None,
        "state_file": str(state), "state_updated": False,
    }
    try:
        explicit = _verifier(log_key)
        previous = AuditState.load(state)
        with tempfile.TemporaryDirectory(prefix="nguon-audit-") as tmp, \
                (_open_remote(target, explicit, Path(tmp)) if target is not None
                 else _open_database(database or "", explicit, previous, engine)) as source:
            count = workers
            if count is None:
                count = (os.cpu_count() or 1) if source.view.head().size >= PARALLEL_FROM else 0
            done = inspect(source, previous, Path(tmp), upgrade, workers=count, progress=progress)
        done.audit.state.save(state)
        _clean(result, done, state)
    except KeyChangedError as exc:
        result.update(result="key-changed", exit_code=INCONSISTENT, key={"pinned": exc.pinned,
                      "presented": exc.presented}, message=f"ALARM: {exc}")
    except AuditForkError as exc:
        result.update(result="fork", exit_code=INCONSISTENT, reason=exc.reason,
                      fork={"seen": exc.seen, "now": exc.now}, message=f"FORK: {exc.reason}")
    except AuditError as exc:
        result.update(result="tampered", exit_code=INCONSISTENT, first_bad_index=exc.index, reason=exc.reason,
                      message=f"tampered or inconsistent at entry {exc.index}: {exc.reason}")
    except (_Unreadable, *_READ_ERRORS) as exc:
        cause = getattr(exc, "orig", None) or exc
        result.update(result="unreadable", exit_code=UNREADABLE, reason=str(cause),
                      message=f"could not read: {cause}")
    return result


def _print(result: dict[str, Any]) -> None:
    typer.echo(result["message"])
    if result["fork"] is not None:
        typer.echo(f"--- checkpoint seen before ---\n{result['fork']['seen']}"
                   f"--- checkpoint now ---\n{result['fork']['now']}", nl=False)


def audit(
    target: Annotated[str | None, typer.Argument(help="Base URL of the registry, audited over its public log "
                                                 "API (e.g. https://nguon.example).")] = None,
    database: Annotated[str | None, typer.Option("--database", help="Audit this database URL instead of a "
                                                 "URL (the log key comes from --log-key, NGUON_DATA_DIR or "
                                                 "the state file).")] = None,
    state: Annotated[Path, typer.Option("--state", help="The inspector's state file: the pinned log key and the "
                                        "last checkpoint seen.")] = DEFAULT_STATE,
    log_key: Annotated[str | None, typer.Option("--log-key", help="The log's verifier key (name+hexid+base64key) "
                                                "as published out of band.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = False,
    workers: Annotated[int | None, typer.Option("--workers", min=0, help="Processes verifying statement "
                                                "signatures (0: this one; default: every core for long "
                                                "logs).")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Also write the audit's report to this file: "
                                                "PDF for a name ending in .pdf, HTML otherwise.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="The report's language: vi or en.")] = "vi",
) -> None:
    """Audit a registry's whole log: entries, chain, Merkle tree, signed checkpoints, every statement
    signature, the registry's rules replayed, and consistency with the checkpoint seen last.

    Exit 0: all holds; 1: tampered with, inconsistent, forked, or the log key changed; 2: cannot be read."""
    if (target is None) == (database is None):
        err.print("[red]give the registry's URL or --database, one of the two[/red]")
        raise typer.Exit(UNREADABLE)
    if lang not in audit_report.TEXT:
        err.print(f"[red]--lang {lang!r}: the report is written in vi or en[/red]")
        raise typer.Exit(UNREADABLE)
    with _progress_bar() as progress:
        result = run(target, database, state, log_key, workers, progress)
    result["audited_at"] = format_timestamp(datetime.now(UTC))
    if report is not None:
        try:
            audit_report.write(report, result, lang)
        except OSError as exc:
            err.print(f"[red]the report cannot be written to {report}: {exc}[/red]")
            raise typer.Exit(UNREADABLE) from exc
    if json_out:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print(result)
    raise typer.Exit(result["exit_code"])
