"""`nguon log tiles`: the log exported as static C2SP tlog-tiles."""

from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli.main import app
from ledger.core.checkpoint import open_checkpoint
from ledger.core.hashing import leaf_hash
from ledger.core.note import NoteSigner
from ledger.core.tiles import read_bundle, tiles_for
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from tests.conftest import Issuer
from tests.databases import migrate
from tests.ledger.test_tiles import mth


class TestLogTiles:
    """The export holds the checkpoint and every tile of its tree; the tiles rebuild its root."""

    def test_exports_a_tree_that_rebuilds_the_checkpoint(self, engine: Engine, database_url: str, tmp_path: Path,
                                                         issuer: Issuer) -> None:
        signer = NoteSigner.generate("cli.nguon/log")
        log = Log(SqlStore(engine), signer)
        log.append([issuer.statement() for _ in range(300)], issuer.lookup)
        out = tmp_path / "tiles"
        result = CliRunner().invoke(app, ["log", "tiles", str(out), "--database", database_url])
        assert result.exit_code == 0, result.output
        assert "for tree size 300" in result.output
        checkpoint, _ = open_checkpoint((out / "checkpoint").read_text(), signer.verifier)
        assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == sorted(
            ["checkpoint", *(t.path for t in tiles_for(300))])
        level0 = (out / "tile/0/000").read_bytes() + (out / "tile/0/001.p/44").read_bytes()
        leaves = [level0[i:i + 32] for i in range(0, len(level0), 32)]
        assert mth(leaves) == checkpoint.root
        bundled = read_bundle((out / "tile/entries/000").read_bytes() + (out / "tile/entries/001.p/44").read_bytes())
        assert [leaf_hash(e) for e in bundled] == leaves

    def test_an_empty_log_has_nothing_to_export(self, database_url: str, tmp_path: Path) -> None:
        migrate(database_url)
        result = CliRunner().invoke(app, ["log", "tiles", str(tmp_path / "tiles"), "--database", database_url])
        assert result.exit_code == 1
        assert "no checkpoint yet" in result.output
        assert not (tmp_path / "tiles").exists()

    def test_a_planted_symlink_stops_the_export_with_a_message(self, engine: Engine, database_url: str,
                                                              tmp_path: Path, issuer: Issuer) -> None:
        log = Log(SqlStore(engine), NoteSigner.generate("cli.nguon/log"))
        log.append([issuer.statement() for _ in range(300)], issuer.lookup)
        out = tmp_path / "tiles"
        (out / "tile/0").mkdir(parents=True)
        victim = tmp_path / "victim"
        victim.write_bytes(b"not yours")
        (out / "tile/0/000").symlink_to(victim)
        result = CliRunner().invoke(app, ["log", "tiles", str(out), "--database", database_url])
        assert result.exit_code == 1, result.output
        assert "export refused" in result.output
        assert f"{out}/tile/0/000 is a symlink" in result.output
        assert victim.read_bytes() == b"not yours"
        assert not (out / "checkpoint").exists()
