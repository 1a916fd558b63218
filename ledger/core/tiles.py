"""The log as C2SP tlog-tiles (c2sp.org/tlog-tiles): Merkle tree tiles and entry bundles.

A tile at level L, index N holds the hashes of the complete subtrees of height 8L covering leaves
[(256N + i) * 256**L, (256N + i + 1) * 256**L) for i = 0..W-1: exactly the stored nodes at tree level 8L,
indices 256N .. 256N + W - 1 (ledger.core.merkle keys them `level << 48 | index`). An entry bundle N holds
entries 256N .. 256N + W - 1, each as a big-endian uint16 length and the entry's RFC 8785 bytes, whose
RFC 9162 leaf hash is the level-0 tile's hash. A full tile or bundle has W = 256; the rightmost ones of a
tree are partial (1 <= W <= 255) and their path ends in `.p/<W>`.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ledger.core.errors import InvalidValueError
from ledger.core.merkle import MAX_TREE_SIZE

WIDTH = 256
HEIGHT = 8
MAX_LEVEL = 63
MAX_BUNDLED_ENTRY_BYTES = 0xFFFF
"""An entry bundle prefixes each entry with a uint16 length (tlog-tiles, "Log entries")."""

# [0-9], not \d, which also matches full-width and other Unicode digits that int() would accept.
_INDEX_ELEMENT = re.compile(r"x[0-9]{3}")
_LAST_ELEMENT = re.compile(r"[0-9]{3}")
_NUMBER = re.compile(r"0|[1-9][0-9]{0,2}")
MAX_INDEX_ELEMENTS = -(-len(str(MAX_TREE_SIZE)) // 3)
"""No tile index of a tree this log can hold needs more 3-digit path elements; a longer path is refused before
any of it is read as a number (int() of thousands of digits is slow, and refused past 4,300)."""


def encode_index(index: int) -> str:
    """`index` as zero-padded 3-digit path elements, all but the last prefixed by `x` (1234067 → x001/x234/067)."""
    if index < 0:
        raise InvalidValueError(f"tile index {index} must not be negative")
    groups = []
    while True:
        index, group = divmod(index, 1000)
        groups.append(f"{group:03d}")
        if index == 0:
            break
    return "/".join(f"x{g}" for g in reversed(groups[1:])) + ("/" if len(groups) > 1 else "") + groups[0]


@dataclass(frozen=True)
class Tile:
    """A Merkle tree tile (`level` 0..63) or an entry bundle (`level` None), `index` N and `width` W."""

    level: int | None
    index: int
    width: int = WIDTH

    def __post_init__(self) -> None:
        if self.level is not None and not 0 <= self.level <= MAX_LEVEL:
            raise InvalidValueError(f"tile level {self.level} must be between 0 and {MAX_LEVEL}")
        if self.index < 0:
            raise InvalidValueError(f"tile index {self.index} must not be negative")
        if not 1 <= self.width <= WIDTH:
            raise InvalidValueError(f"tile width {self.width} must be between 1 and {WIDTH}")

    @property
    def path(self) -> str:
        """`tile/<L>/<N>[.p/<W>]`, or `tile/entries/<N>[.p/<W>]` for an entry bundle."""
        partial = "" if self.width == WIDTH else f".p/{self.width}"
        level = "entries" if self.level is None else str(self.level)
        return f"tile/{level}/{encode_index(self.index)}{partial}"

    @property
    def first(self) -> int:
        """The index of its first hash (at tree level 8L) or entry."""
        return self.index * WIDTH

    @classmethod
    def from_path(cls, path: str) -> "Tile":
        """Parse a tile or bundle path in exactly the form `path` writes; InvalidValueError otherwise."""
        parts = path.split("/", 2 + MAX_INDEX_ELEMENTS + 1)
        if len(parts) < 3 or parts[0] != "tile":
            raise InvalidValueError(f"tile path {path[:100]!r} is not tile/<L>/<N>[.p/<W>] or "
                                    "tile/entries/<N>[.p/<W>]")
        level_text, elements = parts[1], parts[2:]
        width = WIDTH
        if len(elements) >= 2 and elements[-2].endswith(".p"):
            width_text = elements.pop()
            elements[-1] = elements[-1].removesuffix(".p")
            if not _NUMBER.fullmatch(width_text) or not 1 <= int(width_text) < WIDTH:
                raise InvalidValueError(f"partial tile width {width_text[:20]!r} must be 1 to 255 without leading "
                                        "zeros")
            width = int(width_text)
        if len(elements) > MAX_INDEX_ELEMENTS:
            raise InvalidValueError(f"tile index of {len(elements)} or more path elements is beyond any tree of this "
                                    f"log; at most {MAX_INDEX_ELEMENTS} elements of 3 digits")
        if not (_LAST_ELEMENT.fullmatch(elements[-1]) and all(_INDEX_ELEMENT.fullmatch(e) for e in elements[:-1])):
            raise InvalidValueError(f"tile index {'/'.join(elements)[:60]!r} is not 3-digit elements, all but the "
                                    "last starting with x (e.g. x001/x234/067)")
        index = int("".join(e.removeprefix("x") for e in elements))
        if level_text == "entries":
            tile = cls(None, index, width)
        elif _NUMBER.fullmatch(level_text) and int(level_text) <= MAX_LEVEL:
            tile = cls(int(level_text), index, width)
        else:
            raise InvalidValueError(f"tile level {level_text[:20]!r} must be 0 to {MAX_LEVEL} without leading zeros")
        if tile.path != path:  # e.g. x000/001: one index, one path
            raise InvalidValueError(f"tile path {path[:100]!r} is not canonical; the path of that tile is "
                                    f"{tile.path!r}")
        return tile

    def available_in(self, size: int) -> bool:
        """Whether a tree of `size` entries holds everything this tile or bundle lists."""
        level = 0 if self.level is None else self.level
        return (self.first + self.width) << (HEIGHT * level) <= size


def tiles_for(size: int) -> Iterator[Tile]:
    """Every tile and entry bundle of the tree of `size` entries: the full ones, then the partial ones
    (`floor(size / 256**L) mod 256` wide at level L), level by level, entry bundles beside level 0."""
    if not 0 <= size <= MAX_TREE_SIZE:
        raise InvalidValueError(f"tree size {size} is out of range")
    level = 0
    while size >> (HEIGHT * level):
        hashes = size >> (HEIGHT * level)
        full, partial = divmod(hashes, WIDTH)
        for index in range(full):
            yield Tile(level, index)
            if level == 0:
                yield Tile(None, index)
        if partial:
            yield Tile(level, full, partial)
            if level == 0:
                yield Tile(None, full, partial)
        level += 1


def read_bundle(data: bytes) -> list[bytes]:
    """The entries of an entry bundle; InvalidValueError when a length runs past the end."""
    entries, at = [], 0
    while at < len(data):
        if at + 2 > len(data):
            raise InvalidValueError(f"entry bundle ends inside a length prefix at byte {at}")
        length = int.from_bytes(data[at:at + 2], "big")
        if at + 2 + length > len(data):
            raise InvalidValueError(f"entry at byte {at} claims {length} bytes; {len(data) - at - 2} remain")
        entries.append(data[at + 2:at + 2 + length])
        at += 2 + length
    return entries
