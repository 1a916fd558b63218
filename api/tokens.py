"""API tokens: random, shown once, stored only as SHA-256 hashes, bound to one organisation."""

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from api.tables import ApiToken
from registry.errors import UnknownReferenceError
from registry.tables import RegOrganisation

PREFIX = "ngn_"

_tokens = ApiToken.__table__  # type: ignore[attr-defined]
_organisations = RegOrganisation.__table__  # type: ignore[attr-defined]


def token_hash(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is as strong as a slow hash here."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(connection: Connection, organisation: str, label: str = "") -> str:
    """A new token for a registered organisation; the only time the token itself exists."""
    if connection.execute(select(_organisations.c.id).where(_organisations.c.id == organisation)).first() is None:
        raise UnknownReferenceError("unknown-organisation", f"organisation {organisation} is not registered",
                                    f"tổ chức {organisation} chưa được đăng ký")
    token = PREFIX + secrets.token_urlsafe(32)
    connection.execute(_tokens.insert().values(token_hash=token_hash(token), organisation=organisation, label=label,
                                               created_at=datetime.now(UTC).isoformat()))
    return token


def organisation_of(connection: Connection, token: str) -> str | None:
    """The organisation a live token acts for, or None."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = connection.execute(select(_tokens.c.organisation).where(
        _tokens.c.token_hash == token_hash(token), _tokens.c.revoked_at.is_(None))).first()
    return None if row is None else str(row[0])


def revoke_token(connection: Connection, token: str) -> bool:
    result = connection.execute(update(_tokens).where(_tokens.c.token_hash == token_hash(token),
                                                      _tokens.c.revoked_at.is_(None))
                                .values(revoked_at=datetime.now(UTC).isoformat()))
    return result.rowcount == 1
