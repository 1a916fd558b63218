"""The rows of an uploaded file, CSV or xlsx, as a header and numbered rows of cells, within bounds.

CSV: UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8" writes one), separated by commas or by
semicolons (Excel where the decimal separator is a comma, as in Viet Nam), whichever the header line holds more
of. xlsx: the first worksheet, read by openpyxl in read-only mode (rows streamed, not loaded). A zip member
is inflated no further than the size its directory declares (zipfile stops there), so checking those sizes
first bounds what a small upload can grow into; then every XML part streams once through expat, counting what
openpyxl would hold at once (a row's cells, the shared texts), before openpyxl reads it.

Rows are numbered as a spreadsheet shows them: the header is row 1. Rows with every cell empty are left out.
Every refusal is an ApiProblem (413 for a file over a bound, 415 for an unknown media type, 422 otherwise).
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers import expat

from openpyxl import load_workbook

from api.importing.cells import Cell, excel_value
from api.problems import ApiProblem
from ledger.store.log import MAX_BATCH

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = MAX_BATCH
"""Data rows one import may hold: one submission to the registry."""
MAX_SCANNED_ROWS = 2 * MAX_BATCH
"""Rows read in all, empty ones included: a sheet may end in empty rows, not in a million of them."""
MAX_COLUMNS = 64
"""Columns read of an xlsx row; the import has nine."""
MAX_XLSX_PART = 16 * 2**20
"""Bytes one member of an xlsx file (a worksheet, the shared strings) may inflate to."""
MAX_XLSX_TOTAL = 32 * 2**20
MAX_XLSX_PARTS = 1000
MAX_ROW_CELLS = 16_384
"""Cells one row may hold, as in Excel (columns A to XFD): openpyxl builds a whole row before it is cut."""
MAX_SHARED_STRINGS = 20 * MAX_BATCH
"""Texts the workbook's shared table may hold: openpyxl loads all of them."""


@dataclass(frozen=True)
class Sheet:
    """The header cells (row 1) and the data rows, each with its number, of an uploaded file."""

    header: list[str]
    rows: list[tuple[int, list[Cell]]]


def read_upload(content: bytes, media_type: str) -> Sheet:
    """The sheet of an upload of `media_type` (text/csv or the xlsx type, parameters such as charset ignored)."""
    kind = media_type.split(";")[0].strip().lower()
    if kind == CSV_TYPE:
        return read_csv(content)
    if kind == XLSX_TYPE:
        return read_xlsx(content)
    raise ApiProblem(415, "import-media-type", f"an import is {CSV_TYPE} or {XLSX_TYPE}, not {kind or 'untyped'}",
                     f"tệp nhập phải là CSV ({CSV_TYPE}) hoặc Excel ({XLSX_TYPE}), không phải "
                     f"{kind or 'tệp không rõ loại'}")


def _too_many_rows() -> ApiProblem:
    return ApiProblem(413, "import-too-many-rows", f"an import holds at most {MAX_ROWS} rows of data",
                      f"mỗi lần nhập tối đa {MAX_ROWS} dòng dữ liệu")


def _collect(rows: Iterator[list[Cell]]) -> Sheet:
    """The header and the non-empty rows of `rows`, numbered from 1, within MAX_ROWS and MAX_SCANNED_ROWS."""
    header = [str(c) for c in next(rows, [])]
    data: list[tuple[int, list[Cell]]] = []
    for number, cells in enumerate(rows, start=2):
        if number > MAX_SCANNED_ROWS:
            raise _too_many_rows()
        if any(c != "" for c in cells):
            if len(data) == MAX_ROWS:
                raise _too_many_rows()
            data.append((number, cells))
    return Sheet(header, data)


def read_csv(content: bytes) -> Sheet:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiProblem(422, "import-not-utf8", f"the CSV is not UTF-8 (byte {exc.start} is not); in Excel, save "
                         "as \"CSV UTF-8\"", f"tệp CSV không được mã hóa UTF-8 (lỗi ở byte {exc.start}); trong Excel "
                         "hãy lưu bằng «CSV UTF-8»") from exc
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    try:
        return _collect([c.strip() for c in row] for row in reader)
    except csv.Error as exc:  # e.g. a bare carriage return in a field, or a field over csv's size limit
        line = reader.line_num
        raise ApiProblem(422, "import-malformed", f"line {line} is not valid CSV: {exc}; nothing was imported",
                         f"dòng {line} không đúng định dạng CSV; không dòng nào được nhập") from exc


def _too_large(what_en: str, what_vi: str) -> ApiProblem:
    return ApiProblem(413, "import-too-large", f"the xlsx file {what_en}", f"tệp Excel {what_vi}")


def _check_zip(content: bytes) -> None:
    """Refuse, before openpyxl opens it, a workbook that would inflate or parse into more than an import needs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        parts = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise _unreadable() from exc
    total = sum(p.file_size for p in parts)
    if len(parts) > MAX_XLSX_PARTS or total > MAX_XLSX_TOTAL or any(p.file_size > MAX_XLSX_PART for p in parts):
        raise _too_large(f"unpacks to {total} bytes in {len(parts)} parts; an import unpacks to at most "
                         f"{MAX_XLSX_TOTAL} ({MAX_XLSX_PART} for one part)", f"khi giải nén chiếm {total} byte "
                         f"({len(parts)} phần); tệp nhập chỉ được giải nén tối đa {MAX_XLSX_TOTAL} byte (mỗi phần "
                         f"{MAX_XLSX_PART} byte)")
    for part in parts:
        if part.filename.endswith(".xml"):
            _count(archive, part)


def _count(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    """Stream `part` through expat, counting rows, cells per row and shared texts, and refuse it past a bound.
    A document type declaration (none in a workbook) is refused too: no entity expands here."""
    counts = {"row": 0, "c": 0, "si": 0}

    def start(name: str, _attributes: object) -> None:
        local = name.rpartition("}")[2]
        if local in counts:
            counts[local] += 1
            if local == "row":
                counts["c"] = 0
            if counts["row"] > MAX_SCANNED_ROWS or counts["c"] > MAX_ROW_CELLS or counts["si"] > MAX_SHARED_STRINGS:
                raise _too_large(f"holds more than {MAX_SCANNED_ROWS} rows, {MAX_ROW_CELLS} cells in a row or "
                                 f"{MAX_SHARED_STRINGS} texts", f"có hơn {MAX_SCANNED_ROWS} dòng, hơn {MAX_ROW_CELLS} "
                                 f"ô trong một dòng hoặc hơn {MAX_SHARED_STRINGS} đoạn văn bản")

    def doctype(*_args: object) -> None:
        raise _unreadable()

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(65536):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise _unreadable() from exc  # zipfile: a broken stream or CRC, an unknown compression method


def _unreadable() -> ApiProblem:
    return ApiProblem(422, "import-unreadable", "the file is not an Excel workbook (.xlsx) that can be read",
                      "tệp không phải bảng tính Excel (.xlsx) đọc được")


def read_xlsx(content: bytes) -> Sheet:
    _check_zip(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, SyntaxError) as exc:
        raise _unreadable() from exc  # openpyxl reports a broken workbook as any of these (SyntaxError: bad XML)
    try:
        if not workbook.worksheets:
            raise _unreadable()
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # read every row there is, not as many as the file says it holds
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        try:
            return _collect(_trimmed([excel_value(v) for v in row]) for row in rows)
        except (KeyError, ValueError, TypeError, SyntaxError) as exc:
            raise _unreadable() from exc
    finally:
        workbook.close()


def _trimmed(cells: list[Cell]) -> list[Cell]:
    """Cells without the empty ones after the last filled one (a row read MAX_COLUMNS wide)."""
    end = len(cells)
    while end and cells[end - 1] == "":
        end -= 1
    return cells[:end]
