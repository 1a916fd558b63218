"""Factories for the registry's tests.

A `registry` fixture is bootstrapped with the root authority on the test's own database, under a fixed
clock. The cast and the `make_*` drafts come from tests/factories.py (and are imported from here too);
functions that take the registry first submit statements. `refused` checks a refusal and that it left the log
and the projections exactly as they were.
"""

import base64
import secrets
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlmodel import SQLModel

from ledger.core.note import NoteSigner
from ledger.core.signing import public_key_bytes, sign_statement, statement_key_id
from ledger.core.types import Entry, Receipt, Signature, Statement, format_timestamp
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from registry.custody import Custody
from registry.errors import DomainError
from registry.replay import replay
from registry.service import Draft, Registry
from registry.state import Row, State
from registry.tables import RegOrganisation
from tests.checks import english_in, nothing_changed
from tests.checks import live_digest as _digest_of
from tests.checks import log_size as _size_of
from tests.conftest import empty_database
from tests.databases import migrate
from tests.factories import (  # noqa: F401  (the cast and drafts, imported by the registry's tests from here)
    AN_GIANG,
    ASSOCIATION,
    CERTIFIER,
    COMMUNE,
    FAR_COMMUNE,
    GI,
    GI_CLAIM,
    GTIN,
    HANOI,
    INSPECTOR,
    MARK,
    MARK_CLAIM,
    MARK_RIGHT,
    NUMBERING,
    OTHER_COMMUNE,
    OTHER_GTIN,
    OTHER_PRODUCER,
    PRODUCER,
    PRODUCER_PREFIXES,
    RIGHT,
    ROOT,
    ROOT_NAMES,
    gtin,
    make_accreditation,
    make_batch,
    make_certification,
    make_correction,
    make_delegation,
    make_event,
    make_gi,
    make_licence,
    make_mark,
    make_organisation,
    make_product,
    make_recall,
    make_right,
    make_right_change,
    make_serials,
    v2,
)

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
"""What the registry's clock says, unless a test moves it."""
TODAY = "2026-11-26"
SECRET = b"test-secret"


class Clock:
    """A registry clock that stands still until a test moves it."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# Submitting.

def make_org(registry: Registry, org_id: str, roles: Sequence[str] = ("producer",), issuer: str = ROOT,
             **overrides: Any) -> Receipt:
    """Register `org_id` with a custodial key, so the registry can sign for it."""
    public_key = registry.create_custodial_key(org_id)
    draft = make_organisation(org_id, roles, keys=[{"public_key": public_key, "custodial": True}], **overrides)
    return registry.submit_as(issuer, [draft])[0]


def grant(registry: Registry, issuer: str = ROOT, **overrides: Any) -> Receipt:
    return registry.submit_as(issuer, [make_right(**overrides)])[0]


def numbering_agency(registry: Registry) -> str:
    """NUMBERING, registered (once) by the root with the numbering_agency role."""
    with engine_of(registry).connect() as connection:
        known = State(connection).get(RegOrganisation, id=NUMBERING) is not None
    if not known:
        make_org(registry, NUMBERING, ["numbering_agency"])
    return NUMBERING


def license_prefixes(registry: Registry, holder: str, *prefixes: str) -> None:
    """License GS1 company `prefixes` to `holder`, from the numbering agency."""
    registry.submit_as(numbering_agency(registry), [make_licence(holder, p) for p in prefixes])


def make_producer(registry: Registry, org_id: str, *prefixes: str, **overrides: Any) -> str:
    """A producer with a custodial key and the GS1 company prefixes given."""
    make_org(registry, org_id, ["producer"], **overrides)
    if prefixes:
        license_prefixes(registry, org_id, *prefixes)
    return org_id


def accredit(registry: Registry, certifier: str = CERTIFIER, **overrides: Any) -> str:
    """CERTIFIER (registered if need be) accredited by the root for VietGAP and TCVN 11041 everywhere."""
    with engine_of(registry).connect() as connection:
        known = State(connection).get(RegOrganisation, id=certifier) is not None
    if not known:
        make_org(registry, certifier, ["certifier"])
    registry.submit_as(ROOT, [make_accreditation(certifier, **overrides)])
    return certifier


class OwnKey:
    """An Ed25519 key an organisation holds itself; the registry only learns its public half."""

    def __init__(self, organisation: str) -> None:
        self.organisation = organisation
        self.private = Ed25519PrivateKey.generate()

    @property
    def public_key(self) -> str:
        return base64.b64encode(public_key_bytes(self.private.public_key())).decode()

    @property
    def key_id(self) -> str:
        return statement_key_id(self.private.public_key())

    def sign(self, draft: Draft, *, issuer: str | None = None, issued_at: datetime = NOW,
             nonce: str | None = None) -> tuple[Statement, Signature]:
        kind, body = draft
        statement = Statement(kind, issuer or self.organisation, format_timestamp(issued_at),
                              nonce or secrets.token_urlsafe(16), body)
        return statement, sign_statement(statement, self.private)


def add_own_key(registry: Registry, organisation: str, issuer: str = ROOT) -> OwnKey:
    """A new self-held key of `organisation`, registered by key.added.v1 (custodial false)."""
    key = OwnKey(organisation)
    registry.submit_as(issuer, [("key.added.v1", {"organisation": organisation, "public_key": key.public_key,
                                                  "custodial": False})])
    return key


# Looking.

def engine_of(registry: Registry) -> Engine:
    store = registry.log.store
    assert isinstance(store, SqlStore)
    return store.engine


def log_size(registry: Registry) -> int:
    return _size_of(registry.log.store)


def live_digest(registry: Registry) -> str:
    """The digest of the registry's projections as they are now."""
    return _digest_of(engine_of(registry))


def rows(registry: Registry, model: type[SQLModel], **where: Any) -> list[Row]:
    with engine_of(registry).connect() as connection:
        return State(connection).find(model, **where)


def one(registry: Registry, model: type[SQLModel], **pk: Any) -> Row:
    with engine_of(registry).connect() as connection:
        row = State(connection).get(model, **pk)
    assert row is not None, f"no {model.__name__} {pk}"
    return row


def entry_at(registry: Registry, index: int) -> Entry:
    with registry.log.store.read() as view:
        return Entry.from_canonical(view.entries(index, index + 1)[0].canonical)


def replayed_digest(registry: Registry, directory: Path) -> str:
    """Replay the registry's whole log into a new migrated SQLite database; the digest of what it rebuilt."""
    directory.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{directory / f'replay-{secrets.token_hex(4)}.db'}"
    migrate(url)
    target = make_engine(url)
    try:
        with registry.log.store.read() as view:
            return replay(view, target)
    finally:
        target.dispose()


@contextmanager
def _unchanged(registry: Registry, code: str) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    with nothing_changed(registry.log.store, engine_of(registry), "a refused statement"), \
            pytest.raises(DomainError) as caught:
        yield caught
    assert caught.value.code == code, f"refused with {caught.value.code} ({caught.value.en}), expected {code}"
    assert not english_in(caught.value.vi), f"English inside Vietnamese: {caught.value.vi!r}"


def refused(registry: Registry, issuer: str, drafts: Sequence[Draft], code: str) -> DomainError:
    """Assert that submitting `drafts` as `issuer` is refused with `code` and leaves everything as it was."""
    with _unchanged(registry, code) as caught:
        registry.submit_as(issuer, drafts)
    return caught.value


def refused_signed(registry: Registry, items: Sequence[tuple[Statement, Signature]], code: str) -> DomainError:
    """Assert that submitting self-signed `items` is refused with `code` and leaves everything as it was."""
    with _unchanged(registry, code) as caught:
        registry.submit(items)
    return caught.value


# Databases and fixtures.

@contextmanager
def fresh_engine(directory: Path) -> Iterator[Engine]:
    """A migrated database of its own, like the `engine` fixture, for tests that need several in one test."""
    directory.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        url = stack.enter_context(empty_database(directory / f"{secrets.token_hex(4)}.db"))
        migrate(url)
        engine = make_engine(url)
        stack.callback(engine.dispose)
        yield engine


def new_registry(engine: Engine, clock: Clock) -> Registry:
    """A registry whose log and unit of work share `clock`, so replay sees the times the rules saw."""
    log = Log(SqlStore(engine), NoteSigner.generate("test.nguon/log"), clock)
    return Registry(log, Custody.from_secret(SECRET), clock)


def bootstrap(registry: Registry) -> Receipt:
    return registry.bootstrap(ROOT, ROOT_NAMES)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def empty_registry(engine: Engine, clock: Clock) -> Registry:
    """A registry on an empty log: its first statement must be the root authority's."""
    return new_registry(engine, clock)


@pytest.fixture
def registry(empty_registry: Registry) -> Registry:
    """A registry whose entry 0 registers the root authority ROOT with a custodial key."""
    bootstrap(empty_registry)
    return empty_registry


@pytest.fixture
def producer(registry: Registry) -> str:
    """PRODUCER, registered with a custodial key, the GS1 prefixes PRODUCER_PREFIXES and the product GTIN
    (counted in pieces)."""
    make_producer(registry, PRODUCER, *PRODUCER_PREFIXES)
    registry.submit_as(PRODUCER, [make_product()])
    return PRODUCER


@pytest.fixture
def gi(registry: Registry, producer: str) -> str:
    """GI, managed by ROOT over COMMUNE, with RIGHT of use for PRODUCER from 2024-01-01."""
    registry.submit_as(ROOT, [make_gi(), make_right()])
    return GI


@pytest.fixture
def association(registry: Registry) -> str:
    """ASSOCIATION, an association with a custodial key."""
    make_org(registry, ASSOCIATION, ["association"])
    return ASSOCIATION


@pytest.fixture
def mark(registry: Registry, association: str, producer: str) -> str:
    """MARK, owned by ASSOCIATION (2020-06-01 to 2030-06-01), with MARK_RIGHT of use for PRODUCER."""
    registry.submit_as(ROOT, [make_mark()])
    grant(registry, association, id=MARK_RIGHT, subject=MARK_CLAIM, valid_from="2020-06-01")
    return MARK
