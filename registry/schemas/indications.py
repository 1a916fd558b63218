"""Bodies of the statements about geographical indications, collective and certification marks, and rights
to use them."""

# ruff: noqa: RUF012  (a list default is copied per model by pydantic; ruff sees Body's BaseModel only in its own module)

from typing import Annotated, Literal

from pydantic import Field, model_validator

from registry.schemas.common import Body, Commune, Names, Stage, check_window
from registry.values import (
    Day,
    GiApplication,
    GiCertificate,
    Gtin,
    MarkApplication,
    MarkCertificate,
    ObjectId,
    OrgId,
    PositiveQuantity,
    ShortText,
    Text,
    Unit,
)


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
        check_window(self.valid_from, self.valid_until)
        return self


class RightChanged(Body):
    """Suspension, reinstatement or revocation of a right of use, from `effective_on`."""

    right: ObjectId
    effective_on: Day
    reason: Text
