"""C2SP tlog-tiles: tile paths, which tiles a tree has, and tiles and entry bundles read from a stored log,
checked against an independent RFC 9162 Merkle tree hash of the leaves."""

import hashlib
import os
import stat
import time
from pathlib import Path

import pytest

from ledger.core.checkpoint import open_checkpoint
from ledger.core.errors import InvalidValueError, ProofError, UnsafePathError
from ledger.core.hashing import leaf_hash
from ledger.core.note import NoteSigner
from ledger.core.tiles import (
    MAX_BUNDLED_ENTRY_BYTES,
    MAX_INDEX_ELEMENTS,
    WIDTH,
    Tile,
    encode_index,
    read_bundle,
    tiles_for,
)
from ledger.core.types import MAX_STATEMENT_BYTES, Entry
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from ledger.store.tiles import export, read_tile
from tests.conftest import Issuer

SIZE = 600
"""Two full level-0 tiles and bundles, a partial one of 88, and a partial level-1 tile of width 2."""


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1 Merkle Tree Hash over leaf hashes, written out independently of ledger.core.merkle."""
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:split]) + mth(leaves[split:])).digest()


@pytest.fixture
def log(sql_store: SqlStore, issuer: Issuer) -> Log:
    log = Log(sql_store, NoteSigner.generate("tiles.nguon/log"))
    for start in range(0, SIZE, 250):
        log.append([issuer.statement() for _ in range(min(250, SIZE - start))], issuer.lookup)
    return log


class TestPaths:
    """Paths are written and read exactly as tlog-tiles spells them, one path per tile."""

    @pytest.mark.parametrize(("index", "text"), [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"),
                                                 (1234067, "x001/x234/067")])
    def test_encodes_indices_in_three_digit_elements(self, index: int, text: str) -> None:
        assert encode_index(index) == text

    @pytest.mark.parametrize("tile", [Tile(0, 0), Tile(3, 1234067, 17), Tile(None, 5), Tile(None, 1000, 255),
                                      Tile(63, 2**40)])
    def test_a_path_reads_back_as_its_tile(self, tile: Tile) -> None:
        assert Tile.from_path(tile.path) == tile

    @pytest.mark.parametrize("path", ["tile/0/x000/001", "tile/00/000", "tile/0/0000", "tile/0/01", "tile/0/000.p/0",
                                      "tile/0/000.p/256", "tile/0/000.p/017", "tile/64/000", "tile/-1/000",
                                      "tile/a/000", "tile/0/x001", "tile/0", "tiles/0/000", "tile/entries/000.p/",
                                      "tile/0/000/", "tile/0/001.p/3/4"])
    def test_refuses_a_path_that_is_not_the_canonical_form(self, path: str) -> None:
        with pytest.raises(InvalidValueError):
            Tile.from_path(path)

    @pytest.mark.parametrize("path", ["tile/0/００７", "tile/０/007", "tile/0/x００１/000", "tile/0/000.p/１７",
                                      "tile/entries/٠٠٧", "tile/0/00७"])
    def test_refuses_digits_that_are_not_ascii(self, path: str) -> None:
        with pytest.raises(InvalidValueError, match="tile"):
            Tile.from_path(path)

    @pytest.mark.parametrize("elements", [MAX_INDEX_ELEMENTS + 1, 1_500, 100_000])
    def test_refuses_an_index_longer_than_any_tree_before_reading_it_as_a_number(self, elements: int) -> None:
        path = "tile/0/" + "x001/" * (elements - 1) + "000"
        started = time.process_time()
        with pytest.raises(InvalidValueError, match=f"at most {MAX_INDEX_ELEMENTS} elements"):
            Tile.from_path(path)
        assert time.process_time() - started < 0.05

    def test_the_longest_index_of_any_tree_still_reads(self) -> None:
        tile = Tile(0, 10 ** (3 * MAX_INDEX_ELEMENTS) - 1)
        assert tile.path.count("/") == 1 + MAX_INDEX_ELEMENTS
        assert Tile.from_path(tile.path) == tile


class TestTilesOfATree:
    """The tiles of a tree are those the spec lists for its size."""

    def test_the_example_of_the_spec(self) -> None:
        # tlog-tiles: "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
        # tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one partial level
        # 2 tile of width 1."
        tiles = [t for t in tiles_for(70_000) if t.level is not None]
        assert [t for t in tiles if t.level == 0 and t.width == WIDTH] == [Tile(0, n) for n in range(273)]
        assert [t for t in tiles if t.width < WIDTH or t.level] == [Tile(0, 273, 112), Tile(1, 0), Tile(1, 1, 17),
                                                                     Tile(2, 0, 1)]
        bundles = [t for t in tiles_for(70_000) if t.level is None]
        assert bundles == [*(Tile(None, n) for n in range(273)), Tile(None, 273, 112)]

    def test_a_tree_of_256_has_one_full_tile_and_a_partial_one_above(self) -> None:
        assert list(tiles_for(256)) == [Tile(0, 0), Tile(None, 0), Tile(1, 0, 1)]

    def test_an_empty_tree_has_no_tiles(self) -> None:
        assert list(tiles_for(0)) == []


class TestStoredTiles:
    """Tiles and bundles read from the stored log agree with its entries and its signed root."""

    def test_tiles_and_bundles_rebuild_the_signed_tree(self, log: Log) -> None:
        with log.store.read() as view:
            checkpoint, _ = open_checkpoint(log.checkpoint(view).note, log.verifier)
            entries = [Entry.from_canonical(r.canonical) for r in view.entries(0, SIZE)]
            tiles = list(tiles_for(SIZE))
            data = {t: read_tile(view, t, SIZE) for t in tiles}
        level0 = b"".join(data[t] for t in tiles if t.level == 0)
        leaves = [level0[i:i + 32] for i in range(0, len(level0), 32)]
        assert leaves == [e.hash for e in entries]
        assert mth(leaves) == checkpoint.root
        bundled = [entry for t in tiles if t.level is None for entry in read_bundle(data[t])]
        assert [leaf_hash(e) for e in bundled] == leaves
        assert [t for t in tiles if t.level == 1] == [Tile(1, 0, 2)]
        assert data[Tile(1, 0, 2)] == mth(leaves[:256]) + mth(leaves[256:512])

    def test_a_tile_beyond_the_log_is_refused(self, log: Log) -> None:
        with log.store.read() as view:
            for beyond in (Tile(0, 2, 89), Tile(0, 3), Tile(None, 2, 89), Tile(1, 0, 3), Tile(1, 0)):
                with pytest.raises(ProofError, match="beyond the log's 600 entries"):
                    read_tile(view, beyond, SIZE)

    def test_a_partial_tile_of_an_earlier_size_is_still_served(self, log: Log) -> None:
        """The tiles of every earlier checkpoint stay available (their hashes never change)."""
        with log.store.read() as view:
            assert read_tile(view, Tile(0, 0, 250), SIZE) == read_tile(view, Tile(0, 0), SIZE)[:250 * 32]


class TestExport:
    """`export` writes the whole tree for a checkpoint, checkpoint last, and keeps full tiles on re-export."""

    def test_writes_every_tile_and_bundle_then_the_checkpoint(self, log: Log, tmp_path: Path) -> None:
        directory = tmp_path / "tiles"
        with log.store.read() as view:
            latest = log.checkpoint(view)
            assert export(view, latest, directory) == len(list(tiles_for(SIZE))) + 1
            for tile in tiles_for(SIZE):
                expected = read_tile(view, tile, SIZE)
                assert (directory / tile.path).read_bytes() == expected
        assert (directory / "checkpoint").read_text() == latest.note
        written = sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())
        assert written == sorted(["checkpoint", *(t.path for t in tiles_for(SIZE))])

    def test_a_second_export_rewrites_only_partial_tiles_and_the_checkpoint(self, log: Log, tmp_path: Path) -> None:
        directory = tmp_path / "tiles"
        with log.store.read() as view:
            export(view, log.checkpoint(view), directory)
            partial = [t for t in tiles_for(SIZE) if t.width < WIDTH]
            assert export(view, log.checkpoint(view), directory) == len(partial) + 1


class TestExportRefusesSymlinks:
    """A symlink at the export directory or anywhere in it is refused, and what it points to is left untouched."""

    @pytest.fixture
    def outside(self, tmp_path: Path) -> Path:
        """A file outside the export that a planted symlink points at."""
        victim = tmp_path / "victim"
        victim.write_bytes(b"precious")
        return victim

    def _refused(self, log: Log, directory: Path, outside: Path) -> UnsafePathError:
        with log.store.read() as view, pytest.raises(UnsafePathError, match="symlink") as refusal:
            export(view, log.checkpoint(view), directory)
        assert outside.read_bytes() == b"precious"
        return refusal.value

    def test_the_export_directory_itself(self, log: Log, tmp_path: Path, outside: Path) -> None:
        real = tmp_path / "elsewhere"
        real.mkdir()
        (tmp_path / "tiles").symlink_to(real)
        self._refused(log, tmp_path / "tiles", outside)
        assert list(real.iterdir()) == []

    def test_a_dangling_symlink_as_the_export_directory(self, log: Log, tmp_path: Path, outside: Path) -> None:
        (tmp_path / "tiles").symlink_to(tmp_path / "nowhere")
        self._refused(log, tmp_path / "tiles", outside)
        assert not (tmp_path / "nowhere").exists()

    def test_a_file_where_the_directory_should_be(self, log: Log, tmp_path: Path, outside: Path) -> None:
        (tmp_path / "tiles").write_bytes(b"not a directory")
        with log.store.read() as view, pytest.raises(UnsafePathError, match="not a directory"):
            export(view, log.checkpoint(view), tmp_path / "tiles")

    @pytest.mark.parametrize("planted", ["checkpoint", "tile/0/000", "tile/0/002.p/88", "tile/entries/001"])
    def test_a_file_in_it(self, log: Log, tmp_path: Path, outside: Path, planted: str) -> None:
        directory = tmp_path / "tiles"
        (directory / planted).parent.mkdir(parents=True)
        (directory / planted).symlink_to(outside)
        problem = self._refused(log, directory, outside)
        assert planted in str(problem)

    @pytest.mark.parametrize("planted", ["tile", "tile/0", "tile/entries"])
    def test_a_directory_in_it(self, log: Log, tmp_path: Path, outside: Path, planted: str) -> None:
        directory = tmp_path / "tiles"
        (directory / planted).parent.mkdir(parents=True, exist_ok=True)
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (directory / planted).symlink_to(elsewhere, target_is_directory=True)
        self._refused(log, directory, outside)
        assert not any(elsewhere.rglob("*")), "the export wrote through a symlinked directory"

    def test_the_refusal_comes_before_the_checkpoint(self, log: Log, tmp_path: Path, outside: Path) -> None:
        directory = tmp_path / "tiles"
        (directory / "tile/entries").mkdir(parents=True)
        (directory / "tile/entries/002.p/88").parent.mkdir()
        (directory / "tile/entries/002.p/88").symlink_to(outside)
        self._refused(log, directory, outside)
        assert not (directory / "checkpoint").exists()


class TestExportWritesAtomically:
    """Every file is replaced whole by a new one (never rewritten in place), readable by a static server."""

    def test_files_are_new_inodes_with_mode_0644_and_no_temporary_file_is_left(self, log: Log, tmp_path: Path) -> None:
        directory = tmp_path / "tiles"
        with log.store.read() as view:
            export(view, log.checkpoint(view), directory)
            before = {p: p.stat().st_ino for p in directory.rglob("*") if p.is_file()}
            export(view, log.checkpoint(view), directory)
        after = {p: p.stat().st_ino for p in directory.rglob("*") if p.is_file()}
        assert set(after) == set(before)
        for path, inode in after.items():
            assert stat.S_IMODE(path.stat().st_mode) & 0o777 == 0o644 & ~_umask()
            full = path.name == "000" or path.name == "001"
            assert (inode == before[path]) == full, f"{path}: full tiles are kept, the rest replaced"
        assert not [p for p in directory.rglob(".*")], "a temporary file was left behind"

    def test_a_reader_of_the_old_checkpoint_keeps_it_whole(self, log: Log, tmp_path: Path, issuer: Issuer) -> None:
        directory = tmp_path / "tiles"
        with log.store.read() as view:
            export(view, log.checkpoint(view), directory)
        with (directory / "checkpoint").open("rb") as reading:
            log.append([issuer.statement()], issuer.lookup)
            with log.store.read() as view:
                latest = log.checkpoint(view)
                export(view, latest, directory)
            old = reading.read().decode()
        assert old != latest.note
        assert old.split("\n")[1] == str(SIZE)
        assert (directory / "checkpoint").read_text() == latest.note


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


class TestEntrySize:
    """Every entry the ledger can make fits an entry bundle's uint16 length."""

    def test_the_largest_statement_at_the_largest_index_fits_a_bundle(self, issuer: Issuer) -> None:
        statement, signature = issuer.statement()
        base = len(statement.canonical) - len(statement.body["lot"])  # type: ignore[arg-type]
        largest, signature = issuer.statement(lot="x" * (MAX_STATEMENT_BYTES - base))
        assert len(largest.canonical) == MAX_STATEMENT_BYTES
        entry = Entry(2**53 - 1, b"\xff" * 32, "2026-11-27T09:30:00.123Z", largest, signature)  # type: ignore[arg-type]
        assert len(entry.canonical) <= MAX_BUNDLED_ENTRY_BYTES
