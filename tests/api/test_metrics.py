"""GET /metrics: appends by kind family, commit group sizes, verdict latency, rate-limit refusals, witness lag and
HTTP requests by route template, in the Prometheus text format; off, or restricted to addresses, when asked."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, insert

from api.app import create_app
from api.settings import Settings
from ledger.core.cosignature import CosignatureSigner
from ledger.witness.tables import LogCosignature
from tests.api.conftest import LOG_ORIGIN, PUBLIC_URL, Api, make_batch
from tests.api.resolving import JSON
from tests.checks import log_size
from tests.factories import GTIN

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    """Every sample of /metrics by (name, labels)."""
    answer = client.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(answer.text) for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def with_name(samples: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: v for (n, labels), v in samples.items() if n == name}


@pytest.fixture
def settings_of(database_url: str, tmp_path: Path) -> Any:
    def made(**overrides: Any) -> Settings:
        return Settings(**{"database_url": database_url, "data_dir": tmp_path / "data", "log_origin": LOG_ORIGIN,
                           "public_url": PUBLIC_URL, "rate_limit": "", **overrides})
    return made


@pytest.fixture
def client_of(engine: Engine, settings_of: Any) -> Iterator[Any]:
    clients: list[TestClient] = []

    def made(client: tuple[str, int] = ("testclient", 50000), **overrides: Any) -> TestClient:
        test_client = TestClient(create_app(settings_of(**overrides)), client=client)
        clients.append(test_client.__enter__())
        return test_client

    yield made
    for test_client in clients:
        test_client.__exit__(None, None, None)


class TestAppends:
    def test_statements_are_counted_by_kind_family_and_commits_by_their_size(self, api: Api,
                                                                           batch: dict[str, Any]) -> None:
        samples = scrape(api.client)
        families = {dict(labels)["family"]: v for labels, v in with_name(samples, "nguon_statements_appended_total")
                    .items()}
        # Entry 0 (the root's bootstrap) was appended through the same registry, so it counts too.
        assert families == {"organisation": 3, "prefix": 2, "product": 1, "batch": 1}
        size = api.head_size()
        assert sum(families.values()) == size == 7
        assert value(samples, "nguon_commit_statements_sum") == size
        assert value(samples, "nguon_commit_statements_count") == size, "one statement per request, one commit each"
        assert value(samples, "nguon_commit_statements_bucket", le="1.0") == size
        assert value(samples, "nguon_commit_submissions_sum") == size

    def test_a_refused_write_appends_nothing_and_counts_nothing(self, api: Api, batch: dict[str, Any]) -> None:
        before = scrape(api.client)
        with api.nothing_appended():
            assert api.client.post("/api/v1/batches", json=make_batch(),
                                   headers={"Authorization": "Bearer not-a-token"}).status_code == 401
        after = scrape(api.client)
        assert with_name(after, "nguon_statements_appended_total") == with_name(
            before, "nguon_statements_appended_total")
        assert value(after, "nguon_commit_statements_count") == value(before, "nguon_commit_statements_count")


class TestVerdicts:
    def test_a_fresh_verdict_is_timed_and_a_cached_one_is_not(self, api: Api, batch: dict[str, Any]) -> None:
        path = f"/01/{GTIN}/10/{make_batch()['lot']}"
        assert value(scrape(api.client), "nguon_verdict_seconds_count", level="batch") == 0
        for _ in range(3):
            assert api.client.get(path, headers=JSON).status_code == 200
        samples = scrape(api.client)
        assert value(samples, "nguon_verdict_seconds_count", level="batch") == 1
        assert 0 < value(samples, "nguon_verdict_seconds_sum", level="batch") < 5


class TestRequests:
    def test_requests_are_counted_by_route_template_never_by_path(self, api: Api, batch: dict[str, Any]) -> None:
        for index in range(3):
            assert api.client.get(f"/api/v1/log/entries/{index}").status_code == 200
        assert api.client.get("/api/v1/log/entries/99").status_code == 404
        assert api.client.get("/no/such/path/secret-abc").status_code == 404
        samples = scrape(api.client)
        requests = with_name(samples, "nguon_http_requests_total")
        assert value(samples, "nguon_http_requests_total", method="GET", route="/api/v1/log/entries/{index}",
                     status="200") == 3
        assert value(samples, "nguon_http_requests_total", method="GET", route="/api/v1/log/entries/{index}",
                     status="404") == 1
        assert value(samples, "nguon_http_requests_total", method="GET", route="unmatched", status="404") == 1
        assert value(samples, "nguon_http_requests_total", method="POST", route="/api/v1/batches", status="201") == 1
        routes = {dict(labels)["route"] for labels in requests}
        assert not [route for route in routes if "secret" in route or "/entries/9" in route or "/entries/1" in route]
        assert value(samples, "nguon_http_request_duration_seconds_count", method="GET",
                     route="/api/v1/log/entries/{index}") == 4

    def test_unknown_methods_share_one_label(self, api: Api) -> None:
        api.client.request("PROPFIND", "/api/v1/log/key")
        api.client.request("BREW", "/api/v1/log/key")
        methods = {dict(labels)["method"] for labels in with_name(scrape(api.client), "nguon_http_requests_total")}
        assert methods == {"other"}, "the scrape counts itself after it has answered"


class TestRefusals:
    def test_each_rate_limited_request_is_counted(self, client_of: Any) -> None:
        client = client_of(rate_limit="2/minute")
        statuses = [client.get("/api/v1/log/key").status_code for _ in range(5)]
        assert statuses == [200, 200, 429, 429, 429]
        samples = scrape(client)  # /metrics itself is not limited
        assert value(samples, "nguon_rate_limited_total") == 3
        # Refused before the router ran, still counted under its route's template.
        assert value(samples, "nguon_http_requests_total", method="GET", route="unmatched", status="429") == 0
        assert value(samples, "nguon_http_requests_total", method="GET", route="/api/v1/log/key", status="429") == 3


class TestWitnessLag:
    def test_each_witness_lag_is_the_latest_checkpoint_beyond_its_newest_cosignature(
            self, client_of: Any, engine: Engine) -> None:
        fast, slow = CosignatureSigner.generate("w1.test/w"), CosignatureSigner.generate("w2.test/w")
        # Witnesses nobody listens for: the submitter's attempts fail (and back off); the cosignatures a
        # witness would have given are stored as the submitter stores them.
        client = client_of(witnesses=[f"http://127.0.0.1:9/w1 {fast.verifier.to_text()}",
                                      f"http://127.0.0.1:9/w2 {slow.verifier.to_text()}"])
        services = client.app.state.services
        services.registry.bootstrap("ipvietnam", {"vi": "Cục Sở hữu trí tuệ", "en": "IP Viet Nam"})
        size = log_size(services.log.store)
        with engine.begin() as connection:
            connection.execute(insert(LogCosignature), [{"size": size, "witness": "w1.test/w", "line": "—",
                                                         "timestamp": 0}])
        samples = scrape(client)
        assert value(samples, "nguon_log_checkpoint_size") == size == 1
        assert value(samples, "nguon_witness_lag_entries", witness="w1.test/w") == 0
        assert value(samples, "nguon_witness_lag_entries", witness="w2.test/w") == 1

    def test_without_witnesses_there_is_no_witness_lag(self, api: Api) -> None:
        samples = scrape(api.client)
        assert value(samples, "nguon_log_checkpoint_size") == 1
        assert with_name(samples, "nguon_witness_lag_entries") == {}


class TestAccess:
    def test_metrics_off_serves_nothing(self, client_of: Any) -> None:
        client = client_of(metrics=False)
        assert client.get("/metrics").status_code == 404
        assert client.get("/api/v1/health").status_code == 200

    def test_only_listed_addresses_may_read_them(self, client_of: Any) -> None:
        inside = client_of(client=("10.1.2.3", 40000), metrics_allow=["10.0.0.0/8", "::1"])
        outside = client_of(client=("192.0.2.7", 40000), metrics_allow=["10.0.0.0/8", "::1"])
        assert scrape(inside)
        refused = outside.get("/metrics")
        assert refused.status_code == 403
        assert refused.json()["code"] == "metrics-not-allowed"
        assert refused.json()["message"]["vi"] != refused.json()["message"]["en"]
        assert "nguon_" not in refused.text

    def test_a_listed_address_that_is_no_address_is_refused_at_start_up(self, settings_of: Any) -> None:
        with pytest.raises(ValueError, match="is not an IP address"):
            settings_of(metrics_allow=["metrics.example"])
