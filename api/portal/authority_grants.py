"""What the numbering agency, certifiers and the root authority grant from the portal: GS1 company prefix
licences, certifications (issued within the certifier's accreditation, revoked by it) and delegations of
jurisdiction (the root's alone)."""

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from api.portal.authority_forms import (
    Field,
    Form,
    Reach,
    attempt,
    by_name,
    drafted,
    fresh_id,
    name_of,
    organisations_with,
    province_options,
    reach,
    show,
    shown_day,
    t,
    today,
    typed,
)
from api.portal.sessions import Signed
from api.portal.statements import UploadDep, require_writer, submit
from api.portal.web import (
    CheckedDep,
    PortalDep,
    Refused,
    SignedDep,
    every,
    language,
)
from registry import schemas as s
from registry.state import State
from registry.tables import (
    RegAccreditation,
    RegCertification,
    RegDelegation,
    RegGi,
    RegMark,
    RegOrganisation,
    RegPrefixLicence,
    RegProduct,
)

router = APIRouter(include_in_schema=False)
"""Under /portal/manage: `authority.router` includes it."""

_ID = Annotated[str, Path(max_length=64)]


def cert_subject(state: State, row: dict[str, Any], lang: str) -> str:
    if row["subject_type"] == "producer":
        return name_of(state.get(RegOrganisation, id=row["subject_org"]), lang)
    product = state.get(RegProduct, gtin=row["subject_gtin"])
    named = name_of(product, lang) or str(row["subject_gtin"])
    return named if row["subject_type"] == "product" else f"{named} — {row['subject_lot']}"




# GS1 company prefixes (the numbering agency).

def _licence_form(request: Request, state: State) -> Form:
    words, lang = t(request), language(request)
    producers = organisations_with(state, "producer", lang)
    fields = [Field("licensee", words["auth_licensee"], "select", required=True,
                    options=[(o["id"], name_of(o, lang)) for o in producers]),
              Field("prefix", words["auth_prefix"], required=True, hint=words["auth_prefix_hint"]),
              Field("valid_from", words["auth_valid_from"], "date", required=True),
              Field("valid_until", words["auth_valid_until"], "date")]
    return Form(words["auth_licence_new"], "/portal/manage/prefixes/new", fields, words["auth_grant"])


@router.get("/prefixes/new")
def licence_new(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    require_writer(signed, "numbering_agency")
    with state.engine.connect() as connection:
        return show(request, signed, _licence_form(request, State(connection)))


@router.post("/prefixes/new")
def licence_grant(request: Request, state: PortalDep, checked: CheckedDep) -> Response:
    signed, fields = checked
    require_writer(signed, "numbering_agency")
    with state.engine.connect() as connection:
        registry_state = State(connection)
        form = _licence_form(request, registry_state)
        values = typed(fields, lambda name: every(request, name), form)
        licence_id = fresh_id(registry_state, RegPrefixLicence, f"gs1-{values['prefix']}-{values['licensee']}")
    body = {"id": licence_id, "prefix": values["prefix"], "licensee": values["licensee"],
            "valid_from": values["valid_from"], **({"valid_until": values["valid_until"]}
                                                   if values["valid_until"] else {})}
    return attempt(request, signed, form, values,
                   lambda: submit(request, signed, [drafted("prefix.licensed.v1", s.PrefixLicensed, body)]),
                   "auth_done_licence", {"prefix": "prefix", "licensee": "licensee", "valid_from": "valid_from",
                                         "valid_until": "valid_until"},
                   {"prefix-overlaps": "prefix", "wrong-role": "licensee", "unknown-organisation": "licensee"})


# Certifications (a certifier, within its accreditation).

def _cert_form(request: Request, state: State, signed: Signed) -> Form:
    words, lang = t(request), language(request)
    schemes = sorted({scheme for row in state.find(RegAccreditation, certifier=signed.user.organisation)
                      if row["withdrawn_entry"] is None and row["valid_until"] >= today()
                      for scheme in row["schemes"].split("\n")})
    subjects = [(f"producer:{o['id']}", f"{words['auth_role_producer']}: {name_of(o, lang)}")
                for o in organisations_with(state, "producer", lang)]
    subjects += [(f"product:{p['gtin']}", f"{words['auth_product']}: {name_of(p, lang)}")
                 for p in by_name(state.find(RegProduct), lang)]
    fields = [Field("subject", words["auth_cert_subject"], "select", required=True, options=subjects),
              Field("scheme", words["auth_scheme"], "select", required=True, options=[(x, x) for x in schemes]),
              Field("result", words["auth_result"], "select", required=True,
                    options=[("pass", words["auth_result_pass"]), ("fail", words["auth_result_fail"])]),
              Field("valid_from", words["auth_valid_from"], "date", required=True),
              Field("valid_until", words["auth_valid_until"], "date", required=True),
              Field("document", words["auth_document"], "file", required=True, hint=words["auth_document_hint"])]
    return Form(words["auth_cert_new"], "/portal/manage/certifications/new", fields, words["auth_issue"],
                multipart=True)


@router.get("/certifications/new")
def certification_new(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    require_writer(signed, "certifier")
    with state.engine.connect() as connection:
        return show(request, signed, _cert_form(request, State(connection), signed))


@router.post("/certifications/new")
async def certification_issue(request: Request, state: PortalDep, upload: UploadDep) -> Response:
    signed = upload.signed
    require_writer(signed, "certifier")
    with state.engine.connect() as connection:
        registry_state = State(connection)
        form = _cert_form(request, registry_state, signed)
        values = typed(upload.fields, lambda name: upload.lists.get(name, []), form)
        cert_id = fresh_id(registry_state, RegCertification, f"cn-{values['subject'].partition(':')[2]}-{today()}")
    document = upload.files.get("document")
    digest = hashlib.sha256(await document.read()).hexdigest() if document is not None else ""
    subject_type, _, subject_id = values["subject"].partition(":")
    subject = {"type": subject_type, ("gtin" if subject_type == "product" else "organisation"): subject_id}
    body = {"id": cert_id, "subject": subject, "scheme": values["scheme"], "result": values["result"],
            "valid_from": values["valid_from"], "valid_until": values["valid_until"], "document_sha256": digest}
    return attempt(request, signed, form, values,
                   lambda: submit(request, signed, [drafted("certification.issued.v1", s.CertificationIssued, body)]),
                   "auth_done_cert", {"subject": "subject", "scheme": "scheme", "result": "result",
                                      "valid_from": "valid_from", "valid_until": "valid_until",
                                      "document_sha256": "document"},
                   {"not-accredited": "scheme", "dates-out-of-order": "valid_until"})


def _cert_revoke_form(request: Request, state: State, cert: dict[str, Any]) -> Form:
    words, lang = t(request), language(request)
    return Form(words["auth_cert_revoke"], f"/portal/manage/certifications/{cert['id']}/revoke",
                [Field("reason", words["auth_reason"], "textarea", required=True)], words["auth_revoke"],
                facts=[(words["auth_cert_subject"], cert_subject(state, cert, lang)),
                       (words["auth_scheme"], cert["scheme"])])


def _own_certification(state: State, signed: Signed, cert_id: str) -> dict[str, Any]:
    cert = state.get(RegCertification, id=cert_id)
    if cert is None or cert["certifier"] != signed.user.organisation:
        raise Refused(404, "not_found", "not_found_title")
    return cert


@router.get("/certifications/{cert_id}/revoke")
def certification_revoke_form(request: Request, state: PortalDep, cert_id: _ID, signed: SignedDep) -> Response:
    require_writer(signed, "certifier")
    with state.engine.connect() as connection:
        registry_state = State(connection)
        cert = _own_certification(registry_state, signed, cert_id)
        return show(request, signed, _cert_revoke_form(request, registry_state, cert))


@router.post("/certifications/{cert_id}/revoke")
def certification_revoke(request: Request, state: PortalDep, cert_id: _ID, checked: CheckedDep) -> Response:
    signed, fields = checked
    require_writer(signed, "certifier")
    with state.engine.connect() as connection:
        registry_state = State(connection)
        cert = _own_certification(registry_state, signed, cert_id)
        form = _cert_revoke_form(request, registry_state, cert)
    values = typed(fields, lambda name: every(request, name), form)
    body = {"certification": cert_id, "reason": values["reason"]}
    return attempt(request, signed, form, values,
                   lambda: submit(request, signed, [drafted("certification.revoked.v1", s.CertificationRevoked, body)]),
                   "auth_done_cert_revoked", {"reason": "reason"}, {})


# Delegations (the root authority's).

def _delegation_form(request: Request, state: State, seen: Reach) -> Form:
    words, lang = t(request), language(request)
    authorities = [o for o in organisations_with(state, "authority", lang) if o["id"] != seen.organisation]
    fields = [Field("authority", words["auth_delegate"], "select", required=True,
                    options=[(o["id"], name_of(o, lang)) for o in authorities]),
              Field("provinces", words["auth_provinces"], "checks", options=province_options(lang)),
              Field("gis", words["auth_gis"], "checks",
                    options=[(g["id"], name_of(g, lang)) for g in by_name(state.find(RegGi), lang)]),
              Field("marks", words["auth_marks"], "checks",
                    options=[(m["id"], name_of(m, lang)) for m in by_name(state.find(RegMark), lang)]),
              Field("valid_from", words["auth_valid_from"], "date", required=True),
              Field("valid_until", words["auth_valid_until"], "date"),
              Field("note", words["auth_note"], "textarea")]
    return Form(words["auth_delegation_new"], "/portal/manage/delegations/new", fields, words["auth_delegate_do"])


def _root_writer(state: State, signed: Signed) -> Reach:
    require_writer(signed, "authority")
    seen = reach(state, signed.user.organisation)
    if not seen.root:
        raise Refused(403, "auth_root_only", "forbidden_title")
    return seen


@router.get("/delegations/new")
def delegation_new(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    with state.engine.connect() as connection:
        registry_state = State(connection)
        return show(request, signed, _delegation_form(request, registry_state, _root_writer(registry_state, signed)))


@router.post("/delegations/new")
def delegation_grant(request: Request, state: PortalDep, checked: CheckedDep) -> Response:
    signed, fields = checked
    with state.engine.connect() as connection:
        registry_state = State(connection)
        form = _delegation_form(request, registry_state, _root_writer(registry_state, signed))
        values = typed(fields, lambda name: every(request, name), form)
        delegation_id = fresh_id(registry_state, RegDelegation, f"uy-quyen-{values['authority']}")
    body: dict[str, Any] = {"id": delegation_id, "authority": values["authority"], "provinces": values["provinces"],
                            "gis": values["gis"], "marks": values["marks"], "valid_from": values["valid_from"]}
    body.update({name: values[name] for name in ("valid_until", "note") if values[name]})
    return attempt(request, signed, form, values,
                   lambda: submit(request, signed, [drafted("delegation.granted.v1", s.DelegationGranted, body)]),
                   "auth_done_delegation", {name: name for name in body if name != "id"} | {"": ""},
                   {"wrong-role": "authority", "self-delegation": "authority", "unknown-province": "provinces",
                    "unknown-gi": "gis", "unknown-mark": "marks"})


def _withdraw_form(request: Request, state: State, row: dict[str, Any]) -> Form:
    words, lang = t(request), language(request)
    return Form(words["auth_delegation_withdraw"], f"/portal/manage/delegations/{row['id']}/withdraw",
                [Field("reason", words["auth_reason"], "textarea", required=True)], words["auth_withdraw"],
                facts=[(words["auth_delegate"], name_of(state.get(RegOrganisation, id=row["authority"]), lang)),
                       (words["auth_valid_from"], shown_day(row["valid_from"]))])


def _delegation(state: State, delegation_id: str) -> dict[str, Any]:
    row = state.get(RegDelegation, id=delegation_id)
    if row is None:
        raise Refused(404, "not_found", "not_found_title")
    return row


@router.get("/delegations/{delegation_id}/withdraw")
def delegation_withdraw_form(request: Request, state: PortalDep, delegation_id: _ID, signed: SignedDep) -> Response:
    with state.engine.connect() as connection:
        registry_state = State(connection)
        _root_writer(registry_state, signed)
        row = _delegation(registry_state, delegation_id)
        return show(request, signed, _withdraw_form(request, registry_state, row))


@router.post("/delegations/{delegation_id}/withdraw")
def delegation_withdraw(request: Request, state: PortalDep, delegation_id: _ID, checked: CheckedDep) -> Response:
    signed, fields = checked
    with state.engine.connect() as connection:
        registry_state = State(connection)
        _root_writer(registry_state, signed)
        form = _withdraw_form(request, registry_state, _delegation(registry_state, delegation_id))
    values = typed(fields, lambda name: every(request, name), form)
    body = {"id": delegation_id, "reason": values["reason"]}
    return attempt(request, signed, form, values,
                   lambda: submit(request, signed, [drafted("delegation.withdrawn.v1", s.ScopeWithdrawn, body)]),
                   "auth_done_withdrawn", {"reason": "reason"}, {})
