"""Viet Nam's administrative units as reference data: which communes exist in which list, and their provinces.

A commune is cited with the date of the administrative list it comes from (`version`), because the reform of
1 July 2025 reused codes: 00577 was Đa Tốn commune before it and is the new Bát Tràng commune after it. Two
lists ship with the registry, both from the General Statistics Office's conversion table of the reform:

    communes-2025-07-01.csv          the 3,321 communes and wards of the 34 provinces from 1 July 2025
    communes-before-2025-07-01.csv   the 10,051 communes, wards and towns in force on 4 January 2025, each with
                                     its province then and the province it belongs to from 1 July 2025
    communes-conversion-2025-07-01.csv  which old commune went into which new one (`successors`, `predecessors`)

A version before 1 July 2025 is read against the older list, any later one against the 2025 list. Provinces are
named by their codes of 1 July 2025 (01 Hà Nội, 91 An Giang, ...): jurisdiction is granted in today's provinces,
and an old commune counts in the province that took it over.
"""

import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

REFORM = "2025-07-01"
EARLIEST_VERSION = "2004-01-01"
"""The national code list dates from Decision 124/2004/QĐ-TTg; no commune code is older."""


@dataclass(frozen=True)
class Commune:
    """A commune (or ward, town, special zone) of one list, with the province that holds it from 1 July 2025."""

    code: str
    name: str
    province: str
    """Code of its province from 1 July 2025."""
    list_version: str
    """REFORM, or the date of the older list."""


@dataclass(frozen=True)
class Province:
    code: str
    name: str


def _rows(name: str) -> list[dict[str, str]]:
    text = (resources.files("registry") / "reference" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def _communes(after_reform: bool) -> dict[str, Commune]:
    if after_reform:
        return {r["code"]: Commune(r["code"], r["name"], r["province"], REFORM)
                for r in _rows("communes-2025-07-01.csv")}
    return {r["code"]: Commune(r["code"], r["name"], r["province_after"], "2025-01-04")
            for r in _rows("communes-before-2025-07-01.csv")}


@cache
def provinces() -> dict[str, Province]:
    """The 34 provinces and centrally run cities from 1 July 2025, by code."""
    return {r["code"]: Province(r["code"], r["name"]) for r in _rows("provinces-2025-07-01.csv")}


@cache
def communes_in(province: str) -> tuple[Commune, ...]:
    """The communes, wards and special zones of `province` in the list in force since the reform, in the list's
    order."""
    return tuple(c for c in _communes(True).values() if c.province == province)


def version_day(version: str) -> str:
    """A version written YYYY-MM or YYYY-MM-DD as the day it names (the first of the month for YYYY-MM)."""
    return version if len(version) == 10 else f"{version}-01"


def commune(code: str, version: str) -> Commune | None:
    """The commune with this code in the list in force on `version`, or None if that list has no such code."""
    return _communes(version_day(version) >= REFORM).get(code)


@dataclass(frozen=True)
class Successor:
    """A commune of 1 July 2025 that took in an old commune, whole or (`partly`) a part of it."""

    commune: Commune
    partly: bool
    """The old commune was divided: other new communes took the rest of it."""


@cache
def _conversion() -> tuple[dict[str, tuple[Successor, ...]], dict[str, tuple[Commune, ...]]]:
    after, before = _communes(True), _communes(False)
    forward: dict[str, list[Successor]] = defaultdict(list)
    backward: dict[str, list[Commune]] = defaultdict(list)
    for r in _rows("communes-conversion-2025-07-01.csv"):
        forward[r["old_code"]].append(Successor(after[r["new_code"]], r["partly"] == "1"))
        backward[r["new_code"]].append(before[r["old_code"]])
    return ({k: tuple(v) for k, v in forward.items()}, {k: tuple(v) for k, v in backward.items()})


def successors(code: str) -> list[Successor]:
    """The communes of 1 July 2025 that the old commune `code` (of the older list) went into, by code: one, or
    several each marked `partly` when it was divided. Empty for a code the conversion table does not convert
    (reference/README.md lists the 26 old communes it leaves out) or that the older list does not have."""
    return list(_conversion()[0].get(code, ()))


def predecessors(code: str) -> list[Commune]:
    """The old communes (of the older list) that went, whole or in part, into the commune `code` of 1 July 2025,
    by code. Empty for the five special zones made of whole districts without communes, and for unknown codes."""
    return list(_conversion()[1].get(code, ()))


_KINDS_EN = (("Xã ", "commune"), ("Phường ", "ward"), ("Thị trấn ", "township"), ("Đặc khu ", "special zone"))
_PROVINCE_KINDS = ("Thành phố ", "Tỉnh ")


def name_en(name: str) -> str:
    """A name of the lists as English writes it: the kind after the name ("Xã Bát Tràng" is "Bát Tràng commune"),
    before a number ("Phường 14" is "Ward 14"), and a province by its name alone ("Thành phố Hà Nội" is "Hà Nội",
    but "Hồ Chí Minh City").
    The proper name keeps its diacritics: it is the official name."""
    for prefix, kind in _KINDS_EN:
        if name.startswith(prefix):
            rest = name.removeprefix(prefix)
            return f"{kind.capitalize()} {rest}" if rest.isdigit() else f"{rest} {kind}"
    if name == "Thành phố Hồ Chí Minh":
        return "Hồ Chí Minh City"  # the bare name is the man's; English keeps "City" for the city
    for prefix in _PROVINCE_KINDS:
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name
