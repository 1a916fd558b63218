"""Dependencies of the routes: the app's services, a read view, and the caller's organisation."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from api.problems import ApiProblem
from api.scans import ScanCounter
from api.tokens import organisation_of
from api.verdict_cache import VerdictCache
from api.witnessing import Witnessing
from ledger.config import Settings
from ledger.log import Log
from ledger.sql import SqlView
from ledger.store import StoredCheckpoint
from registry.service import Registry


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

    def published(self, view: SqlView) -> StoredCheckpoint | None:
        """The checkpoint to show and prove against: the latest one the witness quorum cosigned, with the
        cosignatures; without witnesses, the latest one. None while there is none."""
        if self.witnessing is None:
            return view.latest_checkpoint()
        size = self.witnessing.latest_published(view)
        return None if size is None else StoredCheckpoint(size, self.witnessing.cosigned_note(view, size))


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]


def _view(services: ServicesDep) -> Iterator[SqlView]:
    with services.log.store.read() as view:
        assert isinstance(view, SqlView)  # noqa: S101  (create_app always builds an SqlStore)
        yield view


ViewDep = Annotated[SqlView, Depends(_view)]


def _optional_organisation(request: Request, services: ServicesDep) -> str | None:
    if "authorization" not in request.headers:
        return None
    return _organisation(request, services)


def _organisation(request: Request, services: ServicesDep) -> str:
    header = request.headers.get("authorization", "")
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


OrganisationDep = Annotated[str, Depends(_organisation)]
"""The organisation whose token authenticated the request."""

OptionalOrganisationDep = Annotated[str | None, Depends(_optional_organisation)]
"""The token's organisation when the request carries a token; None when it carries none."""
