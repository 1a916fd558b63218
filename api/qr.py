"""QR codes for GS1 Digital Link URIs, as SVG documents and PNG images.

Every code uses error correction level Q (about 25% of codewords recoverable: labels on jars and
glazed ceramics get scratched, wet and curved) and a quiet zone of 4 modules, the minimum ISO/IEC
18004 asks for. The `qrcode` package chooses the version and the segment modes.
"""

import io
from functools import lru_cache
from typing import cast

import qrcode
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.image.pil import PilImage

QUIET_ZONE = 4
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
CACHED_CODES = 2048
"""Codes kept per process and format. Making one costs about 4 ms of CPU (the `qrcode` package tries all eight
masks in Python), and public pages (label sheets, QR images) ask for the same codes again and again; an SVG
is 3-8 KB, so the cache stays under about 16 MB."""


def _code(uri: str, box_size: int = 1) -> qrcode.QRCode:
    # A Digital Link URI is ASCII (values are percent-encoded); anything else would reach the
    # symbol as bytes whose character set a scanner has to guess.
    if not uri or not uri.isascii():
        raise ValueError(f"QR payload {uri!r} must be a non-empty ASCII URI (percent-encode other characters)")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE, box_size=box_size)
    code.add_data(uri)
    code.make(fit=True)
    return code


def qr_modules(uri: str) -> list[list[bool]]:
    """The module grid of the QR code for `uri`, quiet zone included; True is dark.

    Raises ValueError for an empty or non-ASCII `uri`.
    """
    return cast(list[list[bool]], _code(uri).get_matrix())


@lru_cache(maxsize=CACHED_CODES)
def qr_svg(uri: str, module_mm: float = 0.5) -> bytes:
    """A standalone SVG document (image/svg+xml, UTF-8) of the QR code for `uri`.

    One `<path>` of dark modules over a white square, in module units (viewBox), sized `module_mm`
    millimetres per module for print. No XML declaration, ids, scripts or external references, so
    the same text can be inlined in HTML any number of times. Raises ValueError for an empty or
    non-ASCII `uri` or a `module_mm` that is not positive.
    """
    if not module_mm > 0:
        raise ValueError(f"module size {module_mm} mm must be positive")
    modules = qr_modules(uri)
    size = len(modules)
    runs: list[str] = []
    for y, row in enumerate(modules):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    side = f"{size * module_mm:g}mm"
    svg = (
        f'<svg xmlns="{SVG_NAMESPACE}" version="1.1" viewBox="0 0 {size} {size}" width="{side}" height="{side}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
    return svg.encode("ascii")


@lru_cache(maxsize=CACHED_CODES)
def qr_png(uri: str, box_size: int = 10) -> bytes:
    """A PNG image (1-bit, black on white) of the QR code for `uri`, `box_size` pixels per module.

    Raises ValueError for an empty or non-ASCII `uri` or a `box_size` below 1.
    """
    if box_size < 1:
        raise ValueError(f"box size {box_size} must be at least 1 pixel per module")
    image = _code(uri, box_size).make_image(image_factory=PilImage, fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
