"""The public pages of geographical indications and marks, for a shopper, a trader or an inspector asking who may
sell under a name and whether that right is in force today: the lists `/gis` and `/marks`, and each GI's or mark's
page with its registration, its area or members, and every right of use with its status in words. Vietnamese by
default, English on request; no login, no JavaScript, no external assets.

They extend the consumer page's base template and write facts through `registry.words.Writer` (names, not ids;
days as people write them; places by name; units in words); a right's status reads as on the producer page.
"""

from typing import Any

from api.gis import AreaLine, SubjectFacts, SubjectLine
from api.pages.producer import TEXT as PRODUCER_TEXT
from api.pages.producer import environment, status
from api.pages.resolver_pages import Refusal, render_refusal
from api.pages.words import TEXT as VERDICT_TEXT
from registry.places import name_en, version_day
from registry.words import Writer, alphabetical

FOLD = 20
"""Communes or members shown before the rest are folded under a count: a phone's screen or two."""

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "switch": "English", "nav": "Chỉ dẫn địa lý và nhãn hiệu",
        "gis": "Chỉ dẫn địa lý", "marks": "Nhãn hiệu tập thể và nhãn hiệu chứng nhận",
        "tab_gis": "Chỉ dẫn địa lý", "tab_marks": "Nhãn hiệu",
        "gis_intro": "Các chỉ dẫn địa lý trong sổ đăng ký, cơ quan quản lý và số tổ chức đang được phép sử dụng.",
        "marks_intro": "Các nhãn hiệu tập thể và nhãn hiệu chứng nhận trong sổ đăng ký, chủ sở hữu và số tổ chức "
                       "đang được phép sử dụng.",
        "none_listed": "Sổ đăng ký chưa có mục nào.",
        "product": "Sản phẩm", "goods": "Hàng hóa", "area": "Khu vực địa lý", "manager": "Cơ quan quản lý",
        "owner": "Chủ sở hữu", "registered_by": "Cơ quan đăng ký", "certificate": "Văn bằng",
        "certificate_number": "Số {number}", "granted_on": ", cấp ngày {day}",
        "state": "Tình trạng", "protected": "Đang được bảo hộ", "cancelled": "Đã chấm dứt hiệu lực từ ngày {day}",
        "mark_valid": "Có hiệu lực từ ngày {start} đến ngày {until}", "mark_expired": "Đã hết hiệu lực từ ngày {until}",
        "in_force": "{count} tổ chức đang được phép sử dụng",
        "none_in_force": "Chưa có tổ chức nào đang được phép sử dụng",
        "communes": "{count} đơn vị hành chính cấp xã", "of": "{communes} của {provinces}",
        "list_day": "Theo danh mục đơn vị hành chính ngày {days}.", "and": "và",
        "more_communes": "Xem thêm {count} đơn vị hành chính cấp xã", "more_members": "Xem thêm {count} thành viên",
        "users": "Tổ chức được phép sử dụng", "no_users": "Chưa có tổ chức nào được cấp quyền sử dụng.",
        "members": "Thành viên", "members_note": "Thành viên của chủ sở hữu nhãn hiệu.",
        "left_out": "Trang này chỉ liệt kê {shown} mục đầu tiên; còn {count} mục khác trong dữ liệu JSON.",
        "used": "Đã dùng: {used}",
        "json": "Danh sách này trong sổ đăng ký (dạng JSON)",
        "unknown_gi": "Không tìm thấy chỉ dẫn địa lý",
        "unknown_gi_note": "Không có chỉ dẫn địa lý nào như vậy trong sổ đăng ký. Hãy kiểm tra lại đường dẫn.",
        "unknown_mark": "Không tìm thấy nhãn hiệu",
        "unknown_mark_note": "Không có nhãn hiệu nào như vậy trong sổ đăng ký. Hãy kiểm tra lại đường dẫn.",
    },
    "en": {
        "switch": "Tiếng Việt", "nav": "Geographical indications and marks",
        "gis": "Geographical indications", "marks": "Collective and certification marks",
        "tab_gis": "Geographical indications", "tab_marks": "Marks",
        "gis_intro": "The geographical indications in the registry, who manages each and how many may use it now.",
        "marks_intro": "The collective and certification marks in the registry, who owns each and how many may use "
                       "it now.",
        "none_listed": "The registry has none yet.",
        "product": "Product", "goods": "Goods", "area": "Geographical area", "manager": "Managed by",
        "owner": "Owner", "registered_by": "Registered by", "certificate": "Certificate",
        "certificate_number": "No. {number}", "granted_on": ", granted on {day}",
        "state": "Status", "protected": "Protected", "cancelled": "Cancelled from {day}",
        "mark_valid": "In force from {start} until {until}", "mark_expired": "Expired on {until}",
        "in_force": "{count} may use it now", "none_in_force": "No one may use it now",
        "communes": "{count} communes and wards", "of": "{communes} in {provinces}",
        "list_day": "As in the administrative list of {days}.", "and": "and",
        "more_communes": "{count} more communes and wards", "more_members": "{count} more members",
        "users": "Who may use it", "no_users": "No right of use has been granted yet.",
        "members": "Members", "members_note": "Members of the mark's owner.",
        "left_out": "This page lists the first {shown} only; {count} more are in the JSON data.",
        "used": "Used: {used}",
        "json": "This list in the registry (JSON)",
        "unknown_gi": "Geographical indication not found",
        "unknown_gi_note": "No such geographical indication is in the registry. Check the address.",
        "unknown_mark": "Mark not found",
        "unknown_mark_note": "No such mark is in the registry. Check the address.",
    },
}


def _joined(parts: list[str], conjunction: str) -> str:
    return ", ".join(parts) if len(parts) < 2 else f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


def area_words(area: tuple[AreaLine, ...], w: Writer) -> str:
    """A GI's area in a line: up to three communes by name, or how many there are and in which provinces."""
    if len(area) <= 3:
        return "; ".join(w.place(a.commune) for a in area)
    provinces = list(dict.fromkeys(a.commune.province_name for a in area if a.commune.province_name))
    named = provinces if w.lang == "vi" else [name_en(p) for p in provinces]
    text = TEXT[w.lang]
    communes = text["communes"].format(count=w.quantity(str(len(area)), None))
    return text["of"].format(communes=communes, provinces=_joined(named, text["and"])) if named else communes


def list_days(area: tuple[AreaLine, ...], w: Writer) -> str:
    """The days of the administrative lists the area's communes are named by."""
    days = sorted({version_day(a.commune.version) for a in area})
    return _joined([w.day(d) for d in days], TEXT[w.lang]["and"])


def standing(facts: SubjectFacts | SubjectLine, w: Writer, today: str) -> tuple[bool, str]:
    """Whether the GI or mark itself is in force, and its status in words."""
    text = TEXT[w.lang]
    if facts.cancelled_on is not None:
        return False, text["cancelled"].format(day=w.day(facts.cancelled_on))
    if isinstance(facts, SubjectFacts) and facts.valid_until is not None:
        if facts.valid_until < today:
            return False, text["mark_expired"].format(until=w.day(facts.valid_until))
        return True, text["mark_valid"].format(start=w.day(facts.valid_from), until=w.day(facts.valid_until))
    return True, text["protected"]


def _context(lang: str, **more: Any) -> dict[str, Any]:
    w = Writer(lang, {})
    return {"lang": lang, "other_lang": "en" if lang == "vi" else "vi", "t": TEXT[lang], "p": PRODUCER_TEXT[lang],
            "v": VERDICT_TEXT[lang], "w": w, "status": status, "area_words": area_words, "fold": FOLD, **more}


def render_list(kind: str, lines: tuple[SubjectLine, ...], lang: str, json_url: str) -> str:
    """The list of GIs (`kind` "gis") or of marks ("marks"), in `lang`; `json_url` is the JSON API's list."""
    w = Writer(lang, {})
    ordered = sorted(lines, key=lambda s: alphabetical(w.names(s.names)))
    return environment().get_template("gis.html").render(
        **_context(lang, kind=kind, lines=ordered, json_url=json_url))


def render_subject(facts: SubjectFacts, lang: str, json_url: str, today: str) -> str:
    """The page of the GI or mark `facts` describes, as of `today` (ISO), in `lang`; `json_url` is its users' JSON."""
    w = Writer(lang, {})
    users = sorted(facts.users, key=lambda u: (u.right.status != "active", alphabetical(w.names(u.names))))
    members = sorted(facts.members, key=lambda m: alphabetical(w.names(m.names)))
    in_force, said = standing(facts, w, today)
    return environment().get_template("gi.html").render(**_context(
        lang, facts=facts, users=users, members=members, json_url=json_url, in_force=in_force, standing=said,
        list_days=list_days(facts.area, w)))


def render_unknown(kind: str, lang: str, footer: str) -> str:
    """The 404 page of a GI (`kind` "gi") or mark ("mark") id no one registered, in the resolver's refusal page."""
    text = TEXT[lang]
    return render_refusal(Refusal(f"unknown-{kind}", text[f"unknown_{kind}"], text[f"unknown_{kind}_note"]), lang,
                          footer)
