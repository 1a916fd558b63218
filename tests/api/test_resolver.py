"""The GS1 Digital Link resolver on the demo registry: the consumer page, the verdict document with evidence a
client checks offline, and serial scan counting (GS1-Conformant Resolver 1.2 itself: test_resolver_conformance.py;
pages and headers for browsers: test_resolver_pages.py)."""

import dataclasses
import hashlib
import hmac
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jinja2 import UndefinedError
from sqlalchemy import select

from api.digital_link import DigitalLink
from api.pages.consumer import render_verdict
from api.scans import WARN_CLIENTS, WARN_DAYS, client_id, client_key
from api.settings import Settings, load_secret
from api.tables import ScanClient, ScanWindow
from ledger.store.sql import SqlView
from registry.demo import BatchKey, scenarios
from registry.kinds import vietnam_today
from registry.verdict.evidence import check_evidence
from registry.verdict.shapes import DOCUMENT
from registry.words import day
from tests.api.conftest import PUBLIC_URL, Api, assert_problem
from tests.api.resolving import (
    CLIENT_ADDRESS,
    JSON,
    UNKNOWN_GTIN,
    failing,
    genuine,
    item,
    path,
)

_windows = ScanWindow.__table__  # type: ignore[attr-defined]
_clients = ScanClient.__table__  # type: ignore[attr-defined]


class TestConsumerPage:
    """Browsers get the page in Vietnamese unless they ask for English."""

    def test_is_html_in_vietnamese_by_default(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), headers={"Accept": "text/html"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert '<html lang="vi">' in response.text
        assert "Chính hãng" in response.text

    def test_is_html_for_a_client_that_accepts_anything(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), headers={"Accept": "*/*"})
        assert response.headers["content-type"].startswith("text/html")

    def test_lang_en_gives_english(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), params={"lang": "en"})
        assert '<html lang="en">' in response.text
        assert "Authentic" in response.text

    def test_accept_language_en_gives_english(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), headers={"Accept-Language": "en-GB,en;q=0.9,vi;q=0.5"})
        assert '<html lang="en">' in response.text

    def test_lang_overrides_accept_language(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), params={"lang": "vi"}, headers={"Accept-Language": "en"})
        assert '<html lang="vi">' in response.text

    @pytest.mark.parametrize(("scenario", "outcome", "word"), [("recalled", "recalled", "Đã bị thu hồi"),
                                                               ("recalled_input", "warning", "Cảnh báo"),
                                                               ("suspended_right", "invalid", "Không hợp lệ")])
    def test_shows_the_verdict_of_each_scenario(self, resolver: Api, scenario: str, outcome: str, word: str) -> None:
        text = resolver.client.get(path(scenarios()[scenario][0])).text
        assert f'class="verdict {outcome}"' in text
        assert word in text

    @pytest.mark.parametrize(("lang", "lines"), [
        ("vi", ["Hạn sử dụng", '<strong class="status-bad">09/11/2026 — đã hết hạn</strong>',
                "60 ngày kể từ ngày sản xuất", "TCCS 01:2026/HL", "<strong>Cảnh báo an toàn:</strong>",
                "Số 12 ngõ 20 phố Mễ Trì Thượng", "Phường Từ Liêm, Thành phố Hà Nội", "Mã số thuế 9901000109"]),
        ("en", ["Use by", '<strong class="status-bad">9 November 2026 — expired</strong>',
                "60 days from production",
                "<strong>Safety warnings:</strong> Do not eat if the flakes smell odd or show mould.",
                "Tax code 9901000109"]),
    ])
    def test_shows_the_passport_of_a_product_one_block_per_fact(self, resolver: Api, lang: str,
                                                                lines: list[str]) -> None:
        key = scenarios()["expired"][0]
        text = resolver.client.get(path(key), params={"lang": lang}).text
        assert 'class="verdict warning"' in text
        assert [line for line in lines if line not in text] == []
        image = re.search(r'<img class="product-image" src="(/api/v1/images/[0-9a-f]{64})"', text)
        assert image is not None
        assert resolver.client.get(image.group(1)).headers["content-type"] == "image/png"

    def test_the_page_reads_the_typed_document_and_a_renamed_field_breaks_it(self, app: FastAPI,
                                                                            resolver: Api) -> None:
        key, services = genuine(), app.state.services
        with services.log.store.read() as view:
            assert isinstance(view, SqlView)
            document = services.batch_verdict(view, key.gtin, key.lot, vietnam_today(),
                                              services.published(view)).document
        link, batch = DigitalLink(key.gtin, key.lot), document.verdict.batch
        assert batch is not None
        assert f"{day(batch.produced_on, 'en')}</dd>" in render_verdict(link, document, "en", PUBLIC_URL)
        renamed_type = dataclasses.make_dataclass(
            "Batch", [("made_on" if f.name == "produced_on" else f.name, f.type) for f in dataclasses.fields(batch)],
            frozen=True)
        renamed = renamed_type(*(getattr(batch, f.name) for f in dataclasses.fields(batch)))
        edited = dataclasses.replace(document, verdict=dataclasses.replace(document.verdict, batch=renamed))
        with pytest.raises((UndefinedError, AttributeError), match="produced_on"):
            render_verdict(link, edited, "en", PUBLIC_URL)


class TestVerdictDocument:
    """Accept: application/json gives the verdict document, whose evidence a client checks offline."""

    @pytest.mark.parametrize(("scenario", "verdict", "failed"), [
        ("genuine", "authentic", []),
        ("transformed", "authentic", []),
        ("recalled", "recalled", ["not-recalled"]),
        ("recalled_input", "warning", ["inputs-not-recalled"]),
        ("suspended_right", "invalid", ["claim-valid-at-production", "claim-valid-at-registration"]),
        ("wrongly_suspended", "authentic", []),
        ("expired_right", "authentic", []),
        ("expired", "warning", ["not-expired"]),
    ])
    def test_gives_the_expected_verdict_with_its_reasons(self, resolver: Api, scenario: str, verdict: str,
                                                         failed: list[str]) -> None:
        key = scenarios()[scenario][0]
        response = resolver.client.get(path(key), headers=JSON)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        document = response.json()
        assert document["verdict"] == verdict
        assert failing(document) == failed
        assert (document["batch"]["gtin"], document["batch"]["lot"]) == (key.gtin, key.lot)
        for reason in document["reasons"]:
            assert reason["message"]["vi"] != reason["message"]["en"]
        assert DOCUMENT.model_validate(document).model_dump(mode="json") == document

    def test_the_openapi_document_describes_the_verdict_document(self, resolver: Api) -> None:
        spec = resolver.client.get("/openapi.json").json()
        content = spec["paths"]["/01/{rest}"]["get"]["responses"]["200"]["content"]
        assert content["application/json"]["schema"] == {"anyOf": [{"$ref": "#/components/schemas/VerdictDocument"},
                                                                    {"$ref": "#/components/schemas/ProductAnswer"}]}
        assert {"text/html", "application/linkset+json"} <= set(content)
        described = spec["components"]["schemas"]["VerdictDocument"]
        assert set(described["required"]) == set(resolver.client.get(path(genuine()), headers=JSON).json())

    def test_evidence_proves_every_entry_against_the_signed_checkpoint(self, resolver: Api) -> None:
        document = resolver.client.get(path(genuine()), headers=JSON).json()
        checkpoint = check_evidence(document["evidence"], resolver.log_key())
        assert checkpoint.size == resolver.size()
        indices = {item["index"] for item in document["evidence"]["entries"]}
        assert document["batch"]["entry"] in indices
        assert document["product"]["entry"] in indices

    def test_linktype_traceability_gives_the_document(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), params={"linkType": "gs1:traceability"}, headers=JSON)
        assert response.history[0].status_code == 307
        assert response.json()["verdict"] == "authentic"


class TestReportContact:
    """NGUON_REPORT_CONTACT names whom shoppers tell about a product that is not valid or not registered."""

    @pytest.fixture
    def settings(self, database_url: str, tmp_path: Path) -> Settings:
        contact = '{"vi": "Đội Quản lý thị trường số 1, Hà Nội, 024 3826 0000", "en": "Hanoi market team no. 1"}'
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("NGUON_REPORT_CONTACT", contact)
            return Settings(database_url=database_url, data_dir=tmp_path / "data", public_url=PUBLIC_URL,
                            rate_limit="")

    def test_the_invalid_and_unknown_pages_name_the_deployments_contact(self, resolver: Api) -> None:
        for key in (scenarios()["suspended_right"][0], BatchKey(UNKNOWN_GTIN, "FAKE-0001")):
            vi = resolver.client.get(path(key), params={"lang": "vi"}).text
            en = resolver.client.get(path(key), params={"lang": "en"}).text
            assert "Báo cho: Đội Quản lý thị trường số 1, Hà Nội, 024 3826 0000." in vi
            assert "Report it to Hanoi market team no. 1." in en

    def test_a_made_up_lot_and_an_unknown_gtin_name_it_too(self, resolver: Api) -> None:
        for url in (path(BatchKey(genuine().gtin, "FAKE-0001")), f"/01/{UNKNOWN_GTIN}"):
            vi = resolver.client.get(url, params={"lang": "vi"}).text
            en = resolver.client.get(url, params={"lang": "en"}).text
            assert "báo cho Đội Quản lý thị trường số 1, Hà Nội, 024 3826 0000." in vi
            assert "report it to Hanoi market team no. 1." in en

    def test_one_text_serves_both_languages_and_an_empty_one_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("NGUON_REPORT_CONTACT", "Chi cục QLTT, 1900 0000")
        assert Settings().report_contact.model_dump() == {"vi": "Chi cục QLTT, 1900 0000",
                                                           "en": "Chi cục QLTT, 1900 0000"}
        monkeypatch.setenv("NGUON_REPORT_CONTACT", " ")
        with pytest.raises(ValueError, match="NGUON_REPORT_CONTACT is empty"):
            Settings()


class TestSerialScans:
    """Resolving an issued serial counts a scan per reader and day, off the request's path and without the reader's
    address; many readers on many days warn, one reader or one day's crowd does not."""

    def windows(self, api: Api) -> list[tuple[str, str, str, str, int]]:
        api.services.scans.flush()
        with api.engine.connect() as connection:
            rows = connection.execute(select(_windows).order_by(_windows.c.serial, _windows.c.day)).all()
        return [(row.gtin, row.lot, row.serial, row.day, row.scans) for row in rows]

    def clients(self, api: Api) -> list[dict[str, Any]]:
        api.services.scans.flush()
        with api.engine.connect() as connection:
            return [dict(r) for r in connection.execute(select(_clients)).mappings()]

    def scan(self, client: TestClient, serial: str, **params: str) -> dict[str, Any]:
        response = client.get(path(item(), serial), params=params, headers=JSON)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    def reader(self, app: FastAPI, number: int) -> TestClient:
        """A client at its own address (TEST-NET-2), as a different phone would be."""
        return TestClient(app, client=(f"198.51.100.{number}", 40000 + number))

    def test_an_issued_serial_is_counted_per_day(self, resolver: Api) -> None:
        key = item()
        resolver.client.get(path(key, "BT260000001"))
        self.scan(resolver.client, "BT260000001")
        self.scan(resolver.client, "BT260000002")
        today = resolver.services.scans.today().isoformat()
        assert self.windows(resolver) == [(key.gtin, key.lot, "BT260000001", today, 2),
                                          (key.gtin, key.lot, "BT260000002", today, 1)]

    def test_a_linkset_or_redirect_is_not_a_scan(self, resolver: Api) -> None:
        resolver.client.get(path(item(), "BT260000001"), params={"linkType": "all"})
        resolver.client.get(path(item(), "BT260000001"), params={"linkType": "gs1:certificationInfo"},
                            follow_redirects=False)
        assert self.windows(resolver) == []

    def test_a_serial_never_issued_stores_nothing(self, resolver: Api) -> None:
        # Serials are counted upwards: the next one the producer will issue is the one to poison.
        for _ in range(3):
            assert self.scan(resolver.client, "BT260000151")["verdict"] == "invalid"
        assert (self.windows(resolver), self.clients(resolver)) == ([], [])

    def test_a_batch_that_does_not_exist_stores_nothing(self, resolver: Api) -> None:
        for lot in ("FAKE-0001", "FAKE-0002"):
            response = resolver.client.get(path(BatchKey(item().gtin, lot), "BT260000001"), headers=JSON)
            assert (response.status_code, response.json()["requested"]["registered"]) == (200, False)
        response = resolver.client.get(path(BatchKey(UNKNOWN_GTIN, "L1"), "S1"), headers=JSON)
        assert_problem(response, 404, "unknown-code")
        assert (self.windows(resolver), self.clients(resolver)) == ([], [])

    def test_a_head_request_is_not_a_scan(self, resolver: Api) -> None:
        assert resolver.client.head(path(item(), "BT260000001")).status_code == 200
        assert self.windows(resolver) == []

    def test_stores_a_keyed_hash_of_the_reader_never_its_address(self, resolver: Api, settings: Settings) -> None:
        key = item()
        self.scan(resolver.client, "BT260000001")
        [row] = self.clients(resolver)
        expected = client_id(client_key(load_secret(settings)), key.gtin, key.lot, "BT260000001", CLIENT_ADDRESS)
        assert row["client"] == expected
        assert not any(CLIENT_ADDRESS in str(value) for value in row.values())
        assert row["client"] != hmac.new(load_secret(settings), CLIENT_ADDRESS.encode(),
                                         hashlib.sha256).hexdigest()[:32]

    def test_one_reader_naming_many_regions_on_many_days_does_not_warn(self, resolver: Api) -> None:
        counter = resolver.services.scans
        start = counter.today()
        verdicts = []
        for n, region in enumerate(("HN", "HCM", "DN", "CT", "HP", "QN", "KH", "LA") * 5):
            moment = datetime.combine(start - timedelta(days=n % (WARN_DAYS + 1)), time(12), UTC)
            counter.clock = lambda moment=moment: moment
            verdicts.append(self.scan(resolver.client, "BT260000005", region=region)["verdict"])
        counter.clock = lambda: datetime.combine(start, time(12), UTC)
        counter.flush()
        document = self.scan(resolver.client, "BT260000005", region="XX")
        assert set(verdicts) == {"authentic"}
        assert (document["verdict"], failing(document)) == ("authentic", [])
        rows = self.clients(resolver)
        assert (len(rows), len({row["client"] for row in rows})) == (WARN_DAYS + 1, 1), "one reader, on each day"
        assert sum(row[4] for row in self.windows(resolver)) == 41

    def test_many_readers_on_one_day_do_not_warn(self, app: FastAPI, resolver: Api) -> None:
        for number in range(1, 2 * WARN_CLIENTS):
            self.scan(self.reader(app, number), "BT260000006")
        resolver.services.scans.flush()
        document = self.scan(resolver.client, "BT260000006")
        assert (document["verdict"], failing(document)) == ("authentic", [])

    def test_many_readers_on_many_days_warn(self, app: FastAPI, resolver: Api) -> None:
        counter = resolver.services.scans
        start = counter.today()
        for number in range(1, WARN_CLIENTS):
            moment = datetime.combine(start - timedelta(days=number % WARN_DAYS), time(12), UTC)
            counter.clock = lambda moment=moment: moment
            self.scan(self.reader(app, number), "BT260000007")
        counter.clock = lambda: datetime.combine(start, time(12), UTC)
        counter.flush()
        assert self.scan(self.reader(app, 1), "BT260000007")["verdict"] == "authentic"
        self.scan(self.reader(app, WARN_CLIENTS), "BT260000007")
        counter.flush()
        document = self.scan(self.reader(app, 1), "BT260000007")
        assert (document["verdict"], failing(document)) == ("warning", ["scans-plausible"])
        assert self.scan(self.reader(app, 1), "BT260000008")["verdict"] == "authentic"

    def test_a_serial_never_issued_is_invalid(self, resolver: Api) -> None:
        document = self.scan(resolver.client, "FAKE-SERIAL")
        assert (document["verdict"], failing(document)) == ("invalid", ["serial-issued"])

    def test_the_page_of_an_item_shows_its_serial(self, resolver: Api) -> None:
        response = resolver.client.get(path(item(), "BT260000001"))
        assert response.status_code == 200
        assert "BT260000001" in response.text

