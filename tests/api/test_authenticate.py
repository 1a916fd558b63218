"""Tokens checked before the body: which requests the check covers, what it answers, and that the route takes
the organisation it found instead of looking the token up again. (The body never being read is shown against a
real server in tests/e2e/test_serve.py.)"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from tests.api.conftest import PRODUCER, ROOT, Api, assert_problem, make_organisation, make_product
from tests.registry.conftest import PRODUCER_PREFIXES


@contextmanager
def token_lookups(api: Api) -> Iterator[list[str]]:
    """The SQL statements that read the token table while inside, as the database driver received them."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "api_tokens" in statement:
            seen.append(statement)

    event.listen(api.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(api.engine, "before_cursor_execute", record)


class TestWhatIsChecked:
    """Writes that need a token are refused without one before their body is parsed; other requests pass."""

    @pytest.mark.parametrize("path", ["/products", "/batches/import", "/organisations", "/rights/suspensions"])
    def test_a_write_without_a_token_is_refused_whatever_its_body(self, api: Api, path: str) -> None:
        with api.nothing_appended():
            response = api.client.post(f"/api/v1{path}", content=b"not even JSON",
                                       headers={"Content-Type": "application/json"})
        problem = assert_problem(response, 401, "token-required")
        assert response.headers["www-authenticate"] == 'Bearer realm="nguon"'
        assert response.headers["connection"] == "close"
        assert "cần mã truy cập API" in problem["message"]["vi"]

    def test_an_unknown_token_is_refused_whatever_the_body(self, api: Api) -> None:
        with api.nothing_appended():
            response = api.client.post("/api/v1/products", content=b"{", headers={
                "Authorization": "Bearer ngn_unknown", "Content-Type": "application/json"})
        assert_problem(response, 401, "token-invalid")

    def test_a_self_signed_statement_needs_no_token(self, api: Api) -> None:
        with api.nothing_appended():
            response = api.client.post("/api/v1/statements", content=b"{", headers={"Content-Type": "application/json"})
        assert_problem(response, 422, "invalid-request")

    def test_a_statement_with_a_bad_token_is_refused_before_its_body(self, api: Api) -> None:
        with api.nothing_appended():
            response = api.client.post("/api/v1/statements", content=b"{", headers={
                "Authorization": "Bearer ngn_unknown", "Content-Type": "application/json"})
        assert_problem(response, 401, "token-invalid")

    @pytest.mark.parametrize(("path", "status"), [("/api/v1/log/key", 405), ("/api/v1/nothing-here", 404),
                                                  ("/01/08934567890120/10/L1", 405)])
    def test_a_post_where_no_write_is_keeps_its_own_answer(self, api: Api, path: str, status: int) -> None:
        assert api.client.post(path, content=b"x").status_code == status

    def test_reads_are_not_checked(self, api: Api) -> None:
        assert api.client.get("/api/v1/organisations", headers={"Authorization": "Bearer ngn_unknown"}).status_code \
            == 200


class TestOneLookup:
    """The organisation found before the body is the one the route acts for; the token is read once."""

    def test_a_write_looks_its_token_up_once(self, api: Api) -> None:
        headers = api.auth(ROOT)
        with token_lookups(api) as lookups:
            response = api.client.post("/api/v1/organisations", json=make_organisation(PRODUCER), headers=headers)
        assert response.status_code == 201, response.text
        assert len(lookups) == 1, lookups

    def test_a_statement_with_a_token_looks_it_up_once_and_acts_for_its_organisation(self, api: Api) -> None:
        api.register_producer(PRODUCER, *PRODUCER_PREFIXES)
        headers = api.auth(PRODUCER)
        with token_lookups(api) as lookups:
            kind, body = "product.registered.v1", make_product()
            response = api.client.post("/api/v1/statements", json={"kind": kind, "body": body}, headers=headers)
        assert response.status_code == 201, response.text
        assert len(lookups) == 1, lookups
        assert api.entry(response.json()["index"])["issuer"] == PRODUCER
