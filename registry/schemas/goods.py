"""Bodies of the statements about products, batches, their events (EPCIS 2.0 in CBV 2.0 terms), recalls and
serials."""

# ruff: noqa: RUF012  (a list default is copied per model by pydantic; ruff sees Body's BaseModel only in its own module)

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from registry.schemas.common import Body, Commune, Names, Texts
from registry.schemas.indications import Subject
from registry.validation import BilingualValueError
from registry.values import (
    AnyGtin,
    Day,
    Gtin,
    Lot,
    OrgId,
    PositiveQuantity,
    Sha256Hex,
    ShortText,
    StandardCode,
    Text,
    Unit,
)

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


class ProductRegistered(Body):
    gtin: Gtin
    names: Names
    unit: Unit


MAX_SHELF_LIFE_DAYS = 3660
"""Ten years: a label that keeps longer gives no expiry date at all."""


class ProductRegisteredV2(ProductRegistered):
    """A product with the data its digital passport shows (Decree 37/2026/NĐ-CP, Circular 02/2024/TT-BKHCN): the
    SHA-256 of its image (uploaded to the registry first), its shelf life in days from the production date, the
    standards it applies, and its usage instructions and safety warnings."""

    image: Sha256Hex | None = None
    shelf_life_days: Annotated[int, Field(ge=1, le=MAX_SHELF_LIFE_DAYS)] | None = None
    standards: Annotated[list[StandardCode], Field(max_length=20)] = []
    usage: Texts | None = None
    warnings: Texts | None = None

    @model_validator(mode="after")
    def _standards_once(self) -> "ProductRegisteredV2":
        if len(set(self.standards)) != len(self.standards):
            raise ValueError("the standards list repeats a standard")
        return self


class ProductUpdated(Body):
    """New passport data for a registered product (`product.updated.v2`: it amends what `product.registered.v2`
    sets, and has no first version). A field left out is unchanged; a field given replaces its value whole, so
    `standards: []` says the product applies none. The GTIN names the product and cannot change, nor can its
    producer: a new GTIN is a new product."""

    gtin: Gtin
    names: Names | None = None
    unit: Unit | None = None
    image: Sha256Hex | None = None
    shelf_life_days: Annotated[int, Field(ge=1, le=MAX_SHELF_LIFE_DAYS)] | None = None
    standards: Annotated[list[StandardCode], Field(max_length=20)] | None = None
    usage: Texts | None = None
    warnings: Texts | None = None

    @model_validator(mode="after")
    def _standards_once(self) -> "ProductUpdated":
        if self.standards is not None and len(set(self.standards)) != len(self.standards):
            raise BilingualValueError("the standards list repeats a standard",
                                      "danh sách tiêu chuẩn có một tiêu chuẩn bị lặp lại")
        return self

    def changes(self) -> dict[str, object]:
        """The fields this update gives, as the body names them (empty when it changes nothing)."""
        return {name: getattr(self, name) for name in type(self).model_fields
                if name != "gtin" and getattr(self, name) is not None}


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


class BatchRegisteredV2(BatchRegistered):
    """A batch with its expiry or best-before date (hạn sử dụng), as its label prints it."""

    expires_on: Day | None = None


def expiry(produced_on: str, declared: str | None, shelf_life_days: int | None) -> tuple[str | None, bool]:
    """A batch's expiry date and whether it is derived: the date the batch declares; else its production date
    plus its product's shelf life (Decree 43/2017/NĐ-CP Art. 3(11): a label gives either the date or the time from
    production); else none. Goods are expired after that day, not on it."""
    if declared is not None:
        return declared, False
    if shelf_life_days is None:
        return None, False
    return (date.fromisoformat(produced_on) + timedelta(days=shelf_life_days)).isoformat(), True


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


class SerialsIssued(Body):
    gtin: AnyGtin
    lot: Lot
    count: Annotated[int, Field(ge=1, le=100_000)] | None = None
    prefix: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{1,8}$")] | None = None
    serials: Annotated[list[Serial], Field(min_length=1, max_length=10_000)] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "SerialsIssued":
        if (self.count is None) == (self.serials is None):
            raise BilingualValueError("give either count (with an optional prefix) or an explicit serials list",
                                      "hãy ghi hoặc số lượng số sê-ri (count, có thể kèm tiền tố), hoặc danh sách "
                                      "số sê-ri, chỉ một trong hai")
        if self.serials is not None and len(set(self.serials)) != len(self.serials):
            raise BilingualValueError("the serials list repeats a serial",
                                      "danh sách số sê-ri có một số bị lặp lại")
        return self

    def expand(self, start: int) -> list[str]:
        """The serials this statement issues; a counted series continues from `start`."""
        if self.serials is not None:
            return list(self.serials)
        prefix = self.prefix or "S"
        return [f"{prefix}{n:07d}" for n in range(start + 1, start + 1 + (self.count or 0))]
