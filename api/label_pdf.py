"""Printable PDF labels for batches and items: each label carries the QR code of its GS1 Digital Link URI (the
same URI and the same code as the HTML label sheets, api/pages/labels.py), the product's name, the lot and a
few words in Vietnamese.

The QR code is drawn as vector squares from api.qr's module grid, so it stays sharp at any printer's resolution;
text is set in DejaVu Sans, embedded from matplotlib's data directory, which has every Vietnamese letter (no font
package of the system is needed). Two layouts: an A4 sheet of equal labels in a centred grid, or one label per
page of the label's own size (label printers and their rolls).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

import matplotlib
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from api.digital_link import DigitalLink
from api.qr import qr_modules
from registry.words import day

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
SIZES_MM = (30, 40, 50)
"""Label heights offered; a label is twice as wide as it is high: its code on the left, its words on the right."""
LAYOUTS = ("a4", "single")
MARGIN_MM = 5.0
"""The white border of an A4 sheet, which most office printers leave unprinted anyway."""
PADDING_MM = 1.5
MAX_LABELS = 240
"""Labels in one PDF, as on one HTML sheet (api.routes.codes.MAX_LABELS): each code costs CPU when new."""


@dataclass(frozen=True)
class PdfLabel:
    """One label: the product's Vietnamese name, the code it carries, and the batch's production date."""

    name_vi: str
    link: DigitalLink
    produced_on: str | None = None

    def __post_init__(self) -> None:
        if not self.name_vi.strip():
            raise ValueError(f"label for {self.link.element_string()} has an empty Vietnamese product name")


@dataclass(frozen=True)
class PdfLayout:
    """Labels `size_mm` high and twice as wide, on A4 sheets ("a4") or one per page ("single")."""

    kind: str = "a4"
    size_mm: int = 40

    def __post_init__(self) -> None:
        if self.kind not in LAYOUTS:
            raise ValueError(f"layout {self.kind!r} is not one of {', '.join(LAYOUTS)}")
        if self.size_mm not in SIZES_MM:
            raise ValueError(f"label size {self.size_mm} mm is not one of {', '.join(map(str, SIZES_MM))} mm")

    @property
    def label(self) -> tuple[float, float]:
        """Width and height of a label, in points."""
        return 2 * self.size_mm * mm, self.size_mm * mm

    @property
    def grid(self) -> tuple[int, int]:
        """Columns and rows of labels on a page."""
        if self.kind == "single":
            return 1, 1
        width, height = self.label
        return int((A4[0] - 2 * MARGIN_MM * mm) // width), int((A4[1] - 2 * MARGIN_MM * mm) // height)

    @property
    def per_page(self) -> int:
        columns, rows = self.grid
        return columns * rows

    @property
    def page(self) -> tuple[float, float]:
        return A4 if self.kind == "a4" else self.label


@cache
def pdf_fonts() -> tuple[str, str]:
    """Register DejaVu Sans and its bold face with reportlab, once per process; their names (regular, bold). Every
    PDF of the registry (labels, the audit report) is set in them."""
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    return FONT, BOLD


def labels_pdf(labels: Sequence[PdfLabel], title: str, *, base_url: str, layout: PdfLayout) -> bytes:
    """A PDF of `labels` in order, `layout.per_page` to a page. Raises ValueError for no labels, more than
    MAX_LABELS, or a `base_url` a Digital Link cannot start with (DigitalLinkError)."""
    if not labels:
        raise ValueError("a label PDF needs at least one label")
    if len(labels) > MAX_LABELS:
        raise ValueError(f"a label PDF holds at most {MAX_LABELS} labels, not {len(labels)}")
    pdf_fonts()
    out = BytesIO()
    canvas = Canvas(out, pagesize=layout.page, pageCompression=1, invariant=1)
    canvas.setTitle(title)
    canvas.setAuthor("Nguồn")
    columns, rows = layout.grid
    width, height = layout.label
    left = (layout.page[0] - columns * width) / 2
    top = (layout.page[1] + rows * height) / 2
    for number, label in enumerate(labels):
        place = number % layout.per_page
        if number and not place:
            canvas.showPage()
        column, row = place % columns, place // columns
        _label(canvas, label, base_url, left + column * width, top - (row + 1) * height, width, height,
               outline=layout.kind == "a4")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _label(canvas: Canvas, label: PdfLabel, base_url: str, x: float, y: float, width: float, height: float,
           outline: bool) -> None:
    """One label with its lower left corner at (x, y)."""
    if outline:  # a hairline to cut along on plain paper; pre-cut label stock ignores it
        canvas.setStrokeGray(0.75)
        canvas.setLineWidth(0.25)
        canvas.rect(x, y, width, height, stroke=1, fill=0)
    pad = PADDING_MM * mm
    side = height - 2 * pad
    _qr(canvas, label.link.uri(base_url), x + pad, y + pad, side)
    _words(canvas, label, x + side + 2 * pad, y + pad, width - side - 3 * pad, side)


def _qr(canvas: Canvas, uri: str, x: float, y: float, side: float) -> None:
    """The QR code of `uri`, quiet zone included, as a `side` square of vector modules: each run of dark modules
    of a row is one rectangle, so scanners see no seams between modules."""
    modules = qr_modules(uri)
    unit = side / len(modules)
    canvas.setFillGray(1)
    canvas.rect(x, y, side, side, stroke=0, fill=1)
    canvas.setFillGray(0)
    path = canvas.beginPath()
    for r, line in enumerate(modules):
        c = 0
        while c < len(line):
            if not line[c]:
                c += 1
                continue
            start = c
            while c < len(line) and line[c]:
                c += 1
            path.rect(x + start * unit, y + side - (r + 1) * unit, (c - start) * unit, unit)
    canvas.drawPath(path, stroke=0, fill=1)


def _words(canvas: Canvas, label: PdfLabel, x: float, y: float, width: float, height: float) -> None:
    """The product's name (bold, as large as fits in up to three lines), then the lot, the serial, the production
    date and how to use the code, shrunk to the label's width rather than cut."""
    link = label.link
    details = [f"Số lô: {link.lot}"]
    if link.serial is not None:
        details.append(f"Số sê-ri: {link.serial}")
    if label.produced_on:
        details.append(f"Ngày sản xuất: {day(label.produced_on, 'vi')}")
    details.append("Quét mã để xem nguồn gốc")
    small = max(5.0, min(8.0, height / 2.0 / (len(details) + 0.5) / 1.2))
    name_size, lines = _fitted(label.name_vi, width, height - (len(details) + 0.4) * small * 1.2)
    canvas.setFillGray(0)
    line_y = y + height - name_size
    canvas.setFont(BOLD, name_size)
    for line in lines:
        canvas.drawString(x, line_y, line)
        line_y -= name_size * 1.15
    line_y = y + (len(details) - 1) * small * 1.2 + small * 0.3
    # One size for every line, the widest one's fitted size: lines of one label that differ in size look wrong.
    size = min(small, *(small * width / max(pdfmetrics.stringWidth(text, FONT, small), 1) for text in details))
    canvas.setFont(FONT, size)
    for text in details:
        canvas.drawString(x, line_y, text)
        line_y -= small * 1.2


def _fitted(name: str, width: float, height: float) -> tuple[float, list[str]]:
    """The largest size (12 pt down to 5 pt) at which `name` fits `width` in lines that fit `height`, and those
    lines; at the smallest size, what does not fit in three lines ends in an ellipsis."""
    size = 12.0
    while size > 5.0:
        lines = simpleSplit(name, BOLD, size, width)
        if len(lines) <= 3 and len(lines) * size * 1.15 <= height:
            return size, lines
        size -= 0.5
    lines = simpleSplit(name, BOLD, size, width)
    fits = max(1, min(3, int(height // (size * 1.15))))
    if len(lines) > fits:
        lines = lines[:fits]
        lines[-1] = lines[-1][: max(1, len(lines[-1]) - 1)] + "…"
    return size, lines
