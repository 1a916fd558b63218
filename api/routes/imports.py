"""Bulk batch registration from a CSV or xlsx file: every row checked, then all rows appended in one
transaction or none; and the templates to fill in.

A file whose rows all read well is submitted at once, as one submission (the fast path the bulk import is
measured on). When any row is wrong, whether its cells do not read or the registry's rules refuse it, the
answer lists every error: the rows that read well are checked by the registry one after another without being
appended (`Registry.refusals_as`), so one answer names each bad row, its column and the reason.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from api.deps import OrganisationDep, ServicesDep
from api.importing.files import CSV_TYPE, XLSX_TYPE, read_upload
from api.importing.rows import COLUMNS, RowError, Rows, from_domain_code, read_rows
from api.importing.template import template_csv, template_xlsx
from api.openapi import problem_responses
from api.outputs import ReceiptsOut
from api.problems import ApiProblem
from api.routes.writes import receipt_out
from registry.errors import DomainError
from registry.kinds import vietnam_today

router = APIRouter(prefix="/api/v1", tags=["writes"])

MAX_LISTED = 1000
"""Errors one refusal lists; a file wrong on every row of ten thousand says so in its first thousand."""
IMPORT_HELP = (
    "A CSV file (`text/csv`: UTF-8 with or without a byte-order mark, comma or semicolon separated) or an Excel "
    f"workbook (`{XLSX_TYPE}`: its first sheet). Row 1 is the header; columns, by their English or Vietnamese "
    "names: " + ", ".join(f"{c.key} ({c.vi})" for c in COLUMNS) + ". GTIN-8, -12, -13 or -14; dates dd/mm/yyyy "
    "or yyyy-mm-dd (or Excel dates); quantities with a decimal point or comma; `claims` lists `gi:ID` or `mark:ID` "
    "separated by `|`; `inputs` lists `GTIN/LOT=QUANTITY` separated by `|`; both may be empty. "
    "Templates: GET /api/v1/imports/template.csv and template.xlsx."
)
_BODY = {"required": True, "description": IMPORT_HELP, "content": {
    CSV_TYPE: {"schema": {"type": "string"}}, XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}


@dataclass(frozen=True)
class Upload:
    """The request's body as it arrived, and its Content-Type, which says how to read it."""

    content: bytes
    media_type: str


async def _upload(request: Request) -> Upload:
    return Upload(await request.body(), request.headers.get("content-type", ""))


def _refusal(errors: list[RowError], rows: Rows, total_rows: int) -> ApiProblem:
    """One refusal listing `errors`, by row and, within a row, in the file's order of columns."""
    order = {written: position for position, written in enumerate(rows.headers.values())}
    errors = sorted(errors, key=lambda e: (e.row, -1 if e.column is None else order.get(e.column, len(order))))
    bad_rows = len({e.row for e in errors})
    counted = f"{len(errors)} error{'' if len(errors) == 1 else 's'} in {bad_rows} of {total_rows} rows"
    first = errors[0]
    where_en = f"row {first.row}" + (f", column {first.column}" if first.column else "")
    where_vi = f"dòng {first.row}" + (f", cột {first.column}" if first.column else "")
    listed = "" if len(errors) <= MAX_LISTED else f" (the first {MAX_LISTED} are listed)"
    listed_vi = "" if len(errors) <= MAX_LISTED else f" (liệt kê {MAX_LISTED} lỗi đầu tiên)"
    return ApiProblem(
        422, "import-invalid-rows", f"{counted}{listed}; nothing was imported. First, {where_en}: {first.en}",
        f"có {len(errors)} lỗi ở {bad_rows} trên {total_rows} dòng{listed_vi}; không dòng nào được nhập. Lỗi đầu "
        f"tiên, {where_vi}: {first.vi}",
        extra={"errors": [e.to_json() for e in errors[:MAX_LISTED]], "errors_total": len(errors)})


def refused_rows(rows: Rows, refusals: list[DomainError]) -> list[RowError]:
    """The registry's refusals of `rows.bodies` as errors naming their rows and columns."""
    found = []
    for exc in refusals:
        assert exc.position is not None  # noqa: S101  (refusals_as numbers every refusal)
        column = from_domain_code(exc.code)
        found.append(RowError(rows.bodies[exc.position][0], rows.headers.get(column) if column else None, exc.code,
                              exc.en, exc.vi))
    return found


@router.post("/batches/import", status_code=status.HTTP_201_CREATED, response_model=ReceiptsOut,
             openapi_extra={"requestBody": _BODY}, responses=problem_responses(415))
def import_batches(organisation: OrganisationDep, services: ServicesDep,
                   upload: Annotated[Upload, Depends(_upload)]) -> ReceiptsOut:
    """Register many batches from a CSV or xlsx file in one transaction: all rows or none. A refusal lists
    every error of every row (`errors`: row, column, code, message in vi and en)."""
    sheet = read_upload(upload.content, upload.media_type)
    rows = read_rows(sheet)
    drafts = [("batch.registered.v1", body) for _, body in rows.bodies]
    if rows.errors:
        refusals = services.registry.refusals_as(organisation, drafts) if drafts else []
        raise _refusal(rows.errors + refused_rows(rows, refusals), rows, len(sheet.rows))
    try:
        receipts = services.registry.submit_as(organisation, drafts)
    except DomainError as exc:
        if exc.position is None:
            raise
        # Every refusal, not only this first one; should the registry have changed since, this one still stands.
        refusals = services.registry.refusals_as(organisation, drafts) or [exc]
        raise _refusal(refused_rows(rows, refusals), rows, len(sheet.rows)) from exc
    return ReceiptsOut(receipts=[receipt_out(r) for r in receipts])


def _attachment(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-cache"})


@router.get("/imports/template.csv", response_class=Response, tags=["imports"],
            responses={200: {"content": {CSV_TYPE: {"schema": {"type": "string"}}}}})
def import_template_csv() -> Response:
    """A CSV to fill in for POST /api/v1/batches/import: UTF-8 with a byte-order mark, semicolons, the Vietnamese
    headers and one example row."""
    return _attachment(template_csv(vietnam_today()), f"{CSV_TYPE}; charset=utf-8", "mau-nhap-lo-hang.csv")


@router.get("/imports/template.xlsx", response_class=Response, tags=["imports"],
            responses={200: {"content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}})
def import_template_xlsx() -> Response:
    """An Excel workbook to fill in for POST /api/v1/batches/import: the Vietnamese headers, one example row, and
    a sheet explaining each column."""
    return _attachment(template_xlsx(vietnam_today()), XLSX_TYPE, "mau-nhap-lo-hang.xlsx")
