"""How facts are written for people: days and times in Viet Nam's time, numbers in each language's style,
quantities with unit words, places, organisations, products, GIs and marks by name.

The registry's facts keep its own forms (ISO days, UTC times, UN/ECE unit codes, commune codes, organisation
ids); the verdict's checks (`registry.verdict.checks`), the consumer page (`api.pages`) and the refusals of the
rules (`registry.handlers`) write them in words through this module, so all say a thing the same way. It imports
no verdict module at run time: the rules, which the verdict's modules import, use it too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from registry.kinds import VIETNAM
from registry.places import REFORM, name_en, successors, version_day
from registry.values import day_en, day_vi

if TYPE_CHECKING:
    from registry.verdict.facts import Names, Place
    from registry.verdict.record import Origin

UNITS: dict[str, tuple[str, str, str]] = {
    "H87": ("cái", "piece", "pieces"), "C62": ("đơn vị", "unit", "units"), "KGM": ("kg", "kg", "kg"),
    "GRM": ("g", "g", "g"), "TNE": ("tấn", "tonne", "tonnes"), "LTR": ("lít", "litre", "litres"),
    "MLT": ("ml", "ml", "ml"), "MTR": ("m", "metre", "metres"), "MTK": ("m²", "m²", "m²"),
    "XBX": ("hộp", "box", "boxes"), "XBO": ("chai", "bottle", "bottles"), "XJR": ("hũ", "jar", "jars"),
    "XBG": ("túi", "bag", "bags"), "XPA": ("gói", "packet", "packets"), "XCX": ("lon", "can", "cans"),
    "XSA": ("bao", "sack", "sacks"), "XCT": ("thùng", "carton", "cartons"),
}
"""Every UN/ECE Recommendation 20 code the registry accepts (`registry.values.UNITS`): the Vietnamese word, the
English singular and plural. Vietnamese counts things with a classifier that depends on the thing (quả bưởi, chai
nước mắm, chiếc nón); a piece (H87) is written "cái", the classifier invoices use for any counted item, and a
package (Rec 20's X and a Rec 21 package code) by what holds it: 500 chai nước mắm, 200 hũ mắm tôm, 1.000 gói trà."""


STAGES: dict[str, tuple[str, str]] = {
    "raw_material": ("nguyên liệu", "raw materials"), "processing": ("chế biến", "processing"),
    "finishing": ("hoàn thiện", "finishing"),
}
"""Every stage of a GI's area the registry accepts (`registry.schemas.common.Stage`), in Vietnamese and English."""


_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}
"""The marks that make a letter of their own in the Vietnamese alphabet, in its order: ă after a and â after ă
(breve, circumflex), ơ after ô and ư after u (horn)."""
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
"""The tone marks, in the order dictionaries list them (huyền, hỏi, ngã, sắc, nặng); a tone sorts after the letters."""


def alphabetical(text: str) -> tuple[list[tuple[str, int]], list[int]]:
    """A sort key putting names in the order of the Vietnamese alphabet (a ă â b c d đ e ê ...), tones deciding only
    between names with the same letters: "Cà phê Buôn Ma Thuột" before "Cam Cao Phong", "Dừa" before "Đào"."""
    letters: list[tuple[str, int]] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFD", text.casefold()):
        if char in _LETTER_MARKS and letters:
            letters[-1] = (letters[-1][0], _LETTER_MARKS[char])
        elif char in _TONES:
            tones.append(_TONES[char])
        else:
            letters.append(("d", 4) if char == "đ" else (char, 0))
            tones.append(0)
    return letters, tones


def day(value: str | None, lang: str) -> str:
    """A day (YYYY-MM-DD) as "20/08/2026" in Vietnamese and "20 August 2026" in English."""
    if not value:
        return ""
    try:
        when = date.fromisoformat(value)
    except ValueError:
        return value
    return day_vi(when.isoformat()) if lang == "vi" else day_en(when.isoformat())


def local_time(value: str) -> str:
    """A UTC time (RFC 3339) as Viet Nam's local time in ISO form (2026-08-20T09:00), to sort with days."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return value
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M")


def moment(value: str, lang: str) -> str:
    """A UTC time (RFC 3339) as Viet Nam's local time: "20/08/2026, 09:00" or "20 August 2026, 09:00"."""
    local = local_time(value)
    if local == value:
        return value
    return f"{day(local[:10], lang)}, {local[11:]}"


def number(value: str, lang: str) -> str:
    """A decimal quantity grouped by thousands: "1.200,5" in Vietnamese, "1,200.5" in English."""
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return value
    whole, _, fraction = f"{amount:f}".partition(".")
    fraction = fraction.rstrip("0")
    grouped = f"{int(whole):,}"
    if lang == "vi":
        return grouped.replace(",", ".") + (f",{fraction}" if fraction else "")
    return grouped + (f".{fraction}" if fraction else "")


def quantity(value: str, unit: str | None, lang: str) -> str:
    """A quantity with its unit in words: "150 cái", "800 kg", "1 box", "40 boxes"."""
    words = None if unit is None else UNITS.get(unit)
    if words is None:
        return number(value, lang)
    vi, one, many = words
    if lang == "vi":
        return f"{number(value, lang)} {vi}"
    try:
        singular = Decimal(value) == 1
    except InvalidOperation:
        singular = False
    return f"{number(value, lang)} {one if singular else many}"


def place(where: Place | Origin | None, lang: str) -> str:
    """A commune by its name and its province's ("Xã Bát Tràng, Thành phố Hà Nội"; in English "Bát Tràng commune,
    Hà Nội"). A commune of a list before the reform of 1 July 2025 says where it is now, from the conversion table
    ("Xã Kim Đức (nay thuộc Xã Bát Tràng), Thành phố Hà Nội"; a divided one "nay chia vào ... và ..."), or, when the
    table has no row for it, that its name is an old one. The lists' names already say what each is (Xã, Phường)."""
    if where is None:
        return ""
    if where.name is None:
        return ("một xã không có trong danh mục hành chính" if lang == "vi"
                else "a commune not in the administrative list")
    vi = lang == "vi"
    name = where.name if vi else name_en(where.name)
    province = where.province_name if vi or where.province_name is None else name_en(where.province_name)
    if version_day(where.version) < REFORM:
        now = successors(where.code)
        into = _joined([s.commune.name if vi else name_en(s.commune.name) for s in now], "và" if vi else "and")
        if not now:
            note = "tên trước ngày 01/07/2025" if vi else "its name before 1 July 2025"
        elif now[0].partly:
            note = f"nay chia vào {into}" if vi else f"now divided between {into}"
        else:
            note = f"nay thuộc {into}" if vi else f"now part of {into}"
        name = f"{name} ({note})"
    return ", ".join(part for part in (name, province) if part)


def _joined(names: list[str], conjunction: str) -> str:
    return ", ".join(names) if len(names) < 2 else f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


@dataclass(frozen=True)
class Writer:
    """Writes the facts of one verdict in one language (`vi` or `en`), naming organisations by the names their
    registrations give (`organisations`, by id)."""

    lang: str
    organisations: Mapping[str, Names]

    def pick(self, vi: str, en: str) -> str:
        return vi if self.lang == "vi" else en

    def names(self, names: Names | None) -> str:
        return "" if names is None else names.vi if self.lang == "vi" else names.en

    def name(self, org_id: str | None) -> str:
        """An organisation's name; one whose registration is not cited is not named by its id, which means
        nothing to a reader (the id stays in the expert details)."""
        found = None if org_id is None else self.organisations.get(org_id)
        if found is None:
            return self.pick("một tổ chức không có trong sổ đăng ký", "an organisation not in the registry")
        return self.names(found)

    def day(self, value: str | None) -> str:
        return day(value, self.lang)

    def moment(self, value: str) -> str:
        return moment(value, self.lang)

    def days_between(self, start: str, end: str) -> int:
        """Days from `start` to `end` (YYYY-MM-DD): a batch's shelf life as its label counted it, which a later
        update of its product's shelf life does not change."""
        return (date.fromisoformat(end) - date.fromisoformat(start)).days

    def quantity(self, value: str, unit: str | None) -> str:
        return quantity(value, unit, self.lang)

    def place(self, where: Place | Origin | None) -> str:
        return place(where, self.lang)

    def quote(self, text: str) -> str:
        """Someone's own words or a name, quoted as each language quotes: «…» and “…”."""
        return self.pick(f"«{text}»", f"“{text}”")

    def product(self, names: Names | None, gtin: str) -> str:
        """A product by its name, its GTIN in brackets: "sản phẩm «Cam Suối Mát» (GTIN 08939…)"."""
        if names is None:
            return self.pick(f"sản phẩm mang GTIN {gtin}", f"the product with GTIN {gtin}")
        return self.pick(f"sản phẩm «{names.vi}» (GTIN {gtin})", f"“{names.en}” (GTIN {gtin})")

    def lot(self, lot: str, names: Names | None, gtin: str) -> str:
        """A batch by its lot and its product: "lô LT-2610-C của sản phẩm «…» (GTIN …)", "batch LT-2610-C of “…”
        (GTIN …)"."""
        return self.pick(f"lô {lot} của {self.product(names, gtin)}", f"batch {lot} of {self.product(names, gtin)}")

    def stage(self, stage: str) -> str:
        """The part of making a GI product an area is for (`registry.schemas.common.Stage`), in words."""
        vi, en = STAGES.get(stage, (stage, stage))
        return self.pick(f"khâu {vi}", f"{en} stage")
