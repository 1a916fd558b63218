"""Who may manage whose credentials: every token and custodial-key operation on PRODUCER's credentials, tried
with no token, an unknown token, a revoked token, PRODUCER's own token, another producer's token and the root's.

    operation                                 none/unknown/revoked  own   another producer  root
    create a token for PRODUCER               401                   201   403               201
    list PRODUCER's tokens                    401                   200   403               200
    revoke a token of PRODUCER                401                   200   404 (as unknown)  200
    add a custodial key for PRODUCER          401                   -     403               201

A refused cell leaves the token table, the log, the projections and the sealed keys as they were. The own
token's custodial-key cell is left to the registry's key rules (tests/security/test_authorisation_matrix.py).
"""

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from api.tables import ApiToken
from api.tokens import create_token_info, revoke_token
from tests.security.conftest import PRODUCER, SeededApp, assert_problem, register, token

OTHER = "coop-khac"
_tokens = ApiToken.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Credentials:
    root: str
    own: str
    other: str
    revoked: str


@pytest.fixture(scope="module")
def credentials(seeded_app: SeededApp) -> Credentials:
    register(seeded_app.registry, OTHER, ("producer",))
    revoked = token(seeded_app.engine, PRODUCER)
    with seeded_app.engine.begin() as connection:
        assert revoke_token(connection, revoked)
    return Credentials(seeded_app.tokens.root_token, seeded_app.tokens.producer_token, token(seeded_app.engine, OTHER),
                       revoked)


def target_id(seeded_app: SeededApp) -> str:
    """The id of a fresh token of PRODUCER."""
    with seeded_app.engine.begin() as connection:
        return create_token_info(connection, PRODUCER, "target")[1].id


def token_rows(seeded_app: SeededApp) -> tuple[int, int]:
    with seeded_app.engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(_tokens)).scalar_one()
        revoked = connection.execute(select(func.count()).select_from(_tokens).where(
            _tokens.c.revoked_at.is_not(None))).scalar_one()
    return int(total), int(revoked)


Request = Callable[[dict[str, str]], httpx.Response]
"""An operation ready to send with the given headers."""


def _revoke(s: SeededApp) -> Request:
    token_id = target_id(s)
    return lambda h: s.client.post(f"/api/v1/tokens/{token_id}/revoke", headers=h)


OPERATIONS: dict[str, Callable[[SeededApp], Request]] = {
    "create": lambda s: lambda h: s.client.post("/api/v1/tokens", json={"organisation": PRODUCER}, headers=h),
    "list": lambda s: lambda h: s.client.get("/api/v1/tokens", params={"organisation": PRODUCER}, headers=h),
    "revoke": _revoke,
    "custodial-key": lambda s: lambda h: s.client.post("/api/v1/keys/custodial", json={"organisation": PRODUCER},
                                                       headers=h),
}
ALLOWED = {("create", "own"): 201, ("create", "root"): 201, ("list", "own"): 200, ("list", "root"): 200,
           ("revoke", "own"): 200, ("revoke", "root"): 200, ("custodial-key", "root"): 201}
REFUSED = {"other": {"create": (403, "not-root-authority"), "list": (403, "not-root-authority"),
                     "revoke": (404, "unknown-token"), "custodial-key": (403, "not-yours")}}
CALLERS = ["none", "unknown", "revoked", "own", "other", "root"]
CELLS = [(operation, caller) for operation in OPERATIONS for caller in CALLERS
         if (operation, caller) != ("custodial-key", "own")]


def headers(credentials: Credentials, caller: str) -> dict[str, str]:
    value = {"unknown": "ngn_" + "A" * 43, "revoked": credentials.revoked, "own": credentials.own,
             "other": credentials.other, "root": credentials.root}.get(caller)
    return {} if value is None else {"Authorization": f"Bearer {value}"}


@pytest.mark.parametrize(("operation", "caller"), CELLS)
def test_credential_operations_by_caller(seeded_app: SeededApp, credentials: Credentials, operation: str,
                                         caller: str) -> None:
    send = OPERATIONS[operation](seeded_app)
    if (operation, caller) in ALLOWED:
        response = send(headers(credentials, caller))
        assert response.status_code == ALLOWED[operation, caller], response.text
        assert "token_hash" not in response.text
        return
    status, code = REFUSED.get(caller, {}).get(operation, (401, "token-required" if caller == "none" else
                                                                "token-invalid"))
    before = token_rows(seeded_app)
    with seeded_app.nothing_appended():
        response = send(headers(credentials, caller))
    assert_problem(response, status, code)
    assert token_rows(seeded_app) == before
