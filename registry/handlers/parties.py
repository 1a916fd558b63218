"""Organisations and their keys."""

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.signing import statement_key_id
from registry.errors import ConflictError, RuleViolationError
from registry.handlers.common import absent, history, need, organisation, require_issuer
from registry.kinds import Context, kind
from registry.schemas import KeyAdded, KeyRevoked, OrganisationRegistered, OrganisationUpdated
from registry.state import State
from registry.tables import RegKey, RegOrganisation


def key_id_of(public_key: str) -> str:
    """The statement key id of a base64 Ed25519 public key (see ledger.signing.statement_key_id)."""
    raw = base64.b64decode(public_key, validate=True)
    return statement_key_id(Ed25519PublicKey.from_public_bytes(raw))


def _add_key(state: State, ctx: Context, organisation_id: str, public_key: str, custodial: bool) -> None:
    key_id = key_id_of(public_key)
    absent(state, RegKey, "key", "khóa", key_id=key_id)
    state.insert(RegKey, key_id=key_id, organisation=organisation_id, public_key=public_key, custodial=custodial,
                 active=True, added_entry=ctx.index)


@kind("organisation.registered.v1", OrganisationRegistered, roles=("authority",))
def organisation_registered(state: State, ctx: Context, body: OrganisationRegistered) -> None:
    absent(state, RegOrganisation, "organisation", "tổ chức", id=body.id)
    if len(set(body.roles)) != len(body.roles):
        raise RuleViolationError("repeated-role", f"roles {body.roles} repeat a role",
                                 f"danh sách vai trò {body.roles} bị lặp")
    state.insert(RegOrganisation, id=body.id, name_vi=body.names.vi, name_en=body.names.en,
                 roles=",".join(sorted(body.roles)), commune_code=body.commune.code if body.commune else None,
                 commune_version=body.commune.version if body.commune else None, entry=ctx.index)
    for key in body.keys:
        _add_key(state, ctx, body.id, key.public_key, key.custodial)


@kind("organisation.updated.v1", OrganisationUpdated, roles=("authority",))
def organisation_updated(state: State, ctx: Context, body: OrganisationUpdated) -> None:
    organisation(state, body.id)
    changes: dict[str, object] = {}
    if body.names is not None:
        changes.update(name_vi=body.names.vi, name_en=body.names.en)
    if body.roles is not None:
        changes["roles"] = ",".join(sorted(set(body.roles)))
    if body.commune is not None:
        changes.update(commune_code=body.commune.code, commune_version=body.commune.version)
    if not changes:
        raise RuleViolationError("empty-update", "the update changes nothing", "bản cập nhật không thay đổi gì")
    state.update(RegOrganisation, {"id": body.id}, **changes)
    history(state, ctx, "organisation", body.id, "updated")


@kind("key.added.v1", KeyAdded)
def key_added(state: State, ctx: Context, body: KeyAdded) -> None:
    organisation(state, body.organisation)
    require_issuer(ctx, body.organisation, f"add keys of {body.organisation}", f"thêm khóa cho {body.organisation}")
    _add_key(state, ctx, body.organisation, body.public_key, body.custodial)


@kind("key.revoked.v1", KeyRevoked)
def key_revoked(state: State, ctx: Context, body: KeyRevoked) -> None:
    require_issuer(ctx, body.organisation, f"revoke keys of {body.organisation}",
                   f"thu hồi khóa của {body.organisation}")
    key = need(state, RegKey, "key", "khóa", key_id=body.key_id)
    if key["organisation"] != body.organisation:
        raise RuleViolationError("key-of-another-organisation",
                                 f"key {body.key_id} belongs to {key['organisation']}, not {body.organisation}",
                                 f"khóa {body.key_id} thuộc {key['organisation']}, không phải {body.organisation}")
    if not key["active"]:
        raise ConflictError("key-already-revoked", f"key {body.key_id} was already revoked",
                            f"khóa {body.key_id} đã bị thu hồi trước đó")
    state.update(RegKey, {"key_id": body.key_id}, active=False, revoked_entry=ctx.index)
