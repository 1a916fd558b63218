"""Read models (projections) of the registry. Every row here is derived from log entries and is rebuilt
by `registry.replay`; `entry` columns name the log index that wrote the row. Quantities are decimal strings."""

from sqlalchemy import BigInteger, Index, Integer
from sqlmodel import Field, SQLModel

import registry.held  # noqa: F401  (the tables kept beside the projections, never replayed, on the same metadata)
from registry.passport_tables import RegProductPassport

ENTRY = BigInteger().with_variant(Integer(), "sqlite")
"""A log index: 64 bits like the log's own (SQLite's INTEGER is 64-bit already)."""


class RegOrganisation(SQLModel, table=True):
    __tablename__ = "reg_organisations"
    id: str = Field(primary_key=True)
    name_vi: str
    name_en: str
    roles: str
    """Comma-separated roles, sorted."""
    commune_code: str | None = None
    commune_version: str | None = None
    street: str | None = None
    tax_code: str | None = Field(default=None, index=True)
    business_registration: str | None = None
    entry: int = Field(sa_type=ENTRY)


class RegKey(SQLModel, table=True):
    __tablename__ = "reg_keys"
    key_id: str = Field(primary_key=True)
    organisation: str = Field(index=True)
    public_key: str
    custodial: bool
    active: bool
    added_entry: int = Field(sa_type=ENTRY)
    revoked_entry: int | None = Field(default=None, sa_type=ENTRY)


class RegNonce(SQLModel, table=True):
    __tablename__ = "reg_nonces"
    issuer: str = Field(primary_key=True)
    nonce: str = Field(primary_key=True)
    entry: int = Field(unique=True, sa_type=ENTRY)
    """The entry that used the nonce: also how corrections find who issued an entry."""


class RegGi(SQLModel, table=True):
    __tablename__ = "reg_gis"
    id: str = Field(primary_key=True)
    certificate: str = Field(unique=True)
    application: str
    name_vi: str
    name_en: str
    product: str
    manager: str
    specification: str
    granted_on: str
    cancelled_on: str | None = None
    entry: int = Field(sa_type=ENTRY)


class RegGiArea(SQLModel, table=True):
    """A commune of a GI's area from the entry that added it until the entry that removed it (an amendment),
    so that an origin can be judged against the area in force when its batch was registered."""

    __tablename__ = "reg_gi_areas"
    gi: str = Field(primary_key=True)
    commune_code: str = Field(primary_key=True)
    commune_version: str = Field(primary_key=True)
    added_entry: int = Field(primary_key=True, sa_type=ENTRY)
    commune_name: str | None = None
    stage: str | None = None
    removed_entry: int | None = Field(default=None, sa_type=ENTRY)


class RegMark(SQLModel, table=True):
    __tablename__ = "reg_marks"
    id: str = Field(primary_key=True)
    type: str
    certificate: str = Field(unique=True)
    application: str
    owner: str
    name_vi: str
    name_en: str
    goods: str
    nice_classes: str
    valid_from: str
    valid_until: str
    cancelled_on: str | None = None
    entry: int = Field(sa_type=ENTRY)


class RegMarkUser(SQLModel, table=True):
    __tablename__ = "reg_mark_users"
    mark: str = Field(primary_key=True)
    organisation: str = Field(primary_key=True)


class RegRight(SQLModel, table=True):
    __tablename__ = "reg_rights"
    id: str = Field(primary_key=True)
    holder: str = Field(index=True)
    subject_type: str
    subject_id: str
    valid_from: str
    valid_until: str | None = None
    quota_quantity: str | None = None
    quota_unit: str | None = None
    quota_text: str | None = None
    quota_used: str = "0"
    plot: str | None = None
    status: str
    """Status now: active, suspended or revoked (history in reg_right_changes)."""
    entry: int = Field(sa_type=ENTRY)


class RegRightChange(SQLModel, table=True):
    __tablename__ = "reg_right_changes"
    entry: int = Field(primary_key=True, sa_type=ENTRY)
    right: str = Field(index=True)
    action: str
    effective_on: str
    reason: str
    retracted: bool = False
    """Retracted by a correction in force: the change has no effect."""


class RegProduct(SQLModel, table=True):
    __tablename__ = "reg_products"
    gtin: str = Field(primary_key=True)
    producer: str = Field(index=True)
    name_vi: str
    name_en: str
    unit: str
    licence: str
    """The GS1 company prefix licence its GTIN falls under."""
    entry: int = Field(sa_type=ENTRY)


class RegBatch(SQLModel, table=True):
    __tablename__ = "reg_batches"
    gtin: str = Field(primary_key=True)
    lot: str = Field(primary_key=True)
    producer: str = Field(index=True)
    quantity: str
    unit: str
    used: str = "0"
    """How much later batches consumed as input."""
    serials: int = 0
    produced_on: str
    origin_code: str
    origin_version: str
    expires_on: str | None = None
    """Declared, or its production date plus its product's shelf life (`registry.schemas.expiry`)."""
    recalled_entry: int | None = Field(default=None, sa_type=ENTRY)
    """The earliest recall in force (not retracted), if any."""
    retracted: bool = False
    """The registration was retracted: the batch is withdrawn (what it consumed stays consumed)."""
    entry: int = Field(sa_type=ENTRY)


class RegBatchClaim(SQLModel, table=True):
    __tablename__ = "reg_batch_claims"
    gtin: str = Field(primary_key=True)
    lot: str = Field(primary_key=True)
    subject_type: str = Field(primary_key=True)
    subject_id: str = Field(primary_key=True)
    right: str
    credit: str = "0"
    """How much of the batch its claimed inputs can yield under the GI's or mark's yields."""
    charged: str = "0"
    """What the batch charged to the right's quota: its quantity beyond `credit`."""


class RegRecall(SQLModel, table=True):
    __tablename__ = "reg_recalls"
    __table_args__ = (Index("ix_reg_recalls_batch", "gtin", "lot"),)
    entry: int = Field(primary_key=True, sa_type=ENTRY)
    gtin: str
    lot: str
    issuer: str
    reason: str
    retracted: bool = False


class RegBatchInput(SQLModel, table=True):
    __tablename__ = "reg_batch_inputs"
    __table_args__ = (Index("ix_reg_batch_inputs_input", "input_gtin", "input_lot"),)
    gtin: str = Field(primary_key=True)
    lot: str = Field(primary_key=True)
    input_gtin: str = Field(primary_key=True)
    input_lot: str = Field(primary_key=True)
    quantity: str


class RegEvent(SQLModel, table=True):
    __tablename__ = "reg_events"
    __table_args__ = (Index("ix_reg_events_batch", "gtin", "lot"),)
    entry: int = Field(primary_key=True, sa_type=ENTRY)
    gtin: str
    lot: str
    issuer: str
    biz_step: str
    disposition: str | None = None
    event_time: str
    place_code: str | None = None
    place_version: str | None = None
    place_name: str | None = None
    source: str | None = None
    destination: str | None = None
    note: str | None = None
    retracted: bool = False


class RegCertification(SQLModel, table=True):
    __tablename__ = "reg_certifications"
    __table_args__ = (Index("ix_reg_certifications_subject", "subject_gtin", "subject_lot"),
                      Index("ix_reg_certifications_subject_org", "subject_org"))
    id: str = Field(primary_key=True)
    certifier: str
    subject_type: str
    subject_gtin: str | None = None
    subject_lot: str | None = None
    subject_org: str | None = None
    scheme: str
    result: str
    valid_from: str
    valid_until: str
    document_sha256: str
    revoked_entry: int | None = Field(default=None, sa_type=ENTRY)
    """The earliest revocation in force (not retracted), if any."""
    retracted: bool = False
    entry: int = Field(index=True, sa_type=ENTRY)


class RegSerial(SQLModel, table=True):
    __tablename__ = "reg_serials"
    __table_args__ = (Index("ix_reg_serials_entry", "entry"),)
    gtin: str = Field(primary_key=True)
    lot: str = Field(primary_key=True)
    serial: str = Field(primary_key=True)
    entry: int = Field(sa_type=ENTRY)
    retracted: bool = False
    """Issued by a retracted statement: not issued for verdicts, still counted against the batch quantity."""


class RegHistory(SQLModel, table=True):
    """Entries that changed an organisation, product, GI or mark after its registration (update, amendment, change
    of manager, renewal, cancellation): what a verdict relying on that subject must also prove."""

    __tablename__ = "reg_history"
    __table_args__ = (Index("ix_reg_history_subject", "subject_type", "subject_id"),)
    entry: int = Field(primary_key=True, sa_type=ENTRY)
    subject_type: str
    subject_id: str
    action: str


class RegCorrection(SQLModel, table=True):
    __tablename__ = "reg_corrections"
    entry: int = Field(primary_key=True, sa_type=ENTRY)
    corrected_entry: int = Field(index=True, sa_type=ENTRY)
    replacement: int | None = Field(default=None, sa_type=ENTRY)
    issuer: str
    reason: str
    authority: bool = False
    """Made by an authority governing the subject, not by the corrected entry's own issuer."""


class RegEntry(SQLModel, table=True):
    """Every entry's kind, issuer and subject (what it is about, e.g. "batch:08936…/LOT-1"), and whether a
    correction in force retracts it."""

    __tablename__ = "reg_entries"
    __table_args__ = (Index("ix_reg_entries_subject", "subject"), Index("ix_reg_entries_kind", "kind", "entry"),
                      Index("ix_reg_entries_issuer", "issuer", "entry"))
    entry: int = Field(primary_key=True, sa_type=ENTRY)
    kind: str
    issuer: str
    subject: str
    retracted: bool = False


class RegDelegation(SQLModel, table=True):
    """What the root authority lets another authority do: in provinces (codes of 1 July 2025, comma-separated)
    and over named GIs and marks."""

    __tablename__ = "reg_delegations"
    id: str = Field(primary_key=True)
    authority: str = Field(index=True)
    provinces: str
    gis: str
    marks: str
    valid_from: str
    valid_until: str | None = None
    withdrawn_entry: int | None = Field(default=None, sa_type=ENTRY)
    entry: int = Field(sa_type=ENTRY)


class RegAccreditation(SQLModel, table=True):
    __tablename__ = "reg_accreditations"
    id: str = Field(primary_key=True)
    certifier: str = Field(index=True)
    schemes: str
    """The scheme names, one per line."""
    provinces: str
    """Comma-separated province codes; empty for all of Viet Nam."""
    valid_from: str
    valid_until: str
    withdrawn_entry: int | None = Field(default=None, sa_type=ENTRY)
    entry: int = Field(sa_type=ENTRY)


class RegPrefixLicence(SQLModel, table=True):
    __tablename__ = "reg_prefix_licences"
    id: str = Field(primary_key=True)
    prefix: str = Field(index=True)
    licensee: str = Field(index=True)
    valid_from: str
    valid_until: str | None = None
    revoked_on: str | None = None
    revoked_entry: int | None = Field(default=None, sa_type=ENTRY)
    entry: int = Field(sa_type=ENTRY)


class RegGiYield(SQLModel, table=True):
    """A yield of a GI's specification, in force from the entry that set it until the one that replaced it."""

    __tablename__ = "reg_gi_yields"
    gi: str = Field(primary_key=True)
    input_unit: str = Field(primary_key=True)
    output_unit: str = Field(primary_key=True)
    output_gtin: str = Field(primary_key=True)
    """Empty for any product."""
    added_entry: int = Field(primary_key=True, sa_type=ENTRY)
    per_input: str
    text: str | None = None
    removed_entry: int | None = Field(default=None, sa_type=ENTRY)


PROJECTIONS: tuple[type[SQLModel], ...] = (
    RegOrganisation, RegKey, RegNonce, RegGi, RegGiArea, RegMark, RegMarkUser, RegRight, RegRightChange,
    RegProduct, RegBatch, RegBatchClaim, RegBatchInput, RegEvent, RegCertification, RegSerial, RegHistory,
    RegCorrection, RegEntry, RegDelegation, RegAccreditation, RegPrefixLicence, RegGiYield, RegRecall,
    RegProductPassport,
)
"""Every projection table, in the order replay digests them."""

