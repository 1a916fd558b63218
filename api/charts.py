"""Charts drawn on the server as SVG with matplotlib, to inline in a page beside the table of their numbers.

matplotlib is imported on the first chart, not with the application: most processes never draw one. Its text is
kept as SVG text (`svg.fonttype` "none") in DejaVu Sans, falling back to the browser's sans-serif: the file stays
small, Vietnamese diacritics render with any system font, and a reader can select the words. The output is
deterministic (no date, no creator, fixed ids), so the same figures give the same bytes.

A chart is only a picture of a table: the page gives it role="img", a name, and the table itself; the SVG carries
no title or description of its own to repeat.
"""

import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

INK, SOFT, GRID = "#1c1c1c", "#5a5a5a", "#ddd6c8"
BAR = "#1b6b36"
"""The pages' --ok green: 6.9:1 against white, as bars and as text."""
ALERT = "#b3261e"
"""The pages' --bad red: 5.9:1 against white."""
_LOCK = threading.Lock()
"""pyplot's state is global: one figure at a time."""
_WIDTH = 6.4
_MAX_LABEL = 34


@dataclass(frozen=True)
class Series:
    """One set of bars: a name for the legend and a value per category."""

    name: str
    values: Sequence[float]
    colour: str = BAR


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("svg")
    matplotlib.rcParams.update({
        "svg.fonttype": "none", "svg.hashsalt": "nguon", "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"], "font.size": 10, "text.color": INK, "axes.labelcolor": INK,
        "axes.edgecolor": SOFT, "xtick.color": INK, "ytick.color": INK, "axes.spines.top": False,
        "axes.spines.right": False, "figure.dpi": 72, "savefig.dpi": 72})
    import matplotlib.pyplot as plt

    return plt


def _short(label: str) -> str:
    return label if len(label) <= _MAX_LABEL else label[:_MAX_LABEL - 1] + "…"


def _svg(figure: Any, plt: Any, ident: str) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None, "Format": None,
                                                                      "Type": None})
    plt.close(figure)
    text = out.getvalue()
    text = text[text.index("<svg"):]  # the XML declaration and DOCTYPE have no place inside HTML
    # Sized by the page (CSS), scaled by its viewBox; the font falls back to the browser's sans-serif.
    text = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r'<svg \1', text, count=1)
    text = text.replace("'DejaVu Sans'", "'DejaVu Sans', sans-serif")
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    # Several charts share a page: every id (and what refers to one) gets the chart's own prefix.
    text = re.sub(r'\bid="([^"]+)"', rf'id="{ident}-\1"', text)
    return re.sub(r'(url\(#|href="#)([^)"]+)', rf"\1{ident}-\2", text).strip()


def thousands(value: float, lang: str) -> str:
    """A whole number grouped by thousands as each language writes it: "1.200" in Vietnamese, "1,200" in English."""
    text = f"{value:,.0f}"
    return text.replace(",", ".") if lang == "vi" else text


def _integers(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True, nbins=6))


def bars(ident: str, categories: Sequence[str], series: Sequence[Series], *, value_label: str, horizontal: bool = True,
         percent: bool = False, lang: str = "vi") -> str:
    """Bars of each series per category as an SVG element: horizontal (names read left to right, one a row) or
    vertical (a time axis). `percent` puts a reference line at 100. `ident` prefixes the SVG's ids, unique in
    the page."""
    with _LOCK:
        plt = _pyplot()
        count = max(1, len(categories))
        height = (1.1 + 0.36 * count * max(1, len(series))) if horizontal else 3.2
        figure, ax = plt.subplots(figsize=(_WIDTH, min(height, 14.0)))
        width = 0.8 / max(1, len(series))
        positions = range(len(categories))
        for i, one in enumerate(series):
            at = [p + (i - (len(series) - 1) / 2) * width for p in positions]
            if horizontal:
                ax.barh(at, one.values, height=width, color=one.colour, label=one.name)
            else:
                ax.bar(at, one.values, width=width, color=one.colour, label=one.name)
        labels = [_short(c) for c in categories]
        value_axis = ax.xaxis if horizontal else ax.yaxis
        if horizontal:
            ax.set_yticks(list(positions), labels)
            ax.invert_yaxis()
            ax.set_xlabel(value_label)
            ax.grid(axis="x", color=GRID, linewidth=0.8)
            if percent:
                ax.axvline(100, color=ALERT, linewidth=1.2, linestyle="--")
        else:
            step = max(1, len(categories) // 8)
            ax.set_xticks(list(positions)[::step], labels[::step], rotation=0)
            ax.set_ylabel(value_label)
            ax.grid(axis="y", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        if not percent:
            _integers(value_axis)
        from matplotlib.ticker import FuncFormatter

        value_axis.set_major_formatter(FuncFormatter(lambda v, _p: thousands(v, lang)))
        if len(series) > 1:
            ax.legend(frameon=False, loc="best")
        return _svg(figure, plt, ident)


@dataclass(frozen=True)
class Chart:
    """A chart as a page shows it: its name (also the picture's accessible name), the SVG, and the table of its
    numbers (header cells, rows of cells); `empty` says in words that there is nothing to draw."""

    ident: str
    title: str
    svg: str
    head: Sequence[str]
    rows: Sequence[Sequence[str]]
    empty: str | None = None
    note: str | None = None
