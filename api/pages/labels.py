"""Printable A4 sheets of QR labels for batches and items.

A sheet is one self-contained HTML page: CSS sized in millimetres for A4 label stock, each label's
QR code inlined as SVG, no scripts, fonts, images or other external assets. All text passes through
Jinja2 autoescaping; only the QR SVG, which this module builds and which holds no caller text, is
inserted as markup. Print at 100% scale with no added margins.
"""

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from api.digital_link import DigitalLink
from api.lru import Lru
from api.qr import qr_svg

A4_WIDTH_MM = 210.0
A4_HEIGHT_MM = 297.0
_PADDING_MM = 2.0


@dataclass(frozen=True)
class Label:
    """One label: the product's Vietnamese name, optionally its English name, and the code it carries."""

    name_vi: str
    link: DigitalLink
    name_en: str | None = None

    def __post_init__(self) -> None:
        if not self.name_vi.strip():
            raise ValueError(f"label for {self.link.element_string()} has an empty Vietnamese product name")


@dataclass(frozen=True)
class SheetLayout:
    """A grid of equal labels on A4, centred; the default is 3 x 8 labels of 70 x 37 mm.

    Raises ValueError when the grid does not fit the page or a label is too small for a QR code.
    """

    columns: int = 3
    rows: int = 8
    label_width_mm: float = 70.0
    label_height_mm: float = 37.0

    def __post_init__(self) -> None:
        if self.columns < 1 or self.rows < 1:
            raise ValueError(f"layout {self.columns} x {self.rows} needs at least one column and one row")
        width, height = self.columns * self.label_width_mm, self.rows * self.label_height_mm
        if width > A4_WIDTH_MM or height > A4_HEIGHT_MM:
            raise ValueError(
                f"layout {self.columns} x {self.rows} of {self.label_width_mm:g} x {self.label_height_mm:g} mm "
                f"needs {width:g} x {height:g} mm; A4 is {A4_WIDTH_MM:g} x {A4_HEIGHT_MM:g} mm"
            )
        if self.qr_mm < 15 or self.label_width_mm < self.qr_mm + 25:
            raise ValueError(
                f"label {self.label_width_mm:g} x {self.label_height_mm:g} mm leaves a {self.qr_mm:g} mm QR code "
                "and too little room for text; labels need at least 19 mm height and 25 mm beside the code"
            )

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def padding_mm(self) -> float:
        """The white space inside each label's edge, and between its code and its text."""
        return _PADDING_MM

    @property
    def qr_mm(self) -> float:
        """The printed side of each QR code, quiet zone included: the label height less its padding."""
        return self.label_height_mm - 2 * self.padding_mm

    @property
    def left_mm(self) -> float:
        return (A4_WIDTH_MM - self.columns * self.label_width_mm) / 2

    @property
    def top_mm(self) -> float:
        return (A4_HEIGHT_MM - self.rows * self.label_height_mm) / 2

    @property
    def sheet_height_mm(self) -> float:
        # One sheet per printed page; the bottom margin is left off so that rounding in the browser
        # never spills a sheet onto a second page.
        return self.top_mm + self.rows * self.label_height_mm


@dataclass(frozen=True)
class _Cell:
    name_vi: str
    name_en: str | None
    lot: str
    serial: str | None
    element_string: str
    svg: Markup


def _mm(value: float) -> str:
    return f"{value:g}mm"


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("api.pages", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["mm"] = _mm
    return environment


def label_sheet_html(labels: Sequence[Label], title: str, *, base_url: str, layout: SheetLayout | None = None) -> str:
    """An HTML document printing `labels` in order, `layout.per_page` to an A4 page.

    Each label shows the Vietnamese name, the English name smaller, the lot, the serial if any, the
    GS1 element string `(01)…(10)…(21)…`, and the QR code of the link's URI on `base_url`.
    Raises ValueError for no labels, and DigitalLinkError (a ValueError) for a bad `base_url`.
    """
    if not labels:
        raise ValueError("a label sheet needs at least one label")
    layout = layout or SheetLayout()
    cells = [
        _Cell(
            name_vi=label.name_vi,
            name_en=label.name_en,
            lot=label.link.lot,
            serial=label.link.serial,
            element_string=label.link.element_string(),
            # Safe as markup: qr_svg writes only numbers and fixed attribute text, never caller text.
            svg=Markup(qr_svg(label.link.uri(base_url)).decode("ascii")),  # noqa: S704
        )
        for label in labels
    ]
    pages = [cells[start : start + layout.per_page] for start in range(0, len(cells), layout.per_page)]
    return _environment().get_template("labels.html").render(title=title, pages=pages, layout=layout)


class SheetsBusyError(Exception):
    """Another sheet is being rendered; `LabelSheets` renders one at a time."""


class LabelSheets:
    """Label sheets of one process: the last `capacity` rendered, by what they show, and at most one rendered
    at a time.

    A sheet is public and, when its codes are new (every serial is), costs about 6 ms of CPU per label; one
    rendering at a time keeps a flood of such requests to one thread's worth of CPU, while cached sheets and
    every other page go on being served. A sheet of 240 labels is about 1.5 MB of HTML.
    """

    def __init__(self, capacity: int = 16) -> None:
        self.cache: Lru[tuple[tuple[Label, ...], str, str, SheetLayout], str] = Lru(capacity)
        self.rendering = threading.Lock()
        """Held while a sheet is rendered."""

    def html(self, labels: tuple[Label, ...], title: str, *, base_url: str, layout: SheetLayout) -> str:
        """`label_sheet_html` of these arguments, from the cache when it holds them.

        Raises SheetsBusyError, without waiting, when it is not cached and another sheet is being rendered.
        """
        key = (labels, title, base_url, layout)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        # Not waiting: a waiting request would hold one of the server's worker threads, and enough of them
        # would stall every other page.
        if not self.rendering.acquire(blocking=False):
            raise SheetsBusyError("another label sheet is being rendered")
        try:
            return self.cache.put(key, label_sheet_html(labels, title, base_url=base_url, layout=layout))
        finally:
            self.rendering.release()
