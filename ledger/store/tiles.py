"""Reading a stored log as C2SP tlog-tiles (see ledger.core.tiles for the layout), and exporting it as files."""

from collections.abc import Callable
from pathlib import Path

from ledger.core.errors import InvalidValueError, MissingDataError, ProofError
from ledger.core.merkle import NodeId
from ledger.core.tiles import HEIGHT, MAX_BUNDLED_ENTRY_BYTES, WIDTH, Tile, tiles_for
from ledger.files.safe_dir import SafeDirectory
from ledger.store.protocol import ReadView, StoredCheckpoint


def read_tile(view: ReadView, tile: Tile, size: int) -> bytes:
    """The bytes of `tile` in the tree of `size` entries (which `view` holds): a hash tile's hashes
    concatenated, or an entry bundle (each entry's big-endian uint16 length and RFC 8785 bytes). ProofError
    when the tree is not that big; InvalidValueError for an entry too long for a bundle; MissingDataError when the
    store lacks nodes it should hold."""
    if not tile.available_in(size):
        raise ProofError(f"{tile.path} is beyond the log's {size} entries")
    if tile.level is None:
        return _bundle(view, tile)
    low = NodeId(HEIGHT * tile.level, tile.first).key
    nodes = view.nodes_between(low, low + tile.width)
    if len(nodes) != tile.width:
        raise MissingDataError(f"{tile.path}: {len(nodes)} of its {tile.width} nodes are stored")
    return b"".join(h for _, h in nodes)


def _bundle(view: ReadView, tile: Tile) -> bytes:
    parts = []
    for row in view.entries(tile.first, tile.first + tile.width):
        if len(row.canonical) > MAX_BUNDLED_ENTRY_BYTES:
            raise InvalidValueError(f"entry {row.index} has {len(row.canonical)} bytes; an entry bundle carries "
                                    f"at most {MAX_BUNDLED_ENTRY_BYTES}")
        parts.append(len(row.canonical).to_bytes(2, "big") + row.canonical)
    return b"".join(parts)


def export(view: ReadView, checkpoint: StoredCheckpoint, directory: Path,
           progress: Callable[[int, int], None] | None = None) -> int:
    """Write the log as static tlog-tiles under `directory` for the tree `checkpoint` signs: every tile and
    entry bundle of that size, then `checkpoint` itself, last and after the tiles are durable, so a server of
    the directory never offers a checkpoint whose tiles are missing. Full tiles already there are kept (they
    never change). Every file is written whole or not at all, and never through a symlink (see
    ledger.files.safe_dir). Returns how many files it wrote.

    Raises UnsafePathError, before or while writing, when `directory` or anything in it on the way is a symlink.
    """
    tiles = list(tiles_for(checkpoint.size))
    written = 0
    with SafeDirectory(directory) as target:
        for done, tile in enumerate(tiles, start=1):
            if tile.width < WIDTH or not target.existing_file(tile.path):
                target.write(tile.path, read_tile(view, tile, checkpoint.size))
                written += 1
            if progress is not None:
                progress(done, len(tiles))
        target.sync()
        target.write("checkpoint", checkpoint.note.encode())
        target.sync()
    return written + 1
