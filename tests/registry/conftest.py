"""Factories for the registry's tests.

A `registry` fixture is bootstrapped with the root authority on the test's own database, under a fixed
clock. `make_*` functions build valid drafts `(kind, body)` whose fields can be overridden; functions that
take the registry first submit statements. `refused` checks a refusal and that it left the log and the
projections exactly as they were.
"""

import base64
import hashlib
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlmodel import SQLModel

from api.migrations import upgrade
from ledger.core.note import NoteSigner
from ledger.core.signing import public_key_bytes, sign_statement, statement_key_id
from ledger.core.types import Entry, Receipt, Signature, Statement, format_timestamp
from ledger.store.engines import make_engine, normalise_url
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from registry.custody import Custody
from registry.errors import DomainError
from registry.replay import projection_digest, replay
from registry.service import Draft, Registry
from registry.state import Row, State
from registry.tables import RegOrganisation
from registry.values import gtin_check_digit
from tests.conftest import TEST_DATABASE_ENV

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
"""What the registry's clock says, unless a test moves it."""
TODAY = "2026-11-26"
SECRET = b"test-secret"

ROOT = "ipvietnam"
PRODUCER = "coop-hoai-duc"
OTHER_PRODUCER = "coop-dien"
ASSOCIATION = "hiep-hoi-bat-trang"
INSPECTOR = "chi-cuc-qlcl"
CERTIFIER = "vietcert"
NUMBERING = "gs1-vietnam"
"""The numbering agency: licenses GS1 company prefixes."""

GI = "buoi-hoai-duc"
RIGHT = "right-hoai-duc"
MARK = "gom-bat-trang"
MARK_RIGHT = "right-gom"
COMMUNE = {"code": "09877", "version": "2025-07-01"}
"""A commune of the GI's area (An Khánh, Hà Nội), as the administrative list of 1 July 2025 numbers it."""
OTHER_COMMUNE = {"code": "09832", "version": "2025-07-01"}
"""Another commune of Hà Nội (Hoài Đức), outside the GI's area."""
FAR_COMMUNE = {"code": "31078", "version": "2025-07-01"}
"""A commune of An Giang (Phú Quốc special zone), another province."""
HANOI = "01"
AN_GIANG = "91"
PRODUCER_PREFIXES = ("893456", "893000")
"""GS1 company prefixes licensed to PRODUCER in the `producer` fixture: they hold GTIN and every gtin(n)."""
GI_CLAIM = {"type": "gi", "id": GI}
MARK_CLAIM = {"type": "mark", "id": MARK}


def gtin(serial: int, prefix: str = "0893") -> str:
    """A GTIN-14 with a valid check digit: `prefix` (indicator digit and GS1 prefix), `serial`, check digit."""
    body = f"{prefix}{serial:0{13 - len(prefix)}d}"
    return body + str(gtin_check_digit(body))


GTIN = "08934567890120"
OTHER_GTIN = gtin(1)


class Clock:
    """A registry clock that stands still until a test moves it."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _with(body: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """`body` with `overrides`; an override of None removes the field."""
    merged = {**body, **overrides}
    return {k: v for k, v in merged.items() if v is not None}


# Drafts: (kind, body) of valid statements, any field overridable.

def make_organisation(org_id: str, roles: Sequence[str] = ("producer",), **overrides: Any) -> Draft:
    body = {"id": org_id, "names": {"vi": f"Tổ chức {org_id}", "en": f"Organisation {org_id}"},
            "roles": list(roles), "commune": COMMUNE}
    return "organisation.registered.v1", _with(body, overrides)


def make_delegation(authority: str, provinces: Sequence[str] = (HANOI,), **overrides: Any) -> Draft:
    body = {"id": f"delegation-{authority}", "authority": authority, "provinces": list(provinces),
            "valid_from": "2020-01-01"}
    return "delegation.granted.v1", _with(body, overrides)


def make_accreditation(certifier: str = CERTIFIER, **overrides: Any) -> Draft:
    body = {"id": f"accreditation-{certifier}", "certifier": certifier, "schemes": ["VietGAP", "TCVN 11041"],
            "valid_from": "2020-01-01", "valid_until": "2030-12-31"}
    return "accreditation.granted.v1", _with(body, overrides)


def make_licence(holder: str, prefix: str, **overrides: Any) -> Draft:
    body = {"id": f"licence-{prefix}", "prefix": prefix, "licensee": holder, "valid_from": "2020-01-01"}
    return "prefix.licensed.v1", _with(body, overrides)


def make_gi(**overrides: Any) -> Draft:
    body = {"id": GI, "certificate": "00132", "application": "6-2021-00042",
            "names": {"vi": "Bưởi Hoài Đức", "en": "Hoai Duc pomelo"}, "product": "pomelo", "manager": ROOT,
            "specification": "Pomelos grown on the alluvial soil of the Day river.", "granted_on": "2023-12-26",
            "area": [{"commune": COMMUNE, "stage": "raw_material"}]}
    return "gi.registered.v1", _with(body, overrides)


def make_mark(**overrides: Any) -> Draft:
    body = {"id": MARK, "type": "collective", "certificate": "312345", "application": "4-2019-12345",
            "owner": ASSOCIATION, "names": {"vi": "Gốm Bát Tràng", "en": "Bat Trang ceramics"},
            "goods": "Ceramic tableware and vases", "nice_classes": [21], "valid_from": "2020-06-01",
            "valid_until": "2030-06-01"}
    return "mark.registered.v1", _with(body, overrides)


def make_right(**overrides: Any) -> Draft:
    body = {"id": RIGHT, "holder": PRODUCER, "subject": GI_CLAIM, "valid_from": "2024-01-01"}
    return "right.granted.v1", _with(body, overrides)


def make_right_change(action: str, **overrides: Any) -> Draft:
    """right.suspended / reinstated / revoked."""
    body = {"right": RIGHT, "effective_on": "2025-01-01", "reason": "Inspection found mislabelled fruit."}
    return f"right.{action}.v1", _with(body, overrides)


def make_product(**overrides: Any) -> Draft:
    body = {"gtin": GTIN, "names": {"vi": "Bưởi Hoài Đức", "en": "Hoai Duc pomelo"}, "unit": "H87"}
    return "product.registered.v1", _with(body, overrides)


def make_batch(**overrides: Any) -> Draft:
    body = {"gtin": GTIN, "lot": "L1", "quantity": "100", "unit": "H87", "produced_on": "2026-11-01",
            "origin": COMMUNE}
    return "batch.registered.v1", _with(body, overrides)


def make_event(**overrides: Any) -> Draft:
    body = {"gtin": GTIN, "lot": "L1", "biz_step": "shipping", "disposition": "in_transit",
            "event_time": "2026-11-20T08:00:00Z"}
    return "batch.event.v1", _with(body, overrides)


def make_recall(**overrides: Any) -> Draft:
    body = {"gtin": GTIN, "lot": "L1", "reason": "Residue above the limit."}
    return "batch.recalled.v1", _with(body, overrides)


def make_serials(**overrides: Any) -> Draft:
    body = {"gtin": GTIN, "lot": "L1", "count": 3}
    return "serials.issued.v1", _with(body, overrides)


def make_certification(**overrides: Any) -> Draft:
    body = {"id": "cert-1", "subject": {"type": "batch", "gtin": GTIN, "lot": "L1"}, "scheme": "VietGAP",
            "result": "pass", "valid_from": "2026-11-01", "valid_until": "2027-11-01",
            "document_sha256": hashlib.sha256(b"audit report").hexdigest()}
    return "certification.issued.v1", _with(body, overrides)


def make_correction(entry: int, **overrides: Any) -> Draft:
    body = {"entry": entry, "reason": "The quantity was mistyped."}
    return "correction.v1", _with(body, overrides)


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
    with registry.log.store.read() as view:
        return view.head().size


def live_digest(registry: Registry) -> str:
    """The digest of the registry's projections as they are now."""
    with engine_of(registry).connect() as connection:
        return projection_digest(connection)


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
    upgrade(url)
    target = make_engine(url)
    try:
        with registry.log.store.read() as view:
            return replay(view, target)
    finally:
        target.dispose()


@contextmanager
def _unchanged(registry: Registry, code: str) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    size, digest = log_size(registry), live_digest(registry)
    with pytest.raises(DomainError) as caught:
        yield caught
    assert caught.value.code == code, f"refused with {caught.value.code} ({caught.value.en}), expected {code}"
    assert log_size(registry) == size, "a refused statement was appended"
    assert live_digest(registry) == digest, "a refused statement changed the projections"


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
    base = os.environ.get(TEST_DATABASE_ENV)
    schema = None
    if not base:
        directory.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{directory / f'{secrets.token_hex(4)}.db'}"
    else:
        schema = f"t_{secrets.token_hex(6)}"
        admin = make_engine(base)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        url = normalise_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    upgrade(url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        if schema is not None:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            admin.dispose()


def new_registry(engine: Engine, clock: Clock) -> Registry:
    """A registry whose log and unit of work share `clock`, so replay sees the times the rules saw."""
    log = Log(SqlStore(engine), NoteSigner.generate("test.nguon/log"), clock)
    return Registry(log, Custody.from_secret(SECRET), clock)


def bootstrap(registry: Registry) -> Receipt:
    return registry.bootstrap(ROOT, {"vi": "Cục Sở hữu trí tuệ", "en": "Intellectual Property Office of Viet Nam"})


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
