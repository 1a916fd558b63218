"""`nguon witness`: run a C2SP tlog-witness that cosigns the checkpoints of the logs it is given."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api import serving
from api.migrations import upgrade
from api.settings import get_settings
from api.witness_app import WitnessSettings, create_witness_app
from ledger.core.errors import NoteError
from ledger.core.note import NoteVerifier
from ledger.witness.server import load_or_create_witness_key

witness_app = typer.Typer(help="A C2SP tlog-witness: check and cosign other logs' checkpoints.",
                          no_args_is_help=True)

err = Console(stderr=True)

DatabaseOption = Annotated[str, typer.Option("--database", help="The witness's own database URL.")]
DataDirOption = Annotated[Path, typer.Option("--data-dir", help="Where the witness key lives (witness.key).")]
NameOption = Annotated[str, typer.Option("--name", help="The witness's key name, e.g. witness.example/w1.")]


@witness_app.callback()
def witness() -> None:
    """A C2SP tlog-witness: check and cosign other logs' checkpoints."""


@witness_app.command("serve")
def serve(name: NameOption,
          log_key: Annotated[list[str], typer.Option("--log-key", help="Verifier key of a log to cosign "
                                                     "(name+hexid+base64key; repeat for several logs).")],
          host: str = "127.0.0.1", port: int = 8080,
          database: DatabaseOption = "sqlite:///./witness.db",
          data_dir: DataDirOption = Path("./.nguon-witness")) -> None:
    """Migrate the witness database, then serve POST /add-checkpoint."""
    for key in log_key:
        try:
            NoteVerifier.from_text(key)
        except NoteError as exc:
            err.print(f"[red]--log-key {key!r}[/red]: {exc}")
            raise typer.Exit(2) from exc
    settings = WitnessSettings(database_url=database, data_dir=data_dir, name=name, log_keys=log_key)
    upgrade(settings.database_url)
    app = create_witness_app(settings)
    witness = app.state.witness
    err.print(f"witness {witness.key.to_text()} cosigning checkpoints of {', '.join(witness.origins)}", markup=False,
              highlight=False)
    serving.run(app, get_settings(), host=host, port=port)


@witness_app.command("key")
def key(name: NameOption, data_dir: DataDirOption = Path("./.nguon-witness")) -> None:
    """Print the witness's verifier key (name+hexid+base64key, type 0x04), creating the key on first use."""
    typer.echo(load_or_create_witness_key(data_dir, name).verifier.to_text())
