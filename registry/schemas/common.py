"""What every statement body is made of: the strict base model, names, communes, roles and keys."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from registry.validation import BilingualValueError
from registry.values import CommuneCode, ListVersion, ShortText, Text

Role = Literal["authority", "certifier", "association", "producer", "inspector", "witness", "numbering_agency"]
Stage = Literal["raw_material", "processing", "finishing"]
PublicKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{43}=$")]
"""A raw 32-byte Ed25519 public key in standard base64."""
KeyId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Names(Body):
    vi: ShortText
    en: ShortText


class Texts(Body):
    """A text in Vietnamese and in English, such as a label's usage instructions."""

    vi: Text
    en: Text


class Commune(Body):
    """A commune as an administrative version cites it: codes were reused in the July 2025 reform."""

    code: CommuneCode
    version: ListVersion
    """The date (YYYY-MM-DD, or YYYY-MM for the first of a month) of the administrative list the code is from."""
    name: ShortText | None = None


def check_window(valid_from: str, valid_until: str | None) -> None:
    """ValueError when a window of validity ends before it starts (an open end never does)."""
    if valid_until is not None and valid_until < valid_from:
        raise BilingualValueError(f"valid_until {valid_until} is before valid_from {valid_from}",
                                  f"ngày hết hiệu lực {valid_until} đứng trước ngày bắt đầu {valid_from}")
