"""Dependencies of the routes: the app's services, a read view, and the caller's organisation."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine

from api.lru import Lru
from api.metrics import Metrics
from api.pages.labels import LabelSheets
from api.problems import ApiProblem
from api.scans import ScanCounter
from api.settings import Settings
from api.tokens import organisation_of
from api.verdict_cache import CachedVerdict, VerdictCache
from ledger.store.log import Log
from ledger.store.protocol import StoredCheckpoint
from ledger.store.sql import SqlView
from ledger.witness.submitter import Witnessing
from registry.service import Registry
from registry.verdict.batch import verify_batch
from registry.verdict.document import VerdictDocument


@dataclass(frozen=True)
class Services:
    """What `create_app` builds once and every request shares."""

    settings: Settings
    engine: Engine
    log: Log
    registry: Registry
    scans: ScanCounter
    """Counts scans of issued serials, off the request's path."""
    witnessing: Witnessing | None = None
    verdicts: VerdictCache = field(default_factory=VerdictCache)
    sheets: LabelSheets = field(default_factory=LabelSheets)
    epcis: Lru[bytes, dict[str, Any]] = field(default_factory=lambda: Lru(64))
    """EPCIS documents of batches by the SHA-256 of the events they hold."""
    metrics: Metrics | None = None
    """The operator's figures (GET /metrics); None when NGUON_METRICS is off."""

    def published(self, view: SqlView) -> StoredCheckpoint | None:
        """The checkpoint to show and prove against: the latest one the witness quorum cosigned, with the
        cosignatures; without witnesses, the latest one. None while there is none."""
        if self.witnessing is None:
            return view.latest_checkpoint()
        size = self.witnessing.latest_published(view)
        return None if size is None else StoredCheckpoint(size, self.witnessing.cosigned_note(view, size))

    def batch_verdict(self, view: SqlView, gtin: str, lot: str, today: date,
                      published: StoredCheckpoint | None) -> CachedVerdict:
        """The verdict on a batch (no item) as of `today`, proved against `published`: from the cache while the
        log and that checkpoint stand still, so the resolver and a bundle of the same code share one."""
        key = (gtin, lot, view.head().size, None if published is None else published.size, today.isoformat())
        cached = self.verdicts.get(key)
        if cached is None:
            cached = self.verdicts.put(key, self.judged("batch", lambda: verify_batch(
                view, self.log, gtin, lot, today=today, checkpoint=published)))
        return cached

    def judged(self, level: str, judge: Callable[[], VerdictDocument]) -> VerdictDocument:
        """`judge()`, timed into the verdict latency figure of `level` (batch or item)."""
        if self.metrics is None:
            return judge()
        started = time.perf_counter()
        document = judge()
        self.metrics.observe_verdict(level, started)
        return document


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]


def _view(services: ServicesDep) -> Iterator[SqlView]:
    with services.log.store.read() as view:
        assert isinstance(view, SqlView)  # noqa: S101  (create_app always builds an SqlStore)
        yield view


ViewDep = Annotated[SqlView, Depends(_view)]


ORGANISATION_SCOPE_KEY = "nguon.organisation"
"""Where api.authenticate.AuthenticateFirst keeps the organisation whose token it checked."""


def authenticate(services: Services, header: str) -> str:
    """The organisation of the bearer token in the Authorization header `header`; a 401 ApiProblem when there
    is no bearer token, or the token is unknown or revoked."""
    scheme, _, token = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="nguon"'}
    if scheme.lower() != "bearer" or not token:
        raise ApiProblem(401, "token-required", "this write needs an API token: Authorization: Bearer <token>",
                         "thao tác ghi này cần mã truy cập API: Authorization: Bearer <mã>", challenge)
    with services.engine.connect() as connection:
        organisation = organisation_of(connection, token.strip())
    if organisation is None:
        raise ApiProblem(401, "token-invalid", "the API token is unknown or revoked",
                         "mã truy cập API không tồn tại hoặc đã bị thu hồi", challenge)
    return organisation


def needs_token(request: Request, services: ServicesDep) -> str:
    """The dependency behind OrganisationDep."""
    checked: str | None = request.scope.get(ORGANISATION_SCOPE_KEY)
    if checked is not None:
        return checked
    return authenticate(services, request.headers.get("authorization", ""))


def takes_token(request: Request, services: ServicesDep) -> str | None:
    """The dependency behind OptionalOrganisationDep."""
    if "authorization" not in request.headers:
        return None
    return needs_token(request, services)


OrganisationDep = Annotated[str, Depends(needs_token)]
"""The organisation whose token authenticated the request (checked before the body is read, see
api.authenticate)."""

OptionalOrganisationDep = Annotated[str | None, Depends(takes_token)]
"""The token's organisation when the request carries a token; None when it carries none."""
