"""The charts: /portal/charts for the people of an organisation (quota used per right, batches per month, scans by
province and their warnings) and the public /log/charts (entries per day, each witness's lag). Each chart is a
well-formed SVG named for assistive technology, and its table's numbers are the ones this test computes itself
from the database's rows (in Python, not with the app's queries); an organisation without data reads so in
words; the Vietnamese page has no English word."""

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, insert, select

from api import charts
from api.charts_words import TEXT
from api.scans import LOOKBACK_DAYS, WARN_CLIENTS, WARN_DAYS, Scan, write_scans
from ledger.core.types import Entry
from ledger.witness.tables import LogCosignature
from registry.demo import DemoSummary
from registry.kinds import VIETNAM, vietnam_today
from registry.places import commune, provinces
from registry.state import table_of
from registry.tables import RegBatch, RegBatchClaim, RegGi, RegOrganisation, RegRight, RegSerial
from tests.api.conftest import Api
from tests.api.portal_client import Browser, add_user
from tests.factories import ROOT

GROWER = "htx-buoi-dong-la"
"""A demo producer with a right of use with a quota, and batches."""


def rows(engine: Engine, table: type[Any]) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(select(table_of(table)))]


def table_of_chart(html: str, ident: str) -> list[list[str]]:
    """The cells of the chart's table, row by row (without its header)."""
    found = re.search(rf'<table id="{ident}-table">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert found is not None, f"no table for {ident}"
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)]


def pictures(html: str) -> list[str]:
    """Every chart's SVG, each parsed as XML (it must be well-formed) inside its role="img" named by its heading."""
    found = re.findall(r'<div class="picture" role="img" aria-labelledby="([a-z]+)-title">(<svg.*?</svg>)</div>',
                       html, re.S)
    for ident, svg in found:
        root = ET.fromstring(svg)  # noqa: S314 - the project's own output
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert f'id="{ident}-title"' in html
        assert "<metadata" not in svg, "no date: the same figures give the same bytes"
        assert "style=" not in svg, "the pages' policy allows no style attribute: presentation attributes only"
    return [svg for _, svg in found]


def whole(cell: str) -> int:
    return int(re.sub(r"\D", "", cell))


def amount(cell: str, lang: str = "vi") -> Decimal:
    """A quantity as the page writes it ("1.800 cái" in Vietnamese) as a number."""
    digits = cell.split(" ")[0]
    return Decimal(digits.replace(".", "").replace(",", ".") if lang == "vi" else digits.replace(",", ""))


def visible_words(html: str) -> set[str]:
    text = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return {w.lower() for w in re.findall(r"[A-Za-zÀ-ỹĐđ]+", text)}


ENGLISH = {w.lower() for words in TEXT["en"].values() for w in re.findall(r"[A-Za-z]{4,}", words)} - {
    w.lower() for words in TEXT["vi"].values() for w in re.findall(r"[A-Za-z]+", words)}
"""English words of the charts' texts that no Vietnamese text of them has."""


@pytest.fixture
def scanned(demo: tuple[Api, DemoSummary]) -> Api:
    """The demo with scans of issued serials in the look-back window: one serial scanned by enough readers on
    enough days to be warned about, others a little."""
    api, _ = demo
    grown = sorted((b["gtin"], b["lot"]) for b in rows(api.engine, RegBatch) if b["producer"] == GROWER)
    # Through the registry, as the grower (its custodial key): the rules check it as the API would.
    api.services.registry.submit_as(GROWER, [("serials.issued.v1", {"gtin": gtin, "lot": lot, "count": 3})
                                             for gtin, lot in grown[:2]])
    serials = sorted(rows(api.engine, RegSerial), key=lambda s: (s["gtin"] not in {g for g, _ in grown}, s["serial"]))
    assert len(serials) >= 6
    today = vietnam_today()
    scans = [Scan(s["gtin"], s["lot"], s["serial"], today.isoformat(), f"reader-{i}") for i, s in enumerate(serials)]
    warned = serials[0]
    for back in range(WARN_DAYS):
        day = (today - timedelta(days=back)).isoformat()
        scans += [Scan(warned["gtin"], warned["lot"], warned["serial"], day, f"crowd-{back}-{n}")
                  for n in range(WARN_CLIENTS // WARN_DAYS + 1)]
    old = (today - timedelta(days=LOOKBACK_DAYS + 3)).isoformat()
    scans.append(Scan(serials[1]["gtin"], serials[1]["lot"], serials[1]["serial"], old, "long-ago"))
    write_scans(api.engine, scans)
    return api


def signed_browser(app: FastAPI, engine: Engine, organisation: str, role: str = "viewer") -> Browser:
    add_user(engine, organisation, f"{role}@{organisation}", role)
    return Browser(app).signed_in(f"{role}@{organisation}")


def expected_batches(engine: Engine, batches: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(month, batches) for the 12 months up to the latest month, counted here."""
    months = Counter(b["produced_on"][:7] for b in batches)
    latest = max(months)
    year, month = int(latest[:4]), int(latest[5:])
    shown = []
    for back in range(11, -1, -1):
        m = year * 12 + month - 1 - back
        shown.append(f"{m // 12:04d}-{m % 12 + 1:02d}")
    return [(m, months.get(m, 0)) for m in shown]


def expected_scans(engine: Engine, batches: list[dict[str, Any]], today: date) -> dict[str, tuple[int, int, int]]:
    """Province name → (scans, items scanned, items warned about) over the look-back window, counted here."""
    since = (today - timedelta(days=LOOKBACK_DAYS - 1)).isoformat()
    origin = {(b["gtin"], b["lot"]): commune(b["origin_code"], b["origin_version"]) for b in batches}
    from api.tables import ScanClient, ScanWindow

    per_item: Counter[tuple[str, str, str]] = Counter()
    for w in rows(engine, ScanWindow):
        if w["day"] >= since and (w["gtin"], w["lot"]) in origin:
            per_item[w["gtin"], w["lot"], w["serial"]] += w["scans"]
    readers: dict[tuple[str, str, str], set[str]] = {}
    days: dict[tuple[str, str, str], set[str]] = {}
    for c in rows(engine, ScanClient):
        if c["day"] >= since:
            readers.setdefault((c["gtin"], c["lot"], c["serial"]), set()).add(c["client"])
            days.setdefault((c["gtin"], c["lot"], c["serial"]), set()).add(c["day"])
    totals: dict[str, list[int]] = {}
    for item, n in per_item.items():
        place = origin[item[0], item[1]]
        assert place is not None
        name = provinces()[place.province].name
        total = totals.setdefault(name, [0, 0, 0])
        total[0] += n
        total[1] += 1
        total[2] += int(len(readers.get(item, ())) >= WARN_CLIENTS and len(days.get(item, ())) >= WARN_DAYS)
    return {k: (v[0], v[1], v[2]) for k, v in totals.items()}


class TestPortalCharts:
    def test_a_producer_sees_its_rights_batches_and_scans_with_their_numbers(
            self, app: FastAPI, scanned: Api) -> None:
        engine = scanned.engine
        page = signed_browser(app, engine, GROWER).get("/portal/charts")
        assert page.status_code == 200
        html = page.text
        assert len(pictures(html)) == 3
        assert 'aria-current="page">Số liệu<' in html

        names = {g["id"]: g["name_vi"] for g in rows(engine, RegGi)}
        mine = [r for r in rows(engine, RegRight) if r["holder"] == GROWER]
        shown = table_of_chart(html, "quota")
        assert sorted(r[0] for r in shown) == sorted(names[r["subject_id"]] for r in mine)
        for right in mine:
            [row] = [r for r in shown if r[0] == names[right["subject_id"]]]
            assert amount(row[1]) == Decimal(right["quota_used"])
            if right["quota_quantity"] is not None:
                assert amount(row[2]) == Decimal(right["quota_quantity"])
                share = Decimal(right["quota_used"]) * 100 / Decimal(right["quota_quantity"])
                assert Decimal(row[3].rstrip("%").replace(",", ".")) == round(share, 1)
        assert any(Decimal(r["quota_used"]) > 0 for r in mine), "the demo used some of the quota"

        batches = [b for b in rows(engine, RegBatch) if b["producer"] == GROWER and not b["retracted"]]
        months = table_of_chart(html, "batches")
        expected = expected_batches(engine, batches)
        assert [whole(n) for _, n in months] == [n for _, n in expected]
        assert [m for m, _ in months] == [f"tháng {m[5:]}/{m[:4]}" for m, _ in expected]

        regions = {r[0]: (whole(r[1]), whole(r[2]), whole(r[3])) for r in table_of_chart(html, "scans")}
        assert regions == expected_scans(engine, batches, vietnam_today())
        assert regions, "the grower's serials were scanned"

    def test_an_authority_sees_the_rights_and_batches_of_the_gis_it_manages(
            self, app: FastAPI, scanned: Api) -> None:
        engine = scanned.engine
        gis = rows(engine, RegGi)
        manager = Counter(g["manager"] for g in gis).most_common(1)[0][0]
        managed = {g["id"] for g in gis if g["manager"] == manager}
        html = signed_browser(app, engine, manager).get("/portal/charts?lang=en").text
        pictures(html)
        holders = {o["id"]: o["name_en"] for o in rows(engine, RegOrganisation)}
        gi_names = {g["id"]: g["name_en"] for g in gis}
        theirs = [r for r in rows(engine, RegRight) if r["subject_type"] == "gi" and r["subject_id"] in managed]
        shown = table_of_chart(html, "quota")
        assert sorted(r[0] for r in shown) == sorted(f"{holders[r['holder']]} — {gi_names[r['subject_id']]}"
                                                     for r in theirs)
        claimed = {(c["gtin"], c["lot"]) for c in rows(engine, RegBatchClaim)
                   if c["subject_type"] == "gi" and c["subject_id"] in managed}
        batches = [b for b in rows(engine, RegBatch) if (b["gtin"], b["lot"]) in claimed and not b["retracted"]]
        assert [whole(n) for _, n in table_of_chart(html, "batches")] == [
            n for _, n in expected_batches(engine, batches)]
        regions = {r[0]: (whole(r[1]), whole(r[2]), whole(r[3])) for r in table_of_chart(html, "scans")}
        expected = expected_scans(engine, batches, vietnam_today())
        assert set(regions.values()) == set(expected.values())

    def test_the_vietnamese_page_has_no_english_word(self, app: FastAPI, scanned: Api) -> None:
        browser = signed_browser(app, scanned.engine, GROWER)
        vi, en = browser.get("/portal/charts?lang=vi").text, browser.get("/portal/charts?lang=en").text
        assert not visible_words(vi) & ENGLISH, visible_words(vi) & ENGLISH
        assert "Quota used of each right of use" in en
        assert "Hạn mức" not in en

    def test_without_data_each_chart_says_so_in_words(self, app: FastAPI, api: Api) -> None:
        api.register("htx-moi", ["producer"])
        browser = signed_browser(app, api.engine, "htx-moi", "admin")
        html = browser.get("/portal/charts").text
        assert "<svg" not in html.split("<main>")[1]
        for words in ("Chưa có quyền sử dụng nào.", "Chưa có lô hàng nào.",
                      f"Chưa có lượt quét nào trong {LOOKBACK_DAYS} ngày gần nhất."):
            assert words in html
        english = browser.get("/portal/charts?lang=en").text
        assert "No right of use yet." in english
        assert "No batch yet." in english

    def test_an_organisation_of_no_such_role_is_told_why_there_is_nothing(self, app: FastAPI, api: Api) -> None:
        api.register("trung-tam", ["certifier"])
        html = signed_browser(app, api.engine, "trung-tam").get("/portal/charts").text
        assert TEXT["vi"]["portal_none"] in html

    def test_the_page_needs_a_session(self, app: FastAPI, api: Api) -> None:
        answer = Browser(app).get("/portal/charts")
        assert (answer.status_code, answer.headers["location"]) == (303, "/portal/login?next=/portal/charts")


def logged_days(engine: Engine, today: date) -> dict[str, int]:
    """Entries per Viet Nam day over the last 30 days, from every entry's own logged_at."""
    from ledger.store.sql import SqlStore

    with SqlStore(engine).read() as view:
        size = view.head().size
        stamps = [Entry.from_canonical(e.canonical).logged_at for e in view.entries(0, size)]
    days = Counter(datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(VIETNAM).date().isoformat()
                   for s in stamps)
    first = (today - timedelta(days=29)).isoformat()
    return {d: n for d, n in days.items() if first <= d <= today.isoformat()}


class TestLogCharts:
    def test_entries_per_day_and_witness_lag_are_the_logs_own(self, client: Any, demo: tuple[Api, DemoSummary]) -> None:
        api, _ = demo
        api.register("htx-hom-nay", ["producer"])  # logged now: today has entries
        size = api.head_size()
        at = int(datetime(2026, 12, 1, 3, 0, tzinfo=UTC).timestamp())
        with api.engine.begin() as connection:
            table = LogCosignature.__table__  # type: ignore[attr-defined]
            connection.execute(insert(table), [
                {"size": size - 40, "witness": "chung-thuc-1.vn", "line": "— a x\n", "timestamp": at},
                {"size": size - 7, "witness": "chung-thuc-1.vn", "line": "— a y\n", "timestamp": at + 60},
                {"size": size, "witness": "chung-thuc-2.vn", "line": "— b z\n", "timestamp": at + 120}])
        html = client.get("/log/charts").text
        assert len(pictures(html)) == 2
        expected = logged_days(api.engine, vietnam_today())
        from registry.words import day

        assert {r[0]: whole(r[1]) for r in table_of_chart(html, "growth")} == {
            day(d, "vi"): n for d, n in expected.items()}
        lag = table_of_chart(html, "lag")
        assert [(r[0], whole(r[1]), whole(r[2])) for r in lag] == [
            ("chung-thuc-1.vn", size - 7, 7), ("chung-thuc-2.vn", size, 0)]
        assert lag[0][3] == "01/12/2026, 10:01", "the time of its latest cosignature, in Viet Nam"
        assert not visible_words(html) & ENGLISH, visible_words(html) & ENGLISH
        assert 'href="/log/charts?lang=vi"' in client.get("/log").text

    def test_a_log_without_witnesses_says_so(self, client: Any, api: Api) -> None:
        html = client.get("/log/charts?lang=en").text
        assert "No witness has cosigned a checkpoint of this log yet." in html
        assert len(pictures(html)) == 1
        assert "Entries in the last 30 days: 1; in the whole log: 1." in html
        assert api.head_size() == 1

    def test_the_same_figures_draw_the_same_bytes(self) -> None:
        def draw() -> str:
            return charts.bars("x", ["Bưởi Đoan Hùng", "Cà phê"], [charts.Series("Số lô", [3, 1])],
                               value_label="Số lô")

        first = draw()
        assert first == draw()
        assert "Bưởi Đoan Hùng" in first
        assert 'id="x-' in first
        assert ROOT not in first

    @pytest.mark.parametrize("horizontal", [True, False])
    def test_a_name_with_dollar_signs_is_drawn_as_written(self, horizontal: bool) -> None:
        """A GI's or holder's name is text: "$…$" must not start matplotlib's mathtext (which failed the page)."""
        drawn = charts.bars("x", ["Vải $\\foo$ loại 1", "Cà phê"], [charts.Series("Số lô", [3, 1])],
                            value_label="Số lô", horizontal=horizontal)
        assert "Vải $\\foo$ loại 1" in drawn
