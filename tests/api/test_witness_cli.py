"""`nguon witness`: the key command and the checks `serve` makes before it starts a server."""

from pathlib import Path

from typer.testing import CliRunner

from api.cli.witness import witness_app
from ledger.core.cosignature import CosignatureVerifier
from ledger.core.note import NoteSigner

runner = CliRunner()


class TestWitnessCli:
    """The witness commands print its key and refuse log keys they cannot read."""

    def test_key_prints_the_same_cosigner_vkey_every_time(self, tmp_path: Path) -> None:
        args = ["key", "--name", "witness.test/w1", "--data-dir", str(tmp_path / "w")]
        first, again = runner.invoke(witness_app, args), runner.invoke(witness_app, args)
        assert first.exit_code == 0, first.output
        assert first.stdout == again.stdout
        assert CosignatureVerifier.from_text(first.stdout.strip()).name == "witness.test/w1"

    def test_serve_refuses_a_log_key_it_cannot_read(self, tmp_path: Path) -> None:
        log_key = NoteSigner.generate("test.nguon/log").verifier.to_text()
        result = runner.invoke(witness_app, ["serve", "--name", "witness.test/w1", "--data-dir", str(tmp_path / "w"),
                                             "--database", f"sqlite:///{tmp_path / 'w.db'}",
                                             "--log-key", log_key, "--log-key", "not-a-key"])
        assert result.exit_code == 2
        assert "not-a-key" in result.output
        assert not (tmp_path / "w.db").exists()

    def test_serve_needs_a_log_key(self, tmp_path: Path) -> None:
        result = runner.invoke(witness_app, ["serve", "--name", "witness.test/w1", "--data-dir", str(tmp_path)])
        assert result.exit_code == 2
