"""Hostile requests: oversized, malformed, deeply nested, huge or badly encoded bodies, and values that break the
registry's rules. Each is refused with a 4xx RFC 9457 problem (code, detail, message in Vietnamese and English)
and appends nothing; none reaches a 5xx or exhausts the interpreter's recursion limit.
"""

import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from api.settings import Settings
from ledger.core.types import MAX_STATEMENT_BYTES
from tests.e2e.conftest import Server
from tests.factories import gtin, make_batch, make_event, make_product
from tests.security.conftest import GTIN, LOT, SeededApp, assert_problem, seed_server

LIMIT: int = Settings.model_fields["max_body_bytes"].default
IMPORT_LIMIT: int = Settings.model_fields["max_import_bytes"].default
NESTING = 10_000


def post(seeded: SeededApp, path: str, content: bytes | Iterator[bytes],
         content_type: str = "application/json") -> httpx.Response:
    """POST raw `content` to /api/v1`path` with PRODUCER's token."""
    response: httpx.Response = seeded.client.post(f"/api/v1{path}", content=content, headers={
        "Authorization": f"Bearer {seeded.tokens.producer_token}", "Content-Type": content_type})
    return response


def refused(seeded: SeededApp, path: str, content: bytes | Iterator[bytes], status: int | set[int],
            code: str | None = None, content_type: str = "application/json") -> dict[str, Any]:
    """The problem document refusing `content` at `path`, after checking that nothing was appended."""
    with seeded.nothing_appended():
        response = post(seeded, path, content, content_type)
    return assert_problem(response, status, code)


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """`total` bytes of a JSON string body, streamed without a Content-Length."""
    yield b'"'
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)
    yield b'"'


def draft(body: str) -> bytes:
    """A token holder's draft of a product whose body is the JSON text `body`."""
    return b'{"kind": "product.registered.v1", "body": ' + body.encode() + b"}"


class TestOversizedBodies:
    """Bodies over the size limits are refused with 413 before they reach a route."""

    def test_a_body_declared_larger_than_the_limit_is_refused(self, seeded_app: SeededApp) -> None:
        refused(seeded_app, "/products", b" " * (LIMIT + 1), 413, "body-too-large")

    def test_a_streamed_body_that_grows_past_the_limit_is_refused(self, seeded_app: SeededApp) -> None:
        problem = refused(seeded_app, "/products", chunks(LIMIT + 1), 413, "body-too-large")
        assert str(LIMIT) in problem["detail"]

    def test_a_csv_import_past_its_own_limit_is_refused(self, seeded_app: SeededApp) -> None:
        refused(seeded_app, "/batches/import", chunks(IMPORT_LIMIT + 1), 413, "body-too-large",
                content_type="text/csv")

    @pytest.mark.parametrize("path", ["/portal/set-password/import", "/portal/batches/08934567890120/import",
                                      "/api/v1/products/import"])
    def test_only_the_import_paths_take_the_import_limit(self, seeded_app: SeededApp, path: str) -> None:
        """A path that merely ends in /import gets the ordinary limit, before anything reads the body."""
        with seeded_app.nothing_appended():
            response = seeded_app.client.post(path, content=b"x" * (LIMIT + 1),
                                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert_problem(response, 413, "body-too-large")

    def test_a_statement_past_the_statement_size_is_refused(self, seeded_app: SeededApp) -> None:
        product = {**make_product(gtin=gtin(7))[1], "padding": "x" * 70_000}
        problem = refused(seeded_app, "/statements", draft(json.dumps(product)), 422, "invalid-value")
        assert f"at most {MAX_STATEMENT_BYTES}" in problem["detail"]


MALFORMED = {
    "truncated": b'{"gtin": ',
    "not-json": b"gtin=08934567890120",
    "trailing-garbage": b'{"gtin": "08934567890120"} x',
    "array": b"[]",
    "string": b'"08934567890120"',
    "null": b"null",
    "single-quotes": b"{'gtin': '08934567890120'}",
    "invalid-utf8": b'{"gtin": "\xff\xfe0893"}',
    "overlong-utf8": b'{"gtin": "\xc0\xaf"}',
    "nested-arrays": b"[" * NESTING + b"]" * NESTING,
    "nested-objects": b'{"a":' * NESTING + b"1" + b"}" * NESTING,
}


class TestMalformedJson:
    """Bodies that are not the JSON a route expects are refused with a 4xx problem."""

    @pytest.mark.parametrize("content", MALFORMED.values(), ids=MALFORMED.keys())
    def test_a_malformed_body_is_refused(self, seeded_app: SeededApp, content: bytes) -> None:
        refused(seeded_app, "/products", content, {400, 422})

    @pytest.mark.parametrize("content", MALFORMED.values(), ids=MALFORMED.keys())
    def test_a_malformed_statement_is_refused(self, seeded_app: SeededApp, content: bytes) -> None:
        refused(seeded_app, "/statements", content, {400, 422})

    def test_a_draft_nested_ten_thousand_levels_deep_is_refused(self, seeded_app: SeededApp) -> None:
        refused(seeded_app, "/statements", draft('{"a":' * NESTING + "1" + "}" * NESTING), {400, 422})

    def test_a_draft_nested_deeper_than_canonical_json_allows_is_refused(self, seeded_app: SeededApp) -> None:
        problem = refused(seeded_app, "/statements", draft('{"a":' * 100 + "1" + "}" * 100), 422, "not-canonical-json")
        assert "32" in problem["detail"]

    def test_a_body_of_the_wrong_media_type_is_refused(self, seeded_app: SeededApp) -> None:
        refused(seeded_app, "/products", json.dumps(make_product()[1]).encode(), {415, 422}, content_type="text/plain")

    @pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\u0000"])
    def test_a_string_no_database_can_hold_is_refused(self, seeded_app: SeededApp, escape: str) -> None:
        names = f'{{"vi": "B\\u01b0\\u1edfi {escape}", "en": "Pomelo"}}'
        refused(seeded_app, "/products", f'{{"gtin": "{gtin(8)}", "names": {names}, "unit": "H87"}}'.encode(), 422)


HUGE = {
    "1e400": "1e400",
    "-1e400": "-1e400",
    "10**1000": "1" + "0" * 1000,
    "10**5000": "1" + "0" * 5000,
    "NaN": "NaN",
    "Infinity": "Infinity",
    "2**53": str(2**53),
    "float": "12.5",
}


class TestHugeNumbers:
    """Numbers no statement can carry (floats, beyond ±(2**53 - 1), beyond int parsing) are refused."""

    @pytest.mark.parametrize("number", HUGE.values(), ids=HUGE.keys())
    def test_in_a_draft_body(self, seeded_app: SeededApp, number: str) -> None:
        product = json.dumps(make_product(gtin=gtin(9))[1])[:-1] + f', "extra": {number}}}'
        refused(seeded_app, "/statements", draft(product), {400, 422})

    @pytest.mark.parametrize("number", HUGE.values(), ids=HUGE.keys())
    def test_as_a_quantity(self, seeded_app: SeededApp, number: str) -> None:
        batch = json.dumps(make_batch(gtin=GTIN, lot="HUGE")[1]).replace('"100"', number)
        refused(seeded_app, "/batches", batch.encode(), {400, 422})

    @pytest.mark.parametrize("number", HUGE.values(), ids=HUGE.keys())
    def test_as_a_count_of_serials(self, seeded_app: SeededApp, number: str) -> None:
        refused(seeded_app, "/serials", f'{{"gtin": "{GTIN}", "lot": "{LOT}", "count": {number}}}'.encode(), {400, 422})

    @pytest.mark.parametrize("number", HUGE.values(), ids=HUGE.keys())
    def test_as_a_corrected_entry(self, seeded_app: SeededApp, number: str) -> None:
        refused(seeded_app, "/corrections", f'{{"entry": {number}, "reason": "typo"}}'.encode(), {400, 422})

    @pytest.mark.parametrize("number", ["1" + "0" * 1000, str(2**63), "-1"])
    def test_as_a_log_position(self, seeded_app: SeededApp, number: str) -> None:
        for path in (f"/api/v1/log/entries?start={number}", f"/api/v1/log/proof/inclusion?index={number}",
                     f"/api/v1/log/proof/consistency?old={number}", f"/api/v1/corrections?corrected_entry={number}",
                     f"/api/v1/batches?offset={number}"):
            assert_problem(seeded_app.client.get(path), 422, "invalid-request")


class TestRegistryValues:
    """Values that break the registry's rules are refused with 422 saying what is wrong with them."""

    def test_a_gtin_with_a_wrong_check_digit_names_both_digits(self, seeded_app: SeededApp) -> None:
        wrong = GTIN[:-1] + "7"
        problem = refused(seeded_app, "/products", json.dumps(make_product(gtin=wrong)[1]).encode(), 422)
        assert f"GTIN {wrong} has check digit 7; the GS1 check digit is {GTIN[-1]}" in problem["detail"]

    @pytest.mark.parametrize(("lot", "what"), [
        ("A B", "a space"),
        ("L#1", "characters '#'"),
        ("L" * 21, "21 characters"),
        ("LÔ-1", "characters 'Ô'"),
        ("", "0 characters"),
        ("L1\n", "characters '\\n'"),
    ], ids=["space", "hash", "21-chars", "non-ascii", "empty", "newline"])
    def test_a_lot_outside_the_gs1_character_set_says_what_is_wrong(self, seeded_app: SeededApp, lot: str,
                                                                     what: str) -> None:
        problem = refused(seeded_app, "/batches", json.dumps(make_batch(gtin=GTIN, lot=lot)[1]).encode(), 422,
                          "invalid-request")
        assert f"lot {lot!r} has {what}; GS1 AI 10 allows 1–20 characters from the GS1 set" in problem["detail"]

    @pytest.mark.parametrize("day", ["2999-01-01", "9999-12-31"])
    def test_a_production_date_far_in_the_future_is_refused(self, seeded_app: SeededApp, day: str) -> None:
        body = json.dumps(make_batch(gtin=GTIN, lot="FUTURE", produced_on=day)[1]).encode()
        problem = refused(seeded_app, "/batches", body, 422, "date-in-future")
        assert day in problem["detail"]

    def test_an_event_far_in_the_future_is_refused(self, seeded_app: SeededApp) -> None:
        body = json.dumps(make_event(gtin=GTIN, lot=LOT, event_time="2999-01-01T00:00:00Z")[1]).encode()
        refused(seeded_app, "/events", body, 422, "date-in-future")

    @pytest.mark.parametrize("day", ["10000-01-01", "2026-02-30", "+2026-01-01", "2026-1-1"])
    def test_a_date_that_is_not_a_real_yyyy_mm_dd_day_is_refused(self, seeded_app: SeededApp, day: str) -> None:
        body = json.dumps(make_batch(gtin=GTIN, lot="BADDAY", produced_on=day)[1]).encode()
        problem = refused(seeded_app, "/batches", body, 422, "invalid-request")
        assert repr(day) in problem["detail"]

    def test_a_nul_in_the_url_is_refused(self, seeded_app: SeededApp) -> None:
        for path in ("/api/v1/organisations/a%00b", f"/api/v1/batches?gtin={GTIN}%00", "/01/%00"):
            with seeded_app.nothing_appended():
                assert_problem(seeded_app.client.get(path), 400, "nul-in-url")


class TestOverTheWire:
    """A real server refuses the same hostile bodies with problems, whatever the transport does with them."""

    def test_hostile_bodies_sent_to_a_real_server_are_refused_with_problems(self, live_server: Server) -> None:
        tokens = seed_server(live_server)
        auth = {"Authorization": f"Bearer {tokens.producer_token}", "Content-Type": "application/json"}
        bodies: dict[str, bytes | Callable[[], Iterator[bytes]]] = {
            **MALFORMED,
            "declared-too-large": b" " * (LIMIT + 1),
            "streamed-too-large": lambda: chunks(LIMIT + 1),  # a stream is read once: one per request
            "huge-number": draft('{"x": 1e400}'),
            "nul": draft('{"x": "\\u0000"}'),
        }
        with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
            size = client.get("/api/v1/log/checkpoint").text.splitlines()[1]
            for (name, content), path in itertools.product(bodies.items(), ("/api/v1/products", "/api/v1/statements")):
                response = client.post(path, content=content() if callable(content) else content, headers=auth)
                assert 400 <= response.status_code < 500, f"{name} at {path}: {response.text}"
                assert_problem(response, response.status_code)
            assert client.get("/api/v1/log/checkpoint").text.splitlines()[1] == size
