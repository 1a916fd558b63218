"""Bodies of the statements about organisations and their keys."""

# ruff: noqa: RUF012  (a list default is copied per model by pydantic; ruff sees Body's BaseModel only in its own module)

from typing import Annotated

from pydantic import Field

from registry.schemas.common import Body, Commune, KeyId, Names, PublicKey, Role
from registry.values import OrgId, Text


class NewKey(Body):
    public_key: PublicKey
    custodial: bool = False


class OrganisationRegistered(Body):
    id: OrgId
    names: Names
    roles: Annotated[list[Role], Field(min_length=1, max_length=7)]
    commune: Commune | None = None
    keys: Annotated[list[NewKey], Field(max_length=8)] = []


class OrganisationUpdated(Body):
    id: OrgId
    names: Names | None = None
    roles: Annotated[list[Role], Field(min_length=1, max_length=7)] | None = None
    commune: Commune | None = None


class KeyAdded(Body):
    organisation: OrgId
    public_key: PublicKey
    custodial: bool = False


class KeyRevoked(Body):
    organisation: OrgId
    key_id: KeyId
    reason: Text
