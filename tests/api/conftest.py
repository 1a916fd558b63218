"""Fixtures of the HTTP API tests: the app on the test's own database, tokens, and body factories.

`api` is a client of an app whose entry 0 registers the root authority ROOT; `Api.token(org)` makes (once)
an API token for a registered organisation. `make_*` functions build valid request bodies whose fields can
be overridden (an override of None removes the field). `Api.license` and `Api.accredit` give an organisation
what the registry's rules ask of a producer (a GS1 company prefix from the numbering agency) and of a certifier
(an accreditation from the root). Dates a statement reports are counted from today, because the app runs on
the real clock and the rules judge them by the day of registration. `Api.nothing_appended()` checks that a
refusal left the log and the projections exactly as they were; `assert_problem` checks an RFC 9457 problem document and
`assert_proves` a receipt against the signed checkpoint and the published log key.
"""

import hashlib
import re
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
from registry.demo import DemoSummary, load_demo
from registry.replay import projection_digest
from registry.state import State
from registry.tables import RegOrganisation
from registry.values import gtin_check_digit
from tests.registry.conftest import NUMBERING, PRODUCER_PREFIXES, make_accreditation, make_licence

PUBLIC_URL = "https://nguon.example"
LOG_ORIGIN = "test.nguon/log"

ROOT = "ipvietnam"
PRODUCER = "coop-hoai-duc"
OTHER_PRODUCER = "coop-dien"
ASSOCIATION = "hiep-hoi-bat-trang"
CERTIFIER = "vietcert"

GI = "buoi-hoai-duc"
RIGHT = "right-hoai-duc"
MARK = "gom-bat-trang"
MARK_RIGHT = "right-gom"
COMMUNE = {"code": "09877", "version": "2025-07-01"}
"""A commune of the GI's area (An Khánh, Hà Nội), as the administrative list of 1 July 2025 numbers it."""
OTHER_COMMUNE = {"code": "09832", "version": "2025-07-01"}
"""Another commune of Hà Nội (Hoài Đức), outside the GI's area."""


def gtin(serial: int, prefix: str = "0893") -> str:
    """A GTIN-14 with a valid check digit: `prefix` (indicator digit and GS1 prefix), `serial`, check digit."""
    body = f"{prefix}{serial:0{13 - len(prefix)}d}"
    return body + str(gtin_check_digit(body))


GTIN = "08934567890120"
OTHER_GTIN = gtin(1)

VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE)


def days_from_today(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def produced_on() -> str:
    """make_batch's production date: a week ago, inside the window in which a batch claiming a GI or mark is
    registered."""
    return days_from_today(-7)


def event_time() -> str:
    """make_event's time: yesterday, after make_batch's production date and before now."""
    return f"{days_from_today(-1)}T08:00:00Z"


def _with(body: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**body, **overrides}
    return {k: v for k, v in merged.items() if v is not None}


# Bodies of the typed writes, valid unless overridden.

def make_organisation(org_id: str, roles: Sequence[str] = ("producer",), **overrides: Any) -> dict[str, Any]:
    body = {"id": org_id, "names": {"vi": f"Tổ chức {org_id}", "en": f"Organisation {org_id}"}, "roles": list(roles),
            "commune": COMMUNE}
    return _with(body, overrides)


def make_product(**overrides: Any) -> dict[str, Any]:
    return _with({"gtin": GTIN, "names": {"vi": "Bưởi Hoài Đức", "en": "Hoai Duc pomelo"}, "unit": "H87"}, overrides)


def make_batch(**overrides: Any) -> dict[str, Any]:
    body = {"gtin": GTIN, "lot": "L1", "quantity": "100", "unit": "H87", "produced_on": produced_on(),
            "origin": COMMUNE}
    return _with(body, overrides)


def make_event(**overrides: Any) -> dict[str, Any]:
    body = {"gtin": GTIN, "lot": "L1", "biz_step": "shipping", "disposition": "in_transit",
            "event_time": event_time()}
    return _with(body, overrides)


def make_recall(**overrides: Any) -> dict[str, Any]:
    return _with({"gtin": GTIN, "lot": "L1", "reason": "Residue above the limit."}, overrides)


def make_serials(**overrides: Any) -> dict[str, Any]:
    return _with({"gtin": GTIN, "lot": "L1", "count": 3}, overrides)


def make_certification(**overrides: Any) -> dict[str, Any]:
    body = {"id": "cert-1", "subject": {"type": "batch", "gtin": GTIN, "lot": "L1"}, "scheme": "VietGAP",
            "result": "pass", "valid_from": "2026-11-01", "valid_until": "2027-11-01",
            "document_sha256": hashlib.sha256(b"audit report").hexdigest()}
    return _with(body, overrides)


def make_gi(**overrides: Any) -> dict[str, Any]:
    body = {"id": GI, "certificate": "00132", "application": "6-2021-00042",
            "names": {"vi": "Bưởi Hoài Đức", "en": "Hoai Duc pomelo"}, "product": "pomelo", "manager": ROOT,
            "specification": "Pomelos grown on the alluvial soil of the Day river.", "granted_on": "2023-12-26",
            "area": [{"commune": COMMUNE, "stage": "raw_material"}]}
    return _with(body, overrides)


def make_mark(**overrides: Any) -> dict[str, Any]:
    body = {"id": MARK, "type": "collective", "certificate": "312345", "application": "4-2019-12345",
            "owner": ASSOCIATION, "names": {"vi": "Gốm Bát Tràng", "en": "Bat Trang ceramics"},
            "goods": "Ceramic tableware and vases", "nice_classes": [21], "valid_from": "2020-06-01",
            "valid_until": "2030-06-01"}
    return _with(body, overrides)


def make_right(**overrides: Any) -> dict[str, Any]:
    return _with({"id": RIGHT, "holder": PRODUCER, "subject": {"type": "gi", "id": GI}, "valid_from": "2024-01-01"},
                 overrides)


def make_right_change(**overrides: Any) -> dict[str, Any]:
    return _with({"right": RIGHT, "effective_on": "2026-10-01", "reason": "Inspection found mislabelled fruit."},
                 overrides)


def make_correction(entry: int, **overrides: Any) -> dict[str, Any]:
    return _with({"entry": entry, "reason": "The quantity was mistyped."}, overrides)


# Checking answers.

def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The RFC 9457 problem document of `response`, after checking its status, code and both messages."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code, problem
    assert problem["status"] == status
    assert problem["type"].endswith(f"/problems/{code}")
    assert problem["title"]
    assert problem["detail"] == problem["message"]["en"]
    assert VIETNAMESE.search(problem["message"]["vi"]), f"no Vietnamese in {problem['message']['vi']!r}"
    return problem


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
            with self.engine.begin() as connection:
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
            self.created("/prefix-licences", make_licence(holder, prefix)[1], as_=NUMBERING)

    def register_producer(self, org_id: str, *prefixes: str, **overrides: Any) -> dict[str, Any]:
        """Register producer `org_id` as ROOT, licensed the GS1 company `prefixes`; the registration's receipt."""
        receipt = self.register(org_id, **overrides)
        self.license(org_id, *prefixes)
        return receipt

    def accredit(self, certifier: str = CERTIFIER, **overrides: Any) -> str:
        """`certifier` (registered by ROOT if need be) accredited by ROOT for VietGAP and TCVN 11041 everywhere."""
        if not self.registered(certifier):
            self.register(certifier, ["certifier"])
        self.created("/accreditations", make_accreditation(certifier, **overrides)[1])
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
        with self.services.log.store.read() as view:
            return view.head().size

    def digest(self) -> str:
        with self.engine.connect() as connection:
            return projection_digest(connection)

    @contextmanager
    def nothing_appended(self) -> Iterator[None]:
        """Check that what happens inside appends no entry and leaves the projections as they were."""
        size, head, digest = self.size(), self.head_size(), self.digest()
        yield
        assert (self.size(), self.head_size()) == (size, head), "a refused request appended to the log"
        assert self.digest() == digest, "a refused request changed the projections"

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
    app.state.services.registry.bootstrap(ROOT, {"vi": "Cục Sở hữu trí tuệ",
                                                 "en": "Intellectual Property Office of Viet Nam"})
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
