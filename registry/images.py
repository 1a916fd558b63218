"""Product images: what a product statement's `image` hash names, kept by the registry beside the log.

An image is accepted only as PNG, JPEG or WebP, as its own first bytes say (what a client declares is checked
against them, never believed), at most MAX_BYTES long and MAX_SIDE pixels a side as its header says (a small
file can declare a picture that would exhaust a phone decoding it). It is stored by the SHA-256 of its bytes,
so one picture is stored once, whoever uploads it, and what a hash names can never change.
"""

import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from registry.errors import RuleViolationError
from registry.held import RegImage

MEDIA_TYPES = ("image/png", "image/jpeg", "image/webp")
MAX_BYTES = 524_288
"""512 KiB: a product photo for a phone's screen, compressed, is well under it."""
MAX_SIDE = 4096
URL = "/api/v1/images/{sha256}"
"""Where the registry serves an image, from its own base URL."""

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
"""JPEG start-of-frame markers (ITU T.81 B.1.1.3): every SOFn but DHT, JPG and DAC, which share the range."""


@dataclass(frozen=True)
class Image:
    sha256: str
    media_type: str
    width: int
    height: int


class ImageError(RuleViolationError):
    """The bytes are not an image the registry keeps; `status` is the HTTP status that says why."""

    def __init__(self, code: str, status: int, en: str, vi: str) -> None:
        super().__init__(code, en, vi)
        self.status = status


def image_url(sha256: str) -> str:
    return URL.format(sha256=sha256)


def sniff(data: bytes) -> str | None:
    """The media type the bytes' signature says, or None for anything but PNG, JPEG and WebP."""
    if data.startswith(_PNG):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    # PNG 11.2.2: the IHDR chunk comes first, width and height big-endian after its length and type.
    if data[12:16] != b"IHDR" or len(data) < 24:
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    # Walk the marker segments to the first start of frame: FF, marker, 2-byte length, then P, Y, X. A marker may
    # be preceded by any number of FF fill bytes (ITU T.81 B.1.1.2).
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:
            at += 1
            continue
        if marker in _JPEG_FRAMES:
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return int(width), int(height)
        at += 2 + int(struct.unpack(">H", data[at + 2:at + 4])[0])
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    # RFC 9649 2.5-2.7: the first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended).
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


_SIZES = {"image/png": _png_size, "image/jpeg": _jpeg_size, "image/webp": _webp_size}


def examine(data: bytes, declared: str | None) -> Image:
    """The image `data` holds, checked: its type from its own bytes (and equal to `declared`, the media type the
    client gave, when it gave one), its size, its sides. Raises ImageError saying what is wrong."""
    if len(data) > MAX_BYTES:
        raise ImageError("image-too-large", 413, f"the image has {len(data)} bytes; at most {MAX_BYTES} are kept",
                         f"ảnh có {len(data)} byte; hệ thống chỉ nhận ảnh tối đa {MAX_BYTES} byte")
    found = sniff(data)
    if found is None:
        raise ImageError("image-type-unsupported", 415, "the bytes are not a PNG, JPEG or WebP image",
                         "dữ liệu không phải ảnh PNG, JPEG hay WebP")
    if declared is not None and declared != found:
        raise ImageError("image-type-mismatch", 415, f"the request says {declared}, but the bytes are {found}",
                         f"yêu cầu ghi loại {declared} nhưng dữ liệu là ảnh {found}")
    sides = _SIZES[found](data)
    if sides is None or min(sides) < 1:
        raise ImageError("image-malformed", 422, f"the {found} image's header does not give its size",
                         f"phần đầu của ảnh {found} không cho biết kích thước ảnh")
    if max(sides) > MAX_SIDE:
        raise ImageError("image-too-large", 413, f"the image is {sides[0]}x{sides[1]} pixels; at most {MAX_SIDE} a "
                         "side are kept", f"ảnh có kích thước {sides[0]}x{sides[1]} điểm ảnh; mỗi cạnh tối đa "
                         f"{MAX_SIDE} điểm ảnh")
    return Image(hashlib.sha256(data).hexdigest(), found, *sides)


def store(connection: Connection, organisation: str, data: bytes, declared: str | None) -> tuple[Image, bool]:
    """Examine `data` and keep it, uploaded by `organisation`; the image and whether it was new (an image already
    kept is kept once, by whoever uploaded it first)."""
    image = examine(data, declared)
    table = RegImage.__table__  # type: ignore[attr-defined]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    # Two uploads of one picture at once: the first insert wins and the other changes nothing.
    added = connection.execute(dialect.insert(table).values(
        sha256=image.sha256, media_type=image.media_type, width=image.width, height=image.height, data=data,
        organisation=organisation, created_at=datetime.now(UTC).isoformat()
    ).on_conflict_do_nothing().returning(table.c.sha256)).first()
    return image, added is not None


def kept(connection: Connection, sha256: str) -> bool:
    """Whether the image with this SHA-256 (hex) is kept."""
    table = RegImage.__table__  # type: ignore[attr-defined]
    return connection.execute(select(table.c.sha256).where(table.c.sha256 == sha256)).first() is not None


def load(connection: Connection, sha256: str) -> tuple[str, bytes] | None:
    """The media type and bytes of the image with this SHA-256 (hex), or None."""
    table = RegImage.__table__  # type: ignore[attr-defined]
    row = connection.execute(select(table.c.media_type, table.c.data).where(table.c.sha256 == sha256)).first()
    return None if row is None else (str(row[0]), bytes(row[1]))
