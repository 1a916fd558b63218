"""Public endpoints are rate limited per client: 429 with Retry-After once the window is used up."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.settings import Settings


def _client(database_url: str, tmp_path: Path, limit: str) -> TestClient:
    return TestClient(create_app(Settings(database_url=database_url, data_dir=tmp_path / "data", rate_limit=limit)))


class TestRateLimit:
    """Each client gets its window of public requests; health checks and an empty limit are exempt."""

    def test_requests_beyond_the_limit_get_429_with_retry_after(self, engine: Engine, database_url: str,
                                                                tmp_path: Path) -> None:
        client = _client(database_url, tmp_path, "3/minute")
        assert [client.get("/api/v1/log/key").status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get("/api/v1/log/key")
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["code"] == "rate-limited"
        assert "thử lại" in refused.json()["message"]["vi"]

    def test_the_explorer_and_the_audit_report_are_limited_too(self, engine: Engine, database_url: str,
                                                             tmp_path: Path) -> None:
        """Anyone may ask them, and the audit report costs CPU: they share the public window."""
        client = _client(database_url, tmp_path, "2/minute")
        assert [client.get(path).status_code != 429 for path in ("/log", "/log/charts")] == [True, True]
        assert client.get("/log/audit").status_code == 429

    def test_health_is_not_limited(self, engine: Engine, database_url: str, tmp_path: Path) -> None:
        client = _client(database_url, tmp_path, "1/minute")
        assert [client.get("/api/v1/health").status_code for _ in range(5)] == [200] * 5

    def test_an_empty_limit_turns_limiting_off(self, engine: Engine, database_url: str, tmp_path: Path) -> None:
        client = _client(database_url, tmp_path, "")
        assert {client.get("/api/v1/log/key").status_code for _ in range(50)} == {200}
