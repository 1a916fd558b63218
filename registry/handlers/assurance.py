"""Certifications, issued by certifiers within their accreditation."""

from registry.errors import ConflictError, NotAllowedError
from registry.handlers import names
from registry.handlers.common import absent, batch, need, not_before, organisation
from registry.handlers.scope import in_force, province_of, root_of, split
from registry.kinds import Context, kind
from registry.schemas import CertificationIssued, CertificationRevoked, CertSubject
from registry.state import State
from registry.tables import RegAccreditation, RegCertification, RegProduct


def _subject_province(state: State, subject: CertSubject) -> str | None:
    if subject.type == "batch":
        row = batch(state, subject.gtin or "", subject.lot or "")
        return province_of(row["origin_code"], row["origin_version"])
    if subject.type == "product":
        product = need(state, RegProduct, "product", "sản phẩm", gtin=subject.gtin)
        producer = organisation(state, product["producer"])
    else:
        producer = organisation(state, subject.organisation or "")
    return province_of(producer["commune_code"], producer["commune_version"])


def _accredited(state: State, ctx: Context, body: CertificationIssued, province: str | None) -> None:
    """The certifier holds an accreditation in force today for the scheme, in the subject's province."""
    for row in state.find(RegAccreditation, certifier=ctx.issuer):
        if in_force(row, ctx.day) and body.scheme in row["schemes"].split("\n") \
                and (not row["provinces"] or province in split(row["provinces"])):
            return
    (who_en, who_vi), (on_en, on_vi) = names.org(state, ctx.issuer), names.day(ctx.day)
    raise NotAllowedError(
        "not-accredited", f"{who_en} holds no accreditation in force on {on_en} for the scheme “{body.scheme}” "
        "where the subject lies", f"{who_vi} không có quyết định công nhận còn hiệu lực vào ngày {on_vi} cho "
        f"chương trình «{body.scheme}» tại nơi của đối tượng được chứng nhận")


@kind("certification.issued.v1", CertificationIssued, roles=("certifier",), subject=lambda b: f"certification:{b.id}")
def certification_issued(state: State, ctx: Context, body: CertificationIssued) -> None:
    absent(state, RegCertification, "certification", "chứng nhận", id=body.id)
    subject = body.subject
    _accredited(state, ctx, body, _subject_province(state, subject))
    not_before(body.valid_from, body.valid_until, "certificate validity", "hiệu lực chứng nhận")
    state.insert(RegCertification, id=body.id, certifier=ctx.issuer, subject_type=subject.type,
                 subject_gtin=subject.gtin, subject_lot=subject.lot, subject_org=subject.organisation,
                 scheme=body.scheme, result=body.result, valid_from=body.valid_from, valid_until=body.valid_until,
                 document_sha256=body.document_sha256, entry=ctx.index)


@kind("certification.revoked.v1", CertificationRevoked, roles=("certifier", "authority"),
      subject=lambda b: f"certification:{b.certification}")
def certification_revoked(state: State, ctx: Context, body: CertificationRevoked) -> None:
    cert = need(state, RegCertification, "certification", "chứng nhận", id=body.certification)
    if ctx.issuer not in (cert["certifier"], root_of(state)):
        by_en, by_vi = names.org(state, cert["certifier"])
        raise NotAllowedError("not-your-certification", f"certification {cert['id']} was issued by {by_en}",
                              f"chứng nhận {cert['id']} do {by_vi} cấp")
    if cert["revoked_entry"] is not None:
        raise ConflictError("already-revoked", f"certification {cert['id']} was already revoked",
                            f"chứng nhận {cert['id']} đã bị thu hồi trước đó")
    state.update(RegCertification, {"id": cert["id"]}, revoked_entry=ctx.index)
