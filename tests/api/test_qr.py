"""QR codes read back by a real decoder (zxing-cpp): same URI, error correction Q, 4-module quiet zone."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from api.digital_link import DigitalLink
from api.qr import QUIET_ZONE, SVG_NAMESPACE, qr_modules, qr_png, qr_svg

ITEM = "https://nguon.example/01/08934567890120/10/LOT-2026%2F1/21/S0000001"
URIS = [
    ITEM,
    "https://nguon.example/01/08934567890120/10/LOT-2026%2F1",
    # the longest values a label can carry, every character percent-encoded
    DigitalLink("08934567890120", "%/&<>?\"'()*+,:;=!%/&", "/" * 20).uri("https://truy-xuat.nguon.example/v"),
]
_RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-\3z")


def decode(image: Image.Image) -> zxingcpp.Barcode:
    """The one QR code zxing-cpp finds in `image`."""
    found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    assert len(found) == 1
    return found[0]


def rasterise(svg: bytes, scale: int = 8) -> Image.Image:
    """Draw the runs of dark modules that qr_svg writes, to decode the SVG without an SVG renderer."""
    root = ET.fromstring(svg)  # noqa: S314 - the project's own output, not untrusted input
    size = int(root.attrib["viewBox"].split()[2])
    path = root.find(f"{{{SVG_NAMESPACE}}}path")
    assert path is not None
    data = path.attrib["d"]
    runs = _RUN.findall(data)
    assert "".join(f"M{x} {y}h{w}v1h-{w}z" for x, y, w in runs) == data
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w in ((int(x), int(y), int(w)) for x, y, w in runs):
        draw.rectangle((x * scale, y * scale, (x + w) * scale - 1, (y + 1) * scale - 1), fill=0)
    return image


class TestPng:
    """The PNG decodes to exactly the URI, at error correction level Q."""

    @pytest.mark.parametrize("uri", URIS)
    def test_decodes_to_the_uri_at_level_q(self, uri: str) -> None:
        found = decode(Image.open(io.BytesIO(qr_png(uri))))
        assert found.text == uri
        assert found.bytes == uri.encode("ascii")
        assert found.format == zxingcpp.BarcodeFormat.QRCode
        assert found.ec_level == "Q"

    def test_is_a_png(self) -> None:
        assert qr_png(ITEM).startswith(b"\x89PNG\r\n\x1a\n")

    @pytest.mark.parametrize("box_size", [1, 3, 10])
    def test_has_box_size_pixels_per_module_and_a_white_quiet_zone(self, box_size: int) -> None:
        image = Image.open(io.BytesIO(qr_png(ITEM, box_size=box_size))).convert("L")
        side = len(qr_modules(ITEM)) * box_size
        assert image.size == (side, side)
        margin = QUIET_ZONE * box_size
        for box in (
            (0, 0, side, margin),
            (0, side - margin, side, side),
            (0, 0, margin, side),
            (side - margin, 0, side, side),
        ):
            assert image.crop(box).getextrema() == (255, 255)
        assert image.crop((margin, margin, side - margin, side - margin)).getextrema() == (0, 255)

    def test_refuses_a_box_size_below_one(self) -> None:
        with pytest.raises(ValueError, match="box size 0 must be at least 1"):
            qr_png(ITEM, box_size=0)

    @pytest.mark.parametrize("uri", ["", "https://nguon.example/01/08934567890120/10/LÔ"])
    def test_refuses_an_empty_or_non_ascii_payload(self, uri: str) -> None:
        with pytest.raises(ValueError, match="non-empty ASCII URI"):
            qr_png(uri)


class TestModules:
    """The module grid is a QR symbol with four light modules on every side."""

    def test_surrounds_the_symbol_with_four_light_modules(self) -> None:
        modules = qr_modules(ITEM)
        size = len(modules)
        assert all(len(row) == size for row in modules)
        assert (size - 2 * QUIET_ZONE - 17) % 4 == 0  # a version 1-40 symbol is 17 + 4v modules wide
        edge = [
            *modules[:QUIET_ZONE],
            *modules[-QUIET_ZONE:],
            *(row[:QUIET_ZONE] + row[-QUIET_ZONE:] for row in modules),
        ]
        assert not any(any(row) for row in edge)
        assert modules[QUIET_ZONE][QUIET_ZONE]  # the top-left finder pattern starts right inside the zone


class TestSvg:
    """The SVG is a standalone document without external references that decodes to the URI."""

    @pytest.mark.parametrize("uri", URIS)
    def test_decodes_to_the_uri_at_level_q(self, uri: str) -> None:
        found = decode(rasterise(qr_svg(uri)))
        assert (found.text, found.ec_level) == (uri, "Q")

    def test_draws_the_same_modules_as_the_png(self) -> None:
        modules = qr_modules(ITEM)
        drawn = rasterise(qr_svg(ITEM), scale=1)
        assert [[drawn.getpixel((x, y)) == 0 for x in range(len(modules))] for y in range(len(modules))] == modules

    def test_parses_as_xml_with_an_svg_root(self) -> None:
        root = ET.fromstring(qr_svg(ITEM))  # noqa: S314 - the project's own output
        assert root.tag == f"{{{SVG_NAMESPACE}}}svg"
        size = len(qr_modules(ITEM))
        assert root.attrib["viewBox"] == f"0 0 {size} {size}"
        assert root.attrib["width"] == root.attrib["height"] == f"{size * 0.5:g}mm"

    def test_sizes_modules_in_millimetres(self) -> None:
        root = ET.fromstring(qr_svg(ITEM, module_mm=0.75))  # noqa: S314 - the project's own output
        assert root.attrib["width"] == f"{len(qr_modules(ITEM)) * 0.75:g}mm"

    def test_refuses_a_module_size_that_is_not_positive(self) -> None:
        with pytest.raises(ValueError, match="must be positive"):
            qr_svg(ITEM, module_mm=0)

    def test_refers_to_nothing_but_the_svg_namespace(self) -> None:
        text = qr_svg(ITEM).decode("ascii")
        assert set(re.findall(r"https?://[^\s\"'<>]*", text)) == {SVG_NAMESPACE}
        for needle in ("href", "<script", "<image", "<use", "url(", "<?xml", " id="):
            assert needle not in text

    def test_is_the_same_for_the_same_uri(self) -> None:
        assert qr_svg(ITEM) == qr_svg(ITEM)
