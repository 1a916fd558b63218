"""Tables of the HTTP edge: API tokens (stored only as hashes) and serial scan counts.

Neither is a projection of the log: tokens are secrets and scans are observations of readers.
"""

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"
    token_hash: str = Field(primary_key=True)
    """SHA-256 (hex) of the token; the token itself is shown once and never stored."""
    organisation: str = Field(index=True)
    label: str = ""
    created_at: str
    revoked_at: str | None = None


class SerialScan(SQLModel, table=True):
    __tablename__ = "api_serial_scans"
    __table_args__ = (Index("ix_api_serial_scans_item", "gtin", "lot", "serial"),)
    id: int | None = Field(default=None, primary_key=True)
    gtin: str
    lot: str
    serial: str
    scanned_at: str
    region: str | None = None
    """A coarse region the client chose to give (e.g. a province code); never an IP address."""
    client: str | None = None
    """A salted hash of the client address, to tell many scans by one reader from many readers."""
