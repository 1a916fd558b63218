"""The resolver's own pages for browsers, in Vietnamese (default) or English: the product level of a GTIN with
its recent batches (also what an unknown lot walks up to), and the pages of a refused code (a wrong check digit,
a path that is not a GS1 Digital Link, a link type not offered, a GTIN no product has).

Mobile-first, no external assets, no JavaScript; they extend the consumer page's base template.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from api.digital_link import CheckDigitError, CodeRequest, DigitalLinkError
from api.resolution import ProductFacts, walked_up
from api.settings import DEFAULT_REPORT_CONTACT, ReportContact
from registry.words import day

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "switch": "English", "product": "Sản phẩm", "gtin": "Mã GTIN", "producer": "Nhà sản xuất",
        "registered_product": "Sản phẩm đã được đăng ký",
        "batches": "Các lô gần đây", "no_batches": "Sản phẩm này chưa có lô hàng nào được đăng ký.",
        "lot": "Lô", "produced_on": "sản xuất ngày", "recalled": "đã bị thu hồi",
        "batch_not_found": "Không tìm thấy lô hàng", "code_asked": "Mã bạn quét",
        "product_page": "Xem trang của sản phẩm này",
        "links": "Danh sách liên kết của mã này (dạng JSON)",
        "check_digit": "Mã GTIN sai số kiểm tra",
        "check_digit_note": "Chữ số cuối cùng của mã GTIN là số kiểm tra, được tính từ các chữ số đứng trước. "
        "Ở mã này, số kiểm tra là {written}, nhưng phải là {expected}: mã đúng sẽ là {corrected}. Nếu bạn tự gõ "
        "mã, có thể đã gõ nhầm một chữ số; nếu mã in trên nhãn như vậy, hãy cẩn thận: nhãn có thể bị làm giả.",
        "malformed": "Đường dẫn không hợp lệ",
        "malformed_note": "Đường dẫn này không phải là mã GS1 Digital Link mà sổ đăng ký đọc được.",
        "expected": "Mã của một lô hàng có dạng /01/{GTIN}/10/{số lô}, của một sản phẩm có số sê-ri riêng có dạng "
        "/01/{GTIN}/10/{số lô}/21/{số sê-ri}.",
        "no_link": "Không có liên kết loại này",
        "no_link_note": "Mã này không có liên kết loại {asked}. Các loại liên kết hiện có:",
        "report": "Nếu bạn đã mua sản phẩm mang mã này, hãy giữ lại sản phẩm, nhãn và hóa đơn, và báo cho {contact}.",
        "unknown_product": "Không tìm thấy sản phẩm",
        "unknown_product_note": "Không có sản phẩm nào mang mã GTIN {gtin} trong sổ đăng ký. Hãy cẩn thận: sản "
        "phẩm có thể là hàng giả.",
    },
    "en": {
        "switch": "Tiếng Việt", "product": "Product", "gtin": "GTIN", "producer": "Producer",
        "registered_product": "A registered product",
        "batches": "Recent batches", "no_batches": "No batch of this product is registered yet.",
        "lot": "Lot", "produced_on": "produced on", "recalled": "recalled",
        "batch_not_found": "Batch not found", "code_asked": "The code you scanned",
        "product_page": "This product's page",
        "links": "This code's links (linkset, JSON)",
        "check_digit": "Wrong check digit in the GTIN",
        "check_digit_note": "The last digit of a GTIN is a check digit computed from the digits before it. This "
        "code's check digit is {written} but should be {expected}: the right code would be {corrected}. If you "
        "typed the code, a digit may have been mistyped; if the label prints it this way, be careful: the label "
        "may be counterfeit.",
        "malformed": "Not a valid GS1 Digital Link",
        "malformed_note": "This address is not a GS1 Digital Link the registry can read.",
        "expected": "A batch's code reads /01/{GTIN}/10/{lot}, an item with its own serial number's "
        "/01/{GTIN}/10/{lot}/21/{serial}.",
        "no_link": "No link of this type",
        "no_link_note": "This code has no link of type {asked}. The link types it has:",
        "report": "If you bought a product bearing this code, keep it, its label and the receipt, and report it to "
        "{contact}.",
        "unknown_product": "Product not found",
        "unknown_product_note": "No product with GTIN {gtin} is registered. Be careful: the product may be "
        "counterfeit.",
    },
}


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("api.pages", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)


def _render(template: str, language: str, footer: str, **context: Any) -> str:
    return _environment().get_template(template).render(
        lang=language, t=TEXT[language], other_lang="en" if language == "vi" else "vi", footer=footer,
        day=lambda iso: day(iso, language), **context)


def render_product(facts: ProductFacts, request: CodeRequest, language: str, linkset_url: str,
                   report: ReportContact = DEFAULT_REPORT_CONTACT) -> str:
    """The product level of a GTIN; when `request` names a lot or serial the registry does not know, the page
    says so first, in the colours of an unknown code, and whom to tell (a copied GTIN with a made-up lot is the
    counterfeiter's easiest label)."""
    why = walked_up(request)
    return _render("product.html", language, f"(01){facts.gtin}", facts=facts, request=request,
                   why=None if why is None else why[0 if language == "en" else 1], linkset_url=linkset_url,
                   report=TEXT[language]["report"].format(contact=getattr(report, language)))


@dataclass(frozen=True)
class Refusal:
    """A code the resolver refuses, for its page: `kind` is `check-digit`, `malformed`, `no-link` or
    `unknown-product`, `detail` the reason in the page's language."""

    kind: str
    title: str
    note: str
    detail: str = ""


def invalid_link(error: DigitalLinkError, language: str) -> Refusal:
    """The refusal of a path that is not a GS1 Digital Link (400)."""
    text = TEXT[language]
    detail = error.vi if language == "vi" else error.en
    if isinstance(error, CheckDigitError):
        note = text["check_digit_note"].format(written=error.gtin[-1], expected=error.expected,
                                               corrected=error.corrected)
        return Refusal("check-digit", text["check_digit"], note, detail)
    return Refusal("malformed", text["malformed"], text["malformed_note"], f"{detail}. {text['expected']}")


def render_refusal(refusal: Refusal, language: str, footer: str, links: list[tuple[str, str]] | None = None,
                   report: ReportContact | None = None) -> str:
    """The page of a refused code; `links` lists what the code does offer (target and title), for a link type it
    does not; `report`, whom to tell about a code that may be counterfeit."""
    said = None if report is None else TEXT[language]["report"].format(contact=getattr(report, language))
    return _render("problem.html", language, footer, refusal=refusal, links=links or [], report=said)


def no_link(asked: str, language: str) -> Refusal:
    text = TEXT[language]
    return Refusal("no-link", text["no_link"], text["no_link_note"].format(asked=asked))


def unknown_product(gtin: str, language: str) -> Refusal:
    text = TEXT[language]
    return Refusal("unknown-product", text["unknown_product"], text["unknown_product_note"].format(gtin=gtin))
