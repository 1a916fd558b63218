"""A real `nguon serve --workers 2`: writes and scans answered by either worker, then /metrics (whichever worker
answers the scrape) adds up both workers' figures; its log lines are JSON objects with each request's id."""

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import ServeFactory

ROOT = "ipvietnam"
WRITES = 12
SCANS = 30


def samples(base_url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = httpx.get(f"{base_url}/metrics")
    assert answer.status_code == 200, answer.text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def organisation(number: int) -> dict[str, Any]:
    return {"id": f"htx-{number}", "names": {"vi": f"Hợp tác xã số {number}", "en": f"Cooperative {number}"},
            "roles": ["producer"]}


def test_two_workers_one_scrape(serve: ServeFactory, tmp_path: Path) -> None:
    with serve("--workers", "2", "--log-format", "json") as server:
        base = server.base_url
        server.cli("demo")
        token = server.cli("tokens", "create", "--org", ROOT).strip()
        batches = httpx.get(f"{base}/api/v1/batches", params={"limit": 3}).json()["items"]
        assert len(batches) == 3

        def write(number: int) -> int:
            # A connection of its own per request: the kernel hands connections to either worker.
            return httpx.post(f"{base}/api/v1/organisations", json=organisation(number),
                              headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code

        def scan(number: int) -> int:
            batch = batches[number % len(batches)]
            return httpx.get(f"{base}/01/{batch['gtin']}/10/{batch['lot']}", headers={"Accept": "application/json"},
                             timeout=30).status_code

        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(write, range(WRITES))) == [201] * WRITES
            assert list(pool.map(scan, range(SCANS))) == [200] * SCANS

        figures = samples(base)
        files = list((tmp_path / "data" / "metrics").glob("*.db"))
        pids = {file.stem.rsplit("_", 1)[-1] for file in files}
        assert len(pids) >= 2, f"each worker keeps its own file: {sorted(f.name for f in files)}"

        def value(name: str, **labels: str) -> float:
            return figures.get((name, frozenset(labels.items())), 0.0)

        assert value("nguon_http_requests_total", method="POST", route="/api/v1/organisations",
                     status="201") == WRITES
        assert value("nguon_http_requests_total", method="GET", route="/01/{rest:path}", status="200") == SCANS
        assert value("nguon_statements_appended_total", family="organisation") == WRITES, \
            "the demo was loaded by the command line, not by the server"
        assert value("nguon_commit_statements_sum") == WRITES
        assert 1 <= value("nguon_commit_statements_count") <= WRITES
        # Each batch judged at least once, by whichever worker; then mostly from each worker's cache (two scans of
        # the same batch arriving together may both judge it).
        assert 3 <= value("nguon_verdict_seconds_count", level="batch") < SCANS
        assert value("nguon_verdict_seconds_sum", level="batch") > 0
        assert value("nguon_log_checkpoint_size") == int(httpx.get(f"{base}/api/v1/log/checkpoint").text
                                                         .splitlines()[1])

        answer = httpx.get(f"{base}/api/v1/health/ready", headers={"X-Request-ID": "probe-e2e-1"})
        assert answer.status_code == 200
        assert answer.headers["x-request-id"] == "probe-e2e-1"

    lines = [line for log in tmp_path.glob("serve-*.log") for line in log.read_text().splitlines() if line.strip()]
    documents = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [d for d in documents if d["logger"] == "nguon.access"]
    assert len(access) >= WRITES + SCANS
    probe = next(d for d in access if d.get("request_id") == "probe-e2e-1")
    assert (probe["method"], probe["route"], probe["status"]) == ("GET", "/api/v1/health/ready", 200)
    assert token not in "\n".join(lines)
