"""The columns of a batch import, their English and Vietnamese headers, and each row read into the body of a
batch.registered.v1 statement, or into the errors that name its row and column in both languages."""

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from api.importing import cells
from api.importing.cells import Cell, CellError
from api.importing.files import Sheet
from api.problems import ApiProblem
from registry.schemas import BatchRegistered


@dataclass(frozen=True)
class Column:
    key: str
    """The English header, as the API has always named the column."""
    vi: str
    """The Vietnamese header, as the template writes it."""
    required: bool
    read: Callable[[Cell], Any]


COLUMNS = (
    Column("gtin", "Mã GTIN", True, cells.gtin),
    Column("lot", "Số lô", True, cells.lot),
    Column("quantity", "Số lượng", True, cells.quantity),
    Column("unit", "Đơn vị", True, cells.unit),
    Column("produced_on", "Ngày sản xuất", True, cells.day),
    Column("origin_code", "Mã xã xuất xứ", True, cells.commune),
    Column("origin_version", "Phiên bản danh mục xã", True, cells.list_version),
    Column("claims", "Chỉ dẫn địa lý và nhãn hiệu", False, cells.claims),
    Column("inputs", "Lô đầu vào", False, cells.inputs),
)
KEYS = tuple(c.key for c in COLUMNS)


def _folded(header: str) -> str:
    return unicodedata.normalize("NFC", header).strip().casefold()


_BY_HEADER = {_folded(name): column for column in COLUMNS for name in (column.key, column.vi)}


@dataclass(frozen=True)
class RowError:
    """What is wrong with a row: its number (the header is row 1), the column as the file heads it (None: the
    row as a whole), a stable code and the reason in English and Vietnamese."""

    row: int
    column: str | None
    code: str
    en: str
    vi: str

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code,
                "message": {"vi": self.vi, "en": self.en}}


@dataclass(frozen=True)
class Rows:
    """The rows read: a body for each good row (with its number), and the errors of the others."""

    bodies: list[tuple[int, dict[str, Any]]]
    errors: list[RowError]
    headers: dict[str, str]
    """Each column's key to its header as the file writes it."""


def _positions(header: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Each known column's key to its position and its header as written; ApiProblem for a column missing or
    given twice. Other columns are left alone."""
    found: dict[str, tuple[int, str]] = {}
    for position, written in enumerate(header):
        column = _BY_HEADER.get(_folded(written))
        if column is None:
            continue
        if column.key in found:
            raise ApiProblem(422, "import-columns", f"columns {found[column.key][1]!r} and {written!r} are both "
                             f"column {column.key}", f"cột «{found[column.key][1]}» và cột «{written}» trùng nhau "
                             f"(đều là cột {column.vi})")
        found[column.key] = (position, written.strip())
    missing = [c for c in COLUMNS if c.required and c.key not in found]
    if missing:
        raise ApiProblem(422, "import-columns", f"the file lacks columns {', '.join(c.key for c in missing)}; the "
                         f"header row (row 1) names {', '.join(KEYS)} or their Vietnamese names",
                         f"tệp thiếu cột {', '.join(c.vi for c in missing)}; dòng tiêu đề (dòng 1) phải có các cột "
                         f"{', '.join(c.vi for c in COLUMNS)} (hoặc tên tiếng Anh của chúng)")
    return found


def read_rows(sheet: Sheet) -> Rows:
    """Every row of `sheet` read; ApiProblem when the header lacks a column or no row holds data."""
    positions = _positions(sheet.header)
    if not sheet.rows:
        raise ApiProblem(422, "import-empty", "the file has no data rows under its header",
                         "tệp không có dòng dữ liệu nào dưới dòng tiêu đề")
    headers = {key: written for key, (_, written) in positions.items()}
    bodies: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for number, row in sheet.rows:
        values: dict[str, Any] = {}
        found: list[RowError] = []
        for column in COLUMNS:
            at = positions.get(column.key)
            cell: Cell = row[at[0]] if at is not None and at[0] < len(row) else ""
            try:
                values[column.key] = column.read(cell)
            except CellError as exc:
                found.append(RowError(number, headers[column.key], exc.code, exc.en, exc.vi))
        if not found:
            body, found = _validated(number, values, headers)
            if body is not None:
                bodies.append((number, body))
        errors += found
    return Rows(bodies, errors, headers)


def _validated(number: int, values: dict[str, Any], headers: dict[str, str]) -> tuple[dict[str, Any] | None,
                                                                                         list[RowError]]:
    """The statement body of a row whose cells read well, checked by the statement's own schema."""
    body = {"gtin": values["gtin"], "lot": values["lot"], "quantity": values["quantity"], "unit": values["unit"],
            "produced_on": values["produced_on"],
            "origin": {"code": values["origin_code"], "version": values["origin_version"]},
            "claims": values["claims"], "inputs": values["inputs"]}
    try:
        return BatchRegistered.model_validate(body).model_dump(mode="json", exclude_none=True), []
    except ValidationError as exc:  # the cells' own checks leave nothing for this; kept as the schema's guard
        return None, [RowError(number, headers.get(_column_of(e["loc"])), "invalid-value", e["msg"],
                               "giá trị không hợp lệ theo quy định của sổ đăng ký") for e in exc.errors()]


def _column_of(location: tuple[int | str, ...]) -> str:
    head = str(location[0]) if location else ""
    return {"origin": "origin_code"}.get(head, head)


def from_domain_code(code: str) -> str | None:
    """The column a registry refusal of a row points to, by its code (None: the row as a whole)."""
    return _DOMAIN_COLUMNS.get(code)


_DOMAIN_COLUMNS = {
    "unknown-product": "gtin", "not-your-product": "gtin", "unit-mismatch": "unit", "duplicate-lot": "lot",
    "date-in-future": "produced_on", "date-too-old": "produced_on", "production-too-early": "produced_on",
    "unknown-list-version": "origin_version", "unknown-commune": "origin_code", "origin-outside-area": "origin_code",
    "repeated-claim": "claims", "unknown-gi": "claims", "unknown-mark": "claims", "gi-cancelled": "claims",
    "mark-cancelled": "claims",
    "mark-not-in-force": "claims", "no-right-of-use": "claims", "quota-unit": "quantity",
    "quota-exceeded": "quantity", "repeated-input": "inputs", "unknown-batch": "inputs", "input-not-held": "inputs",
    "input-withdrawn": "inputs", "input-recalled": "inputs", "dates-out-of-order": "inputs",
    "mass-balance": "inputs",
}
