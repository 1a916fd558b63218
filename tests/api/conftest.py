"""Fixtures of the HTTP API tests: the app on the test's own database, tokens, and body factories.

`api` is a client of an app whose entry 0 registers the root authority ROOT; `Api.token(org)` makes (once)
an API token for a registered organisation. `make_*` functions build valid request bodies whose fields can
be overridden (an override of None removes the field). `Api.license` and `Api.accredit` give an organisation
what the registry's rules ask of a producer (a GS1 company prefix from the numbering agency) and of a certifier
(an accreditation from the root). Dates a statement reports are counted from today, because the app runs on
the real clock and the rules judge them by the day of registration. `Api.nothing_appended()` checks that a
refusal left the log and the projections exactly as they were; `assert_problem` (from tests/checks.py) checks an
RFC 9457 problem document and `assert_proves` a receipt against the signed checkpoint and the published log key.
The cast (ROOT, PRODUCER, GTIN...) and the drafts come from tests/factories.py.
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.deps import Services
from api.settings import Settings
from api.tokens import create_token
from ledger.core.checkpoint import open_checkpoint
from ledger.core.encoding import canonical
from ledger.core.hashing import leaf_hash
from ledger.core.note import NoteVerifier
from ledger.core.proof import InclusionProof
from ledger.store.engines import write_transaction
from registry.demo import DemoSummary, load_demo
from registry.state import State
from registry.tables import RegOrganisation
from tests import factories
from tests.checks import (
    assert_problem,  # noqa: F401  (imported by the API's tests from here)
    live_digest,
    log_size,
    nothing_changed,
)
from tests.factories import (  # noqa: F401  (the cast, imported by the API's tests from here)
    ASSOCIATION,
    CERTIFIER,
    COMMUNE,
    GI,
    GTIN,
    MARK,
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
    body,
    gtin,
    make_accreditation,
    make_licence,
)

PUBLIC_URL = "https://nguon.example"
LOG_ORIGIN = "test.nguon/log"


def days_from_today(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def produced_on() -> str:
    """make_batch's production date: a week ago, inside the window in which a batch claiming a GI or mark is
    registered."""
    return days_from_today(-7)


def event_time() -> str:
    """make_event's time: yesterday, after make_batch's production date and before now."""
    return f"{days_from_today(-1)}T08:00:00Z"


# Bodies of the typed writes, valid unless overridden; dates a statement reports are counted from today.

def make_organisation(org_id: str, roles: Sequence[str] = ("producer",), **overrides: Any) -> dict[str, Any]:
    return body(factories.make_organisation(org_id, roles, **overrides))


def make_product(**overrides: Any) -> dict[str, Any]:
    return body(factories.make_product(**overrides))


def make_batch(**overrides: Any) -> dict[str, Any]:
    return body(factories.make_batch(**{"produced_on": produced_on(), **overrides}))


def make_event(**overrides: Any) -> dict[str, Any]:
    return body(factories.make_event(**{"event_time": event_time(), **overrides}))


def make_recall(**overrides: Any) -> dict[str, Any]:
    return body(factories.make_recall(**overrides))


def make_serials(**overrides: Any) -> dict[str, Any]:
    return body(factories.make_serials(**overrides))


def make_certification(**overrides: Any) -> dict[str, Any]:
    return body(factories.make_certification(**overrides))


def make_gi(**overrides: Any) -> dict[str, Any]:
    return body(factories.make_gi(**overrides))


def make_mark(**overrides: Any) -> dict[str, Any]:
    return body(factories.make_mark(**overrides))


def make_right(**overrides: Any) -> dict[str, Any]:
    return body(factories.make_right(**overrides))


def make_right_change(**overrides: Any) -> dict[str, Any]:
    return body(factories.make_right_change("suspended", **{"effective_on": "2026-10-01", **overrides}))


def make_correction(entry: int, **overrides: Any) -> dict[str, Any]:
    return body(factories.make_correction(entry, **overrides))


class Api:
    """A client of the registry's HTTP API, with tokens for its organisations and views of its log."""

    def __init__(self, client: TestClient, app: FastAPI) -> None:
        self.client = client
        self.services: Services = app.state.services
        self._tokens: dict[str, str] = {}

    @property
    def engine(self) -> Engine:
        return self.services.engine

    def token(self, organisation: str) -> str:
        """An API token of `organisation`, made on first use."""
        if organisation not in self._tokens:
            # A write transaction from its start, as the app's writers take one: a deferred one could meet SQLite's
            # busy snapshot when the scan writer commits between its read and its write.
            with write_transaction(self.engine) as connection:
                self._tokens[organisation] = create_token(connection, organisation, "test")
        return self._tokens[organisation]

    def auth(self, organisation: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(organisation)}"}

    def post(self, path: str, body: Any, as_: str | None = None) -> httpx.Response:
        """POST `body` as JSON to /api/v1`path`, with `as_`'s token if given."""
        response: httpx.Response = self.client.post(f"/api/v1{path}", json=body,
                                                    headers=self.auth(as_) if as_ else {})
        return response

    def created(self, path: str, body: Any, as_: str = ROOT) -> dict[str, Any]:
        """The receipt of a write that must succeed."""
        response = self.post(path, body, as_)
        assert response.status_code == 201, response.text
        receipt: dict[str, Any] = response.json()
        return receipt

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """The JSON of a read of /api/v1`path` that must succeed."""
        response = self.client.get(f"/api/v1{path}", params=params)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    def register(self, org_id: str, roles: Sequence[str] = ("producer",), **overrides: Any) -> dict[str, Any]:
        """Register an organisation as ROOT; without keys, the registry makes it a custodial key."""
        return self.created("/organisations", make_organisation(org_id, roles, **overrides))

    def registered(self, org_id: str) -> bool:
        with self.engine.connect() as connection:
            return State(connection).get(RegOrganisation, id=org_id) is not None

    def license(self, holder: str, *prefixes: str) -> None:
        """License GS1 company `prefixes` to `holder` from the numbering agency NUMBERING (registered by ROOT on
        first use)."""
        if not self.registered(NUMBERING):
            self.register(NUMBERING, ["numbering_agency"])
        for prefix in prefixes:
            self.created("/prefix-licences", body(make_licence(holder, prefix)), as_=NUMBERING)

    def register_producer(self, org_id: str, *prefixes: str, **overrides: Any) -> dict[str, Any]:
        """Register producer `org_id` as ROOT, licensed the GS1 company `prefixes`; the registration's receipt."""
        receipt = self.register(org_id, **overrides)
        self.license(org_id, *prefixes)
        return receipt

    def accredit(self, certifier: str = CERTIFIER, **overrides: Any) -> str:
        """`certifier` (registered by ROOT if need be) accredited by ROOT for VietGAP and TCVN 11041 everywhere."""
        if not self.registered(certifier):
            self.register(certifier, ["certifier"])
        self.created("/accreditations", body(make_accreditation(certifier, **overrides)))
        return certifier

    def size(self) -> int:
        """The log's size, counted from its entries as the API serves them."""
        count, start = 0, 0
        while start is not None:
            page = self.get("/log/entries", start=start, limit=1000)
            count += len(page["entries"])
            start = page["next"]
        return count

    def head_size(self) -> int:
        return log_size(self.services.log.store)

    def digest(self) -> str:
        return live_digest(self.engine)

    @contextmanager
    def nothing_appended(self) -> Iterator[None]:
        """Check that what happens inside appends no entry (to the log nor to what the API serves of it) and
        leaves the projections as they were."""
        served = self.size()
        with nothing_changed(self.services.log.store, self.engine):
            yield
        assert self.size() == served, "a refused request appended to the log the API serves"

    def log_key(self) -> NoteVerifier:
        return NoteVerifier.from_text(self.client.get("/api/v1/log/key").text)

    def entry(self, index: int) -> dict[str, Any]:
        """The statement of log entry `index`."""
        statement: dict[str, Any] = self.get(f"/log/entries/{index}")["entry"]["statement"]
        return statement


def assert_proves(api: Api, receipt: Mapping[str, Any]) -> None:
    """The receipt's proof verifies against its checkpoint, signed by the published log key, for the entry
    the log serves at the receipt's index."""
    checkpoint, _ = open_checkpoint(receipt["checkpoint"], api.log_key())
    proof = InclusionProof.from_json(receipt["proof"])
    proof.verify()
    assert (proof.index, proof.size, proof.root) == (receipt["index"], checkpoint.size, checkpoint.root)
    assert proof.leaf_hash.hex() == receipt["hash"]
    served = api.get(f"/log/entries/{receipt['index']}")
    assert served["hash"] == receipt["hash"] == leaf_hash(canonical(served["entry"])).hex()


# Fixtures.

@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings on the test database; rate limiting off, so tests may scan a code many times."""
    return Settings(database_url=database_url, data_dir=tmp_path / "data", log_origin=LOG_ORIGIN,
                    public_url=PUBLIC_URL, rate_limit="")


@pytest.fixture
def app(engine: Engine, settings: Settings) -> FastAPI:
    """The app on a migrated, empty database."""
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def api(app: FastAPI, client: TestClient) -> Api:
    """A client of an app whose entry 0 registers the root authority ROOT."""
    app.state.services.registry.bootstrap(ROOT, ROOT_NAMES)
    return Api(client, app)


@pytest.fixture
def producer(api: Api) -> str:
    """PRODUCER, registered by ROOT with a custodial key and the GS1 company prefixes PRODUCER_PREFIXES, with the
    product GTIN (counted in pieces)."""
    api.register_producer(PRODUCER, *PRODUCER_PREFIXES)
    api.created("/products", make_product(), as_=PRODUCER)
    return PRODUCER


@pytest.fixture
def batch(api: Api, producer: str) -> dict[str, Any]:
    """Batch L1 of GTIN by PRODUCER; its receipt."""
    return api.created("/batches", make_batch(), as_=PRODUCER)


@pytest.fixture
def gi(api: Api, producer: str) -> str:
    """GI over COMMUNE, with RIGHT of use for PRODUCER from 2024-01-01."""
    api.created("/gis", make_gi())
    api.created("/rights", make_right())
    return GI


@pytest.fixture
def demo(app: FastAPI, client: TestClient) -> tuple[Api, DemoSummary]:
    """A client of an app holding the demo registry (loaded through the app's own Registry)."""
    summary = load_demo(app.state.services.registry)
    return Api(client, app), summary


RESOLVER_CLIENT = ("203.0.113.7", 50000)
"""Where the resolver's tests scan from (TEST-NET-3): an address that must never be stored."""


@pytest.fixture
def resolver(app: FastAPI, demo: tuple[Api, DemoSummary]) -> Iterator[Api]:
    """The demo registry, resolved by a client at RESOLVER_CLIENT."""
    with TestClient(app, client=RESOLVER_CLIENT) as client:
        yield Api(client, app)
