"""The audit's report for people: what `nguon audit` checked, the figures, the checkpoint audited and the outcome
in plain words, in Vietnamese or English, as an HTML page or a PDF.

The same report is the public page /log/audit, where the server audits its own database (api.server_audit).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger.core.types import format_timestamp
from registry.words import moment

CHECKS = ("key", "entries", "chain", "tree", "checkpoints", "signatures", "replay", "consistency")
"""What an audit checks, in its order (registry.inspection)."""

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Báo cáo kiểm toán sổ cái", "switch": "English",
        "outcome": "Kết quả", "when": "Thời điểm kiểm toán", "source": "Nguồn dữ liệu kiểm toán",
        "clean": "Sổ cái toàn vẹn: mọi kiểm tra đều đạt.",
        "clean_note": "Không mục nào bị sửa, xóa, chèn hay đảo thứ tự; mọi chữ ký đều đúng và các quy tắc của sổ "
                      "đăng ký chấp nhận lại từng mục.",
        "tampered": "Sổ cái KHÔNG toàn vẹn: phát hiện sai lệch tại mục số {index}.",
        "fork": "Sổ cái KHÔNG nhất quán: nó không còn tiếp nối điểm kiểm tra đã thấy trước đây (sổ cái bị rẽ nhánh).",
        "key-changed": "CẢNH BÁO: sổ cái trình ra một khóa khác với khóa đã ghi nhận.",
        "unreadable": "Không đọc được sổ cái để kiểm toán.",
        "reason": "Điều phát hiện", "technical": "Thông báo của chương trình kiểm toán",
        "checked": "Những gì đã kiểm tra", "figures": "Số liệu", "checkpoint": "Điểm kiểm tra được kiểm toán",
        "passed": "đạt", "failed": "không đạt", "not_reached": "chưa kiểm tra (dừng ở lỗi trước)",
        "check_key": "Khóa của sổ cái đúng là khóa đã ghi nhận",
        "check_entries": "Từng mục đọc được và đúng mã băm đã lưu",
        "check_chain": "Chuỗi liên kết: mỗi mục trỏ đến mục trước nó",
        "check_tree": "Cây Merkle tính lại khớp với cây đã lưu",
        "check_checkpoints": "Mọi điểm kiểm tra đều được ký bằng khóa của sổ cái và khớp với các mục",
        "check_signatures": "Chữ ký của từng tuyên bố, theo các khóa mà chính sổ cái đăng ký và thu hồi",
        "check_replay": "Chạy lại mọi quy tắc của sổ đăng ký từ đầu trên một cơ sở dữ liệu mới",
        "check_consistency": "Sổ cái tiếp nối điểm kiểm tra đã thấy lần trước",
        "no_previous": "chưa so được: đây là lần kiểm toán đầu tiên",
        "note": "Văn bản đã ký của điểm kiểm tra",
        "entries": "Số mục", "checkpoints": "Số điểm kiểm tra đã ký", "signatures": "Số chữ ký tuyên bố",
        "size": "Kích thước", "root": "Gốc cây Merkle", "digest": "Mã tóm tắt dữ liệu chạy lại",
        "previous": "Điểm kiểm tra trước đó", "log_key": "Khóa của sổ cái", "first_bad": "Mục sai đầu tiên",
        "n_entries": "{n} mục", "n_entry": "{n} mục",
        "pending": "Đang kiểm toán sổ cái; xin tải lại trang sau ít phút.",
        "stale": "Đây là kết quả của lần kiểm toán trước, khi sổ cái có {n} mục; lần kiểm toán mới đang chạy.",
        "how": "Ai cũng tự kiểm toán được, không cần tin máy chủ này: chạy", "how_after": "với địa chỉ của sổ đăng ký.",
        "pdf": "Tải báo cáo dạng PDF", "log": "Sổ cái", "charts": "Số liệu sổ cái",
        "page": "Trang {n}",
        "r_missing": "một mục đã bị xóa khỏi kho lưu trữ",
        "r_hash": "nội dung của một mục không khớp với mã băm đã lưu",
        "r_index": "số thứ tự của một mục đã bị thay đổi",
        "r_prev": "chuỗi liên kết giữa các mục bị đứt",
        "r_checkpoint": "một điểm kiểm tra đã ký không khớp với các mục",
        "r_tree": "cây Merkle đã lưu không khớp với các mục",
        "r_replay": "các quy tắc của sổ đăng ký từ chối mục này khi chạy lại",
        "r_unreadable": "một mục không đọc được",
        "r_signature": "chữ ký của một tuyên bố không hợp lệ",
        "r_other": "một kiểm tra không đạt",
    },
    "en": {
        "title": "Log audit report", "switch": "Tiếng Việt",
        "outcome": "Outcome", "when": "Audited at", "source": "Audited source",
        "clean": "The log is intact: every check passed.",
        "clean_note": "No entry was changed, deleted, inserted or reordered; every signature holds and the registry's "
                      "rules accept every entry again.",
        "tampered": "The log is NOT intact: something is wrong at entry {index}.",
        "fork": "The log is NOT consistent: it no longer extends the checkpoint seen before (the log forked).",
        "key-changed": "ALARM: the log presents another key than the one pinned.",
        "unreadable": "The log could not be read for the audit.",
        "reason": "What was found", "technical": "The auditor's message",
        "checked": "What was checked", "figures": "Figures", "checkpoint": "The checkpoint audited",
        "passed": "passed", "failed": "failed", "not_reached": "not checked (stopped at an earlier failure)",
        "check_key": "The log's key is the key pinned",
        "check_entries": "Every entry reads and matches its stored hash",
        "check_chain": "The chain: every entry points to the one before it",
        "check_tree": "The Merkle tree recomputed matches the stored tree",
        "check_checkpoints": "Every checkpoint is signed with the log's key and matches the entries",
        "check_signatures": "Every statement's signature, against the keys the log itself registers and revokes",
        "check_replay": "Every registry rule replayed from the start into a fresh database",
        "check_consistency": "The log extends the checkpoint seen last time",
        "no_previous": "not compared: this is the first audit",
        "note": "The checkpoint's signed note",
        "entries": "Entries", "checkpoints": "Signed checkpoints", "signatures": "Statement signatures",
        "size": "Size", "root": "Merkle tree root", "digest": "Digest of the replayed data",
        "previous": "Checkpoint before", "log_key": "The log's key", "first_bad": "First bad entry",
        "n_entries": "{n} entries", "n_entry": "{n} entry",
        "pending": "The log is being audited; please reload this page in a few minutes.",
        "stale": "This is the result of the previous audit, when the log had {n} entries; a new audit is running.",
        "how": "Anyone can audit it without trusting this server: run", "how_after": "with the registry's address.",
        "pdf": "Download the report as PDF", "log": "The log", "charts": "The log in figures",
        "page": "Page {n}",
        "r_missing": "an entry was deleted from storage",
        "r_hash": "an entry's content does not match its stored hash",
        "r_index": "an entry's index was changed",
        "r_prev": "the chain between entries is broken",
        "r_checkpoint": "a signed checkpoint does not match the entries",
        "r_tree": "the stored Merkle tree does not match the entries",
        "r_replay": "the registry's rules refuse this entry on replay",
        "r_unreadable": "an entry cannot be read",
        "r_signature": "a statement's signature does not hold",
        "r_other": "a check failed",
    },
}

_REASONS = (("entry is missing", "r_missing", "entries"), ("stored hash", "r_hash", "entries"),
            ("stored leaf node", "r_hash", "entries"), ("entry says index", "r_index", "chain"),
            ("entry's prev", "r_prev", "chain"), ("entry bytes", "r_unreadable", "entries"),
            ("entry does not verify", "r_hash", "entries"), ("entry cannot be", "r_unreadable", "entries"),
            ("entry served", "r_unreadable", "entries"), ("the registry's rules", "r_replay", "replay"),
            ("checkpoint", "r_checkpoint", "checkpoints"), ("no signed checkpoint", "r_checkpoint", "checkpoints"),
            ("signed note", "r_checkpoint", "checkpoints"), ("the stored head", "r_tree", "tree"),
            ("node rows", "r_tree", "tree"), ("entry rows", "r_missing", "entries"))


def _cause(reason: str | None) -> tuple[str, str]:
    """The words key of what a failure's reason found, and the check that failed."""
    for start, key, check in _REASONS:
        if reason and (reason.startswith(start) or start in reason):
            return key, check
    if reason and "signature" in reason:
        return "r_signature", "signatures"
    return "r_other", "entries"


@dataclass(frozen=True)
class Report:
    """An audit's result (api.cli.audit.run) made ready to show in one language."""

    lang: str
    result: Mapping[str, Any]
    at: str
    """When it was audited, in words (Viet Nam's time)."""

    @property
    def t(self) -> dict[str, str]:
        return TEXT[self.lang]

    @property
    def clean(self) -> bool:
        return bool(self.result["result"] == "clean")

    def number(self, value: int | None) -> str:
        text = f"{value or 0:,}"
        return text.replace(",", ".") if self.lang == "vi" else text

    def entries(self, value: int) -> str:
        return self.t["n_entry" if value == 1 else "n_entries"].format(n=self.number(value))

    def headline(self) -> str:
        outcome = str(self.result["result"])
        if outcome == "tampered":
            return self.t["tampered"].format(index=self.number(self.result["first_bad_index"]))
        return self.t.get(outcome, self.t["unreadable"])

    def found(self) -> str | None:
        """What a failure found, in words; None for a clean audit."""
        if self.clean:
            return None
        if self.result["result"] == "tampered":
            return self.t[_cause(self.result["reason"])[0]]
        return None

    def technical(self) -> str | None:
        if self.clean:
            return None
        return str(self.result.get("reason") or self.result.get("message") or "")

    def checks(self) -> list[tuple[str, str, str]]:
        """(what was checked, passed / failed / not reached, a CSS class) in the order of the audit."""
        outcome = self.result["result"]
        failed = {"key-changed": "key", "fork": "consistency", "unreadable": "key"}.get(outcome)
        if outcome == "tampered":
            failed = _cause(self.result["reason"])[1]
        rows = []
        reached = True
        # the consistency check runs before the replay (registry.inspection)
        order = ("key", "entries", "chain", "tree", "checkpoints", "signatures", "consistency", "replay")
        for check in order:
            words = self.t[f"check_{check}"]
            if check == "consistency" and self.clean and self.result.get("previous") is None:
                rows.append((words, self.t["no_previous"], "skip"))
            elif not reached:
                rows.append((words, self.t["not_reached"], "skip"))
            elif check == failed:
                rows.append((words, self.t["failed"], "no"))
                reached = False
            else:
                rows.append((words, self.t["passed"], "yes"))
        by_name = dict(zip(order, rows, strict=True))
        return [by_name[c] for c in CHECKS]

    def figures(self) -> list[tuple[str, str]]:
        r, t = self.result, self.t
        rows = []
        if r.get("size") is not None:
            rows += [(t["entries"], self.number(r["size"])), (t["checkpoints"], self.number(r["checkpoints"])),
                     (t["signatures"], self.number(r["signatures"]))]
        if r.get("first_bad_index") is not None:
            rows.append((t["first_bad"], self.number(r["first_bad_index"])))
        return rows

    def checkpoint(self) -> list[tuple[str, str]]:
        r, t = self.result, self.t
        rows = []
        if r.get("size") is not None:
            rows += [(t["size"], self.entries(r["size"])), (t["root"], str(r["root"]))]
        if r.get("projection_digest"):
            rows.append((t["digest"], str(r["projection_digest"])))
        if r.get("previous"):
            rows.append((t["previous"], f'{self.entries(r["previous"]["size"])} · '
                                        f'{r["previous"]["root"]}'))
        if r.get("log_key"):
            rows.append((t["log_key"], str(r["log_key"])))
        return rows


def report(result: Mapping[str, Any], lang: str) -> Report:
    at = result.get("audited_at") or format_timestamp(datetime.now(UTC))
    return Report(lang, result, moment(str(at), lang))


def html(result: Mapping[str, Any], lang: str, **page: Any) -> str:
    """The report as a whole HTML page (no external asset): the template of /log/audit."""
    from api.pages.explorer import _environment

    shown = report(result, lang)
    return _environment().get_template("log_audit.html").render(
        lang=lang, other_lang="en" if lang == "vi" else "vi", t=shown.t, r=shown,
        **{"public": False, "stale": None, "pending": False, **page})


def _story(shown: Report, regular: str, bold: str) -> list[Any]:
    """What the PDF report says, in order: outcome, checks, figures, checkpoint, its signed note."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    result, t = shown.result, shown.t
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontName=bold, fontSize=13, leading=17, spaceBefore=8, spaceAfter=4)
    title = ParagraphStyle("title", parent=head, fontSize=18, leading=23)
    verdict = ParagraphStyle("verdict", parent=head, textColor=colors.HexColor("#1b6b36" if shown.clean
                                                                                else "#b3261e"))

    def table(rows: list[tuple[str, str]], first: float = 60) -> Table:
        cells = [[Paragraph(escape(a), body), Paragraph(escape(b), small if len(b) > 40 else body)] for a, b in rows]
        made = Table(cells, colWidths=[first * mm, (170 - first) * mm])
        made.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("LINEBELOW", (0, 0), (-1, -2), 0.3, colors.HexColor("#ddd6c8"))]))
        return made

    story: list[Any] = [Paragraph(escape(t["title"]), title),
                        Paragraph(escape(f'{t["when"]}: {shown.at}'), body)]
    if result.get("source"):
        story.append(Paragraph(escape(f'{t["source"]}: {result["source"]}'), body))
    story += [Paragraph(escape(t["outcome"]), head), Paragraph(escape(shown.headline()), verdict)]
    if shown.clean:
        story.append(Paragraph(escape(t["clean_note"]), body))
    found = shown.found()
    if found:
        story.append(Paragraph(escape(f'{t["reason"]}: {found}.'), body))
    technical = shown.technical()
    if technical:
        story.append(Paragraph(escape(f'{t["technical"]}: {technical}'), small))
    story += [Paragraph(escape(t["checked"]), head), table([(a, b) for a, b, _ in shown.checks()], 110)]
    if shown.figures():
        story += [Paragraph(escape(t["figures"]), head), table(shown.figures())]
    if shown.checkpoint():
        story += [Paragraph(escape(t["checkpoint"]), head), table(shown.checkpoint(), 45)]
    if result.get("checkpoint"):
        note = ParagraphStyle("note", parent=small, fontName="Courier")
        story += [Paragraph(escape(t["note"]), head),
                  Paragraph(escape(str(result["checkpoint"])).replace("\n", "<br/>"), note)]
    story += [Spacer(1, 6 * mm), Paragraph(escape(f'{t["how"]} "nguon audit" {t["how_after"]}'), small)]
    return story


def pdf(result: Mapping[str, Any], lang: str) -> bytes:
    """The report as an A4 PDF."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    from api.label_pdf import pdf_fonts

    regular, bold = pdf_fonts()
    shown = report(result, lang)
    t = shown.t
    story = _story(shown, regular, bold)

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.drawString(20 * mm, 10 * mm, f'Nguồn — {t["title"]} — {t["page"].format(n=document.page)}')
        canvas.restoreState()

    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                                 bottomMargin=18 * mm, title=t["title"], author="Nguồn", creator="Nguồn",
                                 invariant=True)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def write(path: Path, result: Mapping[str, Any], lang: str) -> None:
    """The report in `lang` to `path`: a PDF for a name ending in .pdf, else an HTML page."""
    if path.suffix.lower() == ".pdf":
        path.write_bytes(pdf(result, lang))
    else:
        path.write_text(html(result, lang), encoding="utf-8")
