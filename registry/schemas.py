"""Bodies of the registry's statement kinds (v1), as pydantic models that refuse unknown fields."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from registry.values import (
    AnyGtin,
    CommuneCode,
    CompanyPrefix,
    Day,
    GiApplication,
    GiCertificate,
    Gtin,
    ListVersion,
    Lot,
    MarkApplication,
    MarkCertificate,
    ObjectId,
    OrgId,
    PositiveQuantity,
    ProvinceCode,
    Sha256Hex,
    ShortText,
    Text,
    Unit,
)

Role = Literal["authority", "certifier", "association", "producer", "inspector", "witness", "numbering_agency"]
Stage = Literal["raw_material", "processing", "finishing"]
PublicKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{43}=$")]
"""A raw 32-byte Ed25519 public key in standard base64."""
KeyId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
Serial = Annotated[str, StringConstraints(pattern=r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")]

# CBV 2.0 business steps and dispositions (GS1 Core Business Vocabulary, sections 7.1 and 7.2).
BIZ_STEPS = (
    "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning", "creating_class_instance",
    "cycle_counting", "decommissioning", "departing", "destroying", "disassembling", "dispensing", "encoding",
    "entering_exiting", "holding", "inspecting", "installing", "killing", "loading", "other", "packing",
    "picking", "receiving", "removing", "repackaging", "repairing", "replacing", "reserving", "retail_selling",
    "sampling", "sensor_reporting", "shipping", "staging_outbound", "stock_taking", "stocking", "storing",
    "transporting", "unloading", "unpacking", "void_shipping",
)
DISPOSITIONS = (
    "active", "available", "completeness_verified", "completeness_inferred", "conformant", "container_closed",
    "container_open", "damaged", "destroyed", "dispensed", "disposed", "encoded", "expired", "in_progress",
    "in_transit", "inactive", "mismatch_instance", "mismatch_class", "mismatch_quantity", "needs_replacement",
    "no_pedigree_match", "non_conformant", "non_sellable_other", "partially_dispensed", "recalled", "reserved",
    "retail_sold", "returned", "sellable_accessible", "sellable_not_accessible", "stolen", "unavailable", "unknown",
)
BizStep = Literal[BIZ_STEPS]  # type: ignore[valid-type]
Disposition = Literal[DISPOSITIONS]  # type: ignore[valid-type]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Names(Body):
    vi: ShortText
    en: ShortText


class Commune(Body):
    """A commune as an administrative version cites it: codes were reused in the July 2025 reform."""

    code: CommuneCode
    version: ListVersion
    """The date (YYYY-MM-DD, or YYYY-MM for the first of a month) of the administrative list the code is from."""
    name: ShortText | None = None


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


class AreaPart(Body):
    commune: Commune
    stage: Stage | None = None


class Yield(Body):
    """At most `per_input` units of output (`output_unit`, of product `output_gtin` if given) from one unit of a
    claimed input (`input_unit`): what a GI's specification allows a transformation to make, e.g. one gift box
    per 2.5 kg of fresh pomelo is `per_input` 0.4 from KGM to XBX."""

    input_unit: Unit
    output_unit: Unit
    per_input: PositiveQuantity
    output_gtin: Gtin | None = None
    text: ShortText | None = None


Yields = Annotated[list[Yield], Field(max_length=50)]


class GiRegistered(Body):
    id: ObjectId
    certificate: GiCertificate
    application: GiApplication
    names: Names
    product: ShortText
    manager: OrgId
    specification: Text
    granted_on: Day
    area: Annotated[list[AreaPart], Field(min_length=1, max_length=500)]
    yields: Yields = []


class GiAmended(Body):
    gi: ObjectId
    names: Names | None = None
    specification: Text | None = None
    area: Annotated[list[AreaPart], Field(min_length=1, max_length=500)] | None = None
    yields: Yields | None = None
    """Replaces the GI's yields (an empty list removes them)."""


class GiManagerChanged(Body):
    gi: ObjectId
    manager: OrgId


class GiCancelled(Body):
    gi: ObjectId
    effective_on: Day
    reason: Text


class MarkRegistered(Body):
    id: ObjectId
    type: Literal["collective", "certification"]
    certificate: MarkCertificate
    application: MarkApplication
    owner: OrgId
    names: Names
    goods: Text
    nice_classes: Annotated[list[Annotated[int, Field(ge=1, le=45)]], Field(min_length=1, max_length=45)]
    valid_from: Day
    valid_until: Day
    users: Annotated[list[OrgId], Field(max_length=1000)] = []


class MarkRenewed(Body):
    mark: ObjectId
    valid_until: Day


class MarkCancelled(Body):
    mark: ObjectId
    effective_on: Day
    reason: Text


class Subject(Body):
    type: Literal["gi", "mark"]
    id: ObjectId


class Quota(Body):
    quantity: PositiveQuantity
    unit: Unit
    text: ShortText | None = None
    """How the holder's papers say it, e.g. "2,500 roots"."""


class RightGranted(Body):
    id: ObjectId
    holder: OrgId
    subject: Subject
    valid_from: Day
    valid_until: Day | None = None
    quota: Quota | None = None
    plot: ShortText | None = None

    @model_validator(mode="after")
    def _window(self) -> "RightGranted":
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(f"valid_until {self.valid_until} is before valid_from {self.valid_from}")
        return self


class RightChanged(Body):
    """Suspension, reinstatement or revocation of a right of use, from `effective_on`."""

    right: ObjectId
    effective_on: Day
    reason: Text


class DelegationGranted(Body):
    """The root authority lets `authority` act for it in `provinces` (codes of 1 July 2025) and over the GIs and
    marks it names, from `valid_from` until `valid_until` (open when absent)."""

    id: ObjectId
    authority: OrgId
    provinces: Annotated[list[ProvinceCode], Field(max_length=34)] = []
    gis: Annotated[list[ObjectId], Field(max_length=100)] = []
    marks: Annotated[list[ObjectId], Field(max_length=100)] = []
    valid_from: Day
    valid_until: Day | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _something(self) -> "DelegationGranted":
        if not (self.provinces or self.gis or self.marks):
            raise ValueError("a delegation names at least one province, GI or mark")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(f"valid_until {self.valid_until} is before valid_from {self.valid_from}")
        return self


class AccreditationGranted(Body):
    """The root authority accredits `certifier` for the named certification schemes, in `provinces` (all of
    Viet Nam when empty), from `valid_from` to `valid_until`."""

    id: ObjectId
    certifier: OrgId
    schemes: Annotated[list[ShortText], Field(min_length=1, max_length=20)]
    provinces: Annotated[list[ProvinceCode], Field(max_length=34)] = []
    valid_from: Day
    valid_until: Day

    @model_validator(mode="after")
    def _window(self) -> "AccreditationGranted":
        if self.valid_until < self.valid_from:
            raise ValueError(f"valid_until {self.valid_until} is before valid_from {self.valid_from}")
        return self


class ScopeWithdrawn(Body):
    """Ends a delegation or an accreditation at once."""

    id: ObjectId
    reason: Text


class PrefixLicensed(Body):
    """The numbering agency licenses GS1 company prefix `prefix` to `licensee`."""

    id: ObjectId
    prefix: CompanyPrefix
    licensee: OrgId
    valid_from: Day
    valid_until: Day | None = None

    @model_validator(mode="after")
    def _window(self) -> "PrefixLicensed":
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(f"valid_until {self.valid_until} is before valid_from {self.valid_from}")
        return self


class PrefixRevoked(Body):
    licence: ObjectId
    effective_on: Day
    reason: Text


class ProductRegistered(Body):
    gtin: Gtin
    names: Names
    unit: Unit


class BatchRef(Body):
    gtin: AnyGtin
    lot: Lot


class Input(Body):
    gtin: AnyGtin
    lot: Lot
    quantity: PositiveQuantity


class BatchRegistered(Body):
    gtin: Gtin
    lot: Lot
    quantity: PositiveQuantity
    unit: Unit
    produced_on: Day
    origin: Commune
    claims: Annotated[list[Subject], Field(max_length=10)] = []
    inputs: Annotated[list[Input], Field(max_length=100)] = []


class Place(Body):
    commune: Commune | None = None
    name: ShortText | None = None


class BatchEvent(Body):
    """An EPCIS 2.0 ObjectEvent (action OBSERVE) on a batch, in CBV 2.0 terms."""

    gtin: AnyGtin
    lot: Lot
    biz_step: BizStep
    disposition: Disposition | None = None
    event_time: Annotated[str, StringConstraints(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$")]
    place: Place | None = None
    source: OrgId | None = None
    destination: OrgId | None = None
    note: Text | None = None


class BatchRecalled(Body):
    gtin: AnyGtin
    lot: Lot
    reason: Text


class CertSubject(Body):
    type: Literal["batch", "producer", "product"]
    gtin: AnyGtin | None = None
    lot: Lot | None = None
    organisation: OrgId | None = None

    @model_validator(mode="after")
    def _shape(self) -> "CertSubject":
        need = {"batch": ("gtin", "lot"), "product": ("gtin",), "producer": ("organisation",)}[self.type]
        given = {k for k in ("gtin", "lot", "organisation") if getattr(self, k) is not None}
        if given != set(need):
            raise ValueError(f"a {self.type} subject has exactly {', '.join(need)}; got {', '.join(sorted(given))}")
        return self


class CertificationIssued(Body):
    id: ObjectId
    subject: CertSubject
    scheme: ShortText
    result: Literal["pass", "fail"]
    valid_from: Day
    valid_until: Day
    document_sha256: Sha256Hex


class CertificationRevoked(Body):
    certification: ObjectId
    reason: Text


class SerialsIssued(Body):
    gtin: AnyGtin
    lot: Lot
    count: Annotated[int, Field(ge=1, le=100_000)] | None = None
    prefix: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{1,8}$")] | None = None
    serials: Annotated[list[Serial], Field(min_length=1, max_length=10_000)] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "SerialsIssued":
        if (self.count is None) == (self.serials is None):
            raise ValueError("give either count (with an optional prefix) or an explicit serials list")
        if self.serials is not None and len(set(self.serials)) != len(self.serials):
            raise ValueError("the serials list repeats a serial")
        return self

    def expand(self, start: int) -> list[str]:
        """The serials this statement issues; a counted series continues from `start`."""
        if self.serials is not None:
            return list(self.serials)
        prefix = self.prefix or "S"
        return [f"{prefix}{n:07d}" for n in range(start + 1, start + 1 + (self.count or 0))]


class Correction(Body):
    entry: Annotated[int, Field(ge=0)]
    reason: Text
    replacement: Annotated[int, Field(ge=0)] | None = None
