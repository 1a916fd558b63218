"""Liveness and readiness, for a load balancer or an orchestrator.

- `/api/v1/health` and `/api/v1/health/live`: the process answers (no database): restart it when it does not.
- `/api/v1/health/ready`: it can serve, so send it traffic: the database answers and its schema is the one
  this code was written for (its Alembic revision is the head shipped with the code). Otherwise 503 with a
  problem saying which: the database is unreachable, or migrations are pending (`nguon db upgrade`).

The head revision is read from the migration scripts once per process; each readiness check is one small
query (the alembic_version row). There is no read replica yet, so no replica lag to be ready or not about.
"""

from functools import lru_cache

from alembic.script import ScriptDirectory
from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ServicesDep
from api.migrations import alembic_config
from api.openapi import problem_responses
from api.outputs import HealthOut
from api.problems import ApiProblem

router = APIRouter(prefix="/api/v1/health", tags=["operations"])


@lru_cache(maxsize=1)
def code_revision() -> str:
    """The Alembic head revision of the migrations shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None  # noqa: S101  (the package ships its migrations)
    return head


def _alive() -> dict[str, str]:
    return {"status": "ok"}


@router.get("", response_model=HealthOut)
def health() -> dict[str, str]:
    """Liveness: answers without touching the database (the same as `/api/v1/health/live`)."""
    return _alive()


@router.get("/live", response_model=HealthOut)
def live() -> dict[str, str]:
    """Liveness: the process answers; nothing else is checked (no database)."""
    return _alive()


@router.get("/ready", response_model=HealthOut, responses=problem_responses(503))
def ready(services: ServicesDep) -> dict[str, str]:
    """Readiness: 200 when the database answers and its schema is at this code's migration head; 503 with
    the reason (the database is unreachable, or migrations are pending) otherwise."""
    head = code_revision()
    try:
        with services.engine.connect() as connection:
            try:
                revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except SQLAlchemyError:
                revision = None  # no alembic_version table: never migrated
    except SQLAlchemyError as exc:
        raise ApiProblem(503, "database-unreachable", "not ready: the database does not answer",
                         "chưa sẵn sàng: cơ sở dữ liệu không trả lời", {"Retry-After": "5"}) from exc
    if revision != head:
        raise ApiProblem(503, "migrations-pending", f"not ready: the database schema is at revision "
                         f"{revision or 'none'}, this code needs {head}; run `nguon db upgrade`",
                         f"chưa sẵn sàng: lược đồ cơ sở dữ liệu đang ở phiên bản {revision or 'chưa có'}, mã chương "
                         f"trình cần phiên bản {head}; hãy chạy `nguon db upgrade`", {"Retry-After": "5"})
    return {"status": "ready"}
