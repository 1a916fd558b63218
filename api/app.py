"""The FastAPI application: `create_app(settings)` builds everything; nothing happens at import time."""

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException

from api import problems
from ledger.config import Settings, get_settings
from ledger.db import make_engine
from ledger.encoding import parse
from ledger.keys import load_or_create_log_key
from ledger.log import Log
from ledger.sql import SqlStore
from ledger.store import ReadView

MAX_PAGE = 1000


def _view(request: Request) -> Iterator[ReadView]:
    with request.app.state.log.store.read() as view:
        yield view


ViewDep = Annotated[ReadView, Depends(_view)]


def _log(request: Request) -> Log:
    log: Log = request.app.state.log
    return log


LogDep = Annotated[Log, Depends(_log)]


def create_app(settings: Settings) -> FastAPI:
    """The registry's HTTP application on the database and keys that `settings` name."""
    engine = make_engine(settings.database_url)
    signer = load_or_create_log_key(settings.data_dir, settings.log_origin)
    app = FastAPI(title="Nguồn", version="0.1.0", description="Traceability and geographical-indication registry")
    app.state.log = Log(SqlStore(engine), signer)
    app.state.engine = engine
    problems.install(app)

    @app.get("/api/v1/log/checkpoint", response_class=PlainTextResponse, tags=["log"])
    def checkpoint(view: ViewDep, log: LogDep) -> PlainTextResponse:
        """The latest signed checkpoint (C2SP tlog-checkpoint in a signed note)."""
        return PlainTextResponse(log.checkpoint(view).note)

    @app.get("/api/v1/log/key", response_class=PlainTextResponse, tags=["log"])
    def key(log: LogDep) -> PlainTextResponse:
        """The log's verifier key, `name+hexid+base64key` (C2SP signed-note)."""
        return PlainTextResponse(log.verifier.to_text() + "\n")

    @app.get("/api/v1/log/entries", tags=["log"])
    def entries(view: ViewDep, start: Annotated[int, Query(ge=0)] = 0,
                limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100) -> dict[str, Any]:
        """Entries from `start`, each `{"index", "hash", "entry"}`; `next` is where to continue, or null."""
        size = view.head().size
        rows = view.entries(start, min(start + limit, size))
        items = [{"index": r.index, "hash": r.hash.hex(), "entry": parse(r.canonical)} for r in rows]
        following = start + len(rows)
        return {"entries": items, "next": following if following < size else None}

    @app.get("/api/v1/log/entries/{index}", tags=["log"])
    def entry(view: ViewDep, index: int) -> dict[str, Any]:
        """One entry: `{"index", "hash", "entry"}` where `entry` is the JSON whose RFC 8785 bytes were hashed."""
        rows = view.entries(index, index + 1) if index >= 0 else []
        if not rows:
            raise HTTPException(404, f"entry {index} does not exist; the log has {view.head().size} entries")
        return {"index": index, "hash": rows[0].hash.hex(), "entry": parse(rows[0].canonical)}

    @app.get("/api/v1/log/proof/inclusion", tags=["log"])
    def inclusion(view: ViewDep, log: LogDep, index: Annotated[int, Query(ge=0)],
                  size: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
        """RFC 9162 inclusion proof of entry `index` in the tree of `size` entries (default: latest)."""
        if size is None:
            size = log.checkpoint(view).size
        return log.inclusion(view, index, size).to_json()

    @app.get("/api/v1/log/proof/consistency", tags=["log"])
    def consistency(view: ViewDep, log: LogDep, old: Annotated[int, Query(ge=1)],
                    new: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
        """RFC 9162 consistency proof from tree size `old` to `new` (default: latest)."""
        return log.consistency(view, old, new).to_json()

    return app


def app_from_environment() -> FastAPI:
    """The uvicorn factory: an app configured from NGUON_* variables."""
    return create_app(get_settings())
