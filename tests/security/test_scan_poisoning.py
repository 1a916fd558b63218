"""Scans as an attacker would use them, with no token: naming many regions, scanning serials before they are
issued, and scanning codes that do not exist. None of it changes a genuine item's verdict or fills a table; many
independent readers over many days still warn.

The registry: `seed` (ROOT, PRODUCER, batch GTIN/LOT) with serials S1-S3 issued. Each test has its own database
and app; the app's scan counter writes only when a test calls `flush()` (its lifespan is not started).
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.sql.schema import Table

from api.app import create_app
from api.scans import WARN_CLIENTS, WARN_DAYS, ScanCounter
from api.settings import Settings
from api.tables import ScanClient, ScanWindow
from tests.security.conftest import GTIN, LOT, PRODUCER, seed

_windows: Table = ScanWindow.__table__  # type: ignore[attr-defined]
_clients: Table = ScanClient.__table__  # type: ignore[attr-defined]
JSON = {"Accept": "application/json"}


@pytest.fixture
def app(engine: Engine, tmp_path: Path, secret_key: str) -> Iterator[FastAPI]:
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False), data_dir=tmp_path / "data",
                        log_origin="scans.nguon/log", public_url="https://nguon.example", rate_limit="",
                        secret_key=secret_key)
    app = create_app(settings)
    registry = app.state.services.registry
    seed(registry, engine)
    registry.submit_as(PRODUCER, [("serials.issued.v1", {"gtin": GTIN, "lot": LOT, "serials": ["S1", "S2", "S3"]})])
    yield app
    app.state.services.engine.dispose()


def counter(app: FastAPI) -> ScanCounter:
    scans: ScanCounter = app.state.services.scans
    return scans


def reader(app: FastAPI, number: int) -> TestClient:
    """A phone at its own address."""
    return TestClient(app, client=(f"198.51.100.{number}", 40000 + number))


def on(app: FastAPI, day: date) -> None:
    counter(app).clock = lambda: datetime.combine(day, time(12), UTC)


def resolve(client: TestClient, serial: str, lot: str = LOT, gtin: str = GTIN, **params: str) -> dict[str, Any]:
    response = client.get(f"/01/{gtin}/10/{lot}/21/{serial}", params=params, headers=JSON)
    assert response.status_code in (200, 404), response.text
    document: dict[str, Any] = response.json()
    return document


def stored(app: FastAPI) -> tuple[int, int]:
    """(window rows, reader rows) once the queue is written."""
    counter(app).flush()
    with app.state.services.engine.connect() as connection:
        windows, clients = (int(connection.execute(select(func.count()).select_from(t)).scalar_one())
                            for t in (_windows, _clients))
    return windows, clients


def failing(document: dict[str, Any]) -> list[str]:
    return [r["code"] for r in document["reasons"] if not r["ok"]]


class TestScanPoisoning:
    """No token, many requests: a genuine item stays authentic and nothing but issued serials is counted."""

    def test_one_reader_naming_hundreds_of_regions_over_many_days_leaves_an_item_authentic(self, app: FastAPI) -> None:
        attacker = reader(app, 66)
        today = counter(app).today()
        for n in range(200):
            on(app, today - timedelta(days=n % 20))
            assert resolve(attacker, "S1", region=f"R{n}")["verdict"] == "authentic"
        on(app, today)
        counter(app).flush()
        document = resolve(attacker, "S1", region="HN")
        assert (document["verdict"], failing(document)) == ("authentic", [])
        assert stored(app) == (20, 20), "one reader on each of 20 days"

    def test_serials_not_yet_issued_cannot_be_poisoned(self, app: FastAPI) -> None:
        today = counter(app).today()
        for number in range(1, 2 * WARN_CLIENTS):
            on(app, today - timedelta(days=number % (2 * WARN_DAYS)))
            assert resolve(reader(app, number), "S4")["verdict"] == "invalid"
        on(app, today)
        assert stored(app) == (0, 0)
        app.state.services.registry.submit_as(PRODUCER, [("serials.issued.v1", {"gtin": GTIN, "lot": LOT,
                                                                               "serials": ["S4"]})])
        document = resolve(reader(app, 1), "S4")
        assert (document["verdict"], failing(document)) == ("authentic", [])

    def test_codes_that_do_not_exist_store_nothing(self, app: FastAPI) -> None:
        attacker = reader(app, 99)
        for n in range(100):
            resolve(attacker, f"X{n}")
            resolve(attacker, "S1", lot=f"FAKE-{n}")
            resolve(attacker, "S1", gtin="08930000000019", lot=f"L{n}")
        assert counter(app).flush() == 0
        assert stored(app) == (0, 0)

    def test_a_scan_request_writes_nothing_itself(self, app: FastAPI) -> None:
        for _ in range(50):
            resolve(reader(app, 7), "S2")
        with app.state.services.engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(_windows)).scalar_one() == 0
        assert counter(app).flush() == 50
        assert stored(app) == (1, 1)

    def test_many_readers_on_many_days_still_warn(self, app: FastAPI) -> None:
        today = counter(app).today()
        for number in range(1, WARN_CLIENTS + 1):
            on(app, today - timedelta(days=number % WARN_DAYS))
            resolve(reader(app, number), "S3")
        on(app, today)
        counter(app).flush()
        document = resolve(reader(app, 1), "S3")
        assert (document["verdict"], failing(document)) == ("warning", ["scans-plausible"])
