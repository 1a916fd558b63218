"""Who may act for whom: the root authority's delegations and accreditations, and GS1 company prefix licences.

Delegations and accreditations are the root's alone (no delegation passes on the power to delegate). Prefix
licences are the numbering agency's (GS1 Viet Nam): a product's GTIN must fall inside a prefix licensed to its
producer (`registry.handlers.goods`).
"""

from registry import places
from registry.errors import ConflictError, NotAllowedError, RuleViolationError
from registry.handlers.common import absent, need, not_before, organisation
from registry.handlers.scope import require_root
from registry.kinds import Context, kind
from registry.queries import roles_of
from registry.schemas import AccreditationGranted, DelegationGranted, PrefixLicensed, PrefixRevoked, ScopeWithdrawn
from registry.state import Row, State
from registry.tables import RegAccreditation, RegDelegation, RegEntry, RegGi, RegMark, RegPrefixLicence


def _known_provinces(codes: list[str]) -> None:
    unknown = sorted(set(codes) - set(places.provinces()))
    if unknown:
        raise RuleViolationError(
            "unknown-province", f"provinces {', '.join(unknown)} are not provinces of 1 July 2025 "
            f"({', '.join(sorted(places.provinces()))})", f"mã {', '.join(unknown)} không phải mã tỉnh, thành phố "
            "theo danh mục từ ngày 1/7/2025")
    if len(set(codes)) != len(codes):
        raise RuleViolationError("repeated-province", "a province is listed twice", "một tỉnh bị liệt kê hai lần")


def _needs_role(row: Row, role: str, what_en: str, what_vi: str) -> None:
    if role not in roles_of(row):
        raise RuleViolationError("wrong-role", f"{what_en} {row['id']} must have the role {role}",
                                 f"{what_vi} {row['id']} phải có vai trò {role}")


@kind("delegation.granted.v1", DelegationGranted, roles=("authority",), subject=lambda b: f"delegation:{b.id}")
def delegation_granted(state: State, ctx: Context, body: DelegationGranted) -> None:
    require_root(state, ctx, "delegate jurisdiction", "ủy quyền thẩm quyền")
    absent(state, RegDelegation, "delegation", "ủy quyền", id=body.id)
    _needs_role(organisation(state, body.authority), "authority", "the delegate", "bên được ủy quyền")
    if body.authority == ctx.issuer:
        raise RuleViolationError("self-delegation", "the root authority needs no delegation",
                                 "cơ quan gốc không cần tự ủy quyền")
    _known_provinces(body.provinces)
    for gi in body.gis:
        need(state, RegGi, "GI", "chỉ dẫn địa lý", id=gi)
    for mark in body.marks:
        need(state, RegMark, "mark", "nhãn hiệu", id=mark)
    state.insert(RegDelegation, id=body.id, authority=body.authority, provinces=",".join(sorted(body.provinces)),
                 gis=",".join(sorted(set(body.gis))), marks=",".join(sorted(set(body.marks))),
                 valid_from=body.valid_from, valid_until=body.valid_until, entry=ctx.index)


def _withdraw(state: State, ctx: Context, model: type[RegDelegation] | type[RegAccreditation], body: ScopeWithdrawn,
              what_en: str, what_vi: str) -> None:
    require_root(state, ctx, f"withdraw a {what_en}", f"rút {what_vi}")
    row = need(state, model, what_en, what_vi, id=body.id)
    if row["withdrawn_entry"] is not None:
        raise ConflictError("already-withdrawn", f"{what_en} {body.id} was withdrawn at entry {row['withdrawn_entry']}",
                            f"{what_vi} {body.id} đã bị rút tại mục {row['withdrawn_entry']}")
    state.update(model, {"id": body.id}, withdrawn_entry=ctx.index)


@kind("delegation.withdrawn.v1", ScopeWithdrawn, roles=("authority",), subject=lambda b: f"delegation:{b.id}")
def delegation_withdrawn(state: State, ctx: Context, body: ScopeWithdrawn) -> None:
    _withdraw(state, ctx, RegDelegation, body, "delegation", "ủy quyền")


@kind("accreditation.granted.v1", AccreditationGranted, roles=("authority",),
      subject=lambda b: f"accreditation:{b.id}")
def accreditation_granted(state: State, ctx: Context, body: AccreditationGranted) -> None:
    require_root(state, ctx, "accredit a certifier", "công nhận tổ chức chứng nhận")
    absent(state, RegAccreditation, "accreditation", "công nhận", id=body.id)
    _needs_role(organisation(state, body.certifier), "certifier", "the accredited body", "tổ chức được công nhận")
    _known_provinces(body.provinces)
    if any("\n" in scheme for scheme in body.schemes) or len(set(body.schemes)) != len(body.schemes):
        raise RuleViolationError("bad-schemes", "scheme names must be distinct single lines",
                                 "tên chương trình chứng nhận phải khác nhau và nằm trên một dòng")
    state.insert(RegAccreditation, id=body.id, certifier=body.certifier, schemes="\n".join(body.schemes),
                 provinces=",".join(sorted(body.provinces)), valid_from=body.valid_from,
                 valid_until=body.valid_until, entry=ctx.index)


@kind("accreditation.withdrawn.v1", ScopeWithdrawn, roles=("authority",), subject=lambda b: f"accreditation:{b.id}")
def accreditation_withdrawn(state: State, ctx: Context, body: ScopeWithdrawn) -> None:
    _withdraw(state, ctx, RegAccreditation, body, "accreditation", "công nhận")


@kind("prefix.licensed.v1", PrefixLicensed, roles=("numbering_agency",), subject=lambda b: f"licence:{b.id}")
def prefix_licensed(state: State, ctx: Context, body: PrefixLicensed) -> None:
    absent(state, RegPrefixLicence, "prefix licence", "giấy phép mã doanh nghiệp", id=body.id)
    _needs_role(organisation(state, body.licensee), "producer", "the licensee", "bên được cấp mã")
    # GS1 company prefixes nest (a 7-digit prefix holds every 9-digit one that starts with it): two licences in
    # force at once whose prefixes nest would let two companies number the same GTINs.
    for other in state.find(RegPrefixLicence):
        nested = other["prefix"].startswith(body.prefix) or body.prefix.startswith(other["prefix"])
        if nested and _periods_meet(body, other):
            raise ConflictError(
                "prefix-overlaps", f"prefix {body.prefix} overlaps prefix {other['prefix']} licensed to "
                f"{other['licensee']} (licence {other['id']}) in the same period",
                f"mã {body.prefix} trùng phạm vi với mã {other['prefix']} đã cấp cho {other['licensee']} (giấy phép "
                f"{other['id']}) trong cùng thời gian")
    state.insert(RegPrefixLicence, id=body.id, prefix=body.prefix, licensee=body.licensee,
                 valid_from=body.valid_from, valid_until=body.valid_until, entry=ctx.index)


def _periods_meet(body: PrefixLicensed, other: Row) -> bool:
    """Whether the new licence's period and another's share a day (a revocation ends a licence the day before
    its effective date)."""
    if body.valid_until is not None and body.valid_until < other["valid_from"]:
        return False
    if other["valid_until"] is not None and other["valid_until"] < body.valid_from:
        return False
    return other["revoked_on"] is None or body.valid_from < other["revoked_on"]


@kind("prefix.revoked.v1", PrefixRevoked, roles=("numbering_agency",), subject=lambda b: f"licence:{b.licence}")
def prefix_revoked(state: State, ctx: Context, body: PrefixRevoked) -> None:
    licence = need(state, RegPrefixLicence, "prefix licence", "giấy phép mã doanh nghiệp", id=body.licence)
    granted_by = state.get(RegEntry, entry=licence["entry"])
    if granted_by is None or granted_by["issuer"] != ctx.issuer:
        issuer = "?" if granted_by is None else granted_by["issuer"]
        raise NotAllowedError("not-your-licence", f"licence {body.licence} was granted by {issuer}; only it may revoke "
                              "the licence", f"giấy phép {body.licence} do {issuer} cấp; chỉ tổ chức đó được thu hồi")
    if licence["revoked_entry"] is not None:
        raise ConflictError("already-revoked", f"licence {body.licence} was already revoked",
                            f"giấy phép {body.licence} đã bị thu hồi trước đó")
    not_before(licence["valid_from"], body.effective_on, "revocation date", "ngày thu hồi")
    state.update(RegPrefixLicence, {"id": body.licence}, revoked_on=body.effective_on, revoked_entry=ctx.index)
