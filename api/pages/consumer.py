"""The consumer page: the verdict of a scanned code in Vietnamese (default) or English, as plain HTML.

Mobile-first, no external assets, no JavaScript. Language: `?lang=vi|en`, else Accept-Language, else vi.
The templates read the typed verdict document (`registry.verdict.document.VerdictDocument`) by attribute.
"""

import dataclasses
from functools import cache
from typing import Any

from fastapi import Request
from jinja2 import Environment, PackageLoader, TemplateRuntimeError, Undefined, UndefinedError, select_autoescape
from jinja2.utils import missing

from api.digital_link import DigitalLink
from api.pages.passport import PASSPORT_TEXT
from registry.values import day_vi
from registry.verdict.document import VerdictDocument
from registry.verdict.facts import Names

LANGUAGES = ("vi", "en")

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "authentic": "Chính hãng", "warning": "Cảnh báo", "invalid": "Không hợp lệ", "unknown": "Không xác định",
        "authentic_note": "Mọi thông tin về lô hàng này đã được kiểm chứng trên sổ cái.",
        "warning_note": "Sản phẩm được đăng ký, nhưng có điều cần lưu ý:",
        "invalid_note": "Thông tin trên nhãn không khớp với sổ đăng ký:",
        "unknown_note": "Mã này không có trong sổ đăng ký.",
        "product": "Sản phẩm", "lot": "Lô", "serial": "Số sê-ri", "quantity": "Số lượng",
        "produced_on": "Ngày sản xuất",
        "producer": "Nhà sản xuất", "origin": "Xuất xứ", "commune": "Xã", "version": "theo danh mục",
        "inside_area": "nằm trong vùng", "outside_area": "nằm ngoài vùng", "claims": "Chỉ dẫn địa lý và nhãn hiệu",
        "gi": "Chỉ dẫn địa lý", "mark": "Nhãn hiệu", "certificate": "Văn bằng số", "manager": "Tổ chức quản lý",
        "owner": "Chủ sở hữu", "right": "Quyền sử dụng", "status_at_production": "Tình trạng vào ngày sản xuất",
        "valid": "còn hiệu lực", "suspended": "bị đình chỉ", "revoked": "bị thu hồi",
        "not-in-force": "không có hiệu lực", "cancelled": "đã bị hủy", "what_it_means": "Ý nghĩa",
        "certifications": "Chứng nhận", "pass": "đạt", "fail": "không đạt", "valid_until": "hiệu lực đến",
        "journey": "Hành trình", "made_from": "Được làm từ", "became": "Đã được dùng để làm",
        "produced": "Sản xuất", "recalled": "Thu hồi", "how_checked": "Cách kiểm chứng",
        "how_checked_note": "Mỗi thông tin trên trang này là một mục trong sổ cái chỉ-ghi-thêm. Mỗi mục có mã băm "
        "SHA-256 và bằng chứng Merkle (RFC 9162) dẫn tới điểm kiểm tra đã ký bên dưới. Bất kỳ ai cũng có thể tự "
        "kiểm chứng mà không cần tin máy chủ: tải tài liệu JSON, kiểm tra chữ ký điểm kiểm tra bằng khóa công khai "
        "của sổ cái và kiểm tra từng bằng chứng.",
        "checks": "Các bước kiểm tra", "entries": "Các mục được dựa vào", "entry": "Mục",
        "checkpoint": "Điểm kiểm tra đã ký", "json": "Tài liệu kiểm chứng (JSON)", "key": "Khóa công khai của sổ cái",
        "switch": "English", "not_found_title": "Không tìm thấy mã",
        "not_found_note": "Không có lô hàng nào với mã này trong sổ đăng ký. "
        "Hãy cẩn thận: sản phẩm có thể là hàng giả.",
        "stage": "công đoạn", "raw_material": "nguyên liệu", "processing": "chế biến", "finishing": "hoàn thiện",
        "issuer": "do", "from": "từ", "to": "đến", "corrections": "Đính chính",
        "status_at_registration": "Tình trạng vào ngày đăng ký lô", "no-right": "không có quyền sử dụng",
        "right_changes": "Quyết định về quyền sử dụng", "decided_on": "quyết định ngày",
        "effective_on": "áp dụng từ ngày", "reinstated": "được khôi phục",
        "history": "Lịch sử: các thông tin đã bị rút lại",
        "history_note": "Những tuyên bố dưới đây đã bị rút lại bằng một đính chính nên không còn hiệu lực và không "
        "ảnh hưởng tới kết quả kiểm tra; sổ cái vẫn lưu giữ chúng.",
        "said_on": "ghi ngày", "retracted_by": "bị rút lại bởi", "on": "ngày", "reason": "lý do",
        "withdrawn": "Việc đăng ký lô đã bị rút lại", "registered_on": "Ngày đăng ký",
        "licence": "Mã doanh nghiệp GS1", "licensed_by": "cấp bởi",
    },
    "en": {
        "authentic": "Authentic", "warning": "Warning", "invalid": "Not valid", "unknown": "Unknown",
        "authentic_note": "Everything recorded about this batch was checked against the ledger.",
        "warning_note": "This product is registered, but note:",
        "invalid_note": "What the label claims does not match the registry:",
        "unknown_note": "This code is not in the registry.",
        "product": "Product", "lot": "Lot", "serial": "Serial", "quantity": "Quantity", "produced_on": "Produced on",
        "producer": "Producer", "origin": "Origin", "commune": "Commune", "version": "as listed in",
        "inside_area": "inside the area of", "outside_area": "outside the area of",
        "claims": "Geographical indications and marks", "gi": "Geographical indication", "mark": "Mark",
        "certificate": "Certificate no.", "manager": "Managed by", "owner": "Owner", "right": "Right of use",
        "status_at_production": "Status on the production date", "valid": "valid", "suspended": "suspended",
        "revoked": "revoked", "not-in-force": "not in force", "cancelled": "cancelled",
        "what_it_means": "What it means",
        "certifications": "Certifications", "pass": "passed", "fail": "failed", "valid_until": "valid until",
        "journey": "Journey", "made_from": "Made from", "became": "Used to make", "produced": "Produced",
        "recalled": "Recalled", "how_checked": "How this was checked",
        "how_checked_note": "Every fact on this page is an entry in an append-only ledger. Each entry has a SHA-256 "
        "hash and a Merkle inclusion proof (RFC 9162) leading to the signed checkpoint below. Anyone can check this "
        "without trusting the server: download the JSON document, check the checkpoint's signature with the "
        "ledger's public key, and check every proof.",
        "checks": "Checks made", "entries": "Entries relied on", "entry": "Entry", "checkpoint": "Signed checkpoint",
        "json": "Verification document (JSON)", "key": "The ledger's public key", "switch": "Tiếng Việt",
        "not_found_title": "Code not found",
        "not_found_note": "No batch with this code is registered. Be careful: the product may be counterfeit.",
        "stage": "stage", "raw_material": "raw material", "processing": "processing", "finishing": "finishing",
        "issuer": "by", "from": "from", "to": "to", "corrections": "Corrections",
        "status_at_registration": "Status on the day the batch was registered", "no-right": "no right of use",
        "right_changes": "Decisions on the right of use", "decided_on": "decided on",
        "effective_on": "applies from", "reinstated": "reinstated",
        "history": "History: statements retracted",
        "history_note": "The statements below were retracted by a correction: they have no effect and do not count "
        "in the checks; the ledger keeps them.",
        "said_on": "recorded on", "retracted_by": "retracted by", "on": "on", "reason": "reason",
        "withdrawn": "The batch registration was retracted", "registered_on": "Registered on",
        "licence": "GS1 company prefix", "licensed_by": "licensed by",
    },
}

BIZ_STEPS: dict[str, tuple[str, str]] = {
    "shipping": ("Xuất hàng", "Shipped"), "receiving": ("Nhận hàng", "Received"),
    "inspecting": ("Kiểm tra", "Inspected"), "commissioning": ("Đưa vào sử dụng", "Commissioned"),
    "packing": ("Đóng gói", "Packed"), "storing": ("Lưu kho", "Stored"), "transporting": ("Vận chuyển", "Transported"),
    "retail_selling": ("Bán lẻ", "Sold at retail"), "accepting": ("Chấp nhận", "Accepted"),
    "arriving": ("Đến nơi", "Arrived"), "departing": ("Rời đi", "Departed"), "loading": ("Bốc hàng", "Loaded"),
    "unloading": ("Dỡ hàng", "Unloaded"), "sampling": ("Lấy mẫu", "Sampled"), "holding": ("Tạm giữ", "Held"),
    "destroying": ("Tiêu hủy", "Destroyed"), "repackaging": ("Đóng gói lại", "Repackaged"),
}


KINDS: dict[str, tuple[str, str]] = {
    "right.suspended.v1": ("Đình chỉ quyền sử dụng", "Suspension of the right of use"),
    "right.reinstated.v1": ("Khôi phục quyền sử dụng", "Reinstatement of the right of use"),
    "right.revoked.v1": ("Thu hồi quyền sử dụng", "Revocation of the right of use"),
    "batch.registered.v1": ("Đăng ký lô hàng", "Registration of a batch"),
    "batch.registered.v2": ("Đăng ký lô hàng", "Registration of a batch"),
    "batch.event.v1": ("Sự kiện của lô hàng", "An event of the batch"),
    "batch.recalled.v1": ("Thu hồi lô hàng", "Recall of the batch"),
    "serials.issued.v1": ("Cấp số sê-ri", "Issue of serial numbers"),
    "certification.issued.v1": ("Cấp chứng nhận", "A certification"),
    "certification.revoked.v1": ("Thu hồi chứng nhận", "Revocation of a certification"),
}


UNITS: dict[str, tuple[str, str]] = {
    "H87": ("cái", "pieces"), "C62": ("đơn vị", "units"), "KGM": ("kg", "kg"), "GRM": ("g", "g"),
    "TNE": ("tấn", "tonnes"), "LTR": ("lít", "litres"), "MLT": ("ml", "ml"), "MTR": ("m", "m"),
    "MTK": ("m²", "m²"), "XBX": ("hộp", "boxes"),
}


def wants_language(request: Request, lang: str | None) -> str:
    if lang in LANGUAGES:
        return lang
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "vi"


class _NoSuchField(Undefined):
    """What a template reads of a fact: an absent fact (None) reads as empty, as ever, but a field the fact's
    type does not have (a renamed or mistyped one) is an error, so a page cannot silently lose a line."""

    __slots__ = ()

    def __init__(self, hint: str | None = None, obj: Any = missing, name: str | None = None,
                 exc: type[TemplateRuntimeError] = UndefinedError) -> None:
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            raise UndefinedError(f"{type(obj).__name__} has no field {name!r}; it has "
                                 f"{', '.join(f.name for f in dataclasses.fields(obj))}")
        super().__init__(hint, obj, name, exc)


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("api.pages", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True, undefined=_NoSuchField)


def _step(name: str, lang: str) -> str:
    vi, en = BIZ_STEPS.get(name, (name.replace("_", " "), name.replace("_", " ").capitalize()))
    return vi if lang == "vi" else en


def _context(link: DigitalLink, document: VerdictDocument, lang: str) -> dict[str, Any]:
    verdict = document.verdict
    claim_names = {c.indication.id: c.indication.names for c in verdict.claims}
    organisations = {o.id: o.names for o in verdict.organisations if o.names is not None}

    def in_language(names: Names | None, fallback: str) -> str:
        return fallback if names is None else str(getattr(names, lang))

    return {"lang": lang, "t": TEXT[lang], "link": link, "doc": document, "verdict": verdict,
            "failing": [r for r in verdict.reasons if not r.ok],
            "other_lang": "en" if lang == "vi" else "vi", "step": lambda name: _step(name, lang),
            "name": lambda org_id: in_language(organisations.get(org_id), org_id),
            "kind": lambda kind: KINDS.get(kind, (kind, kind))[0 if lang == "vi" else 1],
            "unit": lambda code: UNITS.get(code, (code, code))[0 if lang == "vi" else 1],
            "claim_name": lambda claim_id: in_language(claim_names.get(claim_id), claim_id),
            "short": lambda digest: f"{digest.hex()[:12]}…",
            "passport": PASSPORT_TEXT[lang], "written_day": day_vi}


def render_verdict(link: DigitalLink, document: VerdictDocument, lang: str, base_url: str) -> str:
    context = _context(link, document, lang)
    context["json_url"] = link.uri(base_url)
    context["base_url"] = base_url
    return _environment().get_template("verdict.html").render(**context)


def render_not_found(link: DigitalLink, document: VerdictDocument, lang: str) -> str:
    return _environment().get_template("not_found.html").render(**_context(link, document, lang))
