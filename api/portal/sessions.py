"""Server-side sessions of the portal behind one cookie.

A session id is `secrets.token_urlsafe(32)` (256 bits), made anew at every sign-in, so an id planted in a
browser before sign-in (session fixation) is never the one signed in with. Only its SHA-256 is stored. A
session ends when revoked (signing out, "sign out everywhere", a password set, the person disabled), after
`idle` without a request, or at `lifetime` after sign-in, whichever comes first.

The cookie (`set_cookie`) is HttpOnly and SameSite=Lax: Lax keeps it off cross-site POSTs (the CSRF
token and the Origin check stop those too) while a link to the portal from an e-mail or a document still
opens it signed in; Strict would show a signed-in person the sign-in page after every such link. Over HTTPS
(the request's scheme, which `nguon serve` takes from X-Forwarded-Proto only from NGUON_TRUSTED_PROXIES) it
is `__Host-nguon-session`, Secure, with Path=/ as the `__Host-` prefix requires (RFC 6265bis 4.1.3.2): no
other host, not even a sibling subdomain, can set or shadow it. Over plain HTTP (a workstation) it is
`nguon-session` with Path=/portal.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from starlette.responses import Response

from api.portal.accounts import User, end_sessions, find_user, secret_hash
from api.portal.tables import PortalSession
from registry.tables import RegOrganisation

SECURE_COOKIE = "__Host-nguon-session"
PLAIN_COOKIE = "nguon-session"
TOUCH_EVERY = timedelta(minutes=1)
"""A session's last-seen time is written at most this often, not on every request."""

_sessions = PortalSession.__table__  # type: ignore[attr-defined]
_organisations = RegOrganisation.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Signed:
    """A live session: the person, the session id from the cookie (to derive its CSRF token), and the roles the
    log gives the person's organisation now (producer, authority, association, certifier, numbering_agency)."""

    user: User
    session_id: str
    roles: frozenset[str] = frozenset()

    @property
    def writes(self) -> bool:
        """Whether the person may submit statements for the organisation: an admin or a clerk, not a viewer."""
        return self.user.role in ("admin", "clerk")


def cookie_name(secure: bool) -> str:
    return SECURE_COOKIE if secure else PLAIN_COOKIE


def set_cookie(response: Response, name: str, value: str, secure: bool, max_age: int | None = None) -> None:
    """Set a portal cookie (the session's, or the sign-in form's) with the attributes above; `max_age` None
    makes it last as long as the browser session (the server ends the session itself)."""
    response.set_cookie(name, value, max_age=max_age, path="/" if secure else "/portal", secure=secure,
                        httponly=True, samesite="lax")


def clear_cookie(response: Response, name: str, secure: bool) -> None:
    response.delete_cookie(name, path="/" if secure else "/portal", secure=secure, httponly=True, samesite="lax")


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def start(connection: Connection, user: User, lifetime: timedelta) -> str:
    """A new session for `user`; its id, to be sent in the cookie and never stored."""
    session_id = secrets.token_urlsafe(32)
    made = datetime.now(UTC)
    connection.execute(_sessions.insert().values(
        id_hash=secret_hash(session_id), user_id=user.id, created_at=_iso(made), last_seen_at=_iso(made),
        expires_at=_iso(made + lifetime)))
    return session_id


def resume(connection: Connection, session_id: str, idle: timedelta) -> Signed | None:
    """The live session with this id and its enabled person, or None; a live one's last-seen time moves on."""
    if not session_id or len(session_id) > 100:
        return None
    row = connection.execute(select(_sessions).where(_sessions.c.id_hash == secret_hash(session_id))).mappings()\
        .first()
    moment = datetime.now(UTC)
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= _iso(moment) \
            or datetime.fromisoformat(row["last_seen_at"]) + idle <= moment:
        return None
    user = find_user(connection, row["user_id"])
    if user is None or user.disabled_at is not None:
        return None
    if datetime.fromisoformat(row["last_seen_at"]) + TOUCH_EVERY <= moment:
        connection.execute(update(_sessions).where(_sessions.c.id_hash == row["id_hash"])
                           .values(last_seen_at=_iso(moment)))
    found = connection.execute(select(_organisations.c.roles).where(_organisations.c.id == user.organisation))\
        .first()
    return Signed(user, session_id, frozenset(found[0].split(",")) if found and found[0] else frozenset())


def end(connection: Connection, session_id: str) -> None:
    """Revoke one session (signing out); nothing when it is unknown or already ended."""
    connection.execute(update(_sessions).where(_sessions.c.id_hash == secret_hash(session_id),
                                               _sessions.c.revoked_at.is_(None)).values(revoked_at=_iso(datetime.now(UTC))))


def end_all(connection: Connection, user_id: str) -> int:
    """Revoke every session of the person ("sign out everywhere"); how many were live."""
    return end_sessions(connection, user_id)
