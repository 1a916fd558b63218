"""Organisations and their signing keys, from the portal: an authority registers the organisations of its
provinces (the root any), each with a custodial key the registry makes, and adds or revokes the keys of those it
governs."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy import select

from api.portal import accounts
from api.portal.authority_forms import (
    Field,
    Form,
    Reach,
    attempt,
    commune_body,
    commune_name,
    commune_options,
    drafted,
    fresh_id,
    name_of,
    province_options,
    reach,
    show,
    t,
    typed,
)
from api.portal.sessions import Signed
from api.portal.statements import recorder, register_organisation, require_writer, submit
from api.portal.web import (
    CheckedDep,
    PortalDep,
    Refused,
    SignedDep,
    every,
    language,
    page,
    require_admin,
    said,
    see_other,
)
from api.problems import domain_status
from ledger.store.engines import write_transaction
from registry import schemas as s
from registry.errors import DomainError
from registry.handlers.scope import ROOT_ONLY_ROLES, governs_organisation
from registry.queries import roles_of
from registry.state import State
from registry.tables import (
    RegKey,
    RegOrganisation,
)

router = APIRouter(include_in_schema=False)
"""Under /portal/manage: `authority.router` includes it."""
_organisations = RegOrganisation.__table__  # type: ignore[attr-defined]

_ID = Annotated[str, Path(max_length=64)]


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
                    "out-of-scope": "commune", "unknown-commune": "commune"},
                   then=f"/portal/manage/organisations/{org_id}")


def _governed_org(state: State, seen: Reach, org_id: str) -> dict[str, Any]:
    """An organisation the signed authority governs (not one holding powers only the root confers, unless the
    root); not found otherwise."""
    row = state.get(RegOrganisation, id=org_id)
    if row is None or row["id"] == seen.organisation or not governs_organisation(seen.scope, row) \
            or (not seen.root and roles_of(row) & ROOT_ONLY_ROLES):
        raise Refused(404, "not_found", "not_found_title")
    return row


def _org_page(request: Request, state: PortalDep, signed: Signed, org_id: str, status: int = 200,
              **shown: Any) -> Response:
    lang = language(request)
    with state.engine.connect() as connection:
        registry_state = State(connection)
        row = _governed_org(registry_state, reach(registry_state, signed.user.organisation), org_id)
        keys = registry_state.find(RegKey, organisation=org_id)
        people = accounts.list_users(connection, org_id)
    return page(request, "auth_org.html", status, signed, org=row, name=name_of(row, lang), keys=keys,
                roles=[t(request)[f"auth_role_{r}"] for r in sorted(roles_of(row))],
                commune=commune_name(row["commune_code"], row["commune_version"], lang), people=len(people),
                **{"link": None, "link_login": "", "error": None, "typed_login": "", **shown})


@router.get("/organisations/{org_id}")
def organisation_page(request: Request, state: PortalDep, org_id: _ID, signed: SignedDep) -> Response:
    _authority_writer(signed)
    return _org_page(request, state, signed, org_id)


@router.post("/organisations/{org_id}/first-admin")
def first_admin(request: Request, state: PortalDep, org_id: _ID, checked: CheckedDep) -> Response:
    """Invite the first administrator of an organisation the authority governs and that has nobody in the portal
    yet: a one-time link to set a password, shown once. Once it has people, its own admins invite the rest; an
    authority never adds anyone to an organisation that has them (it could not take one over)."""
    signed, fields = checked
    _authority_writer(signed)
    require_admin(signed)  # it hands over an organisation's account: its administrators' call, not a clerk's
    with state.engine.connect() as connection:
        registry_state = State(connection)
        _governed_org(registry_state, reach(registry_state, signed.user.organisation), org_id)
    login = fields.get("login", "")
    try:
        with write_transaction(state.engine) as connection:
            # The organisation's row locked (PostgreSQL; SQLite's write transaction is serial already): two
            # invitations at once cannot both find it without people.
            connection.execute(select(_organisations.c.id).where(_organisations.c.id == org_id).with_for_update())
            if accounts.list_users(connection, org_id):
                raise Refused(409, "auth_first_admin_exists")
            user = accounts.create_user(connection, org_id, login, "admin")
            token = accounts.password_link(connection, user.id, reset=False)
    except DomainError as exc:
        return _org_page(request, state, signed, org_id, 400, error=said(request, exc),
                         typed_login=login[:accounts.LOGIN_MAX])
    return _org_page(request, state, signed, org_id, 201, link=str(request.url_for("set_password_form", token=token)),
                     link_login=user.login)


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
