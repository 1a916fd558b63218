"""Read models (projections) of the registry. Every row here is derived from log entries and is rebuilt
by `registry.replay`; `entry` columns name the log index that wrote the row. Quantities are decimal strings.
"""

from sqlalchemy import BigInteger, Index, Integer
from sqlmodel import Field, SQLModel

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


class RegProduct(SQLModel, table=True):
    __tablename__ = "reg_products"
    gtin: str = Field(primary_key=True)
    producer: str = Field(index=True)
    name_vi: str
    name_en: str
    unit: str
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
    recalled_entry: int | None = Field(default=None, sa_type=ENTRY)
    entry: int = Field(sa_type=ENTRY)


class RegBatchClaim(SQLModel, table=True):
    __tablename__ = "reg_batch_claims"
    gtin: str = Field(primary_key=True)
    lot: str = Field(primary_key=True)
    subject_type: str = Field(primary_key=True)
    subject_id: str = Field(primary_key=True)
    right: str


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
    entry: int = Field(sa_type=ENTRY)


class RegSerial(SQLModel, table=True):
    __tablename__ = "reg_serials"
    gtin: str = Field(primary_key=True)
    lot: str = Field(primary_key=True)
    serial: str = Field(primary_key=True)
    entry: int = Field(sa_type=ENTRY)


class RegHistory(SQLModel, table=True):
    """Entries that changed an organisation, GI or mark after its registration (update, amendment, change of
    manager, renewal, cancellation): what a verdict relying on that subject must also prove."""

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


PROJECTIONS: tuple[type[SQLModel], ...] = (
    RegOrganisation, RegKey, RegNonce, RegGi, RegGiArea, RegMark, RegMarkUser, RegRight, RegRightChange,
    RegProduct, RegBatch, RegBatchClaim, RegBatchInput, RegEvent, RegCertification, RegSerial, RegHistory,
    RegCorrection,
)
"""Every projection table, in the order replay digests them."""


class RegCustodialKey(SQLModel, table=True):
    """Private keys the registry holds for organisations, sealed with a key derived from NGUON_SECRET_KEY.

    Not a projection: secrets never enter the log, so replay does not rebuild them.
    """

    __tablename__ = "reg_custodial_keys"
    key_id: str = Field(primary_key=True)
    organisation: str = Field(index=True)
    sealed: bytes
    created_at: str
