"""Settings from the environment (prefix NGUON_). Nothing is read until `get_settings()` is called."""

import ipaddress
import json
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ledger.files.keys import load_or_create_secret_file


class ReportContact(BaseModel):
    """Whom a shopper tells about a product whose label the registry does not back, in each language of the
    consumer page: words that follow "Báo cho:" and "Report it to"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vi: str
    en: str


DEFAULT_REPORT_CONTACT = ReportContact(
    vi="đội Quản lý thị trường gần nơi bạn mua hàng, hoặc Sở Khoa học và Công nghệ của tỉnh, thành phố",
    en="the market surveillance team (Quản lý thị trường) nearest to where you bought it, or the province's "
    "Department of Science and Technology")
"""Counterfeit goods are the market surveillance force's to seize, and misused GIs and marks the provincial
Department of Science and Technology's to inspect; a deployment names its own offices and hotline."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NGUON_", extra="ignore")

    database_url: str = "sqlite:///./nguon.db"
    """SQLAlchemy URL; sqlite:///path for the embedded default, postgresql://… in production."""
    data_dir: Path = Path("./.nguon")
    """Where the log key (and later the registry's secrets) live, created with mode 0700."""
    log_origin: str = "nguon.localhost/log"
    """The checkpoint origin line, which is also the log key's name."""
    public_url: str = "http://127.0.0.1:8000"
    """The base of the GS1 Digital Link URIs printed in QR codes."""
    max_body_bytes: int = 1_048_576
    """Requests with larger bodies get 413; batch imports (CSV, xlsx) may use `max_import_bytes`."""
    max_import_bytes: int = 16_777_216
    rate_limit: str = "600/minute"
    """Public GET requests allowed per client address (a `limits` expression); "" turns the limit off."""
    trusted_proxies: list[str] = []
    """Addresses or networks (CIDR) of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto `nguon
    serve` believes; none by default, so a client cannot choose the address it is rate limited and counted by."""
    header_timeout: float = 10.0
    """Seconds a connection has to deliver a request's headers before it is closed (slow-header attacks)."""
    body_timeout: float = 30.0
    """Seconds a request body may stall (no byte arriving) before the request is refused with 408."""
    metrics: bool = True
    """Whether GET /metrics (Prometheus text format) is served."""
    metrics_allow: list[str] = []
    """Addresses or networks (CIDR) whose clients may read /metrics; anyone when empty (the figures are counts of
    a public log's traffic). Behind a reverse proxy, list it in NGUON_TRUSTED_PROXIES so that the address
    checked is the client's, not the proxy's."""
    cors_origins: list[str] = []
    """Origins allowed by CORS; none by default."""
    witnesses: list[str] = []
    """Witnesses that cosign checkpoints, each "<submission prefix URL> <cosigner verifier key>" (C2SP
    tlog-witness: checkpoints are POSTed to <prefix>/add-checkpoint); NGUON_WITNESSES is a JSON list."""
    witness_quorum: int = 0
    """Cosignatures a checkpoint needs to count as published; 0 publishes every checkpoint."""
    secret_key: SecretStr | None = None
    """Seals custodial keys at rest; when unset, a random one is generated into data_dir on first run."""
    portal_idle_minutes: int = 60
    """A portal session ends after this many minutes without a request."""
    portal_session_hours: int = 12
    """...and at the latest this many hours after sign-in: a working day."""
    portal_login_limit: str = "5/15 minutes"
    """Failed sign-ins allowed per login (a `limits` expression) before it is locked for the rest of the window."""
    portal_address_limit: str = "30/15 minutes"
    """Failed sign-ins allowed per client address, whatever the logins tried (an office may share one)."""
    report_contact: Annotated[ReportContact, NoDecode] = DEFAULT_REPORT_CONTACT
    """Whom the consumer page tells a shopper to report a product that is not valid or not registered to:
    NGUON_REPORT_CONTACT is one text for both languages, or a JSON object {"vi": ..., "en": ...}."""

    @field_validator("report_contact", mode="before")
    @classmethod
    def _contact(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text:
            raise ValueError("NGUON_REPORT_CONTACT is empty; leave it unset for the default, or name an office")
        return json.loads(text) if text.startswith("{") else {"vi": text, "en": text}

    @field_validator("trusted_proxies", "metrics_allow")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        # uvicorn takes a value that is no address as a literal host name that never matches: a typo would
        # silently leave the proxy untrusted, or trust what was not meant, so it is refused at start-up.
        for item in value:
            try:
                ipaddress.ip_network(item)  # an address is a network of one; host bits set under a mask are not
            except ValueError as exc:
                raise ValueError(f"{item!r} is not an IP address or network like 10.0.0.0/8") from exc
        return value

    @field_validator("portal_idle_minutes", "portal_session_hours")
    @classmethod
    def _at_least_one(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"{value} must be at least 1")
        return value

    @field_validator("header_timeout", "body_timeout")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError(f"timeout {value} must be a positive number of seconds")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()


SECRET_FILE = "secret.key"  # noqa: S105  (a file name, not a secret)


def load_secret(settings: Settings) -> bytes:
    """NGUON_SECRET_KEY, or the secret in the data directory, created on first use."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = Path(settings.data_dir) / SECRET_FILE
    return load_or_create_secret_file(path, lambda: secrets.token_hex(32)).encode()
