"""The public log explorer, `/log`: the latest checkpoint in words, a search of the log by kind, organisation,
GTIN, lot, GI, mark and days (each checked against the log itself), keyset paging, the form given back with a
message beside a wrong field (400), an entry's page with its proof verified, a batch's history, 404 pages, JSON by
negotiation, the pages' headers and languages."""

import base64
import html
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.explorer import PAGE, Published, Witnessed, published_checkpoint
from api.pages.explorer import family, render
from ledger.core.cosignature import CosignatureSigner
from ledger.core.encoding import canonical
from ledger.core.hashing import leaf_hash
from ledger.core.proof import verify_inclusion
from ledger.store.protocol import StoredCheckpoint
from ledger.store.sql import SqlView
from registry.kinds import VIETNAM
from tests.api.conftest import PUBLIC_URL, Api
from tests.api.resolving import HTML, JSON
from tests.api.test_producer_page import GROWER, visible
from tests.api.test_resolver_pages import EN, page, styles_allowed
from tests.checks import assert_problem, english_in, varies_by

FORM = ("kind", "organisation", "gtin", "lot", "gi", "mark", "since", "until")

GRAPEFRUIT, CERTIFIED_LOT = "08939904000019", "LT-2610-C"
"""The demo's pomelo and its certified batch (registered, two events, a certification)."""
HISTORY = [124, 125, 156, 167]
"""The entries about that batch, in the demo's log."""


def every_entry(api: Api) -> list[dict[str, Any]]:
    """The whole log, from the JSON API: what each filter is checked against."""
    found: list[dict[str, Any]] = []
    start: int | None = 0
    while start is not None:
        answer = api.client.get("/api/v1/log/entries", params={"start": start, "limit": 1000}).json()
        found += answer["entries"]
        start = answer["next"]
    return found


def selected(api: Api, **params: str) -> list[int]:
    """The indices every page of the search `params` lists, following its older links."""
    found: list[int] = []
    answer = api.client.get("/log", params=params, headers=JSON)
    while True:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert len(body["entries"]) <= PAGE
        found += [e["index"] for e in body["entries"]]
        if body["older"] is None:
            return found
        answer = api.client.get(body["older"], headers=JSON)


def vietnam_day(logged_at: str) -> date:
    return datetime.fromisoformat(logged_at.replace("Z", "+00:00")).astimezone(VIETNAM).date()


def subject_of(entry: dict[str, Any], certified: dict[str, str]) -> str:
    """What the demo's entry is about, as the filters read it: a batch, a product, a GI or a mark; a certification
    is about what it certifies (`certified`, by certification id)."""
    body = entry["entry"]["statement"]["body"]
    kind = entry["entry"]["statement"]["kind"]
    if kind.startswith("certification."):
        return certified.get(body.get("id") or body.get("certification"), "")
    if kind.startswith(("batch.", "serials.")):
        return f"batch:{body['gtin']}/{body['lot']}"
    if kind.startswith("product."):
        return f"product:{body['gtin']}"
    if kind.startswith(("gi.", "mark.")):
        return f"{kind.split('.')[0]}:{body.get('id') or body.get(kind.split('.')[0])}"
    return ""


def explorer(api: Api, url: str, headers: dict[str, str] = HTML, **params: Any) -> httpx.Response:
    answer: httpx.Response = api.client.get(url, headers=headers, params=params)
    return answer


class TestCheckpoint:
    def test_the_latest_checkpoint_in_words(self, resolver: Api) -> None:
        note = resolver.client.get("/api/v1/log/checkpoint").text.split("\n")
        size, root = int(note[1]), base64.b64decode(note[2]).hex()
        text = visible(page(explorer(resolver, "/log"), 200))
        assert f"Số mục {size} mục" in text
        assert f"Mã băm gốc {root}" in text
        assert re.search(r"Thời điểm \d\d/\d\d/\d{4}, \d\d:\d\d", text)
        assert "Chưa có nhân chứng độc lập nào ký xác nhận." in text
        assert 'href="/docs#/log"' in page(explorer(resolver, "/log"), 200)

    def test_a_large_log_writes_its_size_with_thousands_grouped(self) -> None:
        published = Published(12345, "00" * 32, "2026-10-30T01:00:00.000Z", "", (Witnessed("w.example/a",
                                                                                          "2026-10-30T01:00:05.000Z"),))
        text = visible(render("log.html", "vi", published=published, form=dict.fromkeys(FORM, ""), errors={},
                              rows=[], kinds=[], organisations=[], gis=[], marks=[], older_url=None,
                              first_url=None))
        assert "Số mục 12.345 mục" in text
        assert "Thời điểm 30/10/2026, 08:00" in text
        assert "Nhân chứng đã ký xác nhận w.example/a 30/10/2026, 08:00" in text
        assert "Sổ cái chưa có điểm kiểm tra nào." in visible(render(
            "log.html", "vi", published=None, form=dict.fromkeys(FORM, ""), errors={}, rows=[], kinds=[],
            organisations=[], gis=[], marks=[], older_url=None, first_url=None))


    def test_each_witness_cosignature_is_named_with_its_time(self, resolver: Api) -> None:
        services = resolver.services
        with services.log.store.read() as view:
            assert isinstance(view, SqlView)
            stored = services.log.checkpoint(view)
            text = stored.note.split("\n\n")[0] + "\n"
            witness = CosignatureSigner("witness.example/nguon", Ed25519PrivateKey.generate())
            moment = int(datetime(2026, 10, 30, 1, 0, tzinfo=UTC).timestamp())
            note = stored.note + witness.sign_line(text, moment)
            published = published_checkpoint(view, services.log, StoredCheckpoint(stored.size, note))
        assert published is not None
        assert published.witnesses == (Witnessed("witness.example/nguon", "2026-10-30T01:00:00.000Z"),)


class TestFilters:
    """Each filter, alone and combined, lists exactly the entries of the log that match, newest first."""

    @pytest.mark.parametrize("params", [
        {"kind": "batch.event"}, {"kind": "batch.registered"}, {"organisation": GROWER},
        {"gtin": GRAPEFRUIT}, {"gtin": GRAPEFRUIT, "lot": CERTIFIED_LOT}, {"gi": "la-tinh"}, {"mark": "non-chuong"},
        {"since": "2026-10-17", "until": "2026-11-05"}, {"since": "2026-11-20"}, {"until": "2026-06-01"},
        {"kind": "batch.event", "organisation": GROWER}, {"gtin": GRAPEFRUIT, "kind": "batch.registered"},
        {"organisation": "ipvietnam", "since": "2026-06-01", "until": "2026-06-01", "kind": "gi.registered"},
    ])
    def test_a_search_lists_what_matches_newest_first(self, resolver: Api, params: dict[str, str]) -> None:
        log = every_entry(resolver)
        certified = {}
        for e in log:
            if e["entry"]["statement"]["kind"] == "certification.issued.v1":
                about = e["entry"]["statement"]["body"]["subject"]
                certified[e["entry"]["statement"]["body"]["id"]] = (
                    f"batch:{about['gtin']}/{about['lot']}" if "lot" in about else
                    f"product:{about['gtin']}" if "gtin" in about else "")

        def matches(e: dict[str, Any]) -> bool:
            statement = e["entry"]["statement"]
            day = vietnam_day(e["entry"]["logged_at"])
            subject = subject_of(e, certified)
            return all((
                "kind" not in params or family(statement["kind"]) == params["kind"],
                "organisation" not in params or statement["issuer"] == params["organisation"],
                "gtin" not in params or subject in (f"product:{params['gtin']}",) or
                subject.startswith(f"batch:{params['gtin']}/{params.get('lot', '')}"),
                "lot" not in params or subject == f"batch:{params['gtin']}/{params['lot']}",
                "gi" not in params or subject == f"gi:{params['gi']}",
                "mark" not in params or subject == f"mark:{params['mark']}",
                "since" not in params or day >= date.fromisoformat(params["since"]),
                "until" not in params or day <= date.fromisoformat(params["until"])))
        expected = sorted((e["index"] for e in log if matches(e)), reverse=True)
        assert expected, "the demo has entries for every search here"
        assert selected(resolver, **params) == expected

    def test_the_page_writes_each_entry_in_words(self, resolver: Api) -> None:
        text = visible(page(explorer(resolver, "/log", gtin=GRAPEFRUIT, lot=CERTIFIED_LOT), 200))
        assert "Mục 167 · Cấp chứng nhận" in text
        assert "VietGAP (TCVN 11892-1:2017): lô LT-2610-C của sản phẩm «Bưởi La Tinh» (GTIN 08939904000019)" in text
        assert "do Trung tâm Chứng nhận Nguồn Xanh ghi" in text
        assert "Mục 124 · Đăng ký lô hàng" in text
        assert re.search(r"17/10/2026, \d\d:\d\d · do Hợp tác xã bưởi La Tinh Đông La ghi", text)
        english = visible(page(explorer(resolver, "/log", gtin=GRAPEFRUIT, lot=CERTIFIED_LOT, lang="en"), 200))
        assert "Entry 124 · Registration of the batch" in english
        assert "recorded by Dong La La Tinh pomelo cooperative" in english

    def test_a_short_gtin_is_read_as_its_fourteen_digits(self, resolver: Api) -> None:
        assert selected(resolver, gtin=GRAPEFRUIT[1:]) == selected(resolver, gtin=GRAPEFRUIT)

    def test_the_form_keeps_what_was_asked(self, resolver: Api) -> None:
        text = page(explorer(resolver, "/log", kind="batch.event", organisation=GROWER, since="2026-10-01"), 200)
        assert '<option value="batch.event" selected>Sự kiện của lô hàng</option>' in text
        assert f'<option value="{GROWER}" selected>Hợp tác xã bưởi La Tinh Đông La</option>' in text
        assert 'name="since" type="date" value="2026-10-01"' in text


class TestPaging:
    def test_pages_of_fifty_cover_the_log_once_newest_first(self, resolver: Api) -> None:
        size = len(every_entry(resolver))
        assert size > 2 * PAGE
        assert selected(resolver) == list(range(size - 1, -1, -1))

    def test_the_older_link_keeps_the_filters_and_the_language(self, resolver: Api) -> None:
        size = len(every_entry(resolver))
        text = page(explorer(resolver, "/log", since="2026-06-01", lang="en"), 200)
        older = re.search(r'<a href="([^"]+)" rel="next">Older', text)
        assert older is not None
        link = older.group(1).replace("&amp;", "&")
        assert "since=2026-06-01" in link
        assert "lang=en" in link
        assert f"before={size - PAGE}" in link
        second = page(resolver.client.get(link, headers=HTML), 200)
        assert re.findall(r'<li id="entry-(\d+)">', second)[0] == str(size - PAGE - 1)
        assert "Newest" in visible(second)
        assert "Recorded by" in visible(second)

    def test_a_page_lists_at_most_fifty(self, resolver: Api) -> None:
        text = page(explorer(resolver, "/log"), 200)
        assert len(re.findall(r'<li id="entry-\d+">', text)) == PAGE


class TestInvalidInput:
    """A wrong filter gives the form back, 400, with a message beside the field, in the reader's language; a
    program gets a problem with both languages. A search appends nothing."""

    @pytest.mark.parametrize(("params", "field", "vi", "en"), [
        ({"gtin": "abc"}, "gtin", "Mã GTIN gồm 8, 12, 13 hoặc 14 chữ số.", "A GTIN has 8, 12, 13 or 14 digits."),
        ({"lot": "L1"}, "lot", "Cần nhập mã GTIN của lô.", "Give the batch's GTIN too."),
        ({"gtin": GRAPEFRUIT, "lot": "X" * 21}, "lot", "Tối đa 100 ký tự", "At most 100 characters"),
        ({"since": "2026-13-01"}, "since", "Ngày viết theo dạng năm-tháng-ngày.", "Write a day as year-month-day."),
        ({"since": "2026-11-02", "until": "2026-11-01"}, "until", "Ngày bắt đầu phải trước ngày kết thúc.",
         "The first day must come before the last."),
        ({"kind": "batch.eaten"}, "kind", "Hãy chọn một mục trong danh sách.", "Choose one from the list."),
        ({"organisation": "no-such-org"}, "organisation", "Hãy chọn một mục", "Choose one from the list."),
        ({"gi": "no such gi"}, "gi", "Hãy chọn một mục", "Choose one"),
        ({"mark": "no-such-mark"}, "mark", "Hãy chọn một mục", "Choose one"),
        ({"before": "-1"}, "before", "Vị trí trang không đúng.", "The page position is wrong."),
    ])
    def test_a_wrong_field_is_marked_in_both_languages(self, resolver: Api, params: dict[str, Any], field: str,
                                                       vi: str, en: str) -> None:
        with resolver.nothing_appended():
            answer = explorer(resolver, "/log", **params)
            text = page(answer, 400)
            if field != "before":
                assert f'id="f-{field}" ' in text
                assert 'aria-invalid="true"' in text
                message = re.search(rf'<p class="message" id="e-{field}">([^<]*)</p>', text)
                assert message is not None
                assert vi in message.group(1)
            assert "Điều kiện tìm chưa đúng; hãy sửa các ô được đánh dấu." in visible(text)
            assert "Kết quả" not in visible(text)
            assert en in visible(page(explorer(resolver, "/log", lang="en", **params), 400))
            problem = assert_problem(explorer(resolver, "/log", JSON, **params), 400, "log-filter-invalid")
            assert vi in problem["fields"][field]["vi"]
            assert en in problem["fields"][field]["en"]


class TestEntryPage:
    def test_an_entry_in_words_with_its_key_and_links(self, resolver: Api) -> None:
        answer = explorer(resolver, "/log/entries/167")
        text = visible(page(answer, 200))
        for said in ("Mục 167 của sổ cái", "Cấp chứng nhận", "Tổ chức ghi Trung tâm Chứng nhận Nguồn Xanh",
                     "Ký lúc 21/11/2026, 09:00", "Kết quả đạt", "Hiệu lực từ 16/10/2026",
                     "Đối tượng lô LT-2610-C của sản phẩm «Bưởi La Tinh» (GTIN 08939904000019)",
                     "Thuộc về Trung tâm Chứng nhận Nguồn Xanh"):
            assert said in text, said
        assert 'href="/producers/chung-nhan-nguon-xanh?lang=vi"' in answer.text
        assert f'href="/log/batches/{GRAPEFRUIT}/{CERTIFIED_LOT}?lang=vi"' in answer.text

    def test_a_batch_s_entry_links_its_verdict_history_and_bundle(self, resolver: Api) -> None:
        text = page(explorer(resolver, "/log/entries/124"), 200)
        assert f'href="{PUBLIC_URL}/01/{GRAPEFRUIT}/10/{CERTIFIED_LOT}?lang=vi"' in text
        assert f'href="/api/v1/bundles/01/{GRAPEFRUIT}/10/{CERTIFIED_LOT}"' in text
        assert f'href="/01/{GRAPEFRUIT}?lang=vi"' in text
        assert resolver.client.get(f"/api/v1/bundles/01/{GRAPEFRUIT}/10/{CERTIFIED_LOT}").status_code == 200

    def test_a_correction_links_the_entry_it_corrects(self, resolver: Api) -> None:
        text = page(explorer(resolver, "/log/entries/130"), 200)
        assert 'href="/log/entries/129?lang=vi">Mục 129</a>' in text

    def test_the_proof_shown_verifies_against_the_signed_checkpoint(self, resolver: Api) -> None:
        note = resolver.client.get("/api/v1/log/checkpoint").text.split("\n")
        size, root = int(note[1]), base64.b64decode(note[2])
        text = page(explorer(resolver, "/log/entries/93"), 200)
        assert f"Đã kiểm chứng: mục này có trong điểm kiểm tra {size} mục." in visible(text)
        shown = re.findall(r'<li class="hash">([0-9a-f]{64})</li>', text)
        entry = resolver.client.get("/api/v1/log/entries/93").json()
        verify_inclusion(leaf_hash(canonical(entry["entry"])), 93, size, [bytes.fromhex(h) for h in shown], root)
        data = explorer(resolver, "/log/entries/93", JSON).json()
        assert data["inclusion"] == {"size": size, "hashes": shown, "verified": True}
        assert data["entry"] == entry["entry"]
        assert data["hash"] == entry["hash"]

    def test_the_raw_statement_is_folded(self, resolver: Api) -> None:
        text = page(explorer(resolver, "/log/entries/93"), 200)
        raw = re.search(r"<details><summary>Nội dung gốc \(JSON chuẩn hóa RFC 8785\)</summary><pre>(.*?)</pre>", text,
                        re.DOTALL)
        assert raw is not None
        entry = resolver.client.get("/api/v1/log/entries/93").json()["entry"]
        assert html.unescape(raw.group(1)).encode() == canonical(entry)

    @pytest.mark.parametrize("index", ["100000", "9007199254740991"])
    def test_an_unknown_entry_is_a_404_page_or_problem(self, resolver: Api, index: str) -> None:
        answer = explorer(resolver, f"/log/entries/{index}")
        assert "Không tìm thấy mục" in visible(page(answer, 404))
        assert answer.headers["cache-control"] == "no-cache"
        assert "Entry not found" in page(explorer(resolver, f"/log/entries/{index}", lang="en"), 404)
        assert_problem(explorer(resolver, f"/log/entries/{index}", JSON), 404, "unknown-entry")


class TestBatchHistory:
    def test_every_entry_about_the_batch_in_time_order(self, resolver: Api) -> None:
        answer = explorer(resolver, f"/log/batches/{GRAPEFRUIT}/{CERTIFIED_LOT}")
        text = page(answer, 200)
        assert re.findall(r'<a href="/log/entries/(\d+)\?lang=vi"><strong>', text) == [str(i) for i in HISTORY]
        said = visible(text)
        for words in ("Lịch sử của lô", "lô LT-2610-C của sản phẩm «Bưởi La Tinh» (GTIN 08939904000019)",
                      "Đăng ký lô hàng", "Sự kiện của lô hàng", "Cấp chứng nhận",
                      "VietGAP (TCVN 11892-1:2017): đạt", "4 mục"):
            assert words in said, words
        assert f'href="/api/v1/bundles/01/{GRAPEFRUIT}/10/{CERTIFIED_LOT}"' in text
        assert f'href="{PUBLIC_URL}/01/{GRAPEFRUIT}/10/{CERTIFIED_LOT}?lang=vi"' in text
        data = explorer(resolver, f"/log/batches/{GRAPEFRUIT}/{CERTIFIED_LOT}", JSON).json()
        assert [e["index"] for e in data["entries"]] == HISTORY
        assert data["cut"] is False

    def test_a_recalled_batch_lists_its_recall(self, resolver: Api) -> None:
        text = visible(page(explorer(resolver, "/log/batches/08939909000014/TN-2610-01"), 200))
        assert "Thu hồi lô hàng" in text
        assert "Thu hồi tự nguyện" in text

    def test_a_batch_the_log_does_not_have_is_a_404(self, resolver: Api) -> None:
        assert "Không tìm thấy lô hàng" in visible(page(explorer(resolver, f"/log/batches/{GRAPEFRUIT}/NONE"), 404))
        assert_problem(explorer(resolver, f"/log/batches/{GRAPEFRUIT}/NONE", JSON), 404, "unknown-batch")


URLS = ["/log", "/log?kind=batch.event", "/log/entries/167", "/log/entries/130",
        f"/log/batches/{GRAPEFRUIT}/{CERTIFIED_LOT}", "/log/entries/100000", "/log?gtin=abc"]


class TestHeadersAndLanguages:
    @pytest.mark.parametrize("url", URLS)
    def test_pages_allow_their_own_styles_vary_and_are_not_kept(self, resolver: Api, url: str) -> None:
        answer = resolver.client.get(url, headers=HTML)
        policy = answer.headers["content-security-policy"]
        assert policy.startswith("default-src 'self'; script-src 'self';")
        assert "unsafe-inline" not in policy
        assert styles_allowed(answer)
        assert "<script" not in answer.text
        assert varies_by(answer) == {"Accept", "Accept-Language"}
        # The log grows with every append: its pages are checked again each time.
        assert answer.headers["cache-control"] == "no-cache"
        head = resolver.client.head(url, headers=HTML)
        assert (head.status_code, head.content) == (answer.status_code, b"")

    @pytest.mark.parametrize("url", URLS)
    def test_no_english_in_vietnamese_and_english_on_request(self, resolver: Api, url: str) -> None:
        answer = resolver.client.get(url, headers=HTML)
        assert '<html lang="vi">' in answer.text
        assert english_in(visible(answer.text)) == [], visible(answer.text)
        english = resolver.client.get(url, headers=EN)
        assert '<html lang="en">' in english.text


class TestBounds:
    def test_a_lot_in_a_batch_path_is_at_most_twenty_characters(self, resolver: Api) -> None:
        assert explorer(resolver, f"/log/batches/{GRAPEFRUIT}/{'X' * 21}", JSON).status_code in (400, 422)

    def test_a_day_filter_reads_the_log_by_its_order(self, resolver: Api) -> None:
        days = sorted({vietnam_day(e["entry"]["logged_at"]) for e in every_entry(resolver)})
        after = days[-1] + timedelta(days=1)
        assert selected(resolver, since=after.isoformat()) == []
