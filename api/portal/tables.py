"""Tables of the portal: people who sign in, their sessions and their one-time set-password links.

None is a projection of the log: accounts are the registry operator's business, like API tokens. Secrets (a
session id, a set-password link) are stored only as SHA-256 hashes, a password only as an Argon2id hash.
Times are UTC in ISO 8601 with seconds (`2026-12-07T21:00:00+00:00`), which sort as they compare.
"""

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel


class PortalUser(SQLModel, table=True):
    __tablename__ = "portal_users"
    id: str = Field(primary_key=True)
    """Random, public: names the person in forms and links, never their login."""
    login: str = Field(unique=True)
    """Lower-case ASCII: a user name or an e-mail address."""
    organisation: str = Field(index=True)
    """A registered organisation (reg_organisations.id)."""
    role: str
    """admin, clerk or viewer."""
    password_hash: str | None = None
    """Argon2id (PHC string); None until the person sets a password through a link."""
    created_at: str
    password_changed_at: str | None = None
    disabled_at: str | None = None


class PortalSession(SQLModel, table=True):
    __tablename__ = "portal_sessions"
    id_hash: str = Field(primary_key=True)
    """SHA-256 (hex) of the session id the cookie carries; the id itself is never stored."""
    user_id: str = Field(index=True)
    created_at: str
    last_seen_at: str
    expires_at: str
    """The absolute end; idleness ends a session earlier (api.portal.sessions)."""
    revoked_at: str | None = None


class PortalPasswordLink(SQLModel, table=True):
    """A one-time link to set a password: made when an admin invites a person or resets their password."""

    __tablename__ = "portal_password_links"
    token_hash: str = Field(primary_key=True)
    user_id: str = Field(index=True)
    created_at: str
    expires_at: str
    used_at: str | None = None


class PortalSubmission(SQLModel, table=True):
    """Who submitted an entry through the portal. The organisation signs the statement; the person is the
    operator's record, not the log's (a person's login is not for the public log)."""

    __tablename__ = "portal_submissions"
    __table_args__ = (Index("ix_portal_submissions_user_id", "user_id", "entry"),)
    entry: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    """The entry's index in the log."""
    user_id: str
    submitted_at: str
