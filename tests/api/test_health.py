"""Liveness (`/api/v1/health`, `/api/v1/health/live`: no database) and readiness (`/api/v1/health/ready`: the
database answers and is at this code's migration head, else a 503 problem saying why in both languages)."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from api.migrations import downgrade, upgrade
from api.routes.health import code_revision
from api.settings import Settings
from tests.checks import assert_problem


def _client(database_url: str, tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(database_url=database_url, data_dir=tmp_path / "data",
                                          rate_limit="1/minute")))


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


class TestLiveness:
    def test_live_and_health_answer_ok_and_are_never_rate_limited(self, engine: Engine, database_url: str,
                                                                  tmp_path: Path) -> None:
        client = _client(database_url, tmp_path)
        for path in ("/api/v1/health", "/api/v1/health/live", "/api/v1/health/ready"):
            answers = [client.get(path) for _ in range(3)]
            assert [a.status_code for a in answers] == [200, 200, 200], path
        assert client.get("/api/v1/health/live").json() == {"status": "ok"}

    def test_liveness_does_not_touch_the_database(self, tmp_path: Path) -> None:
        # A database nobody can reach: the process is alive all the same.
        client = _client("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1", tmp_path)
        assert client.get("/api/v1/health").json() == {"status": "ok"}
        assert client.get("/api/v1/health/live").status_code == 200


class TestReadiness:
    def test_ready_when_the_database_is_at_the_code_s_head(self, engine: Engine, database_url: str,
                                                          tmp_path: Path) -> None:
        assert _revision(engine) == code_revision()
        answer = _client(database_url, tmp_path).get("/api/v1/health/ready")
        assert answer.status_code == 200
        assert answer.json() == {"status": "ready"}

    def test_not_ready_while_migrations_are_pending(self, engine: Engine, database_url: str, tmp_path: Path) -> None:
        client = _client(database_url, tmp_path)
        downgrade(database_url, "-1")
        behind = _revision(engine)
        assert behind is not None
        assert behind != code_revision()
        answer = client.get("/api/v1/health/ready")
        assert_problem(answer, 503, "migrations-pending")
        assert answer.headers["retry-after"] == "5"
        assert behind in answer.json()["message"]["en"]
        assert code_revision() in answer.json()["message"]["en"]
        assert "chưa sẵn sàng" in answer.json()["message"]["vi"]
        assert client.get("/api/v1/health/live").status_code == 200, "pending migrations do not make it dead"

    def test_not_ready_on_a_database_never_migrated(self, database_url: str, tmp_path: Path) -> None:
        answer = _client(database_url, tmp_path).get("/api/v1/health/ready")
        assert_problem(answer, 503, "migrations-pending")
        assert "none" in answer.json()["message"]["en"]
        assert "chưa có" in answer.json()["message"]["vi"]

    def test_not_ready_when_the_database_does_not_answer(self, tmp_path: Path) -> None:
        client = _client("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1", tmp_path)
        answer = client.get("/api/v1/health/ready")
        assert_problem(answer, 503, "database-unreachable")
        assert "cơ sở dữ liệu không trả lời" in answer.json()["message"]["vi"]
        assert "does not answer" in answer.json()["message"]["en"]

    def test_ready_again_once_migrated(self, engine: Engine, database_url: str, tmp_path: Path) -> None:
        client = _client(database_url, tmp_path)
        downgrade(database_url, "-1")
        assert client.get("/api/v1/health/ready").status_code == 503
        upgrade(database_url)
        assert client.get("/api/v1/health/ready").status_code == 200
