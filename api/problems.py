"""RFC 9457 problem documents: the one place where errors become HTTP statuses.

Every problem carries `code` (stable, for programs) and `message` in Vietnamese and English. The whole tree,
error class to status to code, is drawn in docs/errors.md. A caller's mistake is a 4xx with its own code;
corruption or a broken invariant (ledger CorruptionError) is 500 `internal-error`, logged with its traceback
and told to the client without detail.
"""

import logging
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.core.errors import (
    EncodingError,
    InvalidValueError,
    LedgerError,
    ProofError,
    SignatureError,
    StoreError,
    UnknownKeyError,
    VerificationError,
)
from registry.errors import ConflictError, DomainError, NotAllowedError, RuleViolationError, UnknownReferenceError
from registry.validation import describe, summary

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://nguon.example/problems/"


class ProblemMessage(BaseModel):
    vi: str
    en: str


class Problem(BaseModel):
    """The problem document of every refusal; some add members (`errors`, `position`, `verdict`, `reasons`)."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: Annotated[int, Field(ge=400, le=599)]
    detail: str
    code: str
    message: ProblemMessage


RESPONSES: dict[int | str, dict[str, Any]] = {
    "default": {"description": "Refused: an RFC 9457 problem document",
                "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}},
}
"""The `default` response of every operation (`FastAPI(responses=RESPONSES)`); `install` adds its schema."""

_DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (NotAllowedError, 403),
    (ConflictError, 409),
    (UnknownReferenceError, 422),
    (RuleViolationError, 422),
    (DomainError, 422),
]

_LEDGER_STATUS: list[tuple[type[LedgerError], int, str, str]] = [
    (ProofError, 400, "invalid-proof-request", "yêu cầu bằng chứng không hợp lệ"),
    (EncodingError, 422, "not-canonical-json", "giá trị không biểu diễn được bằng JSON chuẩn tắc (RFC 8785)"),
    (InvalidValueError, 422, "invalid-value", "giá trị không hợp lệ"),
    (UnknownKeyError, 403, "unknown-key", "khóa không xác định"),
    (SignatureError, 403, "bad-signature", "chữ ký không hợp lệ"),
    (VerificationError, 422, "verification-failed", "không xác minh được"),
    (StoreError, 409, "log-state", "trạng thái sổ cái không phù hợp"),
]
"""The ledger errors that are the caller's to change; any other (corruption, an unsafe path, a failed audit)
is the server's own failure: logged, and answered 500 internal-error."""

_INTERNAL = (500, "internal-error", "the server failed to handle this request", "máy chủ không xử lý được yêu cầu này")
"""What the client learns of a failure of the server: nothing of its cause."""

_HTTP_VI = {
    400: "yêu cầu không hợp lệ",
    404: "không có tài nguyên nào ở đường dẫn này",
    401: "cần đăng nhập (mã truy cập) để làm việc này",
    403: "không được phép làm việc này",
    405: "đường dẫn này không nhận phương thức này",
    406: "không có dạng trả lời nào khớp với yêu cầu",
    413: "nội dung gửi lên quá lớn",
    415: "dạng nội dung gửi lên không được hỗ trợ",
    429: "quá nhiều yêu cầu, xin thử lại sau",
}
"""Vietnamese for the framework's own refusals, whose detail is the English reason phrase."""


class ApiProblem(Exception):
    """An HTTP-level refusal (authentication, size, format) with its code and messages."""

    def __init__(self, status: int, code: str, en: str, vi: str, headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        self.status = status
        self.extra = extra or {}
        self.code = code
        self.en = en
        self.vi = vi
        self.headers = headers
        super().__init__(en)


def problem(status: int, code: str, en: str, vi: str, headers: Mapping[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    body = {"type": PROBLEM_BASE + code, "title": en.split(";")[0][:120], "status": status, "detail": en,
            "code": code, "message": {"vi": vi, "en": en}, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_status(error: DomainError) -> int:
    return next(status for kind, status in _DOMAIN_STATUS if isinstance(error, kind))


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document, and its schema in the OpenAPI one."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas = {"Problem": schema, **schema.pop("$defs", {})}
        document.setdefault("components", {}).setdefault("schemas", {}).update(schemas)
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend its schema

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        extra: dict[str, Any] = {} if exc.position is None else {"position": exc.position}
        return problem(domain_status(exc), exc.code, exc.en, exc.vi, None, **extra)

    @app.exception_handler(ApiProblem)
    async def _api(_request: Request, exc: ApiProblem) -> JSONResponse:
        return problem(exc.status, exc.code, exc.en, exc.vi, exc.headers, **exc.extra)

    @app.exception_handler(LedgerError)
    async def _ledger(request: Request, exc: LedgerError) -> JSONResponse:
        known = next(((s, c, v) for kind, s, c, v in _LEDGER_STATUS if isinstance(exc, kind)), None)
        if known is None:
            # Not the caller's doing: the operator needs the traceback (and an audit), the client only the status.
            logger.exception("the server failed on %s %s", request.method, request.url.path, exc_info=exc)
            return problem(*_INTERNAL)
        # The ledger speaks English; its Vietnamese is the class of the refusal, the detail stays in `detail`.
        status, code, vi = known
        return problem(status, code, str(exc), vi)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = describe(exc.errors())
        en, vi = summary(errors)
        return problem(422, "invalid-request", f"the request is invalid: {en}", f"yêu cầu không hợp lệ: {vi}",
                       errors=errors)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
        # Starlette still raises the exception after this answer, so the server logs its traceback; the client
        # learns nothing of it.
        return problem(*_INTERNAL)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        vi = _HTTP_VI.get(exc.status_code, f"yêu cầu bị từ chối (mã HTTP {exc.status_code})")
        return problem(exc.status_code, f"http-{exc.status_code}", detail, vi, exc.headers)
