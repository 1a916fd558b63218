"""`nguon replay`, `bootstrap`, `demo`, `qr` and `verify-bundle`: the registry's own commands."""

import json
import os
import secrets
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from api.cli.common import (
    DatabaseOption,
    database_url,
    err,
    in_user_language,
    key_text,
    note_verifier,
    open_registry,
)
from api.digital_link import DigitalLink, DigitalLinkError, normalise_gtin
from api.migrations import upgrade
from api.portal.accounts import create_user, hash_password
from api.qr import qr_png, qr_svg
from api.settings import get_settings
from api.tokens import create_token
from api.verify_bundle import verify_bundle
from ledger.core.cosignature import CosignatureVerifier
from ledger.core.errors import LedgerError
from ledger.store.engines import make_engine, write_transaction
from ledger.store.sql import SqlStore, SqlView
from registry.demo import load_demo, scenarios, serialised
from registry.errors import DomainError
from registry.kinds import vietnam_today
from registry.replay import ReplayError, projection_digest, replay
from registry.service import Registry
from registry.state import State
from registry.tables import RegBatch, RegProduct, RegSerial
from registry.values import day_vi
from registry.verdict.batch import verify_batch

VERDICT_WORDS = {"authentic": ("authentic", "chính hãng"), "warning": ("warning", "cảnh báo"),
                 "recalled": ("recalled", "đã bị thu hồi"), "invalid": ("not valid", "không hợp lệ"),
                 "unknown": ("unknown", "không xác định")}

app = typer.Typer()

@app.command("replay")
def replay_command(database: DatabaseOption = None,
                   into: Annotated[str | None, typer.Option(help="Empty database to rebuild into "
                                                            "(default: a temporary SQLite file).")] = None) -> None:
    """Rebuild every projection from the log, re-running every rule; exit 0 only when the result equals
    the live projections."""
    source = make_engine(database_url(database))
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

@app.command("bootstrap")
def bootstrap(organisation: Annotated[str, typer.Option("--id", help="Id of the root authority.")],
              name_vi: Annotated[str, typer.Option(help="Vietnamese name.")],
              name_en: Annotated[str, typer.Option(help="English name.")],
              database: DatabaseOption = None) -> None:
    """Start a new registry: entry 0 registers the root authority (with a custodial key); print its API token."""
    registry, engine = open_registry(database)
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
DEMO_SIGN_INS = "demo-sign-ins.json"
"""The demo's portal accounts: an admin of each demo organisation, {organisation: {"login", "password"}}."""


def _write_tokens(path: Path, tokens: Mapping[str, object]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(tokens, f, indent=2, ensure_ascii=False)


def _demo_sign_ins(connection: Connection, organisations: Sequence[str]) -> dict[str, dict[str, str]]:
    """An admin account, admin@<organisation>, for each demo organisation, all with one random password: hashed
    once, as Argon2 takes a quarter of a second a hash by design and the demo has fifty organisations."""
    sign_ins = {}
    password = secrets.token_urlsafe(9)
    hashed = hash_password(password)
    for organisation in organisations:
        login = f"admin@{organisation}"
        create_user(connection, organisation, login, "admin", hashed=hashed)
        sign_ins[organisation] = {"login": login, "password": password}
    return sign_ins


def _print_sign_ins(path: Path, base: str) -> None:
    """The portal's address and the demo's sign-ins, when the demo wrote them."""
    if not path.is_file():
        return
    sign_ins = json.loads(path.read_text(encoding="utf-8"))
    table = Table(title=f"Portal: {base}/portal/login (demo sign-ins, also in {path})")
    for column in ("organisation", "login", "password"):
        table.add_column(column)
    for organisation, sign_in in sign_ins.items():
        table.add_row(organisation, sign_in["login"], sign_in["password"])
    Console(width=200).print(table)


def _demo_urls(registry: Registry, engine: Engine, base: str) -> list[tuple[str, str, str]]:
    """(verdict, what, URL) for every demo scenario batch, and for one serialised item."""
    keys = [key for batch_keys in scenarios().values() for key in batch_keys]
    links = [DigitalLink(k.gtin, k.lot) for k in dict.fromkeys(keys)]
    # A code a counterfeiter might print: a real product, a lot never registered.
    links.append(DigitalLink(keys[0].gtin, "FAKE-0001"))
    with SqlStore(engine).read() as view:
        assert isinstance(view, SqlView)  # noqa: S101  (an SqlStore reads through an SqlView)
        item = serialised()
        if item is not None:
            first = State(view.connection).find(RegSerial, gtin=item.gtin, lot=item.lot)[:1]
            links += [DigitalLink(item.gtin, item.lot, row["serial"]) for row in first]
        rows = []
        for link in links:
            verdict = verify_batch(view, registry.log, link.gtin14, link.lot, serial=link.serial,
                                   today=vietnam_today()).verdict
            name = link.gtin14 if verdict.product is None else verdict.product.names.vi
            rows.append((verdict.verdict, f"{name} — {link.element_string()}", link.uri(base)))
    order = {"authentic": 0, "warning": 1, "recalled": 2, "invalid": 3, "unknown": 4}
    return sorted(rows, key=lambda row: order[row[0]])


@app.command("demo")
def demo(database: DatabaseOption = None,
         if_empty: Annotated[bool, typer.Option("--if-empty", help="Load only into an empty log; "
                                                "otherwise just list the demo URLs.")] = False) -> None:
    """Load the demo registry into an empty database, write demo API tokens to NGUON_DATA_DIR/demo-tokens.json
    and an admin sign-in of each demo organisation to NGUON_DATA_DIR/demo-sign-ins.json, and print the URL of a
    demo product for each verdict, and the portal's with the sign-ins."""
    settings = get_settings()
    registry, engine = open_registry(database)
    try:
        with SqlStore(engine).read() as view:
            size = view.head().size
        if size == 0:
            summary = load_demo(registry)
            tokens = {}
            with write_transaction(engine) as connection:
                for organisation in summary.organisations:
                    tokens[organisation] = create_token(connection, organisation, "demo")
                sign_ins = _demo_sign_ins(connection, summary.organisations)
            _write_tokens(settings.data_dir / DEMO_TOKENS, tokens)
            _write_tokens(settings.data_dir / DEMO_SIGN_INS, sign_ins)
            err.print(f"demo loaded: {summary.entries} entries; API tokens in {settings.data_dir / DEMO_TOKENS}, "
                      f"portal sign-ins in {settings.data_dir / DEMO_SIGN_INS}")
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
        _print_sign_ins(settings.data_dir / DEMO_SIGN_INS, settings.public_url)
    except DomainError as exc:
        err.print(f"[red]{exc.en}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


def _not_registered(link: DigitalLink, database: str | None) -> tuple[str, str] | None:
    """Why the registry has nothing for `link` (in English and Vietnamese), or None when it has the batch (and
    the item, for a link with a serial)."""
    engine = make_engine(database_url(database))
    try:
        with engine.connect() as connection:
            state = State(connection)
            gtin, lot, serial = link.gtin14, link.lot, link.serial
            if state.get(RegProduct, gtin=gtin) is None:
                return f"GTIN {gtin} is not registered", f"mã GTIN {gtin} chưa được đăng ký"
            if state.get(RegBatch, gtin=gtin, lot=lot) is None:
                return f"lot {lot} of GTIN {gtin} is not registered", f"lô {lot} của mã GTIN {gtin} chưa được đăng ký"
            if serial is not None and state.get(RegSerial, gtin=gtin, lot=lot, serial=serial) is None:
                return (f"serial {serial} was not issued for lot {lot} of GTIN {gtin}",
                        f"số sê-ri {serial} chưa được cấp cho lô {lot} của mã GTIN {gtin}")
            return None
    finally:
        engine.dispose()


@app.command("qr")
def qr(gtin: str, lot: str, serial: Annotated[str | None, typer.Option(help="Serial of one item.")] = None,
       png: Annotated[bool, typer.Option("--png", help="PNG instead of SVG.")] = False,
       out: Annotated[Path | None, typer.Option(help="File to write (default: standard output).")] = None,
       offline: Annotated[bool, typer.Option("--offline", help="Make the code without asking the registry "
                                             "whether it holds the batch or item.")] = False,
       database: DatabaseOption = None) -> None:
    """Print the QR code (SVG, or PNG with --png) of a registered batch's or item's Digital Link on
    NGUON_PUBLIC_URL; a code for something the registry does not hold only with --offline."""
    try:
        link = DigitalLink(normalise_gtin(gtin), lot, serial)
    except DigitalLinkError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    missing = None if offline else _not_registered(link, database)
    if missing is not None:
        en, vi = missing
        err.print(in_user_language(f"{en}; no code made (--offline makes one without asking the registry)",
                                   f"{vi}; không tạo mã (thêm --offline để tạo mà không kiểm tra sổ đăng ký)"),
                  style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    uri = link.uri(get_settings().public_url)
    data = qr_png(uri) if png else qr_svg(uri)
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)
        err.print(f"{uri} -> {out}")

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
        witnesses = tuple(CosignatureVerifier.from_text(key_text(k)) for k in witness_key or ())
        checked = verify_bundle(bundle, note_verifier(log_key), witnesses)
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
    typer.echo(f"gói bằng chứng hợp lệ: lô {what} — {vi} (tính đến ngày {day_vi(verdict.as_of)})")
    for reason in verdict.reasons:
        if not reason.ok:
            # The messages name things; the entries and subjects they rest on are for looking up in the table.
            typer.echo(f"  - {reason.vi}\n    {reason.en}\n    [{reason.code}] entries {list(reason.entries)}; "
                       f"{', '.join(reason.subjects)}")
