"""Batches from a spreadsheet in the portal: upload, preview every row with its errors, then record all rows or
none.

The file is read by the API's own import (api.importing: the same formats, columns and cell rules), and the rows
that read well are checked by the registry without being appended (`Registry.refusals_as`), so the preview lists
every error of every row, cell errors and rule errors alike, each with its code, and records nothing.

Between preview and commit the server keeps nothing: a file without errors comes back in the commit form as its
parsed rows (compressed JSON) sealed with an HMAC under the portal key, bound to the session and the
organisation. A seal that does not match (rows altered, another session's or organisation's preview) is refused
403 before anything is read of the rows; the registry checks every rule again when it appends them. Both POSTs
go to /portal/import, whose path lets api.limits.BodyLimit admit an import's size.
"""

import base64
import hashlib
import hmac
import json
import zlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from api.importing.files import CSV_TYPE, XLSX_TYPE, read_upload
from api.importing.rows import COLUMNS, RowError, Rows, read_rows
from api.portal import importlabels_words  # noqa: F401  (the pages' words)
from api.portal.sessions import Signed
from api.portal.statements import UploadDep, require_writer, submit
from api.portal.web import NAV, NavItem, PortalDep, Refused, SignedDep, language, page
from api.portal.words import TEXT
from api.problems import ApiProblem
from api.routes.imports import refused_rows
from registry.errors import DomainError
from registry.service import Draft
from registry.tables import RegProduct

router = APIRouter(prefix="/portal", include_in_schema=False)
NAV.append(NavItem("import", "/portal/import", "il_nav_import", frozenset({"producer"})))

KIND = "batch.registered.v1"
_products = RegProduct.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Shown:
    """One row as the preview shows it: its number, each column's header and value (and whether an error points
    at it), the product's name when the GTIN is registered, and its errors in the page's language."""

    number: int
    cells: list[tuple[str, str, bool]]
    product: str
    errors: list[tuple[str | None, str, str]]
    """(column header or None for the whole row, code, message)."""


@router.get("/import")
def import_form(request: Request, signed: SignedDep) -> Response:
    return page(request, "import_form.html", 200, signed, error=None)


@router.post("/import")
def import_file(request: Request, state: PortalDep, upload: UploadDep) -> Response:
    """A file: its preview. The sealed rows of a preview (field `rows`): record them, all or none."""
    if "rows" in upload.fields:
        return _commit(request, state.key, upload.signed, upload.fields["rows"])
    return _preview(request, state.key, upload.signed, upload.files.get("file"))


def _preview(request: Request, key: bytes, signed: Signed, file: UploadFile | None) -> Response:
    # Only those who may record the file: the dry run takes the registry's writer turn, so it is not for viewers.
    require_writer(signed, "producer")
    if file is None:
        return page(request, "import_form.html", 400, signed, error=_text(request, "il_no_file"))
    content = file.file.read()
    try:
        sheet = read_upload(content, _media_type(file.filename or "", file.content_type or "", content))
        rows = read_rows(sheet)
    except ApiProblem as exc:
        return page(request, "import_form.html", exc.status, signed, error=_said(request, exc.vi, exc.en))
    registry = request.app.state.services.registry
    try:
        refusals = registry.refusals_as(signed.user.organisation, _drafts(rows)) if rows.bodies else []
    except DomainError as exc:  # a refusal of the whole file, such as an organisation without a custodial key
        return page(request, "import_form.html", 422, signed, error=_said(request, exc.vi, exc.en))
    errors = rows.errors + refused_rows(rows, refusals)
    values = {number: _cells_of_sheet(row, sheet.header, rows.headers) for number, row in sheet.rows}
    shown = _shown(request, values, rows.headers, errors)
    sealed = "" if errors else seal(key, signed, _packed(rows, file.filename or ""))
    return page(request, "import_preview.html", 422 if errors else 200, signed, rows=shown,
                file_name=file.filename or "", errors=len(errors), bad=len({e.row for e in errors}),
                sealed=sealed, refused_at_commit=False)


def _commit(request: Request, key: bytes, signed: Signed, sealed: str) -> Response:
    require_writer(signed, "producer")
    rows, file_name = _unpacked(opened(key, signed, sealed))
    drafts = _drafts(rows)
    try:
        receipts = submit(request, signed, drafts)
    except DomainError as exc:
        registry = request.app.state.services.registry
        refusals = (registry.refusals_as(signed.user.organisation, drafts) or [exc]) if exc.position is not None \
            else [exc]
        errors = refused_rows(rows, [e for e in refusals if e.position is not None])
        if not errors:
            return page(request, "import_form.html", 422, signed, error=_said(request, exc.vi, exc.en))
        values = {number: _cells_of_body(body, rows.headers) for number, body in rows.bodies}
        return page(request, "import_preview.html", 422, signed, rows=_shown(request, values, rows.headers, errors),
                    file_name=file_name, errors=len(errors), bad=len({e.row for e in errors}), sealed="",
                    refused_at_commit=True)
    batches = [(body["gtin"], body["lot"], receipt.index) for (_, body), receipt in zip(rows.bodies, receipts,
                                                                                          strict=True)]
    return page(request, "import_done.html", 201, signed, batches=batches, file_name=file_name)


def _drafts(rows: Rows) -> list[Draft]:
    return [(KIND, body) for _, body in rows.bodies]


def _media_type(name: str, declared: str, content: bytes) -> str:
    """How to read an upload: a zip archive or a name ending in .xlsx is a workbook, a name ending in .csv or .txt
    is CSV (browsers on Windows call a .csv "application/vnd.ms-excel"); otherwise what the browser declared, which
    the reader refuses when it is neither."""
    lowered = name.lower()
    if content.startswith(b"PK\x03\x04") or lowered.endswith(".xlsx"):
        return XLSX_TYPE
    if lowered.endswith((".csv", ".txt")):
        return CSV_TYPE
    return declared


# The seal of a preview's rows: what the commit form carries instead of a copy kept by the server.

def _mac(key: bytes, signed: Signed, payload: str) -> str:
    message = f"portal import v1:{signed.session_id}:{signed.user.organisation}:{payload}"
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def seal(key: bytes, signed: Signed, payload: str) -> str:
    """`payload` and its HMAC, for this session and organisation only."""
    return f"{payload}.{_mac(key, signed, payload)}"


def opened(key: bytes, signed: Signed, sealed: str) -> str:
    """The payload of `sealed` if this session of this organisation sealed it; Refused 403 otherwise."""
    payload, _, mac = sealed.rpartition(".")
    if not payload or not hmac.compare_digest(_mac(key, signed, payload).encode(), mac.encode()):
        raise Refused(403, "il_tampered", "refused_title")
    return payload


def _packed(rows: Rows, file_name: str) -> str:
    document = {"file": file_name[:200], "headers": rows.headers, "rows": rows.bodies}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode("ascii")


def _unpacked(payload: str) -> tuple[Rows, str]:
    """The rows a seal vouched for (so made by `_packed` of this portal): nothing here reads untrusted input."""
    document = json.loads(zlib.decompress(base64.urlsafe_b64decode(payload)))
    bodies = [(int(number), body) for number, body in document["rows"]]
    return Rows(bodies, [], dict(document["headers"])), str(document["file"])


# What the preview shows of each row.

def _cells_of_sheet(row: list[Any], header: list[str], headers: dict[str, str]) -> dict[str, str]:
    """Each known column's value as the file wrote it (dates as dd/mm/yyyy)."""
    at = {written.strip(): position for position, written in enumerate(header)}
    found: dict[str, str] = {}
    for column in COLUMNS:
        position = at.get(headers.get(column.key, ""), len(row))
        cell = row[position] if position < len(row) else ""
        found[column.key] = f"{cell:%d/%m/%Y}" if isinstance(cell, date) else str(cell)
    return found


def _cells_of_body(body: dict[str, Any], headers: dict[str, str]) -> dict[str, str]:
    """Each column's value of a row read into a statement's body, written as the import reads it."""
    return {
        "gtin": body["gtin"], "lot": body["lot"], "quantity": body["quantity"], "unit": body["unit"],
        "produced_on": date.fromisoformat(body["produced_on"]).strftime("%d/%m/%Y"),
        "origin_code": body["origin"]["code"], "origin_version": body["origin"]["version"],
        "claims": " | ".join(f"{c['type']}:{c['id']}" for c in body.get("claims", [])),
        "inputs": " | ".join(f"{i['gtin']}/{i['lot']}={i['quantity']}" for i in body.get("inputs", [])),
    }


def _shown(request: Request, values: dict[int, dict[str, str]], headers: dict[str, str],
           errors: list[RowError]) -> list[Shown]:
    """Every row, in the file's order, with its errors in the file's order of columns."""
    lang = language(request)
    order = {written: position for position, written in enumerate(headers.values())}
    by_row: dict[int, list[RowError]] = {}
    for error in sorted(errors, key=lambda e: (e.row, -1 if e.column is None else order.get(e.column, 99))):
        by_row.setdefault(error.row, []).append(error)
    names = _product_names(request, {v.get("gtin", "") for v in values.values()}, lang)
    shown = []
    for number, cells in values.items():
        found = by_row.get(number, [])
        marked = {e.column for e in found}
        shown.append(Shown(
            number, [(headers.get(c.key, c.vi if lang == "vi" else c.key), cells.get(c.key, ""),
                      headers.get(c.key) in marked) for c in COLUMNS if c.key in headers],
            names.get(cells.get("gtin", "").zfill(14), ""),
            [(e.column, e.code, e.vi if lang == "vi" else e.en) for e in found]))
    return shown


def _product_names(request: Request, gtins: set[str], lang: str) -> dict[str, str]:
    """The names of the registered products among `gtins` (written as GTIN-8 to -14), by GTIN-14."""
    wanted = [g.zfill(14) for g in gtins if g.isascii() and g.isdigit() and len(g) <= 14]
    if not wanted:
        return {}
    with request.app.state.services.engine.connect() as connection:
        found = connection.execute(select(_products.c.gtin, _products.c.name_vi, _products.c.name_en)
                                   .where(_products.c.gtin.in_(wanted)))
        return {gtin: (vi if lang == "vi" else en) or vi for gtin, vi, en in found}


def _text(request: Request, key: str) -> str:
    return TEXT[language(request)][key]


def _said(request: Request, vi: str, en: str) -> str:
    return vi if language(request) == "vi" else en
