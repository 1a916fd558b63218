"""Bodies of the statements about organisations and their keys."""

# ruff: noqa: RUF012  (a list default is copied per model by pydantic; ruff sees Body's BaseModel only in its own module)

from typing import Annotated

from pydantic import Field, model_validator

from registry.schemas.common import Body, Commune, KeyId, Names, PublicKey, Role
from registry.values import BusinessRegistration, OrgId, ShortText, TaxCode, Text


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


def _street_with_commune(street: str | None, commune: Commune | None) -> None:
    if street is not None and commune is None:
        raise ValueError("a street is part of an address: give the commune with it")


class OrganisationRegisteredV2(OrganisationRegistered):
    """An organisation with its address (the commune and the street, house number and village within it) and its
    identifiers: tax code and business registration number."""

    street: ShortText | None = None
    tax_code: TaxCode | None = None
    business_registration: BusinessRegistration | None = None

    @model_validator(mode="after")
    def _address(self) -> "OrganisationRegisteredV2":
        _street_with_commune(self.street, self.commune)
        return self


class OrganisationUpdatedV2(OrganisationUpdated):
    """An update that may also give the street (with its commune: an address is replaced whole), the tax code and
    the business registration number."""

    street: ShortText | None = None
    tax_code: TaxCode | None = None
    business_registration: BusinessRegistration | None = None

    @model_validator(mode="after")
    def _address(self) -> "OrganisationUpdatedV2":
        _street_with_commune(self.street, self.commune)
        return self


class KeyAdded(Body):
    organisation: OrgId
    public_key: PublicKey
    custodial: bool = False


class KeyRevoked(Body):
    organisation: OrgId
    key_id: KeyId
    reason: Text
