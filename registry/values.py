r"""Value rules shared by the statement schemas: GTINs, lots, quantities, units, dates, codes.

Each validator raises a BilingualValueError whose text gives value and expectation in English and
Vietnamese; pydantic turns it into a validation error and the registry into an `invalid-body` refusal.

Digits are ASCII digits everywhere: `\d` in Python's `re` and in pydantic's patterns, `str.isdigit()` and
`int()` all accept other scripts' digits (full-width "２０２６" among them), which the registry must refuse.
"""

import re
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from registry.validation import BilingualValueError

_GS1_AI82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
_QUANTITY = re.compile(r"(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?")

VIETNAM_GS1_PREFIX = "893"

# UN/ECE Recommendation 20 codes the registry accepts for quantities. Packages are counted with Rec 20's X codes:
# "X" and the Recommendation 21 package code (XBO is Rec 21's BO, "Bottle, non-protected, cylindrical").
UNITS = {
    "H87": "piece",
    "C62": "one (unit)",
    "KGM": "kilogram",
    "GRM": "gram",
    "TNE": "tonne",
    "LTR": "litre",
    "MLT": "millilitre",
    "MTR": "metre",
    "MTK": "square metre",
    "XBX": "box",
    "XBO": "bottle",
    "XJR": "jar",
    "XBG": "bag",
    "XPA": "packet",
    "XCX": "can",
    "XSA": "sack",
    "XCT": "carton",
}


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for the digits before it (weights 3,1,3,… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def check_gtin14(value: str) -> str:
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        raise BilingualValueError(f"GTIN {value!r} must be 14 digits (GTIN-14)",
                                  f"GTIN {value!r} phải gồm đúng 14 chữ số (GTIN-14)")
    want = gtin_check_digit(value[:13])
    if int(value[13]) != want:
        raise BilingualValueError(f"GTIN {value} has check digit {value[13]}; the GS1 check digit is {want}",
                                  f"GTIN {value} có số kiểm tra {value[13]}; theo GS1, số kiểm tra đúng là {want}")
    return value


GTIN8_PADDING = "000000"
"""What a GTIN-8 is preceded by in its GTIN-14 form (GS1 General Specifications 3.3.2: leading zeros)."""


def gtin8_of(gtin14: str) -> str | None:
    """The GTIN-8 (EAN-8) a GTIN-14 writes, or None when it writes a longer GTIN."""
    return gtin14[6:] if gtin14.startswith(GTIN8_PADDING) else None


def vietnam_gtin_refusal(gtin14: str) -> tuple[str, str] | None:
    """Why a GTIN-14 (check digit already verified) is not one a producer in Viet Nam numbers, in English and
    Vietnamese; None when it is. A GTIN-13 or GTIN-14 carries GS1 Viet Nam's prefix 893 after its indicator digit;
    a GTIN-8 (GTIN-14 "000000" and 8 digits) carries it as its GS1-8 prefix, its own first three digits. A GTIN-12
    (UPC-A, GTIN-14 "00" and 12 digits not a GTIN-8) is GS1 US's numbering and is never Vietnamese."""
    short = gtin8_of(gtin14)
    if short is not None:
        if short.startswith(VIETNAM_GS1_PREFIX):
            return None
        return (f"GTIN {gtin14} is the GTIN-8 {short}, whose GS1-8 prefix is {short[:3]}; a GTIN-8 registered here "
                f"is issued by GS1 Viet Nam and starts with {VIETNAM_GS1_PREFIX}",
                f"GTIN {gtin14} là mã GTIN-8 {short}, mang tiền tố GS1-8 {short[:3]}; mã GTIN-8 đăng ký ở đây do "
                f"GS1 Việt Nam cấp và bắt đầu bằng {VIETNAM_GS1_PREFIX}")
    if gtin14.startswith("00"):
        upc = gtin14[2:]
        return (f"GTIN {gtin14} is the GTIN-12 (UPC-A) {upc}, numbered by GS1 US; products registered here carry "
                f"GS1 Viet Nam's prefix {VIETNAM_GS1_PREFIX} in a GTIN-8, -13 or -14",
                f"GTIN {gtin14} là mã GTIN-12 (UPC-A) {upc} do GS1 Hoa Kỳ cấp; sản phẩm đăng ký ở đây phải mang "
                f"tiền tố {VIETNAM_GS1_PREFIX} của GS1 Việt Nam trong mã GTIN-8, GTIN-13 hoặc GTIN-14")
    if gtin14[1:4] != VIETNAM_GS1_PREFIX:
        return (f"GTIN {gtin14} has GS1 prefix {gtin14[1:4]}; products registered here carry 893 (Viet Nam)",
                f"GTIN {gtin14} mang tiền tố GS1 {gtin14[1:4]}; sản phẩm đăng ký ở đây phải mang tiền tố 893 "
                "(Việt Nam)")
    return None


def numbered_under(gtin14: str, prefix: str) -> bool:
    """Whether a GS1 prefix licence for `prefix` numbers `gtin14`. A GTIN-13 or -14 falls under a company prefix
    its digits after the indicator digit start with; a GTIN-8 has no company prefix (GS1 Viet Nam assigns each
    GTIN-8 on its own), so only a licence whose prefix is exactly those 8 digits numbers it."""
    short = gtin8_of(gtin14)
    if short is not None:
        return short == prefix
    return gtin14[1:].startswith(prefix)


def check_vietnam_gtin(value: str) -> str:
    check_gtin14(value)
    refusal = vietnam_gtin_refusal(value)
    if refusal is not None:
        raise BilingualValueError(*refusal)
    return value


def check_lot(value: str) -> str:
    if not _GS1_AI82.fullmatch(value):
        bad = " " if " " in value else "".join(sorted({c for c in value if not _GS1_AI82.fullmatch(c)}))
        what = "a space" if bad == " " else f"characters {bad!r}" if bad else f"{len(value)} characters"
        co = "dấu cách" if bad == " " else f"các ký tự {bad!r}" if bad else f"{len(value)} ký tự"
        raise BilingualValueError(f"lot {value!r} has {what}; GS1 AI 10 allows 1–20 characters from the GS1 set",
                                  f"số lô {value!r} có {co}; theo GS1 (AI 10), số lô gồm 1 đến 20 ký tự "
                                  "trong bộ ký tự của GS1")
    return value


def check_quantity(value: str) -> str:
    if not _QUANTITY.fullmatch(value):
        raise BilingualValueError(
            f"quantity {value!r} must be a decimal string like 2500 or 12.5 (up to 6 decimals)",
            f"số lượng {value!r} phải viết dạng số như 2500 hoặc 12.5 (tối đa 6 chữ số sau dấu chấm)")
    return value


def check_positive_quantity(value: str) -> str:
    check_quantity(value)
    if Decimal(value) == 0:
        raise BilingualValueError(f"quantity {value!r} must be greater than zero",
                                  f"số lượng {value!r} phải lớn hơn 0")
    return value


def check_unit(value: str) -> str:
    if value not in UNITS:
        codes = ", ".join(sorted(UNITS))
        raise BilingualValueError(f"unit {value!r} is not one of the UN/ECE codes {codes}",
                                  f"đơn vị {value!r} không thuộc các mã đơn vị UN/ECE {codes}")
    return value


def check_date(value: str) -> str:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise BilingualValueError(f"date {value!r} must be written YYYY-MM-DD",
                                  f"ngày {value!r} phải viết theo dạng năm-tháng-ngày (YYYY-MM-DD)")
    try:
        date.fromisoformat(value)
    except ValueError as exc:
        raise BilingualValueError(f"date {value!r} is not a real date",
                                  f"ngày {value!r} không có trên lịch") from exc
    return value


def check_list_version(value: str) -> str:
    """An administrative list's date: a real day YYYY-MM-DD, or a month YYYY-MM standing for its first day."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}(-[0-9]{2})?", value):
        raise BilingualValueError(f"list version {value!r} must be written YYYY-MM-DD or YYYY-MM",
                                  f"ngày của danh mục {value!r} phải viết theo dạng năm-tháng-ngày (YYYY-MM-DD) "
                                  "hoặc năm-tháng (YYYY-MM)")
    try:
        date.fromisoformat(value if len(value) == 10 else f"{value}-01")
    except ValueError as exc:
        raise BilingualValueError(f"list version {value!r} is not a real date",
                                  f"ngày của danh mục {value!r} không có trên lịch") from exc
    return value


def check_text(value: str) -> str:
    if "\x00" in value:
        raise BilingualValueError(
            f"text {value[:40]!r} holds a NUL character (U+0000); registry text may hold any other",
            f"văn bản {value[:40]!r} chứa ký tự NUL (U+0000), ký tự duy nhất không được dùng")
    return value


def check_tax_code(value: str) -> str:
    if not re.fullmatch(r"[0-9]{10}(-[0-9]{3})?", value):
        raise ValueError(f"tax code {value!r} must be 10 digits, or for a branch 10 digits, a hyphen and 3 digits "
                         "(0101234567, 0101234567-001)")
    return value


def day_vi(day: str) -> str:
    """A day YYYY-MM-DD as Vietnamese text writes it: dd/mm/yyyy."""
    year, month, number = day.split("-")
    return f"{number}/{month}/{year}"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def day_en(day: str) -> str:
    """A day YYYY-MM-DD as English text writes it, unambiguously: 3 September 2026."""
    when = date.fromisoformat(day)
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}"


def decimal_text(value: Decimal) -> str:
    """A decimal as the registry writes quantities: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text


Gtin = Annotated[str, AfterValidator(check_vietnam_gtin)]
AnyGtin = Annotated[str, AfterValidator(check_gtin14)]
Lot = Annotated[str, AfterValidator(check_lot)]
Quantity = Annotated[str, AfterValidator(check_quantity)]
PositiveQuantity = Annotated[str, AfterValidator(check_positive_quantity)]
Unit = Annotated[str, AfterValidator(check_unit)]
Day = Annotated[str, AfterValidator(check_date)]
OrgId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
ObjectId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
# PostgreSQL text cannot hold NUL, so the projections could not store it.
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(check_text)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(check_text)]
GiCertificate = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
GiApplication = Annotated[str, StringConstraints(pattern=r"^6-[0-9]{4}-[0-9]{5}$")]
MarkCertificate = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,6}$")]
MarkApplication = Annotated[str, StringConstraints(pattern=r"^4-[0-9]{4}-[0-9]{5}$")]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
CommuneCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
"""Five digits, leading zeros written: the national code list numbers communes 00001 to 32248."""
ListVersion = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$"),
                        AfterValidator(check_list_version)]
ProvinceCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
TaxCode = Annotated[str, AfterValidator(check_tax_code)]
"""A Vietnamese tax code (mã số thuế): 10 ASCII digits, and for a branch or dependent unit a hyphen and 3 more."""
BusinessRegistration = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z][0-9A-Z./-]{0,29}$")]
"""A business or household-business registration number as its certificate prints it: ASCII capitals, digits and
. / - (an enterprise's number is its tax code; a household business's is issued by its district or commune)."""
StandardCode = Annotated[str, StringConstraints(pattern=r"^[A-ZĐ][A-ZĐa-z0-9 .:/()-]{1,78}[A-Za-z0-9)]$")]
"""A standard or technical regulation as it is cited: TCVN 5107:2018, QCVN 8-2:2011/BYT, TCCS 01:2026/ABC, ISO
22000:2018 (ASCII letters and digits, Đ for QCĐP, spaces and . : / ( ) -)."""
CompanyPrefix = Annotated[str, StringConstraints(pattern=r"^893[0-9]{3,9}$")]
"""A GS1 company prefix licensed by GS1 Viet Nam: 893 and 3 to 9 more digits (6 to 12 in all)."""
