"""The audit's report: `nguon audit --report FILE` writes it as HTML or PDF, in Vietnamese or English, saying what
was checked, the figures and the outcome in words; a tampered database is reported as a failure (exit 1). The
public /log/audit is the server's audit of its own database, computed once for any number of requests at one
size of the log, and again when the log grows."""

import re
import threading
from html import unescape
from pathlib import Path

import pypdfium2  # type: ignore[import-untyped]
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.audit_report import TEXT, html
from api.server_audit import UNREADABLE, ServerAudit
from ledger.core.hashing import leaf_hash
from ledger.core.note import NoteSigner
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from registry.custody import Custody
from registry.demo import DemoSummary, load_demo
from registry.service import Registry
from tests.api.conftest import Api
from tests.api.test_audit_cli import app
from tests.ledger.test_audit import attacker, entry_row, set_entry


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate("report.nguon/log")


@pytest.fixture
def logged(engine: Engine, signer: NoteSigner) -> int:
    """The demo registry written on `engine`; its log's size."""
    registry = Registry(Log(SqlStore(engine), signer), Custody.from_secret(b"test-secret"))
    load_demo(registry)
    with SqlStore(engine).read() as view:
        return view.head().size


def run_audit(database_url: str, signer: NoteSigner, tmp_path: Path, report: Path, lang: str) -> int:
    result = CliRunner().invoke(app, ["audit", "--database", database_url, "--log-key", signer.verifier.to_text(),
                                      "--state", str(tmp_path / f"state-{report.name}.json"), "--report", str(report),
                                      "--lang", lang])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code


def pdf_text(path: Path) -> str:
    document = pypdfium2.PdfDocument(path.read_bytes())
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def grouped(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", "." if lang == "vi" else ",")


class TestCliReport:
    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_a_clean_audit_writes_html_and_pdf(self, logged: int, database_url: str, signer: NoteSigner,
                                               tmp_path: Path, lang: str) -> None:
        page, paper = tmp_path / "report.html", tmp_path / "report.pdf"
        assert run_audit(database_url, signer, tmp_path, page, lang) == 0
        assert run_audit(database_url, signer, tmp_path, paper, lang) == 0
        html, text = unescape(page.read_text(encoding="utf-8")), pdf_text(paper)
        assert paper.read_bytes().startswith(b"%PDF-")
        if lang == "vi":
            words = ("Báo cáo kiểm toán sổ cái", "Sổ cái toàn vẹn: mọi kiểm tra đều đạt.", "Chữ ký của từng tuyên bố",
                     "Chạy lại mọi quy tắc của sổ đăng ký", "Thời điểm kiểm toán", "Số mục")
        else:
            words = ("Log audit report", "The log is intact: every check passed.", "Every statement's signature",
                     "Every registry rule replayed", "Audited at", "Entries")
        for word in words:
            assert word in html, word
            assert word in re.sub(r"\s+", " ", text), word
        assert f'<html lang="{lang}">' in html
        assert f"<strong>{grouped(logged, lang)}</strong>" in html
        assert grouped(logged, lang) in text
        # the time as people write it in Viet Nam: dd/mm/yyyy, hh:mm, or "8 December 2026, 07:40"
        when = r"\d{2}/\d{2}/\d{4}, \d{2}:\d{2}" if lang == "vi" else r"\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}"
        assert re.search(when, html)
        assert re.search(when, text)

    def test_a_tampered_database_is_reported_as_a_failure(self, logged: int, engine: Engine, database_url: str,
                                                          signer: NoteSigner, tmp_path: Path) -> None:
        k = logged // 2
        with attacker(engine) as conn:
            _, data = entry_row(conn, k)
            changed = data.replace(b'"logged_at":"', b'"logged_at":"1', 1)
            assert changed != data
            set_entry(conn, k, leaf_hash(changed), changed)
        page, paper = tmp_path / "bad.html", tmp_path / "bad.pdf"
        assert run_audit(database_url, signer, tmp_path, page, "vi") == 1
        assert run_audit(database_url, signer, tmp_path, paper, "en") == 1
        html = page.read_text(encoding="utf-8")
        assert f"Sổ cái KHÔNG toàn vẹn: phát hiện sai lệch tại mục số {grouped(k, 'vi')}." in html
        assert "Sổ cái toàn vẹn" not in html
        assert "không đạt" in html
        assert "chưa kiểm tra (dừng ở lỗi trước)" in html
        text = re.sub(r"\s+", " ", pdf_text(paper))
        assert f"The log is NOT intact: something is wrong at entry {grouped(k, 'en')}." in text
        assert "failed" in text

    def test_a_wrong_language_is_refused(self, logged: int, database_url: str, signer: NoteSigner,
                                         tmp_path: Path) -> None:
        assert run_audit(database_url, signer, tmp_path, tmp_path / "x.html", "fr") == 2
        assert not (tmp_path / "x.html").exists()


class TestServerAudit:
    def test_one_audit_answers_many_requests_at_one_size(self, app: FastAPI, demo: tuple[Api, DemoSummary]) -> None:
        api, _ = demo
        size = api.head_size()
        answers: list[str] = []

        def ask() -> None:
            answers.append(TestClient(app).get("/log/audit").text)

        asking = [threading.Thread(target=ask) for _ in range(6)]
        for thread in asking:
            thread.start()
        for thread in asking:
            thread.join()
        answers += [api.client.get("/log/audit").text, api.client.get("/log/audit?lang=en").text]
        assert app.state.server_audit.runs == 1
        assert all("Sổ cái toàn vẹn: mọi kiểm tra đều đạt." in a for a in answers[:-1])
        assert "The log is intact: every check passed." in answers[-1]
        assert len({re.search(r"<dt>Thời điểm kiểm toán</dt><dd>([^<]+)<", a).group(1)  # type: ignore[union-attr]
                    for a in answers[:-1]}) == 1, "every request saw the same audit"
        assert f"<strong>{grouped(size, 'vi')}</strong>" in answers[0]
        assert "sqlite" not in answers[0], "the public page names no database"
        assert "postgresql" not in answers[0]
        pdf = api.client.get("/log/audit.pdf")
        assert api.client.get("/log/audit.pdf").content == pdf.content, "made once for this audit"
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")
        assert app.state.server_audit.runs == 1

        api.register("htx-moi", ["producer"])
        grown = api.client.get("/log/audit").text
        assert app.state.server_audit.runs == 2
        assert f"<strong>{grouped(size + 1, 'vi')}</strong>" in grown
        assert "Sổ cái tiếp nối điểm kiểm tra đã thấy lần trước</span><span class=\"state\">đạt" in grown, \
            "the second audit proved the log extends the first"
        assert 'href="/log/audit?lang=vi"' in api.client.get("/log").text


class TestSingleFlight:
    """api.audit_report.ServerAudit on its own: an audit that has not finished is waited for a bounded time, never
    started twice; a request for a larger log starts the next one and sees the previous result meanwhile."""

    def test_one_audit_at_a_time_and_the_last_result_meanwhile(self) -> None:
        release = [threading.Event(), threading.Event()]
        sizes = iter((5, 9))

        def run(_state: Path) -> dict[str, object]:
            size = next(sizes)
            release[0 if size == 5 else 1].wait(60)
            return {"result": "clean", "exit_code": 0, "size": size}

        served = ServerAudit(run, wait=60)
        assert served.latest(5, wait=0.01) is None, "nothing to show while the first audit runs"
        assert served.latest(5, wait=0.01) is None
        assert served.runs == 1
        release[0].set()
        first = served.latest(5)
        assert first is not None
        assert (first.size, first.result["result"], served.runs) == (5, "clean", 1)
        assert served.latest(3) is first, "a smaller log is covered by the audit made"
        assert served.latest(9, wait=0.01) is first, "the last result while the next audit runs"
        assert served.latest(9, wait=0.01) is first
        assert served.runs == 2
        release[1].set()
        second = served.latest(9)
        assert second is not None
        assert second.size == 9
        assert served.runs == 2

    def test_why_the_log_could_not_be_read_stays_with_the_operator(self) -> None:
        private = "connection to server at db.internal (10.0.0.5), port 5432 failed for user nguon_rw"

        def failing(_state: Path) -> dict[str, object]:
            raise RuntimeError(private)

        done = ServerAudit(failing, wait=60).latest(1)
        assert done is not None
        assert done.result["result"] == "unreadable"
        shown = html(done.result, "en", public=True)
        assert "db.internal" not in shown
        assert "nguon_rw" not in shown
        assert UNREADABLE in shown

    def test_the_pending_page_says_so_in_words(self) -> None:
        page = html({"result": "unreadable"}, "vi", public=True, pending=True)
        assert TEXT["vi"]["pending"] in page
        assert "Những gì đã kiểm tra" not in page
