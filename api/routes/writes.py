"""Writes: every statement kind at a plural noun, a generic statements endpoint, and CSV batch import.

Token holders' statements are signed with their organisation's custodial key; self-signed statements
(statement + signature) need no token. Every write answers 201 with the receipt.
"""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict

from api.deps import OptionalOrganisationDep, OrganisationDep, Services, ServicesDep
from api.outputs import ReceiptOut
from api.problems import ApiProblem
from ledger.core.types import Receipt, Signature, Statement
from registry import images
from registry import schemas as s
from registry.kinds import KINDS, ORGANISATION_REGISTERED, VERSIONS

router = APIRouter(prefix="/api/v1", tags=["writes"])


class SignedStatementIn(BaseModel):
    """A statement signed by the issuer's own key (no token needed)."""

    model_config = ConfigDict(extra="forbid")
    statement: dict[str, Any]
    signature: dict[str, str]


class DraftIn(BaseModel):
    """A statement for the registry to sign with the token holder's custodial key."""

    model_config = ConfigDict(extra="forbid")
    kind: str
    body: dict[str, Any]


def receipt_out(receipt: Receipt) -> ReceiptOut:
    return ReceiptOut.model_validate(receipt.to_json())


def draft_body(body: BaseModel) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude_none=True)


def oldest_version(kind: str, body: s.Body) -> tuple[str, dict[str, Any]]:
    """The oldest version of `kind` that holds `body`, and the body as that version writes it: a typed route records
    v1 when no field of a later version is used, so that verifiers that predate it still read the statement."""
    versions = next((v for v in VERSIONS if kind in v), (kind,))
    data = draft_body(body)
    for version in versions:
        fields = KINDS[version].body.model_fields
        defaults = type(body).model_fields
        if all(name in fields or value == defaults[name].get_default() for name, value in body):
            return version, {name: value for name, value in data.items() if name in fields}
    return kind, data


# (path, kind, body model, summary); a kind with versions is its latest (see `oldest_version`)
WRITES: list[tuple[str, str, type[s.Body], str]] = [
    ("/organisations", "organisation.registered.v2", s.OrganisationRegisteredV2,
     "Register an organisation (an authority's statement); without keys the registry holds one for it"),
    ("/organisations/updates", "organisation.updated.v2", s.OrganisationUpdatedV2, "Update an organisation"),
    ("/keys", "key.added.v1", s.KeyAdded, "Add a key to an organisation"),
    ("/keys/revocations", "key.revoked.v1", s.KeyRevoked, "Revoke a key"),
    ("/gis", "gi.registered.v1", s.GiRegistered, "Register a geographical indication"),
    ("/gis/amendments", "gi.amended.v1", s.GiAmended, "Amend a GI"),
    ("/gis/manager-changes", "gi.manager_changed.v1", s.GiManagerChanged, "Change the manager of a GI"),
    ("/gis/cancellations", "gi.cancelled.v1", s.GiCancelled, "Cancel a GI"),
    ("/marks", "mark.registered.v1", s.MarkRegistered, "Register a collective or certification mark"),
    ("/marks/renewals", "mark.renewed.v1", s.MarkRenewed, "Renew a mark"),
    ("/marks/cancellations", "mark.cancelled.v1", s.MarkCancelled, "Cancel a mark"),
    ("/rights", "right.granted.v1", s.RightGranted, "Grant a right to use a GI or mark"),
    ("/rights/suspensions", "right.suspended.v1", s.RightChanged, "Suspend a right of use"),
    ("/rights/reinstatements", "right.reinstated.v1", s.RightChanged, "Reinstate a suspended right of use"),
    ("/rights/revocations", "right.revoked.v1", s.RightChanged, "Revoke a right of use"),
    ("/products", "product.registered.v2", s.ProductRegisteredV2,
     "Register a product (GTIN) with its passport: image (its SHA-256, uploaded to /images first), shelf life, "
     "standards, usage and warnings"),
    ("/products/updates", "product.updated.v2", s.ProductUpdated,
     "Update a product (its producer's statement): names, unit, image, shelf life, standards, usage or warnings; a "
     "field left out is unchanged, the GTIN and the producer never change"),
    ("/batches", "batch.registered.v2", s.BatchRegisteredV2, "Register a batch (GTIN + lot), with its expiry date"),
    ("/events", "batch.event.v1", s.BatchEvent, "Record an EPCIS event on a batch"),
    ("/recalls", "batch.recalled.v1", s.BatchRecalled, "Recall a batch"),
    ("/serials", "serials.issued.v1", s.SerialsIssued, "Issue serial numbers for items of a batch"),
    ("/certifications", "certification.issued.v1", s.CertificationIssued, "Issue a certification"),
    ("/certifications/revocations", "certification.revoked.v1", s.CertificationRevoked, "Revoke a certification"),
    ("/corrections", "correction.v1", s.Correction, "Retract an earlier entry (it then has no effect)"),
    ("/delegations", "delegation.granted.v1", s.DelegationGranted,
     "Delegate jurisdiction over provinces, GIs or marks to an authority (the root authority's statement)"),
    ("/delegations/withdrawals", "delegation.withdrawn.v1", s.ScopeWithdrawn, "Withdraw a delegation"),
    ("/accreditations", "accreditation.granted.v1", s.AccreditationGranted,
     "Accredit a certifier for named schemes (the root authority's statement)"),
    ("/accreditations/withdrawals", "accreditation.withdrawn.v1", s.ScopeWithdrawn, "Withdraw an accreditation"),
    ("/prefix-licences", "prefix.licensed.v1", s.PrefixLicensed,
     "License a GS1 company prefix to a producer (the numbering agency's statement)"),
    ("/prefix-licences/revocations", "prefix.revoked.v1", s.PrefixRevoked, "Revoke a GS1 company prefix licence"),
]


def _image_kept(services: Services, sha256: str | None) -> None:
    """A product's image must be uploaded before the product names it, so that its page never shows a hole. The
    registry's rules do not look (replay cannot see images), so a self-signed statement may name any hash."""
    if sha256 is None:
        return
    with services.engine.connect() as connection:
        if not images.kept(connection, sha256):
            raise ApiProblem(422, "unknown-image", f"no image with SHA-256 {sha256} was uploaded; upload it to "
                             "/api/v1/images first", f"chưa có ảnh nào mang mã SHA-256 {sha256}; hãy tải ảnh lên "
                             "/api/v1/images trước")


def _typed(kind: str, model: type[s.Body]) -> Callable[..., ReceiptOut]:
    def write(body: model, organisation: OrganisationDep, services: ServicesDep) -> ReceiptOut:  # type: ignore[valid-type]
        recorded, data = oldest_version(kind, body)
        _image_kept(services, data.get("image"))
        if recorded in ORGANISATION_REGISTERED and not data.get("keys"):
            return receipt_out(services.registry.register_with_custodial_key(organisation, data, recorded))
        return receipt_out(services.registry.submit_as(organisation, [(recorded, data)])[0])

    return write


for _path, _kind, _model, _summary in WRITES:
    router.add_api_route(_path, _typed(_kind, _model), methods=["POST"], status_code=status.HTTP_201_CREATED,
                         summary=_summary, response_model=ReceiptOut, name=_kind)


@router.post("/statements", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut)
def post_statement(body: SignedStatementIn | DraftIn, organisation: OptionalOrganisationDep,
                   services: ServicesDep) -> ReceiptOut:
    """Append a statement of any kind.

    Self-signed, no token: `{"statement": {kind, issuer, issued_at, nonce, body}, "signature": {key_id, value}}`
    with an Ed25519 signature by one of the issuer's registered keys. With a token: `{"kind", "body"}`, signed
    by the registry with the token holder's custodial key.
    """
    if isinstance(body, SignedStatementIn):
        item = (Statement.from_json(body.statement), Signature.from_json(body.signature))
        return receipt_out(services.registry.submit([item])[0])
    if organisation is None:
        raise ApiProblem(401, "token-required", "a statement without a signature needs an API token",
                         "tuyên bố không kèm chữ ký cần mã truy cập API", {"WWW-Authenticate": 'Bearer realm="nguon"'})
    return receipt_out(services.registry.submit_as(organisation, [(body.kind, body.body)])[0])
