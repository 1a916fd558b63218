"""Every refusal is an RFC 9457 problem document with a stable code and messages in Vietnamese and English,
and appends nothing."""

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.settings import Settings
from ledger.core.errors import MissingDataError, UnsafePathError
from ledger.store.tables import drop_append_only_ddl
from tests.api.conftest import (
    COMMUNE,
    GTIN,
    PRODUCER,
    ROOT,
    Api,
    assert_problem,
    days_from_today,
    make_batch,
    make_event,
)

BODY_LIMIT = 600


@pytest.fixture
def small_api(api: Api, settings: Settings) -> Iterator[Api]:
    """A second app on the same bootstrapped database that takes bodies of at most BODY_LIMIT bytes."""
    app = create_app(settings.model_copy(update={"max_body_bytes": BODY_LIMIT}))
    with TestClient(app) as client:
        yield Api(client, app)


def invalid(response: Any) -> dict[str, Any]:
    """The problem of a request the schema refuses, whose errors each name a location."""
    problem = assert_problem(response, 422, "invalid-request")
    assert problem["errors"]
    assert all(error["loc"] and error["msg"] for error in problem["errors"])
    return problem


class TestRequestProblems:
    """Bodies that are not what the schema says are refused before anything is signed."""

    def test_malformed_json_is_refused(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.client.post("/api/v1/batches", content=b'{"gtin": "0893', headers={
                **api.auth(PRODUCER), "Content-Type": "application/json"})
        problem = invalid(response)
        assert "JSON" in problem["detail"]

    def test_a_number_where_a_string_belongs_is_refused(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.post("/batches", make_batch(quantity=100), as_=PRODUCER)
        problem = invalid(response)
        assert [e["loc"] for e in problem["errors"]] == [["body", "quantity"]]

    def test_an_unknown_field_is_refused_by_name(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.post("/batches", make_batch(colour="green"), as_=PRODUCER)
        problem = invalid(response)
        assert [e["loc"] for e in problem["errors"]] == [["body", "colour"]]

    def test_a_missing_field_is_refused_by_name(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.post("/batches", make_batch(lot=None), as_=PRODUCER)
        assert [e["loc"] for e in invalid(response)["errors"]] == [["body", "lot"]]

    def test_a_gtin_with_a_wrong_check_digit_names_both_digits(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.post("/batches", make_batch(gtin=GTIN[:-1] + "7"), as_=PRODUCER)
        problem = invalid(response)
        assert f"GTIN {GTIN[:-1]}7 has check digit 7; the GS1 check digit is {GTIN[-1]}" in problem["detail"]
        assert f"có số kiểm tra 7; theo GS1, số kiểm tra đúng là {GTIN[-1]}" in problem["message"]["vi"]
        assert problem["errors"][0]["vi"] == problem["message"]["vi"].split("» ", 1)[1]

    def test_a_lot_with_a_space_is_refused(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.post("/batches", make_batch(lot="A B"), as_=PRODUCER)
        problem = invalid(response)
        assert "lot 'A B' has a space; GS1 AI 10 allows 1–20 characters" in problem["detail"]

    @pytest.mark.parametrize("day", ["2026-02-30", "2025-13-01", "2026-2-3"])
    def test_a_date_that_is_not_a_real_date_is_refused(self, api: Api, producer: str, day: str) -> None:
        with api.nothing_appended():
            response = api.post("/batches", make_batch(produced_on=day), as_=PRODUCER)
        problem = invalid(response)
        assert f"date '{day}'" in problem["detail"]

    def test_a_body_that_is_not_an_object_is_refused(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.post("/batches", ["not", "a", "batch"], as_=PRODUCER)
        invalid(response)


class TestRuleProblems:
    """Statements the registry's rules refuse carry the rule's code and both messages."""

    def test_a_production_date_far_in_the_future_is_refused(self, api: Api, producer: str) -> None:
        day = days_from_today(30)
        with api.nothing_appended():
            response = api.post("/batches", make_batch(produced_on=day), as_=PRODUCER)
        problem = assert_problem(response, 422, "date-in-future")
        assert f"production date {day} is after " in problem["detail"]
        assert "the day the registry records the statement" in problem["detail"]
        assert f"ngày sản xuất {day}" in problem["message"]["vi"]

    def test_an_event_on_an_unknown_batch_is_refused(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.post("/events", make_event(lot="NOPE"), as_=PRODUCER)
        problem = assert_problem(response, 422, "unknown-batch")
        assert "NOPE" in problem["detail"]

    def test_a_batch_of_an_unregistered_product_is_refused(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.post("/batches", make_batch(gtin="08930000000019"), as_=PRODUCER)
        assert_problem(response, 422, "unknown-product")


class TestBodyLimit:
    """Bodies over NGUON_MAX_BODY_BYTES get 413 whether their length is declared or not."""

    def big_batch(self) -> dict[str, Any]:
        return make_batch(origin={**COMMUNE, "name": "x" * BODY_LIMIT})

    def test_a_body_declared_longer_than_the_limit_gets_413(self, small_api: Api, producer: str) -> None:
        with small_api.nothing_appended():
            response = small_api.post("/batches", self.big_batch(), as_=PRODUCER)
        problem = assert_problem(response, 413, "body-too-large")
        assert str(BODY_LIMIT) in problem["detail"]

    def test_a_chunked_body_longer_than_the_limit_gets_413(self, small_api: Api, producer: str) -> None:
        data = small_api.client.build_request("POST", "/", json=self.big_batch()).content

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(data), 100):
                yield data[start:start + 100]

        with small_api.nothing_appended():
            response = small_api.client.post("/api/v1/batches", content=chunks(), headers={
                **small_api.auth(PRODUCER), "Content-Type": "application/json"})
        assert "content-length" not in response.request.headers
        problem = assert_problem(response, 413, "body-too-large")
        assert str(BODY_LIMIT) in problem["detail"]

    def test_a_body_within_the_limit_is_accepted(self, small_api: Api, producer: str) -> None:
        small_api.created("/batches", make_batch(), as_=PRODUCER)


class TestHttpProblems:
    """Unknown paths and methods are problem documents too."""

    def test_an_unknown_path_is_a_404_problem(self, api: Api) -> None:
        assert_problem(api.client.get("/api/v1/nothing-here"), 404, "http-404")

    def test_a_method_not_allowed_is_a_405_problem(self, api: Api) -> None:
        response = api.client.delete(f"/api/v1/organisations/{ROOT}")
        assert_problem(response, 405, "http-405")


class TestLedgerProblems:
    """A caller's mistake keeps its 4xx code; corruption is a 500 that is logged and tells the client nothing."""

    def test_a_proof_beyond_the_log_is_the_callers_400(self, api: Api) -> None:
        response = api.client.get("/api/v1/log/proof/inclusion", params={"index": 99})
        problem = assert_problem(response, 400, "invalid-proof-request")
        assert "index 99" in problem["detail"]

    def test_the_checkpoint_of_an_empty_log_is_a_409_log_state(self, client: TestClient) -> None:
        problem = assert_problem(client.get("/api/v1/log/checkpoint"), 409, "log-state")
        assert "no checkpoint yet" in problem["detail"]

    def test_a_node_missing_from_the_store_is_a_logged_500(self, api: Api, caplog: pytest.LogCaptureFixture) -> None:
        with api.engine.begin() as connection:
            for statement in drop_append_only_ddl(api.engine.dialect.name):
                connection.exec_driver_sql(statement)
            connection.execute(text("DELETE FROM ledger_nodes WHERE id = 0"))
        with caplog.at_level(logging.ERROR, logger="api.problems"):
            response = api.client.get("/api/v1/log/proof/inclusion", params={"index": 0})
        problem = assert_problem(response, 500, "internal-error")
        assert problem["detail"] == "the server failed to handle this request"
        assert "node" not in response.text
        (record,) = [r for r in caplog.records if r.name == "api.problems"]
        assert record.exc_info is not None
        assert isinstance(record.exc_info[1], MissingDataError)
        assert "node 0 is not stored" in caplog.text

    def test_any_other_ledger_error_is_a_logged_500_that_names_no_path(
            self, api: Api, caplog: pytest.LogCaptureFixture) -> None:
        app = api.client.app
        assert isinstance(app, FastAPI)

        @app.get("/test-only/unsafe")
        def unsafe() -> None:
            raise UnsafePathError("/srv/nguon/labels is a symlink")

        with caplog.at_level(logging.ERROR, logger="api.problems"):
            response = api.client.get("/test-only/unsafe")
        assert assert_problem(response, 500, "internal-error")["detail"] == "the server failed to handle this request"
        assert "/srv/nguon" not in response.text
        (record,) = [r for r in caplog.records if r.name == "api.problems"]
        assert record.exc_info is not None
        assert isinstance(record.exc_info[1], UnsafePathError)
