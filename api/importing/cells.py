"""One cell of an imported sheet read as the registry writes its value, or a CellError saying why not in both
languages.

A cell arrives as text (CSV, or an xlsx cell typed as text) or as what Excel typed it: a number or a date.
Surrounding whitespace is trimmed; digits are ASCII digits only (registry.values says why).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from api.digital_link import DigitalLinkError, normalise_gtin
from registry.values import (
    UNITS,
    check_lot,
    check_positive_quantity,
    gtin_check_digit,
    vietnam_gtin_refusal,
)

Cell = str | date
"""A cell as the readers give it: trimmed text, or a date Excel typed as one (datetime cells as their date)."""

_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_COMMUNE = re.compile(r"[0-9]{1,5}")
_SCIENTIFIC = re.compile(r"[0-9]+([.,][0-9]+)?[Ee]\+[0-9]+")
"""How Excel shows a long number in a General cell, and so writes it to CSV: 8.93457E+12."""
_OBJECT_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_SUBJECTS = {"gi": "chỉ dẫn địa lý", "mark": "nhãn hiệu"}
MAX_CLAIMS = 10
MAX_INPUTS = 100


@dataclass(frozen=True)
class CellError(Exception):
    """Why a cell's value cannot be read: a stable code and the reason in English and Vietnamese."""

    code: str
    en: str
    vi: str


def text(cell: Cell, what_en: str, what_vi: str) -> str:
    """The cell as text; CellError for a date where text was expected (Excel turns "1-2" into 1 February)."""
    if isinstance(cell, date):
        raise CellError("invalid-value", f"{what_en} holds a date ({cell:%d/%m/%Y}); format the column as text",
                        f"{what_vi} đang chứa một ngày ({cell:%d/%m/%Y}); hãy định dạng cột này là văn bản")
    return cell


def gtin(cell: Cell) -> str:
    """A GTIN-8, -12, -13 or -14 as the GTIN-14 of a product registered here (GS1 prefix 893)."""
    value = text(cell, "the GTIN", "mã GTIN")
    if _SCIENTIFIC.fullmatch(value):
        raise CellError("invalid-gtin", f"GTIN {value!r} is a barcode Excel rounded to its scientific notation; "
                        "format the column as text (or as a number with no decimals) and write the barcode again",
                        f"mã GTIN «{value}» đã bị Excel làm tròn thành dạng số mũ; hãy định dạng cột là văn bản "
                        "(hoặc số không có chữ số thập phân) rồi nhập lại mã vạch")
    try:
        gtin14 = normalise_gtin(value)
    except DigitalLinkError as exc:
        raise CellError("invalid-gtin", str(exc), _gtin_vi(value)) from exc
    refusal = vietnam_gtin_refusal(gtin14)
    if refusal is not None:
        raise CellError("invalid-gtin", *refusal)
    return gtin14


def _gtin_vi(value: str) -> str:
    if not (value.isascii() and value.isdigit()):
        return f"mã GTIN «{value}» chỉ được viết bằng chữ số 0–9 (8, 12, 13 hoặc 14 chữ số)"
    if len(value) not in (8, 12, 13, 14):
        return f"mã GTIN {value} có {len(value)} chữ số; mã GTIN phải có 8, 12, 13 hoặc 14 chữ số"
    return f"mã GTIN {value} có số kiểm tra {value[-1]}; số kiểm tra đúng theo GS1 là {gtin_check_digit(value[:-1])}"


def lot(cell: Cell) -> str:
    value = text(cell, "the lot", "số lô")
    try:
        return check_lot(value)
    except ValueError as exc:
        raise CellError("invalid-lot", str(exc), f"số lô «{value}» phải có từ 1 đến 20 ký tự trong bộ ký tự GS1 "
                        "(chữ cái không dấu, chữ số và một số dấu như - . /), không có dấu cách") from exc


def quantity(cell: Cell) -> str:
    """A quantity greater than zero, with a decimal point or a decimal comma ("12,5"), no digit grouping."""
    value = text(cell, "the quantity", "số lượng")
    written = value.replace(",", ".") if "." not in value else value
    try:
        return check_positive_quantity(written)
    except ValueError as exc:
        raise CellError("invalid-quantity", f"quantity {value!r} must be a number greater than zero like 2500, "
                        "12.5 or 12,5 (up to 6 decimals, no digit grouping)",
                        f"số lượng «{value}» phải là số lớn hơn 0, ví dụ 2500, 12,5 hoặc 12.5 (tối đa 6 chữ số "
                        "thập phân, không dùng dấu phân cách hàng nghìn)") from exc


def unit(cell: Cell) -> str:
    value = text(cell, "the unit", "đơn vị")
    if value not in UNITS:
        codes = ", ".join(sorted(UNITS))
        raise CellError("invalid-unit", f"unit {value!r} is not one of the UN/ECE codes {codes}",
                        f"đơn vị «{value}» không phải mã UN/ECE được dùng ở đây ({codes})")
    return value


def day(cell: Cell, what_en: str = "the production date", what_vi: str = "ngày sản xuất") -> str:
    """A date written dd/mm/yyyy or yyyy-mm-dd, or a cell Excel typed as a date, as yyyy-mm-dd."""
    if isinstance(cell, date):
        return cell.isoformat()
    if match := _DMY.fullmatch(cell):
        numbers = (match[3], match[2], match[1])
    elif match := _ISO.fullmatch(cell):
        numbers = (match[1], match[2], match[3])
    else:
        raise CellError("invalid-date", f"{what_en} {cell!r} must be written dd/mm/yyyy (or yyyy-mm-dd)",
                        f"{what_vi} «{cell}» phải viết theo dạng ngày/tháng/năm, ví dụ 20/08/2026")
    year, month, day_ = (int(n) for n in numbers)  # ASCII digits only: the patterns say [0-9]
    try:
        return date(year, month, day_).isoformat()
    except ValueError as exc:
        raise CellError("invalid-date", f"{what_en} {cell} is not a real date",
                        f"{what_vi} {cell} không phải một ngày có thật") from exc


def commune(cell: Cell) -> str:
    """A commune code of the national list, five digits; Excel drops leading zeros of a number, they come back."""
    value = text(cell, "the commune code", "mã xã")
    if not _COMMUNE.fullmatch(value):
        raise CellError("invalid-commune-code", f"commune code {value!r} must be the 5-digit code of the national "
                        "list, like 00577", f"mã xã «{value}» phải là mã 5 chữ số trong danh mục đơn vị hành chính, "
                        "ví dụ 00577")
    return value.zfill(5)


def list_version(cell: Cell) -> str:
    """The date of the administrative list a commune code is from: a date, or yyyy-mm for the first of a month."""
    if isinstance(cell, str) and _MONTH.fullmatch(cell):
        return cell
    return day(cell, "the administrative list's date", "ngày của danh mục đơn vị hành chính")


def claims(cell: Cell) -> list[dict[str, str]]:
    """`gi:ID` or `mark:ID` separated by `|`; empty for none."""
    value = text(cell, "the claims", "cột chỉ dẫn địa lý và nhãn hiệu")
    found = []
    for item in (part.strip() for part in value.split("|") if part.strip()):
        kind, _, subject = (p.strip() for p in item.partition(":"))
        if kind not in _SUBJECTS or not _OBJECT_ID.fullmatch(subject):
            raise CellError("invalid-claims", f"claim {item!r} must be written gi:ID or mark:ID (an id of lowercase "
                            "letters, digits and hyphens); several are separated by |",
                            f"«{item}» phải viết dạng gi:MÃ (chỉ dẫn địa lý) hoặc mark:MÃ (nhãn hiệu), mã gồm chữ "
                            "thường không dấu, chữ số và dấu gạch ngang; nhiều mục cách nhau bằng dấu |")
        found.append({"type": kind, "id": subject})
    if len(found) > MAX_CLAIMS:
        raise CellError("invalid-claims", f"a batch claims at most {MAX_CLAIMS} GIs and marks, not {len(found)}",
                        f"một lô hàng khai tối đa {MAX_CLAIMS} chỉ dẫn địa lý và nhãn hiệu, không phải {len(found)}")
    return found


def inputs(cell: Cell) -> list[dict[str, str]]:
    """`GTIN/LOT=QUANTITY` separated by `|`; empty for none. GTINs of any length, quantities as `quantity` reads."""
    value = text(cell, "the inputs", "cột lô đầu vào")
    found = []
    for item in (part.strip() for part in value.split("|") if part.strip()):
        reference, _, amount = item.partition("=")
        code, _, lot_ = (p.strip() for p in reference.partition("/"))
        if not (code and lot_ and amount.strip()):
            raise CellError("invalid-inputs", f"input {item!r} must be written GTIN/LOT=QUANTITY; several are "
                            "separated by |", f"lô đầu vào «{item}» phải viết dạng GTIN/SỐ LÔ=SỐ LƯỢNG; nhiều lô cách "
                            "nhau bằng dấu |")
        try:
            found.append({"gtin": normalise_gtin(code), "lot": lot(lot_), "quantity": quantity(amount.strip())})
        except DigitalLinkError as exc:
            raise CellError("invalid-inputs", f"input {item!r}: {exc}", f"lô đầu vào «{item}»: {_gtin_vi(code)}") \
                from exc
        except CellError as exc:
            raise CellError("invalid-inputs", f"input {item!r}: {exc.en}", f"lô đầu vào «{item}»: {exc.vi}") from exc
    if len(found) > MAX_INPUTS:
        raise CellError("invalid-inputs", f"a batch lists at most {MAX_INPUTS} input batches, not {len(found)}",
                        f"một lô hàng liệt kê tối đa {MAX_INPUTS} lô đầu vào, không phải {len(found)}")
    return found


def excel_value(value: object) -> Cell:
    """An xlsx cell's value as a Cell: numbers as Excel shows them in general format (12.5, 8934567890120),
    dates and date-times as their date, anything else (text, booleans, errors such as #N/A) as its text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: 12.5, not 12.4999999999999996447
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value).strip()
