"""Certifications and corrections."""

from registry.errors import ConflictError, NotAllowedError, RuleViolationError, UnknownReferenceError
from registry.handlers.common import absent, batch, need, not_before, organisation
from registry.kinds import Context, kind
from registry.schemas import CertificationIssued, CertificationRevoked, Correction
from registry.state import State
from registry.tables import RegCertification, RegCorrection, RegNonce, RegProduct


@kind("certification.issued.v1", CertificationIssued, roles=("certifier",))
def certification_issued(state: State, ctx: Context, body: CertificationIssued) -> None:
    absent(state, RegCertification, "certification", "chứng nhận", id=body.id)
    subject = body.subject
    if subject.type == "batch":
        batch(state, subject.gtin or "", subject.lot or "")
    elif subject.type == "product":
        need(state, RegProduct, "product", "sản phẩm", gtin=subject.gtin)
    else:
        organisation(state, subject.organisation or "")
    not_before(body.valid_from, body.valid_until, "certificate validity", "hiệu lực chứng nhận")
    state.insert(RegCertification, id=body.id, certifier=ctx.issuer, subject_type=subject.type,
                 subject_gtin=subject.gtin, subject_lot=subject.lot, subject_org=subject.organisation,
                 scheme=body.scheme, result=body.result, valid_from=body.valid_from, valid_until=body.valid_until,
                 document_sha256=body.document_sha256, entry=ctx.index)


@kind("certification.revoked.v1", CertificationRevoked, roles=("certifier",))
def certification_revoked(state: State, ctx: Context, body: CertificationRevoked) -> None:
    cert = need(state, RegCertification, "certification", "chứng nhận", id=body.certification)
    if cert["certifier"] != ctx.issuer:
        raise NotAllowedError("not-your-certification", f"certification {cert['id']} was issued by {cert['certifier']}",
                              f"chứng nhận {cert['id']} do {cert['certifier']} cấp")
    if cert["revoked_entry"] is not None:
        raise ConflictError("already-revoked", f"certification {cert['id']} was already revoked",
                            f"chứng nhận {cert['id']} đã bị thu hồi trước đó")
    state.update(RegCertification, {"id": cert["id"]}, revoked_entry=ctx.index)


def _issuer_of(state: State, index: int) -> str:
    rows = state.find(RegNonce, entry=index)
    if not rows:
        raise UnknownReferenceError("unknown-entry", f"entry {index} is not in the log",
                                    f"mục {index} không có trong sổ cái")
    issuer: str = rows[0]["issuer"]
    return issuer


@kind("correction.v1", Correction)
def correction(state: State, ctx: Context, body: Correction) -> None:
    """Declares an earlier entry in error; nothing is edited, readers see the correction beside it."""
    if body.entry >= ctx.index or (body.replacement is not None and body.replacement >= ctx.index):
        raise RuleViolationError("correction-of-future", "a correction can only name earlier entries",
                                 "chỉ có thể đính chính các mục trước đó")
    issuer = _issuer_of(state, body.entry)
    if issuer != ctx.issuer and "authority" not in ctx.roles:
        raise NotAllowedError("not-your-entry", f"entry {body.entry} was issued by {issuer}",
                              f"mục {body.entry} do {issuer} lập")
    if body.replacement is not None and _issuer_of(state, body.replacement) != issuer:
        raise RuleViolationError("replacement-of-another-issuer",
                                 f"replacement entry {body.replacement} was not issued by {issuer}",
                                 f"mục thay thế {body.replacement} không do {issuer} lập")
    if state.find(RegCorrection, corrected_entry=body.entry):
        raise ConflictError("already-corrected", f"entry {body.entry} was already corrected",
                            f"mục {body.entry} đã được đính chính")
    state.insert(RegCorrection, entry=ctx.index, corrected_entry=body.entry, replacement=body.replacement,
                 issuer=ctx.issuer, reason=body.reason)
