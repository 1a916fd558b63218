"""Digits that are not ASCII: full-width (０-９), Arabic-Indic (٠-٩), Devanagari (०-९) and mathematical (𝟎-𝟗)
digits are digits to Python's `\\d`, `str.isdigit()` and `int()`, and to pydantic's `\\d`, but to no reader of
the log, EPCIS or GS1. Written into any date, time, code, index or count of the HTTP API they are refused with a
4xx problem document (never a 500), and nothing is appended.
"""

import base64

import pytest

from tests.security.conftest import GTIN, LOT, SeededApp, assert_problem

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
OTHER_DIGITS = {"full-width": FULL_WIDTH, "arabic-indic": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
                "devanagari": str.maketrans("0123456789", "०१२३४५६७८९"),
                "mathematical": str.maketrans("0123456789", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗")}


def other(text: str, digits: dict[int, str]) -> str:
    """`text` with its ASCII digits written in other digits."""
    return text.translate(digits)


@pytest.fixture(params=list(OTHER_DIGITS), ids=list(OTHER_DIGITS))
def digits(request: pytest.FixtureRequest) -> dict[int, str]:
    table: dict[int, str] = OTHER_DIGITS[request.param]
    return table


class TestWrites:
    """Times and codes of statements."""

    @pytest.mark.parametrize("issued_at", ["2026-11-26T09:30:00Z", "2026-11-26T09:30:00.123Z"])
    def test_a_self_signed_statement_issued_at_such_a_time(self, seeded_app: SeededApp, digits: dict[int, str],
                                                          issued_at: str) -> None:
        for written in (other(issued_at, digits), issued_at[:17] + other(issued_at[17:], digits)):
            statement = {"kind": "product.registered.v1", "issuer": "coop-hoai-duc", "issued_at": written,
                         "nonce": "n0123456789abcdef", "body": {"gtin": GTIN}}
            signature = {"key_id": "0123456789abcdef", "value": base64.b64encode(bytes(64)).decode()}
            with seeded_app.nothing_appended():
                response = seeded_app.client.post("/api/v1/statements",
                                                  json={"statement": statement, "signature": signature})
            problem = assert_problem(response, 422, "invalid-value")
            assert "is not an RFC 3339 UTC time" in problem["detail"]

    def test_a_corrected_entry_number(self, seeded_app: SeededApp, digits: dict[int, str]) -> None:
        body = '{"entry": ' + other("2", digits) + ', "reason": "typo"}'
        with seeded_app.nothing_appended():
            response = seeded_app.client.post("/api/v1/corrections", content=body.encode(), headers={
                "Authorization": f"Bearer {seeded_app.tokens.producer_token}", "Content-Type": "application/json"})
        assert_problem(response, {400, 422})


class TestReads:
    """Parameters of the public reads: days, positions, page sizes, tile paths, codes."""

    def test_the_day_a_right_is_in_force(self, seeded_app: SeededApp, digits: dict[int, str]) -> None:
        for path in ("/api/v1/gis/any/users", "/api/v1/marks/any/users"):
            response = seeded_app.client.get(path, params={"on": other("2026-11-26", digits)})
            assert_problem(response, 422, "invalid-request")

    @pytest.mark.parametrize(("path", "name", "value"), [
        ("/api/v1/log/entries", "start", "0"), ("/api/v1/log/entries", "limit", "10"),
        ("/api/v1/log/proof/inclusion", "index", "0"), ("/api/v1/log/proof/consistency", "old", "1"),
        ("/api/v1/batches", "offset", "0"), ("/api/v1/batches", "limit", "5"),
        ("/api/v1/corrections", "corrected_entry", "1"),
        (f"/api/v1/batches/{GTIN}/{LOT}/labels.html", "count", "24"),
        (f"/api/v1/batches/{GTIN}/{LOT}/labels.html", "offset", "0"),
    ])
    def test_a_number_in_a_query(self, seeded_app: SeededApp, digits: dict[int, str], path: str, name: str,
                                 value: str) -> None:
        assert seeded_app.client.get(path, params={name: value}).status_code == 200
        assert_problem(seeded_app.client.get(path, params={name: other(value, digits)}), 422, "invalid-request")

    def test_an_entry_number_in_the_path(self, seeded_app: SeededApp, digits: dict[int, str]) -> None:
        assert seeded_app.client.get("/api/v1/log/entries/1").status_code == 200
        assert_problem(seeded_app.client.get(f"/api/v1/log/entries/{other('1', digits)}"), 422, "invalid-request")

    @pytest.mark.parametrize("path", ["0/000.p/4", "entries/000.p/4"])
    def test_a_tile_path(self, seeded_app: SeededApp, digits: dict[int, str], path: str) -> None:
        assert seeded_app.client.get(f"/api/v1/log/tile/{path}").status_code == 200
        for written in (other(path, digits), path.replace("000", other("000", digits))):
            assert_problem(seeded_app.client.get(f"/api/v1/log/tile/{written}"), 400, "tile-path-invalid")

    def test_a_gtin_in_a_digital_link(self, seeded_app: SeededApp, digits: dict[int, str]) -> None:
        accept = {"Accept": "application/json"}
        assert seeded_app.client.get(f"/01/{GTIN}/10/{LOT}", headers=accept).status_code == 200
        response = seeded_app.client.get(f"/01/{other(GTIN, digits)}/10/{LOT}", headers=accept)
        assert_problem(response, 400, "invalid-digital-link")

    @pytest.mark.parametrize("tail", ["qr.svg", "qr.png", "labels.html"])
    def test_a_gtin_of_a_code_or_label_sheet(self, seeded_app: SeededApp, digits: dict[int, str], tail: str) -> None:
        assert seeded_app.client.get(f"/api/v1/batches/{GTIN}/{LOT}/{tail}").status_code == 200
        response = seeded_app.client.get(f"/api/v1/batches/{other(GTIN, digits)}/{LOT}/{tail}")
        assert_problem(response, 422, "invalid-code")
