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
_WIDTH = 5.0
"""Inches at 72 dpi: 360 units wide, about a phone's column, so that text keeps its size there."""
_LABEL = 46
"""Characters of a category's name written above its bars, at most."""


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
        # Names are text: a "$" in a GI's or holder's name must not start matplotlib's mathtext (a 500 for all).
        "text.parse_math": False,
        "svg.fonttype": "none", "svg.hashsalt": "nguon", "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"], "font.size": 12, "text.color": INK, "axes.labelcolor": INK,
        "axes.edgecolor": SOFT, "xtick.color": INK, "ytick.color": INK, "axes.spines.top": False,
        "axes.spines.right": False, "figure.dpi": 72, "savefig.dpi": 72})
    import matplotlib.pyplot as plt

    return plt


def _short(label: str) -> str:
    return label if len(label) <= _LABEL else label[:_LABEL - 1].rstrip() + "…"


_STYLE_ATTRIBUTE = re.compile(r'style="([^"]*)"')


def _presentation(found: re.Match[str]) -> str:
    pairs = (part.split(":", 1) for part in found.group(1).split(";") if ":" in part)
    return " ".join(f'{name.strip()}="{value.strip()}"' for name, value in pairs)


def _svg(figure: Any, plt: Any, ident: str) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None, "Format": None,
                                                                      "Type": None})
    plt.close(figure)
    text = out.getvalue()
    text = text[text.index("<svg"):]  # the XML declaration and DOCTYPE have no place inside HTML
    # Sized by the page (CSS), scaled by its viewBox; the font falls back to the browser's sans-serif.
    text = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r'<svg \1', text, count=1)
    # The pages' Content-Security-Policy allows their own <style> elements by hash, never a style attribute: the
    # SVG's styles become presentation attributes, which no policy governs.
    text = re.sub(r'<style type="text/css">\*\{stroke-linejoin: round; stroke-linecap: butt\}</style>\s*', "", text)
    text = text.replace("<svg ", '<svg stroke-linejoin="round" stroke-linecap="butt" ', 1)
    text = _STYLE_ATTRIBUTE.sub(_presentation, text)
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
    """Bars of each series per category as an SVG element: horizontal (each category's name above its bars) or
    vertical (a time axis, some of its labels shown). `percent` puts a reference line at 100. `ident` prefixes
    the SVG's ids, unique in the page."""
    with _LOCK:
        plt = _pyplot()
        count = max(1, len(categories))
        figure, ax = plt.subplots(figsize=(_WIDTH, min(0.9 + 0.62 * count, 20.0) if horizontal else 3.0))
        thickness = (0.5 if horizontal else 0.8) / max(1, len(series))
        # Horizontally, each name is written above its bars, across the whole width: a phone has no room for a
        # column of names beside them.
        centre = [p + 0.3 if horizontal else float(p) for p in range(len(categories))]
        for i, one in enumerate(series):
            at = [c + (i - (len(series) - 1) / 2) * thickness for c in centre]
            if horizontal:
                ax.barh(at, one.values, height=thickness, color=one.colour, label=one.name)
            else:
                ax.bar(at, one.values, width=thickness, color=one.colour, label=one.name)
        value_axis = ax.xaxis if horizontal else ax.yaxis
        if horizontal:
            for p, name in enumerate(categories):
                ax.text(0, p - 0.02, _short(name), transform=ax.get_yaxis_transform(), ha="left", va="bottom",
                        bbox={"facecolor": "#ffffff", "edgecolor": "none", "pad": 1})
            ax.set_yticks([])
            ax.set_ylim(len(categories) - 0.35, -0.6)
            ax.set_xlabel(value_label)
            ax.grid(axis="x", color=GRID, linewidth=0.8)
            if percent:
                ax.axvline(100, color=ALERT, linewidth=1.2, linestyle="--")
        else:
            longest = max((len(c) for c in categories), default=1)
            step = max(1, -(-len(categories) // max(2, int(300 / (7.5 * longest + 12)))))
            shown = list(range(len(categories)))[::-1][::step][::-1]  # the latest always named
            ax.set_xticks(shown, [categories[p] for p in shown], rotation=0)
            ax.set_ylabel(value_label)
            ax.grid(axis="y", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        if not percent:
            _integers(value_axis)
        from matplotlib.ticker import FuncFormatter

        value_axis.set_major_formatter(FuncFormatter(lambda v, _p: thousands(v, lang)))
        if len(series) > 1:
            ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1.01), ncol=len(series), borderaxespad=0,
                      handlelength=1.2, columnspacing=1.0)
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
