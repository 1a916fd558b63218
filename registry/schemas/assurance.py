"""Bodies of the statements about certifications."""

from typing import Literal

from pydantic import model_validator

from registry.schemas.common import Body
from registry.validation import BilingualValueError
from registry.values import AnyGtin, Day, Lot, ObjectId, OrgId, Sha256Hex, ShortText, Text


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
            raise BilingualValueError(
                f"a {self.type} subject has exactly {', '.join(need)}; got {', '.join(sorted(given))}",
                f"đối tượng loại {self.type} phải có đúng các trường {', '.join(need)}; "
                f"nhận được {', '.join(sorted(given))}")
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
