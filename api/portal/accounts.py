"""People who sign in to the portal: each belongs to one registered organisation with one role in it.

Roles: `admin` manages the organisation's people and API tokens; `clerk` and `viewer` see them (a clerk will
submit statements once the portal's forms exist). Logins are lower-case ASCII (a user name or an e-mail
address). Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second recommended
profile) and are 8 to 256 characters long. A person invited, or whose password an admin resets, gets a
one-time link to set one; every password set, and every disabling, ends the person's sessions.

Every refusal is a registry DomainError with its code and both languages.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.engine import Connection, RowMapping

from api.portal.tables import PortalPasswordLink, PortalSession, PortalUser
from registry.errors import ConflictError, RuleViolationError, UnknownReferenceError
from registry.tables import RegOrganisation

ROLES = ("admin", "clerk", "viewer")
PASSWORD_MIN, PASSWORD_MAX = 8, 256
LOGIN_MAX = 100
LINK_LIFETIME = timedelta(days=3)
"""How long an invitation or reset link stays usable: long enough to reach someone over a weekend."""

_LOGIN = re.compile(r"[a-z0-9][a-z0-9._@+-]{2,99}")
_users = PortalUser.__table__  # type: ignore[attr-defined]
_sessions = PortalSession.__table__  # type: ignore[attr-defined]
_links = PortalPasswordLink.__table__  # type: ignore[attr-defined]
_organisations = RegOrganisation.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class User:
    """What the portal shows and decides on: never the password hash."""

    id: str
    login: str
    organisation: str
    role: str
    created_at: str
    disabled_at: str | None
    has_password: bool

    @classmethod
    def from_row(cls, row: RowMapping) -> "User":
        return cls(row["id"], row["login"], row["organisation"], row["role"], row["created_at"],
                   row["disabled_at"], row["password_hash"] is not None)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def secret_hash(secret: str) -> str:
    """Session ids and link tokens carry 256 random bits, so a plain SHA-256 is as strong as a slow hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return hasher().hash(secrets.token_urlsafe(16))


def normal_login(text: str) -> str:
    """`text` as a login: trimmed and lower-cased. Raises RuleViolationError unless it is 3 to 100 ASCII
    letters, digits and . _ @ + - starting with a letter or digit."""
    login = text.strip().lower()
    if not login.isascii() or not _LOGIN.fullmatch(login):
        raise RuleViolationError(
            "invalid-login", f"a login is 3 to {LOGIN_MAX} characters: unaccented letters, digits and . _ @ + -, "
            "starting with a letter or digit (a user name or an e-mail address)",
            f"tên đăng nhập dài 3 đến {LOGIN_MAX} ký tự, gồm chữ cái không dấu, chữ số và các dấu . _ @ + -, bắt đầu "
            "bằng chữ cái hoặc chữ số (tên người dùng hoặc địa chỉ thư điện tử)")
    return login


def check_password(password: str) -> None:
    """Raises RuleViolationError unless `password` has PASSWORD_MIN to PASSWORD_MAX characters."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise RuleViolationError(
            "invalid-password", f"a password has {PASSWORD_MIN} to {PASSWORD_MAX} characters; this one has "
            f"{len(password)}",
            f"mật khẩu phải dài từ {PASSWORD_MIN} đến {PASSWORD_MAX} ký tự; mật khẩu này dài {len(password)} ký tự")


def check_role(role: str) -> None:
    if role not in ROLES:
        raise RuleViolationError("invalid-role", f"role {role!r} is not one of {', '.join(ROLES)}",
                                 f"vai trò {role!r} không phải một trong {', '.join(ROLES)}")


def organisation_names(connection: Connection, organisation: str) -> tuple[str, str] | None:
    """The Vietnamese and English names of a registered organisation, or None."""
    row = connection.execute(select(_organisations.c.name_vi, _organisations.c.name_en)
                             .where(_organisations.c.id == organisation)).first()
    return None if row is None else (str(row[0]), str(row[1]))


def hash_password(password: str) -> str:
    """The Argon2id hash of a password of PASSWORD_MIN to PASSWORD_MAX characters (RuleViolationError otherwise)."""
    check_password(password)
    return hasher().hash(password)


def create_user(connection: Connection, organisation: str, login: str, role: str,
                password: str | None = None, *, hashed: str | None = None) -> User:
    """A new person of a registered organisation; without `password` (or its `hashed` from `hash_password`), they
    set one through a link.

    Raises UnknownReferenceError for an unregistered organisation, ConflictError for a login taken, and
    RuleViolationError for a bad login, role or password.
    """
    login = normal_login(login)
    check_role(role)
    if password is not None:
        hashed = hash_password(password)
    if organisation_names(connection, organisation) is None:
        raise UnknownReferenceError("unknown-organisation", f"organisation {organisation} is not registered",
                                    f"tổ chức {organisation} chưa được đăng ký")
    if connection.execute(select(_users.c.id).where(_users.c.login == login)).first() is not None:
        raise ConflictError("login-taken", f"the login {login} is already taken",
                            f"tên đăng nhập {login} đã có người dùng")
    created = now()
    user_id = secrets.token_hex(8)
    connection.execute(_users.insert().values(
        id=user_id, login=login, organisation=organisation, role=role, created_at=created,
        password_hash=hashed, password_changed_at=None if hashed is None else created))
    return User(user_id, login, organisation, role, created, None, hashed is not None)


def list_users(connection: Connection, organisation: str | None = None) -> list[User]:
    """The people of `organisation` (of every organisation when None), by login."""
    query = select(_users).order_by(_users.c.organisation, _users.c.login)
    if organisation is not None:
        query = query.where(_users.c.organisation == organisation)
    return [User.from_row(row) for row in connection.execute(query).mappings()]


def find_user(connection: Connection, user_id: str) -> User | None:
    row = connection.execute(select(_users).where(_users.c.id == user_id)).mappings().first()
    return None if row is None else User.from_row(row)


def authenticate(connection: Connection, login: str, password: str) -> User | None:
    """The enabled person whose login and password these are, or None. An unknown login costs the same Argon2
    verification as a wrong password, so the time of the answer does not tell whether the login exists. A
    hash made with older parameters is remade with the current ones."""
    row = connection.execute(select(_users).where(_users.c.login == login)).mappings().first()
    stored = None if row is None else row["password_hash"]
    try:
        hasher().verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or stored is None or row["disabled_at"] is not None:
        return None
    if hasher().check_needs_rehash(stored):
        connection.execute(update(_users).where(_users.c.id == row["id"])
                           .values(password_hash=hasher().hash(password)))
    return User.from_row(row)


def verify_password(connection: Connection, user: User, password: str) -> bool:
    """Whether `password` is `user`'s current password."""
    stored = connection.execute(select(_users.c.password_hash).where(_users.c.id == user.id)).scalar_one_or_none()
    try:
        return hasher().verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def end_sessions(connection: Connection, user_id: str) -> int:
    """Revoke every live session of the person; how many there were."""
    result = connection.execute(update(_sessions).where(_sessions.c.user_id == user_id,
                                                        _sessions.c.revoked_at.is_(None)).values(revoked_at=now()))
    return int(result.rowcount)


def set_password(connection: Connection, user_id: str, password: str) -> None:
    """Set the person's password and end all their sessions; RuleViolationError for a bad password."""
    check_password(password)
    connection.execute(update(_users).where(_users.c.id == user_id)
                       .values(password_hash=hasher().hash(password), password_changed_at=now()))
    end_sessions(connection, user_id)


def set_role(connection: Connection, user_id: str, role: str) -> None:
    check_role(role)
    connection.execute(update(_users).where(_users.c.id == user_id).values(role=role))


def set_disabled(connection: Connection, user_id: str, disabled: bool) -> None:
    """Disable (ending the person's sessions) or enable again."""
    connection.execute(update(_users).where(_users.c.id == user_id).values(disabled_at=now() if disabled else None))
    if disabled:
        end_sessions(connection, user_id)


def password_link(connection: Connection, user_id: str, *, reset: bool) -> str:
    """A new one-time set-password token for the person (their earlier links stop working); with `reset`, their
    password is cleared and their sessions end, so only the new link lets them in again."""
    connection.execute(update(_links).where(_links.c.user_id == user_id, _links.c.used_at.is_(None))
                       .values(used_at=now()))
    if reset:
        connection.execute(update(_users).where(_users.c.id == user_id).values(password_hash=None))
        end_sessions(connection, user_id)
    token = secrets.token_urlsafe(32)
    made = datetime.now(UTC)
    connection.execute(_links.insert().values(
        token_hash=secret_hash(token), user_id=user_id, created_at=made.isoformat(timespec="seconds"),
        expires_at=(made + LINK_LIFETIME).isoformat(timespec="seconds")))
    return token


def link_user(connection: Connection, token: str) -> User | None:
    """The enabled person a live set-password token is for, or None (unknown, used or expired)."""
    if len(token) > 100:
        return None
    row = connection.execute(select(_links).where(_links.c.token_hash == secret_hash(token))).mappings().first()
    if row is None or row["used_at"] is not None or row["expires_at"] <= now():
        return None
    user = find_user(connection, row["user_id"])
    return None if user is None or user.disabled_at is not None else user


def use_link(connection: Connection, token: str, password: str) -> User | None:
    """Set the password of the person a live link is for, and spend the link; None when the link is not live.
    RuleViolationError for a bad password (the link stays usable)."""
    user = link_user(connection, token)
    if user is None:
        return None
    set_password(connection, user.id, password)
    spent = connection.execute(update(_links).where(_links.c.token_hash == secret_hash(token),
                                                    _links.c.used_at.is_(None)).values(used_at=now()))
    if spent.rowcount != 1:  # spent by another request between the read and the update
        raise ConflictError("link-used", "this link was already used", "liên kết này đã được dùng")
    return user
