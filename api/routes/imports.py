"""Bulk batch registration from CSV: every row checked, then all rows appended in one transaction or none."""

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Body, status
from pydantic import ValidationError

from api.deps import OrganisationDep, ServicesDep
from api.outputs import ReceiptsOut
from api.problems import ApiProblem, domain_status
from api.routes.writes import draft_body, receipt_out
from ledger.store.log import MAX_BATCH
from registry.errors import DomainError
from registry.schemas import BatchRegistered

router = APIRouter(prefix="/api/v1", tags=["writes"])

COLUMNS = ("gtin", "lot", "quantity", "unit", "produced_on", "origin_code", "origin_version", "claims", "inputs")
CSV_HELP = (
    "CSV with a header row: " + ",".join(COLUMNS) + ". `claims` lists `gi:ID` or `mark:ID` separated by `|`; "
    "`inputs` lists `GTIN/LOT=QUANTITY` separated by `|`; both may be empty."
)


def _row_body(row: dict[str, str]) -> dict[str, Any]:
    claims = [dict(zip(("type", "id"), c.split(":", 1), strict=False)) for c in row.get("claims", "").split("|")
              if c.strip()]
    inputs = []
    for item in (i for i in row.get("inputs", "").split("|") if i.strip()):
        ref, _, quantity = item.partition("=")
        gtin, _, lot = ref.partition("/")
        inputs.append({"gtin": gtin.strip(), "lot": lot.strip(), "quantity": quantity.strip()})
    return {"gtin": row.get("gtin", "").strip(), "lot": row.get("lot", "").strip(),
            "quantity": row.get("quantity", "").strip(), "unit": row.get("unit", "").strip(),
            "produced_on": row.get("produced_on", "").strip(),
            "origin": {"code": row.get("origin_code", "").strip(), "version": row.get("origin_version", "").strip()},
            "claims": claims, "inputs": inputs}


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Batch bodies from CSV text; ApiProblem listing every bad row (row 2 is the first data row)."""
    reader = csv.DictReader(io.StringIO(text), restval="")  # short rows read as empty cells, not None
    try:
        return _bodies(reader)
    except csv.Error as exc:  # e.g. a bare carriage return in a field, or a field over csv's size limit
        line = reader.reader.line_num
        raise ApiProblem(422, "csv-malformed", f"line {line} is not valid CSV: {exc}; nothing was imported",
                         f"dòng {line} không phải CSV hợp lệ ({exc}); không dòng nào được nhập") from exc


def _bodies(reader: "csv.DictReader[str]") -> list[dict[str, Any]]:
    missing = [c for c in COLUMNS[:7] if c not in (reader.fieldnames or [])]
    if missing:
        raise ApiProblem(422, "csv-columns", f"CSV lacks columns {', '.join(missing)}; expected {','.join(COLUMNS)}",
                         f"CSV thiếu cột {', '.join(missing)}; cần {','.join(COLUMNS)}")
    bodies: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for number, row in enumerate(reader, start=2):
        if len(bodies) + len(errors) >= MAX_BATCH:
            raise ApiProblem(413, "csv-too-many-rows", f"a CSV import holds at most {MAX_BATCH} rows",
                             f"mỗi lần nhập CSV tối đa {MAX_BATCH} dòng")
        try:
            bodies.append(draft_body(BatchRegistered.model_validate(_row_body(row))))
        except ValidationError as exc:
            for e in exc.errors():
                errors.append({"row": number, "field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]})
    if errors:
        raise ApiProblem(422, "csv-invalid-rows", f"{len({e['row'] for e in errors})} rows are invalid; nothing was "
                         "imported", f"{len({e['row'] for e in errors})} dòng không hợp lệ; không dòng nào được nhập",
                         extra={"errors": errors})
    if not bodies:
        raise ApiProblem(422, "csv-empty", "the CSV has no data rows", "tệp CSV không có dòng dữ liệu")
    return bodies


@router.post("/batches/import", status_code=status.HTTP_201_CREATED, response_model=ReceiptsOut,
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}})
def import_batches(organisation: OrganisationDep, services: ServicesDep,
                   text: Annotated[str, Body(media_type="text/csv", description=CSV_HELP)]) -> ReceiptsOut:
    """Register many batches from CSV in one transaction: all rows or none."""
    bodies = parse_csv(text)
    try:
        receipts = services.registry.submit_as(organisation, [("batch.registered.v1", b) for b in bodies])
    except DomainError as exc:
        row = None if exc.position is None else exc.position + 2  # row 1 is the header
        raise ApiProblem(domain_status(exc), exc.code, f"row {row}: {exc.en}; nothing was imported" if row else exc.en,
                         f"dòng {row}: {exc.vi}; không dòng nào được nhập" if row else exc.vi,
                         extra={"errors": [{"row": row, "code": exc.code, "message": exc.en}]}) from exc
    return ReceiptsOut(receipts=[receipt_out(r) for r in receipts])
