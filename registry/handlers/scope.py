"""Jurisdiction: which organisation may govern which organisation, GI, mark, right of use and batch.

The root authority (the national IP office, the issuer of entry 0) may do everything an authority may. Every
other authority acts only within the delegations the root gave it (`delegation.granted.v1`) and that are in
force on the day of the statement: a delegation names provinces (codes of 1 July 2025) and/or GIs and marks.

    an organisation    root, or an authority delegated the province of the organisation's commune
    a GI               root, its manager, or an authority delegated that GI or every province of its area
    a mark             root, its owner, or an authority delegated that mark or the owner's province
    a batch            root, or an authority delegated the province of its origin or a GI or mark it claims

Acting outside one's jurisdiction is refused with NotAllowedError `out-of-scope` (HTTP 403); what only the root
may do, with `root-only`.
"""

from dataclasses import dataclass

from registry import places
from registry.errors import NotAllowedError
from registry.handlers import names
from registry.kinds import Context
from registry.state import Row, State
from registry.tables import RegBatchClaim, RegDelegation, RegEntry, RegGiArea

ROOT_ONLY_ROLES = frozenset({"authority", "numbering_agency"})
"""Roles only the root authority confers: powers over others, which no delegation passes on."""


def root_of(state: State) -> str:
    """The root authority: the organisation that registered itself as entry 0."""
    row = state.get(RegEntry, entry=0)
    return "" if row is None else str(row["issuer"])


def split(text: str) -> list[str]:
    return [item for item in text.split(",") if item]


@dataclass(frozen=True)
class Scope:
    """What an organisation may govern on one day."""

    root: bool
    provinces: frozenset[str] = frozenset()
    gis: frozenset[str] = frozenset()
    marks: frozenset[str] = frozenset()

    def describe(self, state: State) -> tuple[str, str]:
        """The scope in words, English and Vietnamese, for refusals: provinces, GIs and marks by name."""
        if self.root:
            return "the whole registry", "toàn bộ hệ thống"
        parts_en, parts_vi = [], []
        if self.provinces:
            provinces = ", ".join(_province_name(p) for p in sorted(self.provinces))
            parts_en.append(f"provinces {provinces}")
            parts_vi.append(f"các tỉnh, thành phố {provinces}")
        for kind, ids in (("gi", self.gis), ("mark", self.marks)):
            if ids:
                named = [names.indication(state, kind, i) for i in sorted(ids)]
                parts_en.append(", ".join(en for en, _ in named))
                parts_vi.append(", ".join(vi for _, vi in named))
        if not parts_en:
            return "nothing (no delegation in force)", "không có gì (không có ủy quyền nào còn hiệu lực)"
        return "; ".join(parts_en), "; ".join(parts_vi)


def _province_name(code: str) -> str:
    province = places.provinces().get(code)
    return f"{code} ({province.name})" if province else code


def in_force(row: Row, day: str) -> bool:
    """Whether a delegation or accreditation row is in force on `day` (and not withdrawn)."""
    return row["withdrawn_entry"] is None and row["valid_from"] <= day \
        and (row["valid_until"] is None or day <= row["valid_until"])


def scope_of(state: State, ctx: Context) -> Scope:
    """What the issuer of `ctx` may govern on the day of its statement."""
    if ctx.issuer == root_of(state):
        return Scope(root=True)
    if "authority" not in ctx.roles:
        return Scope(root=False)
    provinces: set[str] = set()
    gis: set[str] = set()
    marks: set[str] = set()
    for row in state.find(RegDelegation, authority=ctx.issuer):
        if in_force(row, ctx.day):
            provinces.update(split(row["provinces"]))
            gis.update(split(row["gis"]))
            marks.update(split(row["marks"]))
    return Scope(False, frozenset(provinces), frozenset(gis), frozenset(marks))


def province_of(code: str | None, version: str | None) -> str | None:
    """The province (code of 1 July 2025) of a commune, if the reference data knows it."""
    if code is None or version is None:
        return None
    found = places.commune(code, version)
    return None if found is None else found.province


def governs_organisation(scope: Scope, organisation: Row) -> bool:
    return scope.root or province_of(organisation["commune_code"], organisation["commune_version"]) \
        in scope.provinces


def gi_provinces(state: State, gi_id: str) -> set[str | None]:
    return {province_of(r["commune_code"], r["commune_version"])
            for r in state.find(RegGiArea, gi=gi_id, removed_entry=None)}


def governs_gi(state: State, scope: Scope, issuer: str, gi: Row) -> bool:
    if scope.root or issuer == gi["manager"] or gi["id"] in scope.gis:
        return True
    return bool(scope.provinces) and gi_provinces(state, gi["id"]) <= scope.provinces


def governs_mark(state: State, scope: Scope, issuer: str, mark: Row, owner: Row) -> bool:
    return scope.root or issuer == mark["owner"] or mark["id"] in scope.marks \
        or province_of(owner["commune_code"], owner["commune_version"]) in scope.provinces


def governs_batch(state: State, scope: Scope, batch: Row) -> bool:
    if scope.root or province_of(batch["origin_code"], batch["origin_version"]) in scope.provinces:
        return True
    for claim in state.find(RegBatchClaim, gtin=batch["gtin"], lot=batch["lot"]):
        if claim["subject_id"] in (scope.gis if claim["subject_type"] == "gi" else scope.marks):
            return True
    return False


def out_of_scope(state: State, ctx: Context, scope: Scope, what_en: str, what_vi: str) -> NotAllowedError:
    """The refusal of what the issuer may not do, naming it and its jurisdiction."""
    where_en, where_vi = scope.describe(state)
    who_en, who_vi = names.org(state, ctx.issuer)
    return NotAllowedError(
        "out-of-scope", f"{who_en} may not {what_en}: that is outside its jurisdiction ({where_en})",
        f"{who_vi} không được {what_vi}: việc này nằm ngoài thẩm quyền của tổ chức ({where_vi})")


def require_root(state: State, ctx: Context, what_en: str, what_vi: str) -> None:
    root = root_of(state)
    if ctx.issuer != root:
        raise NotAllowedError("root-only", f"only the root authority {root} may {what_en}",
                              f"chỉ cơ quan gốc {root} được {what_vi}")
