"""Settings from the environment (prefix NGUON_). Nothing is read until `get_settings()` is called."""

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    """Requests with larger bodies get 413; CSV imports may use `max_import_bytes`."""
    max_import_bytes: int = 16_777_216
    rate_limit: str = "600/minute"
    """Public GET requests allowed per client address (a `limits` expression); "" turns the limit off."""
    cors_origins: list[str] = []
    """Origins allowed by CORS; none by default."""
    witnesses: list[str] = []
    """Witnesses that cosign checkpoints, each "<submission prefix URL> <cosigner verifier key>" (C2SP
    tlog-witness: checkpoints are POSTed to <prefix>/add-checkpoint); NGUON_WITNESSES is a JSON list."""
    witness_quorum: int = 0
    """Cosignatures a checkpoint needs to count as published; 0 publishes every checkpoint."""
    secret_key: SecretStr | None = None
    """Seals custodial keys at rest; when unset, a random one is generated into data_dir on first run."""


@lru_cache
def get_settings() -> Settings:
    return Settings()
