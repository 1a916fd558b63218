"""The portal of authorities, associations, certifiers and the numbering agency: what the organisation manages
(/portal/manage, and its part of the home page), and the forms that register organisations and their keys,
license GS1 company prefixes, issue and revoke certifications, and delegate jurisdiction. GIs, marks and rights
of use are in `authority_rights`.

Each form is offered only to the roles the registry's rules allow for its statement, and lists only what the
organisation governs today; the registry judges again, and its refusal is shown with the API's words.
"""

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.engine import Connection

from api.portal import authority_rights
from api.portal.authority_forms import (
    Field,
    Form,
    Reach,
    attempt,
    by_name,
    commune_body,
    commune_name,
    commune_options,
    drafted,
    fresh_id,
    governed_gis,
    governed_marks,
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
from api.portal.statements import UploadDep, recorder, register_organisation, require_writer, submit
from api.portal.web import (
    HOME_PARTS,
    NAV,
    CheckedDep,
    NavItem,
    PortalDep,
    Refused,
    SignedDep,
    every,
    language,
    page,
    see_other,
)
from api.problems import domain_status
from registry import places
from registry import schemas as s
from registry.errors import DomainError
from registry.handlers.names import STATUS
from registry.handlers.scope import ROOT_ONLY_ROLES, governs_organisation
from registry.queries import roles_of
from registry.state import State
from registry.tables import (
    RegAccreditation,
    RegCertification,
    RegDelegation,
    RegEntry,
    RegGi,
    RegKey,
    RegMark,
    RegOrganisation,
    RegPrefixLicence,
    RegProduct,
    RegRight,
)

MANAGING = frozenset({"authority", "association", "certifier", "numbering_agency"})
router = APIRouter(prefix="/portal/manage", include_in_schema=False)
router.include_router(authority_rights.router)
NAV.append(NavItem("manage", "/portal/manage", "auth_nav", MANAGING))

_ID = Annotated[str, Path(max_length=64)]
_orgs = RegOrganisation.__table__  # type: ignore[attr-defined]
_entries = RegEntry.__table__  # type: ignore[attr-defined]


def registered_by(connection: Connection, organisation: str) -> list[dict[str, Any]]:
    """The organisations `organisation` registered (the issuer of their registration)."""
    rows = connection.execute(select(_orgs).join(_entries, _entries.c.entry == _orgs.c.entry)
                              .where(_entries.c.issuer == organisation, _orgs.c.id != organisation))
    return [dict(row._mapping) for row in rows]


def _rights(state: State, lang: str, gis: list[dict[str, Any]], marks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rights to use `gis` and `marks`, each with its holder's name and its status in words."""
    subjects = {("gi", g["id"]): g for g in gis} | {("mark", m["id"]): m for m in marks}
    found = []
    for right in state.find(RegRight):
        subject = subjects.get((right["subject_type"], right["subject_id"]))
        if subject is None:
            continue
        status = STATUS.get(right["status"], (right["status"], right["status"]))
        found.append({"id": right["id"], "holder": name_of(state.get(RegOrganisation, id=right["holder"]), lang),
                      "subject": name_of(subject, lang), "subject_type": right["subject_type"],
                      "subject_id": right["subject_id"], "status": right["status"],
                      "status_words": status[1 if lang == "vi" else 0], "valid_from": shown_day(right["valid_from"]),
                      "valid_until": shown_day(right["valid_until"])})
    return sorted(found, key=lambda r: (r["subject"], r["holder"]))


def managed(connection: Connection, signed: Signed, lang: str) -> dict[str, Any]:
    """What the organisation manages: GIs, marks, rights with their status, organisations it registered, prefix
    licences it granted, certifications it issued and (the root) delegations."""
    state = State(connection)
    seen = reach(state, signed.user.organisation)
    gis = [dict(gi, cancelled_shown=shown_day(gi["cancelled_on"])) for gi in by_name(governed_gis(state, seen), lang)] \
        if seen.roles & {"authority", "association"} else []
    marks = by_name(governed_marks(state, seen), lang) if seen.roles & {"authority", "association"} else []
    org = signed.user.organisation
    licences = [dict(row, licensee_name=name_of(state.get(RegOrganisation, id=row["licensee"]), lang),
                     valid_from_shown=shown_day(row["valid_from"]), revoked_shown=shown_day(row["revoked_on"]))
                for row in state.find(RegPrefixLicence)
                if (entry := state.get(RegEntry, entry=row["entry"])) is not None and entry["issuer"] == org]
    certifications = [dict(row, subject_name=_cert_subject(state, row, lang),
                           valid_until_shown=shown_day(row["valid_until"]))
                      for row in state.find(RegCertification, certifier=org)]
    delegations = [dict(row, authority_name=name_of(state.get(RegOrganisation, id=row["authority"]), lang),
                        provinces_shown=", ".join(_province(p, lang) for p in row["provinces"].split(",")
                                                  if p in places.provinces()),
                        valid_from_shown=shown_day(row["valid_from"]))
                   for row in state.find(RegDelegation)] if seen.root else []
    return {"root": seen.root, "roles": seen.roles, "gis": gis, "marks": marks,
            "scope_words": _scope_words(state, seen, lang),
            "rights": _rights(state, lang, gis, marks),
            "organisations": by_name(registered_by(connection, org), lang),
            "licences": licences, "certifications": certifications, "delegations": delegations,
            "scope": seen.scope, "writes": signed.writes}


def _province(code: str, lang: str) -> str:
    name = places.provinces()[code].name
    return name if lang == "vi" else places.name_en(name)


def _scope_words(state: State, seen: Reach, lang: str) -> str:
    """The provinces, GIs and marks delegated to the organisation, by name ("" for none)."""
    provinces = [_province(p, lang) for p in sorted(seen.scope.provinces) if p in places.provinces()]
    gis = [name_of(state.get(RegGi, id=g), lang) for g in sorted(seen.scope.gis)]
    marks = [name_of(state.get(RegMark, id=m), lang) for m in sorted(seen.scope.marks)]
    return "; ".join(", ".join(part) for part in (provinces, gis, marks) if part)


def _cert_subject(state: State, row: dict[str, Any], lang: str) -> str:
    if row["subject_type"] == "producer":
        return name_of(state.get(RegOrganisation, id=row["subject_org"]), lang)
    product = state.get(RegProduct, gtin=row["subject_gtin"])
    named = name_of(product, lang) or str(row["subject_gtin"])
    return named if row["subject_type"] == "product" else f"{named} — {row['subject_lot']}"


def _home_part(connection: Connection, signed: Signed) -> dict[str, Any] | None:
    if not signed.roles & MANAGING:
        return None
    state = State(connection)
    seen = reach(state, signed.user.organisation)
    gis = governed_gis(state, seen) if seen.roles & {"authority", "association"} else []
    marks = governed_marks(state, seen) if seen.roles & {"authority", "association"} else []
    rights = _rights(state, "vi", gis, marks)
    return {"gis": len(gis), "marks": len(marks), "rights": len(rights),
            "suspended": sum(1 for r in rights if r["status"] == "suspended"),
            "organisations": len(registered_by(connection, signed.user.organisation))}


HOME_PARTS.append(("portal/auth_home.html", _home_part))


@router.get("")
def manage(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    if not signed.roles & MANAGING:
        raise Refused(403, "role_refused", "forbidden_title")
    with state.engine.connect() as connection:
        shown = managed(connection, signed, language(request))
    return page(request, "auth_manage.html", signed=signed, m=shown)


# Organisations (an authority registers those of its provinces; the root any) and their keys.

def _org_form(request: Request, seen: Reach, values: dict[str, Any]) -> Form:
    words, lang = t(request), language(request)
    roles = [r for r in ("producer", "association", "certifier", "inspector", "witness", "authority",
                         "numbering_agency") if seen.root or r not in ROOT_ONLY_ROLES]
    provinces = [p for p in province_options(lang) if seen.root or p[0] in seen.scope.provinces]
    fields = [Field("name_vi", words["auth_name_vi"], required=True),
              Field("name_en", words["auth_name_en"], required=True),
              Field("roles", words["auth_roles"], "checks", options=[(r, words[f"auth_role_{r}"]) for r in roles]),
              Field("province", words["auth_province"], "select", options=provinces, show=words["auth_show_communes"],
                    hint=words["auth_province_hint"]),
              Field("commune", words["auth_commune"], "select",
                    options=commune_options(values.get("province", ""), lang)),
              Field("street", words["auth_street"]),
              Field("tax_code", words["auth_tax_code"])]
    return Form(words["auth_org_new"], "/portal/manage/organisations/new", fields, words["auth_register"],
                intro=words["auth_org_intro"])


def _authority_writer(signed: Signed) -> None:
    require_writer(signed, "authority")


@router.get("/organisations/new")
def organisation_new(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    _authority_writer(signed)
    with state.engine.connect() as connection:
        seen = reach(State(connection), signed.user.organisation)
    province = request.query_params.get("province", "")
    return show(request, signed, _org_form(request, seen, {"province": province}), {"province": province})


@router.post("/organisations/new")
def organisation_register(request: Request, state: PortalDep, checked: CheckedDep) -> Response:
    signed, fields = checked
    _authority_writer(signed)
    with state.engine.connect() as connection:
        registry_state = State(connection)
        seen = reach(registry_state, signed.user.organisation)
        form = _org_form(request, seen, {"province": fields.get("province", "")})
        values = typed(fields, lambda name: every(request, name), form)
        org_id = fresh_id(registry_state, RegOrganisation, values["name_en"] or values["name_vi"])
    if "_show" in fields:
        return show(request, signed, form, values)
    body: dict[str, Any] = {"id": org_id, "names": {"vi": values["name_vi"], "en": values["name_en"]},
                            "roles": values["roles"]}
    commune = commune_body(values["commune"])
    if commune is not None:
        body["commune"] = commune
    body.update({name: values[name] for name in ("street", "tax_code") if values[name]})
    kind = "organisation.registered.v2" if {"street", "tax_code"} & body.keys() else "organisation.registered.v1"
    model = s.OrganisationRegisteredV2 if kind.endswith("v2") else s.OrganisationRegistered

    def act() -> None:
        checked_body = drafted(kind, model, body)[1]
        register_organisation(request, signed, checked_body, kind)

    return attempt(request, signed, form, values, act, "auth_done_org",
                   {"names.vi": "name_vi", "names.en": "name_en", "roles": "roles", "commune": "commune",
                    "street": "street", "tax_code": "tax_code"},
                   {"duplicate-tax-code": "tax_code", "repeated-role": "roles", "root-only": "roles",
                    "out-of-scope": "commune", "unknown-commune": "commune"})


def _governed_org(state: State, seen: Reach, org_id: str) -> dict[str, Any]:
    """An organisation the signed authority governs (not one holding powers only the root confers, unless the
    root); not found otherwise."""
    row = state.get(RegOrganisation, id=org_id)
    if row is None or row["id"] == seen.organisation or not governs_organisation(seen.scope, row) \
            or (not seen.root and roles_of(row) & ROOT_ONLY_ROLES):
        raise Refused(404, "not_found", "not_found_title")
    return row


@router.get("/organisations/{org_id}")
def organisation_page(request: Request, state: PortalDep, org_id: _ID, signed: SignedDep) -> Response:
    _authority_writer(signed)
    lang = language(request)
    with state.engine.connect() as connection:
        registry_state = State(connection)
        row = _governed_org(registry_state, reach(registry_state, signed.user.organisation), org_id)
        keys = registry_state.find(RegKey, organisation=org_id)
    return page(request, "auth_org.html", signed=signed, org=row, name=name_of(row, lang), keys=keys,
                roles=[t(request)[f"auth_role_{r}"] for r in sorted(roles_of(row))],
                commune=commune_name(row["commune_code"], row["commune_version"], lang))


@router.post("/organisations/{org_id}/keys")
def key_add(request: Request, state: PortalDep, org_id: _ID, checked: CheckedDep) -> Response:
    """A new custodial key for the organisation, made by the registry (as the API's key route does)."""
    signed, _ = checked
    _authority_writer(signed)
    with state.engine.connect() as connection:
        registry_state = State(connection)
        _governed_org(registry_state, reach(registry_state, signed.user.organisation), org_id)
    registry = request.app.state.services.registry
    try:  # the person is recorded in the key's commit
        registry.add_custodial_key(signed.user.organisation, org_id, after=recorder(signed.user.id))
    except DomainError as exc:
        raise Refused(domain_status(exc), "refused_title", detail=(exc.vi, exc.en)) from exc
    return see_other(f"/portal/manage/organisations/{org_id}?done=auth_done_key")


def _revoke_key_form(request: Request, org: dict[str, Any], key: dict[str, Any]) -> Form:
    words, lang = t(request), language(request)
    return Form(words["auth_key_revoke"], f"/portal/manage/organisations/{org['id']}/keys/{key['key_id']}/revoke",
                [Field("reason", words["auth_reason"], "textarea", required=True)], words["auth_revoke"],
                back=f"/portal/manage/organisations/{org['id']}",
                facts=[(words["auth_organisation"], name_of(org, lang)), (words["auth_key"], key["key_id"])])


def _key_of(state: State, seen: Reach, org_id: str, key_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    org = _governed_org(state, seen, org_id)
    key = state.get(RegKey, key_id=key_id)
    if key is None or key["organisation"] != org_id:
        raise Refused(404, "not_found", "not_found_title")
    return org, key


@router.get("/organisations/{org_id}/keys/{key_id}/revoke")
def key_revoke_form(request: Request, state: PortalDep, org_id: _ID, key_id: _ID, signed: SignedDep) -> Response:
    _authority_writer(signed)
    with state.engine.connect() as connection:
        registry_state = State(connection)
        org, key = _key_of(registry_state, reach(registry_state, signed.user.organisation), org_id, key_id)
    return show(request, signed, _revoke_key_form(request, org, key))


@router.post("/organisations/{org_id}/keys/{key_id}/revoke")
def key_revoke(request: Request, state: PortalDep, org_id: _ID, key_id: _ID, checked: CheckedDep) -> Response:
    signed, fields = checked
    _authority_writer(signed)
    with state.engine.connect() as connection:
        registry_state = State(connection)
        org, key = _key_of(registry_state, reach(registry_state, signed.user.organisation), org_id, key_id)
    form = _revoke_key_form(request, org, key)
    values = typed(fields, lambda name: every(request, name), form)
    body = {"organisation": org_id, "key_id": key_id, "reason": values["reason"]}
    return attempt(request, signed, form, values,
                   lambda: submit(request, signed, [drafted("key.revoked.v1", s.KeyRevoked, body)]),
                   "auth_done_key_revoked", {"reason": "reason"}, {})


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
                facts=[(words["auth_cert_subject"], _cert_subject(state, cert, lang)),
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
