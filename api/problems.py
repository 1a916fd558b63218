"""RFC 9457 problem documents: the one place where domain errors become HTTP statuses."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.errors import InvalidValueError, LedgerError, ProofError, StoreError, VerificationError

PROBLEM_JSON = "application/problem+json"

_STATUS: list[tuple[type[Exception], int, str]] = [
    (ProofError, 400, "invalid-proof-request"),
    (InvalidValueError, 422, "invalid-value"),
    (VerificationError, 422, "verification-failed"),
    (StoreError, 409, "log-state"),
    (LedgerError, 500, "ledger-error"),
]


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": f"https://nguon.example/problems/{code}", "title": title, "status": status,
            "detail": detail, "code": code, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(LedgerError)
    async def _ledger(_request: Request, exc: LedgerError) -> JSONResponse:
        for kind, status, code in _STATUS:
            if isinstance(exc, kind):
                return problem(status, code, type(exc).__name__, str(exc))
        raise exc  # pragma: no cover - LedgerError is the last row

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return problem(422, "invalid-request", "Invalid request", "the request does not match the API", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, f"http-{exc.status_code}", str(exc.detail), str(exc.detail))
