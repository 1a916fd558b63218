"""Organisations and their keys, each within the registering authority's jurisdiction."""

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.core.signing import statement_key_id
from registry.errors import ConflictError, NotAllowedError, RuleViolationError
from registry.handlers import names
from registry.handlers.common import absent, history, need, organisation, place
from registry.handlers.scope import ROOT_ONLY_ROLES, governs_organisation, out_of_scope, scope_of
from registry.kinds import Context, kind
from registry.queries import roles_of
from registry.schemas import (
    KeyAdded,
    KeyRevoked,
    OrganisationRegistered,
    OrganisationRegisteredV2,
    OrganisationUpdated,
    OrganisationUpdatedV2,
)
from registry.state import Row, State
from registry.tables import RegKey, RegOrganisation


def key_id_of(public_key: str) -> str:
    """The statement key id of a base64 Ed25519 public key (see ledger.core.signing.statement_key_id)."""
    raw = base64.b64decode(public_key, validate=True)
    return statement_key_id(Ed25519PublicKey.from_public_bytes(raw))


def _add_key(state: State, ctx: Context, organisation_id: str, public_key: str, custodial: bool) -> None:
    key_id = key_id_of(public_key)
    absent(state, RegKey, "key", "khóa", key_id=key_id)
    state.insert(RegKey, key_id=key_id, organisation=organisation_id, public_key=public_key, custodial=custodial,
                 active=True, added_entry=ctx.index)


def _root_only_roles(ctx: Context, roles: set[str], what_en: str, what_vi: str) -> NotAllowedError:
    named = ", ".join(sorted(roles & ROOT_ONLY_ROLES))
    return NotAllowedError("root-only", f"only the root authority may {what_en} with the role {named}",
                           f"chỉ cơ quan gốc được {what_vi} có vai trò {named}")


def _identifiers(body: OrganisationRegistered | OrganisationUpdated) -> dict[str, str]:
    """The tax code and business registration number a v2 body gives."""
    if not isinstance(body, OrganisationRegisteredV2 | OrganisationUpdatedV2):
        return {}
    found = {"tax_code": body.tax_code, "business_registration": body.business_registration}
    return {name: value for name, value in found.items() if value is not None}


def _tax_code_free(state: State, org_id: str, tax_code: str | None) -> None:
    """ConflictError when another organisation has `tax_code` already: one taxpayer is one organisation here, and
    a second would speak in its name."""
    for row in state.find(RegOrganisation, tax_code=tax_code) if tax_code else ():
        if row["id"] != org_id:
            raise ConflictError("duplicate-tax-code", f"tax code {tax_code} is registered to {row['name_en']} "
                                f"({row['id']}) already", f"mã số thuế {tax_code} đã được đăng ký cho "
                                f"{row['name_vi']}")


def _street(body: OrganisationRegistered | OrganisationUpdated) -> str | None:
    return body.street if isinstance(body, OrganisationRegisteredV2 | OrganisationUpdatedV2) else None


@kind("organisation.registered.v2", OrganisationRegisteredV2, roles=("authority",),
      subject=lambda b: f"organisation:{b.id}")
@kind("organisation.registered.v1", OrganisationRegistered, roles=("authority",),
      subject=lambda b: f"organisation:{b.id}")
def organisation_registered(state: State, ctx: Context, body: OrganisationRegistered) -> None:
    absent(state, RegOrganisation, "organisation", "tổ chức", id=body.id)
    if len(set(body.roles)) != len(body.roles):
        raise RuleViolationError("repeated-role", f"roles {body.roles} repeat a role",
                                 f"danh sách vai trò {body.roles} bị lặp")
    commune = None if body.commune is None else place(ctx, body.commune, "the commune", "xã")
    scope = scope_of(state, ctx)
    if not scope.root:
        if set(body.roles) & ROOT_ONLY_ROLES:
            raise _root_only_roles(ctx, set(body.roles), "register an organisation", "đăng ký tổ chức")
        if commune is None or commune.province not in scope.provinces:
            raise out_of_scope(state, ctx, scope, f"register {body.id}, whose commune is not in its provinces",
                               f"đăng ký {body.id} vì xã của tổ chức này không thuộc các tỉnh được ủy quyền")
    identifiers = _identifiers(body)
    _tax_code_free(state, body.id, identifiers.get("tax_code"))
    state.insert(RegOrganisation, id=body.id, name_vi=body.names.vi, name_en=body.names.en,
                 roles=",".join(sorted(body.roles)), commune_code=body.commune.code if body.commune else None,
                 commune_version=body.commune.version if body.commune else None, street=_street(body),
                 **identifiers, entry=ctx.index)
    for key in body.keys:
        _add_key(state, ctx, body.id, key.public_key, key.custodial)


@kind("organisation.updated.v2", OrganisationUpdatedV2, roles=("authority",),
      subject=lambda b: f"organisation:{b.id}")
@kind("organisation.updated.v1", OrganisationUpdated, roles=("authority",), subject=lambda b: f"organisation:{b.id}")
def organisation_updated(state: State, ctx: Context, body: OrganisationUpdated) -> None:
    row = organisation(state, body.id)
    scope = scope_of(state, ctx)
    changes: dict[str, object] = {}
    if body.names is not None:
        changes.update(name_vi=body.names.vi, name_en=body.names.en)
    if body.roles is not None:
        changes["roles"] = ",".join(sorted(set(body.roles)))
    if body.commune is not None:
        province = place(ctx, body.commune, "the commune", "xã").province
        if not scope.root and province not in scope.provinces:
            raise out_of_scope(state, ctx, scope, f"move {body.id} to a commune outside its provinces",
                               f"chuyển {body.id} sang xã ngoài các tỉnh được ủy quyền")
        # An address is replaced whole: a new commune takes the street given with it, or none.
        changes.update(commune_code=body.commune.code, commune_version=body.commune.version, street=_street(body))
    identifiers = _identifiers(body)
    changes.update(identifiers)
    if not changes:
        raise RuleViolationError("empty-update", "the update changes nothing", "bản cập nhật không thay đổi gì")
    if not scope.root:
        touched = roles_of(row) | set(body.roles or ())
        if touched & ROOT_ONLY_ROLES:
            raise _root_only_roles(ctx, touched, "update an organisation", "cập nhật tổ chức")
        if not governs_organisation(scope, row):
            raise out_of_scope(state, ctx, scope, f"update {body.id}", f"cập nhật {body.id}")
    _tax_code_free(state, body.id, identifiers.get("tax_code"))
    state.update(RegOrganisation, {"id": body.id}, **changes)
    history(state, ctx, "organisation", body.id, "updated")


def _may_manage_keys(state: State, ctx: Context, row: Row, what_en: str, what_vi: str) -> None:
    """An organisation manages its own keys; the root any organisation's; an authority those of organisations in
    its provinces, except organisations holding powers only the root confers."""
    if ctx.issuer == row["id"]:
        return
    scope = scope_of(state, ctx)
    if scope.root:
        return
    if "authority" not in ctx.roles:
        who_en, who_vi = names.org(state, ctx.issuer)
        raise NotAllowedError("not-yours", f"{who_en} may not {what_en}; only {row['name_en']} or an authority may",
                              f"{who_vi} không được {what_vi}; chỉ {row['name_vi']} hoặc cơ quan quản lý được phép")
    if roles_of(row) & ROOT_ONLY_ROLES:
        raise _root_only_roles(ctx, roles_of(row), what_en, what_vi)
    if not governs_organisation(scope, row):
        raise out_of_scope(state, ctx, scope, what_en, what_vi)


@kind("key.added.v1", KeyAdded, subject=lambda b: f"key:{key_id_of(b.public_key)}")
def key_added(state: State, ctx: Context, body: KeyAdded) -> None:
    row = organisation(state, body.organisation)
    _may_manage_keys(state, ctx, row, f"add keys of {body.organisation}", f"thêm khóa cho {body.organisation}")
    _add_key(state, ctx, body.organisation, body.public_key, body.custodial)


@kind("key.revoked.v1", KeyRevoked, subject=lambda b: f"key:{b.key_id}")
def key_revoked(state: State, ctx: Context, body: KeyRevoked) -> None:
    row = organisation(state, body.organisation)
    _may_manage_keys(state, ctx, row, f"revoke keys of {body.organisation}", f"thu hồi khóa của {body.organisation}")
    key = need(state, RegKey, "key", "khóa", key_id=body.key_id)
    if key["organisation"] != body.organisation:
        raise RuleViolationError("key-of-another-organisation",
                                 f"key {body.key_id} belongs to {key['organisation']}, not {body.organisation}",
                                 f"khóa {body.key_id} thuộc {key['organisation']}, không phải {body.organisation}")
    if not key["active"]:
        raise ConflictError("key-already-revoked", f"key {body.key_id} was already revoked",
                            f"khóa {body.key_id} đã bị thu hồi trước đó")
    state.update(RegKey, {"key_id": body.key_id}, active=False, revoked_entry=ctx.index)
