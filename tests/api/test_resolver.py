"""The GS1 Digital Link resolver on the demo registry: the consumer page, the verdict document with evidence a
client checks offline, RFC 9264 linksets, canonical URIs, and serial scan counting."""

import dataclasses
import hashlib
import hmac
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
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
from registry.demo import BatchKey, DemoSummary, scenarios, serialised
from registry.kinds import vietnam_today
from registry.verdict.evidence import check_evidence
from registry.verdict.shapes import DOCUMENT
from tests.api.conftest import PUBLIC_URL, Api, assert_problem

GS1 = "https://gs1.org/voc/"
JSON = {"Accept": "application/json"}
CLIENT_ADDRESS = "203.0.113.7"
"""The address the test client scans from (TEST-NET-3), which must never be stored."""
DEMO_PRODUCER = "gom-hong-phuc"
"""The demo's maker of vases, whose batch carries serials."""


_windows = ScanWindow.__table__  # type: ignore[attr-defined]
_clients = ScanClient.__table__  # type: ignore[attr-defined]


def path(key: BatchKey, serial: str | None = None) -> str:
    return DigitalLink(key.gtin, key.lot, serial).path()


def item() -> BatchKey:
    key = serialised()
    assert key is not None, "the demo has a serialised batch"
    return key


def failing(document: dict[str, Any]) -> list[str]:
    return [r["code"] for r in document["reasons"] if not r["ok"]]


@pytest.fixture
def resolver(app: FastAPI, demo: tuple[Api, DemoSummary]) -> Iterator[Api]:
    """The demo registry, resolved by a client at CLIENT_ADDRESS."""
    with TestClient(app, client=(CLIENT_ADDRESS, 50000)) as client:
        yield Api(client, app)


def genuine() -> BatchKey:
    return scenarios()["genuine"][0]


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

    @pytest.mark.parametrize(("scenario", "badge", "word"), [("recalled", "warning", "Cảnh báo"),
                                                             ("suspended_right", "invalid", "Không hợp lệ")])
    def test_shows_the_verdict_of_each_scenario(self, resolver: Api, scenario: str, badge: str, word: str) -> None:
        text = resolver.client.get(path(scenarios()[scenario][0])).text
        assert f'class="badge {badge}"' in text
        assert word in text

    @pytest.mark.parametrize(("lang", "lines"), [
        ("vi", ["<h2>Hạn sử dụng</h2>", "09/11/2026 (60 ngày kể từ ngày sản xuất) — <strong>đã hết hạn</strong>",
                "<li>TCCS 01:2026/HL</li>", "<h2>Cảnh báo an toàn</h2>",
                "Số 12 ngõ 20 phố Mễ Trì Thượng, Phường Từ Liêm, Thành phố Hà Nội",
                "<dt>Mã số thuế</dt><dd><code>9901000109</code></dd>"]),
        ("en", ["<h2>Use by</h2>", "09/11/2026 (60 days from production) — <strong>expired</strong>",
                "<h2>Safety warnings</h2><p>Do not eat if the flakes smell odd or show mould.</p>",
                "<dt>Tax code</dt>"]),
    ])
    def test_shows_the_passport_of_a_product_one_block_per_fact(self, resolver: Api, lang: str,
                                                                lines: list[str]) -> None:
        key = scenarios()["expired"][0]
        text = resolver.client.get(path(key), params={"lang": lang}).text
        assert 'class="badge warning"' in text
        assert [line for line in lines if line not in text] == []
        image = re.search(r'<img src="(/api/v1/images/[0-9a-f]{64})"', text)
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
        assert f"{batch.produced_on}</dd>" in render_verdict(link, document, "en", PUBLIC_URL)
        renamed_type = dataclasses.make_dataclass(
            "Batch", [("made_on" if f.name == "produced_on" else f.name, f.type) for f in dataclasses.fields(batch)],
            frozen=True)
        renamed = renamed_type(*(getattr(batch, f.name) for f in dataclasses.fields(batch)))
        edited = dataclasses.replace(document, verdict=dataclasses.replace(document.verdict, batch=renamed))
        with pytest.raises(UndefinedError, match="Batch has no field 'produced_on'"):
            render_verdict(link, edited, "en", PUBLIC_URL)


class TestVerdictDocument:
    """Accept: application/json gives the verdict document, whose evidence a client checks offline."""

    @pytest.mark.parametrize(("scenario", "verdict", "failed"), [
        ("genuine", "authentic", []),
        ("transformed", "authentic", []),
        ("recalled", "warning", ["not-recalled"]),
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
        assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/VerdictDocument"}
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
        response = resolver.client.get(path(genuine()), params={"linkType": "gs1:traceability"})
        assert response.json()["verdict"] == "authentic"


class TestLinkset:
    """?linkType=all or Accept: application/linkset+json give an RFC 9264 linkset of GS1 link types."""

    def check(self, response: httpx.Response, key: BatchKey) -> None:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/linkset+json"
        [entry] = response.json()["linkset"]
        anchor = f"{PUBLIC_URL}{path(key)}"
        assert entry["anchor"] == anchor
        for relation in ("pip", "traceability", "certificationInfo", "verificationService", "epcis", "defaultLink"):
            [link] = entry[GS1 + relation]
            assert link["href"].startswith(PUBLIC_URL)
            assert link["title"]
        assert entry[GS1 + "pip"][0]["href"] == anchor
        assert entry[GS1 + "pip"][0]["title*"][0]["language"] == "vi"
        certifications = f"{PUBLIC_URL}/api/v1/certifications?subject_gtin={key.gtin}"
        assert entry[GS1 + "certificationInfo"][0]["href"] == certifications

    def test_linktype_all(self, resolver: Api) -> None:
        self.check(resolver.client.get(path(genuine()), params={"linkType": "all"}), genuine())

    def test_accept_linkset_json(self, resolver: Api) -> None:
        self.check(resolver.client.get(path(genuine()), headers={"Accept": "application/linkset+json"}), genuine())

    @pytest.mark.parametrize("link_type", ["gs1:certificationInfo", f"{GS1}certificationInfo"])
    def test_one_link_type_redirects_to_its_target(self, resolver: Api, link_type: str) -> None:
        response = resolver.client.get(path(genuine()), params={"linkType": link_type}, follow_redirects=False)
        assert response.status_code == 307
        assert response.headers["location"] == f"{PUBLIC_URL}/api/v1/certifications?subject_gtin={genuine().gtin}"

    def test_verification_service_redirects_to_the_checkpoint(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), params={"linkType": "gs1:verificationService"},
                                       follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (307, f"{PUBLIC_URL}/api/v1/log/checkpoint")

    def test_epcis_redirects_to_the_batch_s_events_with_their_hash_ids(self, resolver: Api) -> None:
        key = genuine()
        response = resolver.client.get(path(key), params={"linkType": "gs1:epcis"}, follow_redirects=False)
        events_url = f"{PUBLIC_URL}/api/v1/batches/{key.gtin}/{key.lot}/epcis"
        assert (response.status_code, response.headers["location"]) == (307, events_url)
        document = resolver.client.get(events_url.removeprefix(PUBLIC_URL)).json()
        assert document["type"] == "EPCISDocument"
        events = document["epcisBody"]["eventList"]
        assert events, "the demo batch has recorded events"
        assert all(e["eventID"].startswith("ni:///sha-256;") for e in events)

    def test_an_unknown_link_type_is_a_404_problem(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), params={"linkType": "gs1:recipeInfo"})
        problem = assert_problem(response, 404, "unknown-link-type")
        assert "gs1:certificationInfo" in problem["detail"]


class TestCanonicalUris:
    """One URI per code: other spellings redirect to it, malformed paths are 404 problems."""

    def test_a_gtin_13_redirects_to_the_gtin_14_path_keeping_the_query(self, resolver: Api) -> None:
        key = genuine()
        assert key.gtin.startswith("0")
        response = resolver.client.get(f"/01/{key.gtin[1:]}/10/{key.lot}", params={"lang": "en", "region": "HN"},
                                       follow_redirects=False)
        assert response.status_code == 308
        assert response.headers["location"] == f"{path(key)}?lang=en&region=HN"

    def test_an_escaped_unreserved_character_redirects_to_the_plain_one(self, resolver: Api) -> None:
        key = genuine()
        escaped = key.lot.replace("-", "%2D", 1)
        response = resolver.client.get(f"/01/{key.gtin}/10/{escaped}", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (308, path(key))

    @pytest.mark.parametrize(("tail", "says"), [
        ("/21/S1/10/L1", "GS1 Digital Link orders the GTIN key qualifiers"),
        ("/10/L1/22/V1", "AI 22"),
        ("/10", "no value"),
        ("", "no lot"),
    ])
    def test_a_malformed_path_is_a_404_problem(self, resolver: Api, tail: str, says: str) -> None:
        problem = assert_problem(resolver.client.get(f"/01/{genuine().gtin}{tail}"), 404, "invalid-digital-link")
        assert says in problem["detail"]

    def test_a_gtin_with_a_wrong_check_digit_is_a_404_problem(self, resolver: Api) -> None:
        gtin = genuine().gtin[:-1] + str((int(genuine().gtin[-1]) + 1) % 10)
        problem = assert_problem(resolver.client.get(f"/01/{gtin}/10/L1"), 404, "invalid-digital-link")
        assert "check digit" in problem["detail"]

    def test_a_lot_with_a_slash_resolves_when_percent_encoded(self, resolver: Api) -> None:
        vase = item()
        bat_trang = {"code": "00577", "version": "2025-07-01"}
        resolver.created("/batches", {"gtin": vase.gtin, "lot": "BT-2026/11", "quantity": "10", "unit": "H87",
                                      "produced_on": "2026-11-02", "origin": bat_trang}, as_=DEMO_PRODUCER)
        assert path(BatchKey(vase.gtin, "BT-2026/11")).endswith("/10/BT-2026%2F11")
        response = resolver.client.get(f"/01/{vase.gtin}/10/BT-2026%2F11", headers=JSON)
        assert response.status_code == 200
        assert (response.json()["verdict"], response.json()["batch"]["lot"]) == ("authentic", "BT-2026/11")


class TestUnknownCodes:
    """A code no one registered: a 404 page for browsers, a problem with verdict unknown for programs."""

    def test_a_browser_gets_a_404_page(self, resolver: Api) -> None:
        response = resolver.client.get(path(BatchKey(genuine().gtin, "FAKE-0001")), headers={"Accept": "text/html"})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Không tìm thấy mã" in response.text
        assert 'class="badge unknown"' in response.text

    def test_a_program_gets_a_problem_with_verdict_unknown(self, resolver: Api) -> None:
        response = resolver.client.get(path(BatchKey(genuine().gtin, "FAKE-0001")), headers=JSON)
        problem = assert_problem(response, 404, "unknown-code")
        assert problem["verdict"] == "unknown"
        assert [(r["code"], r["ok"]) for r in problem["reasons"]] == [("batch-registered", False),
                                                                      ("product-registered", True)]

    def test_an_unknown_product_is_unknown_too(self, resolver: Api) -> None:
        response = resolver.client.get(path(BatchKey("08930000000019", "L1")), headers=JSON)
        problem = assert_problem(response, 404, "unknown-code")
        assert [(r["code"], r["ok"]) for r in problem["reasons"]] == [("batch-registered", False),
                                                                      ("product-registered", False)]


class TestResolverDescription:
    """/.well-known/gs1resolver describes the resolver."""

    def test_names_the_root_primary_key_and_link_types(self, resolver: Api) -> None:
        description = resolver.client.get("/.well-known/gs1resolver").json()
        assert description["resolverRoot"] == PUBLIC_URL
        assert description["supportedPrimaryKeys"] == ["01"]
        assert description["supportedLinkType"] == [{"namespace": GS1, "prefix": "gs1:"}]
        assert description["linkTypeDefaultCanBeLinkset"] is False
        assert description["name"]


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
            assert_problem(response, 404, "unknown-code")
        response = resolver.client.get(path(BatchKey("08930000000019", "L1"), "S1"), headers=JSON)
        assert_problem(response, 404, "unknown-code")
        assert (self.windows(resolver), self.clients(resolver)) == ([], [])

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

