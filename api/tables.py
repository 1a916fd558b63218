"""Tables of the HTTP edge: API tokens (stored only as hashes) and serial scan counts.

Neither is a projection of the log: tokens are secrets and scans are observations of readers.
"""

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"
    token_hash: str = Field(primary_key=True)
    """SHA-256 (hex) of the token; the token itself is shown once and never stored."""
    id: str = Field(index=True, unique=True)
    """Public handle for listing and revoking: random, unrelated to the token."""
    prefix: str = ""
    """The token's first characters after "ngn_", to tell tokens apart; empty for tokens made before 0006."""
    organisation: str = Field(index=True)
    label: str = ""
    created_at: str
    revoked_at: str | None = None


class ScanWindow(SQLModel, table=True):
    """How many times one issued serial was resolved in one UTC day."""

    __tablename__ = "api_scan_windows"
    __table_args__ = (Index("ix_api_scan_windows_day", "day"),)
    gtin: str = Field(primary_key=True)
    lot: str = Field(primary_key=True)
    serial: str = Field(primary_key=True)
    day: str = Field(primary_key=True)
    """The UTC date, YYYY-MM-DD."""
    scans: int = Field(sa_type=BigInteger)


class ScanClient(SQLModel, table=True):
    """A reader seen scanning one serial on one day: at most api.scans.CLIENTS_PER_WINDOW per serial and day."""

    __tablename__ = "api_scan_clients"
    __table_args__ = (Index("ix_api_scan_clients_day", "day"),)
    gtin: str = Field(primary_key=True)
    lot: str = Field(primary_key=True)
    serial: str = Field(primary_key=True)
    day: str = Field(primary_key=True)
    client: str = Field(primary_key=True)
    """A keyed hash of the reader's network address and the item (api.scans.client_id); never the address."""
