"""The administrative units a form offers: the provinces, then one province's communes at a time (never the
whole country's 3,321 in one list), from the list in force since 1 July 2025, by name in the page's language
and in the Vietnamese alphabet's order of their proper names ("Thành phố", "Tỉnh", "Xã" aside)."""

from registry import places
from registry.words import alphabetical

_KINDS = ("Thành phố ", "Tỉnh ", "Xã ", "Phường ", "Thị trấn ", "Đặc khu ")


def _by_proper_name(name: str) -> tuple[list[tuple[str, int]], list[int]]:
    for kind in _KINDS:
        name = name.removeprefix(kind)
    return alphabetical(name)


def _named(name: str, lang: str) -> str:
    return name if lang == "vi" else places.name_en(name)


def provinces(lang: str) -> list[tuple[str, str]]:
    """The 34 provinces as (code, name)."""
    ordered = sorted(places.provinces().values(), key=lambda p: _by_proper_name(p.name))
    return [(p.code, _named(p.name, lang)) for p in ordered]


def communes(province: str, lang: str) -> list[tuple[str, str]]:
    """The communes of `province` as (code, name); none for a province that is not one."""
    ordered = sorted(places.communes_in(province), key=lambda c: _by_proper_name(c.name))
    return [(c.code, _named(c.name, lang)) for c in ordered]
