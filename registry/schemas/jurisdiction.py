"""Bodies of the statements that give and take away jurisdiction: delegations, accreditations and GS1
company prefix licences."""

# ruff: noqa: RUF012  (a list default is copied per model by pydantic; ruff sees Body's BaseModel only in its own module)

from typing import Annotated

from pydantic import Field, model_validator

from registry.schemas.common import Body, check_window
from registry.validation import BilingualValueError
from registry.values import CompanyPrefix, Day, ObjectId, OrgId, ProvinceCode, ShortText, Text


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
            raise BilingualValueError("a delegation names at least one province, GI or mark",
                                      "một ủy quyền phải nêu ít nhất một tỉnh, một chỉ dẫn địa lý hoặc một nhãn hiệu")
        check_window(self.valid_from, self.valid_until)
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
        check_window(self.valid_from, self.valid_until)
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
        check_window(self.valid_from, self.valid_until)
        return self


class PrefixRevoked(Body):
    licence: ObjectId
    effective_on: Day
    reason: Text
