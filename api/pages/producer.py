"""The public page of an organisation in the registry, for a shopper or an inspector on a phone: who it is and
where, its products, its rights to use GIs and marks with their status in words, its certifications and its
latest batches. Vietnamese by default, English on request; no login, no JavaScript, no external assets.

It extends the consumer page's base template and writes facts through the consumer page's `Writer` (names, not
ids; days as people write them; places by name; units in words). A code has its own pages; an organisation no one
registered gets the resolver's refusal page.
"""

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from api.pages.passport import PASSPORT_TEXT
from api.pages.resolver_pages import Refusal, render_refusal
from api.pages.words import TEXT as VERDICT_TEXT
from api.producers import ProducerFacts, RightLine
from registry.words import Writer

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "switch": "English", "roles": "Vai trò trong sổ đăng ký", "address": "Địa chỉ",
        "products": "Sản phẩm", "no_products": "Chưa có sản phẩm nào được đăng ký.", "gtin": "Mã GTIN",
        "rights": "Quyền sử dụng chỉ dẫn địa lý và nhãn hiệu",
        "active": "đang có hiệu lực", "suspended": "tạm đình chỉ từ ngày {since}",
        "revoked": "đã thu hồi từ ngày {since}", "expired": "đã hết hạn từ ngày {until}",
        "granted": "Do {who} cấp, có hiệu lực từ ngày {start}", "granted_until": " đến ngày {until}",
        "quota": "Sản lượng được phép: {quota}", "decision": "Theo quyết định của {who}: {reason}",
        "certifications": "Chứng nhận",
        "certified": "do {who} chứng nhận, có hiệu lực từ ngày {start} đến ngày {until}",
        "revoked_cert": "đã bị thu hồi", "of_product": "cho sản phẩm {product}",
        "batches": "Các lô gần đây", "no_batches": "Chưa có lô hàng nào được đăng ký.", "lot": "Lô",
        "produced_on": "sản xuất ngày {day}", "recalled": "đã bị thu hồi",
        "json": "Dữ liệu của tổ chức này trong sổ đăng ký (dạng JSON)",
        "unknown_organisation": "Không tìm thấy tổ chức",
        "unknown_organisation_note": "Không có tổ chức nào như vậy trong sổ đăng ký. Hãy kiểm tra lại đường dẫn.",
        "someone": "một tổ chức không có trong sổ đăng ký", "unknown_subject": "không có trong sổ đăng ký",
    },
    "en": {
        "switch": "Tiếng Việt", "roles": "Role in the registry", "address": "Address",
        "products": "Products", "no_products": "No product is registered yet.", "gtin": "GTIN",
        "rights": "Rights to use geographical indications and marks",
        "active": "in force", "suspended": "suspended from {since}", "revoked": "revoked from {since}",
        "expired": "expired on {until}",
        "granted": "Granted by {who}, in force from {start}", "granted_until": " until {until}",
        "quota": "Quantity allowed: {quota}", "decision": "By decision of {who}: {reason}",
        "certifications": "Certifications", "certified": "certified by {who}, valid from {start} until {until}",
        "revoked_cert": "revoked", "of_product": "for {product}",
        "batches": "Latest batches", "no_batches": "No batch is registered yet.", "lot": "Lot",
        "produced_on": "produced on {day}", "recalled": "recalled",
        "json": "This organisation's data in the registry (JSON)",
        "unknown_organisation": "Organisation not found",
        "unknown_organisation_note": "No such organisation is in the registry. Check the address.",
        "someone": "an organisation not in the registry", "unknown_subject": "not in the registry",
    },
}

ROLES: dict[str, tuple[str, str]] = {
    "producer": ("Nhà sản xuất", "Producer"),
    "association": ("Hội quản lý nhãn hiệu tập thể", "Association managing a collective mark"),
    "authority": ("Cơ quan quản lý nhà nước", "Government authority"),
    "certifier": ("Tổ chức chứng nhận", "Certification body"),
    "inspector": ("Cơ quan kiểm tra, quản lý thị trường", "Market inspector"),
    "witness": ("Nhân chứng độc lập của sổ cái", "Independent witness of the ledger"),
    "numbering_agency": ("Tổ chức cấp mã số mã vạch", "Barcode numbering agency"),
}
"""Every role the registry gives (`registry.schemas.common.Role`), in words."""


@cache
def environment() -> Environment:
    """The pages' templates, shared with the GI and mark pages (`api.pages.gis`)."""
    return Environment(loader=PackageLoader("api.pages", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)


def status(right: RightLine, w: Writer) -> str:
    """A right's status now, in words, with the day it took effect."""
    text = TEXT[w.lang][right.status]
    return text.format(since=w.day(right.since), until=w.day(right.valid_until))


def render_producer(facts: ProducerFacts, lang: str, json_url: str) -> str:
    """The page of the organisation `facts` describes, in `lang`; `json_url` is its data as JSON."""
    w = Writer(lang, {})
    i = 0 if lang == "vi" else 1
    context: dict[str, Any] = {
        "lang": lang, "other_lang": "en" if lang == "vi" else "vi", "t": TEXT[lang], "v": VERDICT_TEXT[lang],
        "passport": PASSPORT_TEXT[lang], "facts": facts, "w": w, "json_url": json_url, "status": status,
        "roles": [ROLES[r][i] if r in ROLES else r for r in facts.roles],
        "named": lambda names: TEXT[lang]["someone"] if names is None else w.names(names)}
    return environment().get_template("producer.html").render(**context)


def unknown_organisation(lang: str) -> Refusal:
    text = TEXT[lang]
    return Refusal("unknown-organisation", text["unknown_organisation"], text["unknown_organisation_note"])


def render_unknown(lang: str, footer: str) -> str:
    """The 404 page of an organisation id no one registered, in the resolver's refusal page."""
    return render_refusal(unknown_organisation(lang), lang, footer)
