"""Scans on a real server: resolving an issued serial is counted once the server has written its queue (at the
latest when it shuts down); codes that were never issued leave nothing behind, and the reader's address is not
stored."""

from typing import Any

import httpx
from sqlalchemy import select

from api.tables import ScanClient, ScanWindow
from ledger.store.engines import make_engine
from registry.values import gtin_check_digit
from tests.e2e.conftest import Server, license_prefix

GTIN = "0893600000004" + str(gtin_check_digit("0893600000004"))
PRODUCER = "lang-gom-bat-trang"


def _created(response: httpx.Response) -> Any:
    assert response.status_code == 201, response.text
    return response.json()


class TestScans:
    """A real server counts scans of issued serials only, and writes them by the time it stops."""

    def test_only_issued_serials_are_counted_and_written_by_shutdown(self, server: Server) -> None:
        root = {"Authorization": "Bearer " + server.cli("bootstrap", "--id", "ipvietnam", "--name-vi",
                                                        "Cục Sở hữu trí tuệ", "--name-en", "IP Office").strip()}
        with httpx.Client(base_url=server.base_url, timeout=30, headers={"Accept": "application/json"}) as client:
            _created(client.post("/api/v1/organisations", headers=root, json={
                "id": PRODUCER, "names": {"vi": "Làng gốm Bát Tràng", "en": "Bat Trang pottery"},
                "roles": ["producer"]}))
            license_prefix(client, root["Authorization"].removeprefix("Bearer "),
                           lambda org: server.cli("tokens", "create", "--org", org).strip(), PRODUCER, GTIN[1:8])
            producer = {"Authorization": "Bearer " + server.cli("tokens", "create", "--org", PRODUCER).strip()}
            _created(client.post("/api/v1/products", headers=producer, json={
                "gtin": GTIN, "names": {"vi": "Bình gốm", "en": "Vase"}, "unit": "H87"}))
            _created(client.post("/api/v1/batches", headers=producer, json={
                "gtin": GTIN, "lot": "BT-1", "quantity": "10", "unit": "H87", "produced_on": "2026-11-20",
                "origin": {"code": "00577", "version": "2025-07-01"}}))
            _created(client.post("/api/v1/serials", headers=producer, json={"gtin": GTIN, "lot": "BT-1",
                                                                              "serials": ["V1", "V2"]}))
            for _ in range(5):
                assert client.get(f"/01/{GTIN}/10/BT-1/21/V1").json()["verdict"] == "authentic"
                assert client.get(f"/01/{GTIN}/10/BT-1/21/V3").json()["verdict"] == "invalid"
                assert client.get(f"/01/{GTIN}/10/NO-SUCH-LOT/21/V1").json()["requested"]["registered"] is False
        output = server.stop()
        assert "Traceback" not in output, output

        engine = make_engine(server.env["NGUON_DATABASE_URL"])
        try:
            with engine.connect() as connection:
                windows = connection.execute(select(ScanWindow.__table__)).all()  # type: ignore[attr-defined]
                clients = connection.execute(select(ScanClient.__table__)).all()  # type: ignore[attr-defined]
        finally:
            engine.dispose()
        assert [(w.gtin, w.lot, w.serial, w.scans) for w in windows] == [(GTIN, "BT-1", "V1", 5)]
        assert [(c.serial, "127.0.0.1" in c.client) for c in clients] == [("V1", False)]
