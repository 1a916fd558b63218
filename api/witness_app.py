"""The witness's HTTP application (C2SP tlog-witness): `POST /add-checkpoint`, on the witness's own database.

A witness is a separate service from the registry: its own database, key and settings (NGUON_WITNESS_*).
Statuses follow the protocol: 200 with the cosignature line(s) as text/plain; 409 with the stored size
(`text/x.tlog.size`) when `old` is stale; 409 with a problem document holding both signed notes for a fork;
422 for a consistency proof that does not verify; 404 for an unknown origin; 403 when no trusted key signed
the checkpoint; 400 for a malformed request. Other refusals are RFC 9457 problem documents.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.concurrency import run_in_threadpool

from api import problems
from api.limits import BodyLimit, BodyTimeout
from ledger.core.note import NoteVerifier
from ledger.store.engines import make_engine
from ledger.witness.protocol import (
    ADD_CHECKPOINT,
    MAX_REQUEST_BYTES,
    SIZE_CONTENT_TYPE,
    AddCheckpointRequest,
    InconsistentError,
    MalformedRequestError,
    SizeConflictError,
    UnknownLogError,
    UntrustedCheckpointError,
    WitnessError,
    WitnessForkError,
    size_response,
)
from ledger.witness.server import Witness, load_or_create_witness_key


class WitnessSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NGUON_WITNESS_", extra="ignore")

    database_url: str = "sqlite:///./witness.db"
    """The witness's own database (migrated like the registry's; only the witness tables are used)."""
    data_dir: Path = Path("./.nguon-witness")
    """Where the witness key lives (`witness.key`, created with mode 0600 on first run)."""
    name: str = "witness.localhost/w1"
    """The witness's key name, a schema-less URL."""
    log_keys: list[str] = []
    """Verifier keys (`name+hexid+base64key`) of the logs this witness cosigns; the name is the log's origin."""
    body_timeout: float = 30.0
    """Seconds a request body may stall before the request is refused with 408."""


_STATUS: list[tuple[type[WitnessError], int, str, str]] = [
    (MalformedRequestError, 400, "malformed-request", "yêu cầu add-checkpoint không đúng định dạng"),
    (UnknownLogError, 404, "unknown-log", "nhân chứng không theo dõi sổ cái này"),
    (UntrustedCheckpointError, 403, "untrusted-checkpoint", "điểm kiểm tra không được ký bởi khóa tin cậy của sổ cái"),
    (InconsistentError, 422, "inconsistent-checkpoint", "bằng chứng nhất quán không hợp lệ"),
    (WitnessError, 400, "refused", "nhân chứng từ chối yêu cầu"),
]


def _refusal(exc: WitnessError) -> Response:
    if isinstance(exc, SizeConflictError):
        # Exactly text/x.tlog.size, as tlog-witness requires: a media_type would get "; charset=utf-8" added.
        return Response(size_response(exc.size).encode(), status_code=409, headers={"Content-Type": SIZE_CONTENT_TYPE})
    if isinstance(exc, WitnessForkError):
        return problems.problem(409, "fork", str(exc), f"sổ cái {exc.origin} đã ký hai điểm kiểm tra khác nhau "
                                f"cùng kích thước {exc.size}: sổ cái đã bị rẽ nhánh", None,
                                origin=exc.origin, size=exc.size, cosigned_checkpoint=exc.stored,
                                submitted_checkpoint=exc.submitted)
    status, code, vi = next((s, c, v) for kind, s, c, v in _STATUS if isinstance(exc, kind))
    return problems.problem(status, code, str(exc), vi)


def create_witness_app(settings: WitnessSettings) -> FastAPI:
    """The witness on the database, key and log keys that `settings` name; nothing connects until a request."""
    engine = make_engine(settings.database_url)
    witness = Witness(engine, load_or_create_witness_key(settings.data_dir, settings.name),
                      [NoteVerifier.from_text(key) for key in settings.log_keys])

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(title="Nguồn witness", version="0.1.0", lifespan=lifespan,
                  description="A C2SP tlog-witness: cosigns checkpoints of the logs it follows after checking "
                              "that each one is consistent with the last it cosigned.")
    app.state.witness = witness
    problems.install(app)

    @app.exception_handler(WitnessError)
    async def _witness_error(_request: Request, exc: WitnessError) -> Response:
        return _refusal(exc)

    @app.post(f"/{ADD_CHECKPOINT}", response_class=PlainTextResponse, tags=["witness"],
              responses={409: {"description": "stale old size (text/x.tlog.size) or a fork (problem document)"},
                         422: {"description": "the consistency proof does not verify"}})
    async def add_checkpoint(request: Request) -> PlainTextResponse:
        """C2SP tlog-witness add-checkpoint: `old N`, proof lines, an empty line, the signed checkpoint."""
        parsed = AddCheckpointRequest.from_bytes(await request.body())
        lines = await run_in_threadpool(witness.add_checkpoint, parsed)
        return PlainTextResponse(lines)

    app.add_middleware(BodyTimeout, timeout=settings.body_timeout)
    app.add_middleware(BodyLimit, limit=MAX_REQUEST_BYTES, import_limit=MAX_REQUEST_BYTES)
    return app


def witness_from_environment() -> FastAPI:
    """The uvicorn factory: a witness configured from NGUON_WITNESS_* variables."""
    return create_witness_app(WitnessSettings())
