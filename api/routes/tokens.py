"""Credentials: API tokens (create, list, revoke) and fresh custodial keys.

An organisation manages its own tokens; the root authority (registered by log entry 0) manages every
organisation's. A token id of another organisation answers 404, exactly like an id that does not exist, so
ids do not leak. Revocation is `POST /api/v1/tokens/{id}/revoke` (every write of this API is a POST), and a
revoked token stops working at once, for revoking too.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from api.deps import OrganisationDep, ServicesDep
from api.outputs import ReceiptOut
from api.problems import ApiProblem
from api.routes.writes import receipt_out
from api.tokens import LABEL_MAX, TokenInfo, create_token_info, find_token, list_tokens, revoke_token_id, root_authority
from ledger.store.engines import write_transaction
from registry.values import OrgId

router = APIRouter(prefix="/api/v1", tags=["credentials"])


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: Annotated[str, Field(max_length=LABEL_MAX, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""
    organisation: OrgId | None = None
    """Only the root authority may name another organisation than its own."""


class TokenOut(BaseModel):
    """A token as it may be shown: never the token itself or its hash."""

    id: str
    organisation: str
    label: str
    prefix: str
    """The token's first characters after "ngn_"; empty for tokens made before this was recorded."""
    created_at: str
    revoked_at: str | None


class TokenCreatedOut(TokenOut):
    token: str
    """The token itself, shown this once: the registry keeps only its SHA-256."""


class TokensOut(BaseModel):
    tokens: list[TokenOut]


class CustodialKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation: OrgId


def _out(info: TokenInfo) -> TokenOut:
    return TokenOut(id=info.id, organisation=info.organisation, label=info.label, prefix=info.prefix,
                    created_at=info.created_at, revoked_at=info.revoked_at)


def _may_manage(connection: Connection, caller: str, organisation: str) -> bool:
    return caller == organisation or caller == root_authority(connection)


def _require_manager(connection: Connection, caller: str, organisation: str) -> None:
    if not _may_manage(connection, caller, organisation):
        raise ApiProblem(403, "not-root-authority",
                         f"{caller} may manage only its own tokens; only the root authority manages the tokens of "
                         f"{organisation}",
                         f"{caller} chỉ được quản lý mã truy cập của chính mình; chỉ cơ quan quản lý gốc mới được "
                         f"quản lý mã truy cập của {organisation}")


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreatedOut)
def create(body: TokenIn, caller: OrganisationDep, services: ServicesDep) -> TokenCreatedOut:
    """Create a token for the caller's organisation (the root authority: for any, with `organisation`).

    The token is in this answer only; afterwards it is listed by id, label and prefix.
    """
    organisation = body.organisation or caller
    with write_transaction(services.engine) as connection:
        _require_manager(connection, caller, organisation)
        token, info = create_token_info(connection, organisation, body.label)
    return TokenCreatedOut(**_out(info).model_dump(), token=token)


@router.get("/tokens", response_model=TokensOut)
def list_(caller: OrganisationDep, services: ServicesDep,
          organisation: Annotated[OrgId | None, Query(description="another organisation (root authority only)")]
          = None) -> TokensOut:
    """The tokens of the caller's organisation (the root authority: of `organisation`), revoked ones too."""
    wanted = organisation or caller
    with services.engine.connect() as connection:
        _require_manager(connection, caller, wanted)
        return TokensOut(tokens=[_out(info) for info in list_tokens(connection, wanted)])


@router.post("/tokens/{token_id}/revoke", response_model=TokenOut)
def revoke(token_id: Annotated[str, Path(max_length=64)], caller: OrganisationDep,
           services: ServicesDep) -> TokenOut:
    """Revoke a token of the caller's organisation (the root authority: any token); it stops working at once."""
    with write_transaction(services.engine) as connection:
        found = find_token(connection, token_id)
        if found is None or not _may_manage(connection, caller, found.organisation):
            raise ApiProblem(404, "unknown-token", f"{caller} has no token {token_id}",
                             f"{caller} không có mã truy cập {token_id}")
        return _out(revoke_token_id(connection, token_id))


@router.post("/keys/custodial", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut)
def add_custodial_key(body: CustodialKeyIn, caller: OrganisationDep, services: ServicesDep) -> ReceiptOut:
    """Give `organisation` a fresh key held by the registry (a key.added.v1 statement by the caller), e.g. after
    its custodial key was revoked; whom the caller may do this for is the registry's rule for key.added."""
    return receipt_out(services.registry.add_custodial_key(caller, body.organisation))
