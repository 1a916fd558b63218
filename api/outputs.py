"""The shapes of what the read routes answer, so that /openapi.json documents every one of them.

A projection row is served as the table holds it: every column, nullable ones as null. Its model is made from
the table's own fields (`registry.tables`), so a column added there is documented here without a second list to
keep in step. Writes answer receipts (`ReceiptOut`); the token routes' models are beside them
(`api.routes.tokens`).

Answers go through these models: FastAPI validates and dumps them to JSON in pydantic's core, which is no
slower than its encoder was on the plain dicts (a page of 500 events: 14 ms before and after), so no route
needs to skip the check.
"""

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import SkipJsonSchema
from sqlmodel import SQLModel

from registry.tables import (
    RegAccreditation,
    RegBatch,
    RegCertification,
    RegCorrection,
    RegDelegation,
    RegEvent,
    RegGi,
    RegGiArea,
    RegKey,
    RegMark,
    RegOrganisation,
    RegPrefixLicence,
    RegProduct,
    RegRight,
    RegSerial,
)

RowT = TypeVar("RowT", bound=BaseModel)


def row_model(table: type[SQLModel], doc: str) -> Any:
    """A model named after `table` (RegBatch: BatchOut) with each of its columns as a required field: a row always
    carries every column. Typed Any because mypy cannot follow a class made at run time; use it as a model."""
    fields: dict[str, Any] = {name: (info.annotation, ...) for name, info in table.model_fields.items()}
    return create_model(table.__name__.removeprefix("Reg") + "Out", __doc__=doc, **fields)


def list_of(model: Any) -> Any:
    """`list[model]` for a model made at run time (mypy refuses a variable inside `list[…]`)."""
    return list[model]


class Page(BaseModel, Generic[RowT]):
    """One page of a list, in primary-key order."""

    items: list[RowT]
    next: int | None = Field(description="the offset of the next page; null on the last page")


def page_model(row: Any, name: str) -> Any:
    """The page of `row`s, named `name` in the OpenAPI document (not `Page[…]`)."""
    return create_model(name, __base__=Page[row])


OrganisationOut = row_model(RegOrganisation, "A registered organisation; `roles` are comma-separated, sorted.")
KeyOut = row_model(RegKey, "A public key of an organisation, with the entries that added and revoked it.")
GiOut = row_model(RegGi, "A registered geographical indication.")
GiAreaOut = row_model(RegGiArea, "A commune of a GI's area, from the entry that added it until one that removed it.")
MarkOut = row_model(RegMark, "A registered collective or certification mark.")
RightOut = row_model(RegRight, "A right to use a GI or mark; `status` is its status now.")
ProductOut = row_model(RegProduct, "A registered product (GTIN-14) and the prefix licence it falls under.")
BatchOut = row_model(RegBatch, "A registered batch (GTIN + lot); quantities are decimal strings.")
EventOut = row_model(RegEvent, "An EPCIS event recorded on a batch.")
CertificationOut = row_model(RegCertification, "A certification of a batch, product or producer.")
SerialOut = row_model(RegSerial, "A serial number issued under a batch.")
CorrectionOut = row_model(RegCorrection, "A correction: an earlier entry retracted.")
DelegationOut = row_model(RegDelegation, "What the root authority lets another authority do.")
AccreditationOut = row_model(RegAccreditation, "A certifier's accreditation for named schemes.")
PrefixLicenceOut = row_model(RegPrefixLicence, "A GS1 company prefix licensed to a producer.")

OrganisationPage = page_model(OrganisationOut, "OrganisationPage")
KeyPage = page_model(KeyOut, "KeyPage")
GiPage = page_model(GiOut, "GiPage")
MarkPage = page_model(MarkOut, "MarkPage")
RightPage = page_model(RightOut, "RightPage")
ProductPage = page_model(ProductOut, "ProductPage")
BatchPage = page_model(BatchOut, "BatchPage")
EventPage = page_model(EventOut, "EventPage")
CertificationPage = page_model(CertificationOut, "CertificationPage")
SerialPage = page_model(SerialOut, "SerialPage")
CorrectionPage = page_model(CorrectionOut, "CorrectionPage")
DelegationPage = page_model(DelegationOut, "DelegationPage")
AccreditationPage = page_model(AccreditationOut, "AccreditationPage")
PrefixLicencePage = page_model(PrefixLicenceOut, "PrefixLicencePage")

OrganisationWithKeysOut = create_model("OrganisationWithKeysOut", __base__=OrganisationOut,
                                       __doc__="An organisation with its keys, active and revoked.",
                                       keys=(list_of(KeyOut), ...))
GiWithAreaOut = create_model("GiWithAreaOut", __base__=GiOut, __doc__="A GI with the communes of its area now.",
                             area=(list_of(GiAreaOut), ...))


class UserOut(BaseModel):
    """A holder of a right to use a GI or mark, and whether the right is in force on the day asked."""

    organisation: str
    name_vi: str | None
    name_en: str | None
    right: str
    status: str
    in_force: bool
    valid_from: str
    valid_until: str | None
    quota: str | None
    """The quota as text, or else its quantity (a decimal string)."""
    plot: str | None


class GiUsersOut(BaseModel):
    gi: str
    users: list[UserOut]


class MarkUsersOut(BaseModel):
    mark: str
    members: list[str]
    """The organisations the mark's registration names as its users."""
    users: list[UserOut]


class StatementOut(BaseModel):
    kind: str
    issuer: str
    issued_at: str
    nonce: str
    body: dict[str, Any]


class SignatureOut(BaseModel):
    key_id: str
    value: str
    """The Ed25519 signature, standard base64."""


class LogEntryOut(BaseModel):
    """An entry of the log as it was hashed (RFC 8785 bytes of exactly this JSON)."""

    model_config = ConfigDict(extra="forbid")
    index: int
    logged_at: str
    prev: str
    signature: SignatureOut
    statement: StatementOut


class EntryOut(BaseModel):
    index: int
    hash: str
    """The entry's RFC 9162 leaf hash, hex."""
    entry: LogEntryOut


class EntriesOut(BaseModel):
    entries: list[EntryOut]
    next: int | None = Field(description="the index to continue from; null at the end of the log")


class ProofOut(BaseModel):
    """RFC 9162 inclusion proof; hashes are hex."""

    index: int
    size: int
    leaf_hash: str
    root: str
    hashes: list[str]


class ReceiptOut(BaseModel):
    """Where the statement landed and the proof that it is there, against a signed checkpoint."""

    index: int
    hash: str
    proof: ProofOut
    checkpoint: str


class ReceiptsOut(BaseModel):
    receipts: list[ReceiptOut]


class ConsistencyProofOut(BaseModel):
    """RFC 9162 consistency proof; hashes are hex."""

    old: int
    new: int
    old_root: str
    new_root: str
    hashes: list[str]


class HealthOut(BaseModel):
    status: str


class EpcisClass(BaseModel):
    epcClass: str
    """The batch's LGTIN as a GS1 Digital Link URI."""


class EpcisParty(BaseModel):
    type: str
    source: str | SkipJsonSchema[None] = None
    destination: str | SkipJsonSchema[None] = None


class ObjectEventOut(BaseModel):
    """An EPCIS 2.0 ObjectEvent in CBV 2.0 terms; members without a value are absent."""

    type: str
    eventTime: str
    eventTimeZoneOffset: str
    action: str
    quantityList: list[EpcisClass]
    bizStep: str
    disposition: str | SkipJsonSchema[None] = None
    sourceList: list[EpcisParty] | SkipJsonSchema[None] = None
    destinationList: list[EpcisParty] | SkipJsonSchema[None] = None
    eventID: str
    """The CBV 2.0 Event Hash ID, `ni:///sha-256;…?ver=CBV2.0`."""


class EpcisBody(BaseModel):
    eventList: list[ObjectEventOut]


class EpcisDocumentOut(BaseModel):
    """An EPCIS 2.0 JSON-LD EPCISDocument (served as application/ld+json, documented only)."""

    context: list[str] = Field(alias="@context")
    type: str
    schemaVersion: str
    creationDate: str
    epcisBody: EpcisBody
