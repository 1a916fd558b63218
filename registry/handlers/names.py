"""How a refusal names what it speaks of: organisations, GIs, marks and rights of use by their registered names,
days as people write them, quantities in unit words (`registry.words`), each as (English, Vietnamese).

A refusal's `code` says what failed for software; its message is read by a producer or an official, who knows
"Hợp tác xã bưởi La Tinh Đông La" and not `htx-buoi-dong-la`. An id is used only for what is not registered
(a refusal may be about a reference that does not exist).
"""

from registry import places
from registry.state import Row, State
from registry.tables import RegGi, RegMark, RegOrganisation
from registry.values import day_en, day_vi
from registry.words import UNITS, quantity


def org(state: State, org_id: str) -> tuple[str, str]:
    """An organisation by its registered names; by its id when it is not registered."""
    row = state.get(RegOrganisation, id=org_id)
    return (org_id, org_id) if row is None else (row["name_en"], row["name_vi"])


def indication(state: State, subject_type: str, subject_id: str) -> tuple[str, str]:
    """A GI or mark by its kind and names: "the GI “La Tinh Hoai Duc pomelo”", "chỉ dẫn địa lý «Bưởi La Tinh…»"."""
    row = state.get(RegGi if subject_type == "gi" else RegMark, id=subject_id)
    kind_en, kind_vi = ("GI", "chỉ dẫn địa lý") if subject_type == "gi" else ("mark", "nhãn hiệu")
    if row is None:
        return f"the {kind_en} {subject_id}", f"{kind_vi} {subject_id}"
    return f"the {kind_en} “{row['name_en']}”", f"{kind_vi} «{row['name_vi']}»"


def right(state: State, row: Row) -> tuple[str, str]:
    """A right of use as the right of its holder to use the GI or mark."""
    holder_en, holder_vi = org(state, row["holder"])
    what_en, what_vi = indication(state, row["subject_type"], row["subject_id"])
    return f"the right of {holder_en} to use {what_en}", f"quyền sử dụng {what_vi} của {holder_vi}"


def commune(code: str, version: str) -> tuple[str, str]:
    """A commune by its name, with its code and the list it is cited from (the reform of 1 July 2025 reused
    codes): "Xã An Khánh (mã 09877 theo danh mục ngày 01/07/2025)"."""
    found = places.commune(code, version)
    on_en, on_vi = day(places.version_day(version))
    if found is None:
        return f"{code} of the list of {on_en}", f"mã {code} theo danh mục ngày {on_vi}"
    return f"{found.name} (code {code} of the list of {on_en})", f"{found.name} (mã {code} theo danh mục ngày {on_vi})"


def day(value: str) -> tuple[str, str]:
    """A day YYYY-MM-DD as "20 August 2026" and "20/08/2026"."""
    return day_en(value), day_vi(value)


def amount(value: str, unit: str | None) -> tuple[str, str]:
    """A quantity with its unit in words: "1,000 kg", "1.000 kg"."""
    return quantity(value, unit, "en"), quantity(value, unit, "vi")


def unit(code: str) -> tuple[str, str]:
    """A UN/ECE unit code as the word for its quantities: "kg", "pieces"; "kg", "cái"."""
    vi, _, many = UNITS.get(code, (code, code, code))
    return many, vi


STATUS = {"active": ("in force", "đang có hiệu lực"), "suspended": ("suspended", "đang bị đình chỉ"),
          "revoked": ("revoked", "đã bị thu hồi")}
"""A right of use's status (`reg_rights.status`) in words."""
