"""What the registry keeps beside the log: neither is a projection, so replay does not rebuild them.

Custodial keys are secrets and never enter the log. Images are the bytes behind the SHA-256 a product statement
names: the log carries the hash, which fixes the bytes, and the registry serves them (`registry.images`).
"""

from sqlmodel import Field, SQLModel


class RegCustodialKey(SQLModel, table=True):
    """Private keys the registry holds for organisations, sealed with a key derived from NGUON_SECRET_KEY."""

    __tablename__ = "reg_custodial_keys"
    key_id: str = Field(primary_key=True)
    organisation: str = Field(index=True)
    sealed: bytes
    created_at: str


class RegImage(SQLModel, table=True):
    """An image uploaded by an organisation, by the SHA-256 (hex) of its bytes."""

    __tablename__ = "reg_images"
    sha256: str = Field(primary_key=True)
    media_type: str
    """image/png, image/jpeg or image/webp, as the bytes themselves say."""
    width: int
    height: int
    data: bytes
    organisation: str
    """Who uploaded it first."""
    created_at: str
