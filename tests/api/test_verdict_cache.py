"""Kept verdicts: a repeated scan answers from memory, and any append makes the next scan look again."""

from fastapi.testclient import TestClient

from registry.demo import DemoSummary, scenarios
from tests.api.conftest import Api


class TestVerdictCache:
    """The cached verdict is the verdict of the log as it is now."""

    def test_a_recall_recorded_after_a_scan_shows_on_the_next_scan(self, demo: tuple[Api, DemoSummary],
                                                                   client: TestClient) -> None:
        api, _ = demo
        key = scenarios()["no_claim"][0]
        url = f"/01/{key.gtin}/10/{key.lot}"
        first = client.get(url, headers={"Accept": "application/json"})
        again = client.get(url, headers={"Accept": "application/json"})
        assert first.json()["verdict"] == again.json()["verdict"] == "authentic"
        assert first.content == again.content
        producer = first.json()["producer"]["id"]
        recalled = client.post("/api/v1/recalls", headers=api.auth(producer),
                               json={"gtin": key.gtin, "lot": key.lot, "reason": "glaze defect"})
        assert recalled.status_code == 201
        after = client.get(url, headers={"Accept": "application/json"})
        assert after.json()["verdict"] == "recalled"
        page = client.get(url, headers={"Accept": "text/html"})
        assert "Đã bị thu hồi" in page.text
