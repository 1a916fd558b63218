"""Templates of a batch import, as a producer opens them in Excel: the Vietnamese headers and one example row.

The CSV is UTF-8 with a byte-order mark and semicolons, which Excel set up for Viet Nam (decimal comma) opens
into columns; the xlsx types its cells as Excel would (a date, a number, codes as text so that leading zeros
stay) and explains every column on a second sheet.
"""

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from api.importing.rows import COLUMNS

EXAMPLE_GTIN = "8939901000012"
"""A GTIN-13 under a Vietnamese company prefix (GS1 prefix 893), as printed under a barcode."""

HELP = {
    "gtin": ("Mã vạch của sản phẩm đã đăng ký: GTIN-8, 12, 13 hoặc 14 chữ số", "GTIN-8, -12, -13 or -14"),
    "lot": ("Số lô, tối đa 20 ký tự không dấu, không có dấu cách", "lot, GS1 AI 10: up to 20 characters"),
    "quantity": ("Số lượng của lô, ví dụ 12,5 hoặc 12.5", "quantity, decimal comma or point"),
    "unit": ("Mã đơn vị UN/ECE: KGM (kilôgam), GRM (gam), TNE (tấn), LTR (lít), MLT (mililít), H87 (cái), "
             "C62 (đơn vị), MTR (mét), MTK (mét vuông); hàng đóng gói: XBO (chai), XJR (hũ), XBG (túi), XPA (gói), "
             "XCX (lon), XBX (hộp), XSA (bao), XCT (thùng)",
             "UN/ECE unit code; packages: XBO bottle, XJR jar, XBG bag, XPA packet, XCX can, XBX box, XSA sack, "
             "XCT carton"),
    "produced_on": ("Ngày sản xuất, dạng ngày/tháng/năm", "production date, dd/mm/yyyy or yyyy-mm-dd"),
    "origin_code": ("Mã xã nơi sản xuất (5 chữ số) trong danh mục đơn vị hành chính", "commune code, 5 digits"),
    "origin_version": ("Ngày áp dụng của danh mục có mã xã đó: 2025-07-01 cho danh mục sau sáp nhập",
                       "date of the administrative list the commune code is from"),
    "claims": ("Chỉ dẫn địa lý (gi:MÃ) hoặc nhãn hiệu (mark:MÃ) lô hàng được dùng; nhiều mục cách nhau bằng |; "
               "để trống nếu không có", "gi:ID or mark:ID, separated by |; may be empty"),
    "inputs": ("Các lô đầu vào đã dùng, dạng GTIN/SỐ LÔ=SỐ LƯỢNG, cách nhau bằng |; để trống nếu không có",
               "GTIN/LOT=QUANTITY, separated by |; may be empty"),
}


def _example(today: date) -> dict[str, str]:
    return {"gtin": EXAMPLE_GTIN, "lot": f"LO-{today:%Y%m%d}-01", "quantity": "12,5", "unit": "KGM",
            "produced_on": f"{today:%d/%m/%Y}", "origin_code": "00577", "origin_version": "2025-07-01",
            "claims": "", "inputs": ""}


def template_csv(today: date) -> bytes:
    """The CSV template: UTF-8 with a byte-order mark, semicolons, the Vietnamese headers, one example row."""
    example = _example(today)
    lines = [";".join(c.vi for c in COLUMNS), ";".join(example[c.key] for c in COLUMNS)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def template_xlsx(today: date) -> bytes:
    """The xlsx template: the Vietnamese headers and one example row typed as Excel types them, and a sheet
    explaining each column."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101  (a new workbook has its one sheet active)
    sheet.title = "Lô hàng"
    example = _example(today)
    sheet.append([c.vi for c in COLUMNS])
    sheet.append([today if c.key == "produced_on" else 12.5 if c.key == "quantity" else example[c.key]
                  for c in COLUMNS])
    for number, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(number)
        header = sheet.cell(row=1, column=number)
        header.font = Font(bold=True)
        value = sheet.cell(row=2, column=number)
        value.number_format = {"produced_on": "DD/MM/YYYY", "quantity": "General"}.get(column.key, "@")
        sheet.column_dimensions[letter].width = max(14, len(column.vi) + 4)
        sheet.column_dimensions[letter].number_format = value.number_format
    guide = workbook.create_sheet("Hướng dẫn")
    guide.append(["Cột", "Tên tiếng Anh", "Cách ghi", "English"])
    for column in COLUMNS:
        guide.append([column.vi, column.key, *HELP[column.key]])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (28, 16, 90, 50), strict=True):
        guide.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
