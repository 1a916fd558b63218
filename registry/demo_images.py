"""The demo's product pictures, drawn by code: a figure in one colour on a ground of another, as a PNG.

No photograph is shipped: each demo product gets a small picture made at demo time from `demo_data/timeline.json`
(`images`: KEY -> [shape, ground colour, figure colour]), stored like any producer's upload.
"""

import math
import struct
import zlib
from collections.abc import Callable

SIDE = 96
SHAPES: dict[str, Callable[[float, float], bool]] = {
    "circle": lambda x, y: math.hypot(x, y) < 0.62,
    "bottle": lambda x, y: (abs(x) < 0.28 and -0.25 < y < 0.8) or (abs(x) < 0.1 and -0.75 < y <= -0.25),
    "cone": lambda x, y: -0.55 < y < 0.45 and abs(x) < (y + 0.55) * 0.9,
    "leaf": lambda x, y: (x / 0.45) ** 2 + (y / 0.75) ** 2 < 1 and abs(x + y * 0.2) > 0.03,
    "grid": lambda x, y: abs(x) < 0.7 and abs(y) < 0.6 and (int((x + 1) * 8) + int((y + 1) * 8)) % 2 == 0,
}
"""Figures in a square from -1 to 1 each way, y downwards: a fruit, a bottle, a hat, a leaf, a weave."""


def _rgb(colour: str) -> bytes:
    return bytes.fromhex(colour.removeprefix("#"))


def _chunk(kind: bytes, data: bytes) -> bytes:
    # PNG 5.3: length, type, data, CRC-32 of type and data.
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, pixel: Callable[[int, int], bytes]) -> bytes:
    """A truecolour PNG of `width` x `height` whose pixel (column, row) is the 3 bytes `pixel` gives."""
    rows = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(width)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 9))
            + _chunk(b"IEND", b""))


def picture(shape: str, ground: str, figure: str) -> bytes:
    """A SIDE x SIDE picture of `shape` (one of SHAPES) in colour `figure` on `ground` (#rrggbb)."""
    inside, back, front = SHAPES[shape], _rgb(ground), _rgb(figure)
    scale = (SIDE - 1) / 2
    return png(SIDE, SIDE, lambda x, y: front if inside(x / scale - 1, y / scale - 1) else back)
