"""API tokens: random, shown once, stored only as SHA-256 hashes, bound to one organisation.

A token has a public `id` (for listing and revoking) and a display `prefix` (its first characters after
"ngn_", so a holder can tell which of its tokens is which); neither lets anyone act. An organisation manages
its own tokens; the root authority, the organisation that log entry 0 registered, manages everyone's.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, RowMapping

from api.tables import ApiToken
from registry.errors import ConflictError, RuleViolationError, UnknownReferenceError
from registry.tables import RegOrganisation

PREFIX = "ngn_"
PREFIX_SHOWN = 6
"""Characters of the token shown after "ngn_": 36 of its 256 random bits, enough to tell tokens apart."""
LABEL_MAX = 100

_tokens = ApiToken.__table__  # type: ignore[attr-defined]
_organisations = RegOrganisation.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown of a token: never the token or its hash."""

    id: str
    organisation: str
    label: str
    prefix: str
    created_at: str
    revoked_at: str | None

    @classmethod
    def from_row(cls, row: RowMapping) -> "TokenInfo":
        return cls(row["id"], row["organisation"], row["label"], row["prefix"], row["created_at"], row["revoked_at"])


_INFO_COLUMNS = (_tokens.c.id, _tokens.c.organisation, _tokens.c.label, _tokens.c.prefix, _tokens.c.created_at,
                 _tokens.c.revoked_at)


def token_hash(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is as strong as a slow hash here."""
    return hashlib.sha256(token.encode()).hexdigest()


def _check_organisation(connection: Connection, organisation: str) -> None:
    if connection.execute(select(_organisations.c.id).where(_organisations.c.id == organisation)).first() is None:
        raise UnknownReferenceError("unknown-organisation", f"organisation {organisation} is not registered",
                                    f"tổ chức {organisation} chưa được đăng ký")


def _check_label(label: str) -> None:
    if len(label) > LABEL_MAX or any(ord(c) < 0x20 or ord(c) == 0x7F for c in label):
        raise RuleViolationError("invalid-label", f"a token label holds at most {LABEL_MAX} characters and no "
                                 f"control characters; got {len(label)} characters",
                                 f"nhãn của mã truy cập dài tối đa {LABEL_MAX} ký tự và không chứa ký tự điều khiển; "
                                 f"nhãn đã gửi dài {len(label)} ký tự")


def create_token_info(connection: Connection, organisation: str, label: str = "") -> tuple[str, TokenInfo]:
    """A new token for a registered organisation, and what may be shown of it; the only time the token exists.

    Raises UnknownReferenceError for an unregistered organisation, RuleViolationError for a bad label.
    """
    _check_organisation(connection, organisation)
    _check_label(label)
    token = PREFIX + secrets.token_urlsafe(32)
    info = TokenInfo(secrets.token_hex(6), organisation, label, token[len(PREFIX):len(PREFIX) + PREFIX_SHOWN],
                     datetime.now(UTC).isoformat(), None)
    connection.execute(_tokens.insert().values(token_hash=token_hash(token), id=info.id, prefix=info.prefix,
                                               organisation=organisation, label=label, created_at=info.created_at))
    return token, info


def create_token(connection: Connection, organisation: str, label: str = "") -> str:
    """A new token for a registered organisation (see `create_token_info`)."""
    return create_token_info(connection, organisation, label)[0]


def organisation_of(connection: Connection, token: str) -> str | None:
    """The organisation a live token acts for, or None."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = connection.execute(select(_tokens.c.organisation).where(
        _tokens.c.token_hash == token_hash(token), _tokens.c.revoked_at.is_(None))).first()
    return None if row is None else str(row[0])


def root_authority(connection: Connection) -> str | None:
    """The organisation registered by log entry 0, or None before the registry is bootstrapped."""
    row = connection.execute(select(_organisations.c.id).where(_organisations.c.entry == 0)).first()
    return None if row is None else str(row[0])


def list_tokens(connection: Connection, organisation: str) -> list[TokenInfo]:
    """The tokens of `organisation`, oldest first, revoked ones included; UnknownReferenceError if unregistered."""
    _check_organisation(connection, organisation)
    query = (select(*_INFO_COLUMNS).where(_tokens.c.organisation == organisation)
             .order_by(_tokens.c.created_at, _tokens.c.id))
    return [TokenInfo.from_row(row) for row in connection.execute(query).mappings()]


def find_token(connection: Connection, token_id: str) -> TokenInfo | None:
    row = connection.execute(select(*_INFO_COLUMNS).where(_tokens.c.id == token_id)).mappings().first()
    return None if row is None else TokenInfo.from_row(row)


def revoke_token_id(connection: Connection, token_id: str) -> TokenInfo:
    """Revoke the token with this id; it stops working at the commit.

    Raises UnknownReferenceError for an unknown id, ConflictError for a token already revoked.
    """
    found = find_token(connection, token_id)
    if found is None:
        raise UnknownReferenceError("unknown-token", f"there is no token {token_id}",
                                    f"không có mã truy cập {token_id}")
    if found.revoked_at is not None:
        raise ConflictError("token-already-revoked", f"token {token_id} was already revoked at {found.revoked_at}",
                            f"mã truy cập {token_id} đã bị thu hồi lúc {found.revoked_at}")
    revoked_at = datetime.now(UTC).isoformat()
    result = connection.execute(update(_tokens).where(_tokens.c.id == token_id, _tokens.c.revoked_at.is_(None))
                                .values(revoked_at=revoked_at))
    if result.rowcount != 1:  # revoked by another connection between the read and the update
        raise ConflictError("token-already-revoked", f"token {token_id} was already revoked",
                            f"mã truy cập {token_id} đã bị thu hồi trước đó")
    return TokenInfo(found.id, found.organisation, found.label, found.prefix, found.created_at, revoked_at)


def revoke_token(connection: Connection, token: str) -> bool:
    """Revoke a token given by its value; False if it is unknown or already revoked."""
    result = connection.execute(update(_tokens).where(_tokens.c.token_hash == token_hash(token),
                                                      _tokens.c.revoked_at.is_(None))
                                .values(revoked_at=datetime.now(UTC).isoformat()))
    return result.rowcount == 1
