"""The FastAPI application: `create_app(settings)` builds everything; nothing happens at import time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute

from api import docs_page, metrics, openapi, openapi_examples, problems
from api.authenticate import AuthenticateFirst
from api.deps import Services
from api.limits import BodyLimit, BodyTimeout, NoNulInUrl
from api.portal import admin as portal_admin
from api.portal import authority as portal_authority
from api.portal import charts as portal_charts
from api.portal import imports as portal_imports
from api.portal import labels as portal_labels
from api.portal import producer as portal_producer
from api.portal import routes as portal_routes
from api.portal.web import Portal, install_handlers
from api.ratelimit import RateLimit
from api.request_logs import Observed
from api.routes import (
    audit_report,
    bundles,
    codes,
    compressed,
    explorer,
    gis,
    health,
    images,
    imports,
    log,
    places,
    producers,
    reads,
    resolver,
    tokens,
    writes,
)
from api.scans import ScanCounter
from api.settings import Settings, get_settings, load_secret
from api.web_headers import PublicCors, SecurityHeaders
from ledger.files.keys import load_or_create_log_key
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from ledger.witness.submitter import Witnessing
from registry.custody import Custody
from registry.service import Registry

COMPRESS_FROM = 1024
"""Bytes below which an answer goes uncompressed: under a packet, compression saves no round trip."""

DESCRIPTION = """Nguồn: a traceability and geographical-indication registry on an append-only, Merkle-verifiable log.

Writes need an API token (`Authorization: Bearer …`) or a statement signed by the issuer's own key.
Every error is an RFC 9457 problem document with a stable `code` and a message in Vietnamese and English."""


def _add_middleware(app: FastAPI, settings: Settings, routes: list[BaseRoute], figures: metrics.Metrics | None) -> None:
    """The middleware around the app's routes, innermost first."""
    # The last added runs first: a URL is checked, then the token, before any byte of the body is read.
    if settings.rate_limit:
        app.add_middleware(RateLimit, limit=settings.rate_limit, on_refused=figures.refused if figures else None)
    app.add_middleware(BodyTimeout, timeout=settings.body_timeout)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, import_limit=settings.max_import_bytes)
    app.add_middleware(AuthenticateFirst, routes=routes)
    app.add_middleware(NoNulInUrl)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    # The resolver is readable from any origin, whatever NGUON_CORS_ORIGINS says.
    app.add_middleware(PublicCors, public_url=settings.public_url)
    app.add_middleware(SecurityHeaders)
    # Outside the others (all but Observed), so it compresses what they answer and SecurityHeaders hashes a page's
    # styles from the page itself: a client that accepts gzip gets it (a label sheet of 107 KB becomes 3 KB); images
    # are not compressed again. Level 6: nearly level 9's size for a fraction of its CPU.
    app.add_middleware(GZipMiddleware, minimum_size=COMPRESS_FROM, compresslevel=6)
    # Around everything, compression included: every answer, refusals of the middlewares above included, has its
    # id, its log line and its count.
    app.add_middleware(Observed, metrics=figures, routes=routes)


def create_app(settings: Settings) -> FastAPI:
    """The registry's HTTP application on the database and keys that `settings` name."""
    engine = make_engine(settings.database_url)
    log_ = Log(SqlStore(engine), load_or_create_log_key(settings.data_dir, settings.log_origin))
    secret = load_secret(settings)
    witnessing = (Witnessing.from_config(log_, engine, settings.witnesses, settings.witness_quorum)
                  if settings.witnesses else None)
    figures = metrics.Metrics() if settings.metrics else None
    if figures is not None:
        figures.add_collector(metrics.LogFigures(engine, lambda: witnessing.witness_names if witnessing else ()))
    # Each new checkpoint goes to the witnesses as soon as it is committed, not at their next poll.
    registry = Registry(log_, Custody.from_secret(secret), on_commit=witnessing.notify if witnessing else None,
                        on_appended=figures.observe_commit if figures else None)
    scans = ScanCounter(engine, secret)
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        scans.start()
        if witnessing is not None:
            witnessing.start()
        yield
        if witnessing is not None:
            witnessing.stop()
        scans.stop()
        engine.dispose()

    app = FastAPI(title="Nguồn", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  responses=problems.RESPONSES, docs_url=None, redoc_url=None)
    app.state.services = Services(settings, engine, log_, registry, scans, witnessing, metrics=figures)
    app.state.portal = Portal.build(settings, engine, secret)
    problems.install(app)
    install_handlers(app)
    for portal_part in (portal_routes, portal_admin, portal_imports, portal_labels, portal_producer, portal_charts,
                        portal_authority):
        app.include_router(portal_part.router)
    app.include_router(audit_report.router)
    routers = (health.router, log.router, writes.router, tokens.router, imports.router, images.router, codes.router,
               bundles.router, reads.router, places.router, resolver.router, producers.router, gis.router,
               explorer.router)
    for router in routers:
        app.include_router(router)
    routes = [route for router in routers for route in router.routes]
    openapi.install(app, routes, rate_limited=bool(settings.rate_limit))
    openapi_examples.install(app)
    docs_page.install(app)
    if figures is not None:
        metrics.install(app, figures, settings.metrics_allow)
    # Last of all: `/{segment}` would otherwise take over any other one-segment path.
    app.include_router(compressed.router)

    _add_middleware(app, settings, routes, figures)

    return app


def app_from_environment() -> FastAPI:
    """The uvicorn factory: an app configured from NGUON_* variables."""
    return create_app(get_settings())
