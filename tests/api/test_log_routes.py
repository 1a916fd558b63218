"""The public log API: entries, checkpoint, key and proofs that a client verifies on its own."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.settings import Settings
from ledger.core.checkpoint import open_checkpoint
from ledger.core.encoding import canonical
from ledger.core.hashing import leaf_hash
from ledger.core.note import NoteVerifier
from ledger.core.proof import ConsistencyProof, InclusionProof
from ledger.core.tiles import read_bundle
from ledger.files.keys import load_or_create_log_key
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from tests.conftest import Issuer
from tests.ledger.test_tiles import mth


@pytest.fixture
def client(engine: Engine, database_url: str, tmp_path: Path, issuer: Issuer) -> TestClient:
    settings = Settings(database_url=database_url, data_dir=tmp_path / "data", log_origin="test.nguon/log")
    log = Log(SqlStore(engine), load_or_create_log_key(settings.data_dir, settings.log_origin))
    for size in (3, 1, 7):
        log.append([issuer.statement() for _ in range(size)], issuer.lookup)
    return TestClient(create_app(settings))


class TestLogRoutes:
    """A client checks the log's answers with the ledger's own verification functions."""

    def test_checkpoint_is_signed_by_the_published_key(self, client: TestClient) -> None:
        key = NoteVerifier.from_text(client.get("/api/v1/log/key").text)
        response = client.get("/api/v1/log/checkpoint")
        assert response.headers["content-type"].startswith("text/plain")
        checkpoint, _ = open_checkpoint(response.text, key)
        assert (checkpoint.origin, checkpoint.size) == ("test.nguon/log", 11)

    def test_entries_hash_to_their_published_hash_and_prove_inclusion(self, client: TestClient) -> None:
        key = NoteVerifier.from_text(client.get("/api/v1/log/key").text)
        checkpoint, _ = open_checkpoint(client.get("/api/v1/log/checkpoint").text, key)
        page = client.get("/api/v1/log/entries", params={"start": 2, "limit": 5}).json()
        assert [item["index"] for item in page["entries"]] == [2, 3, 4, 5, 6]
        assert page["next"] == 7
        for item in page["entries"]:
            assert leaf_hash(canonical(item["entry"])).hex() == item["hash"]
            proof = InclusionProof.from_json(client.get("/api/v1/log/proof/inclusion",
                                                        params={"index": item["index"]}).json())
            assert proof.leaf_hash.hex() == item["hash"]
            assert proof.root == checkpoint.root
            proof.verify()

    def test_last_page_has_no_next(self, client: TestClient) -> None:
        page = client.get("/api/v1/log/entries", params={"start": 8, "limit": 100}).json()
        assert [item["index"] for item in page["entries"]] == [8, 9, 10]
        assert page["next"] is None

    def test_consistency_proof_links_old_and_new_roots(self, client: TestClient) -> None:
        proof = ConsistencyProof.from_json(client.get("/api/v1/log/proof/consistency", params={"old": 3}).json())
        assert (proof.old, proof.new) == (3, 11)
        proof.verify()

    def test_missing_entry_is_a_problem_document(self, client: TestClient) -> None:
        response = client.get("/api/v1/log/entries/11")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "the log has 11 entries" in response.json()["detail"]

    def test_proof_beyond_the_log_is_refused_with_value_and_expectation(self, client: TestClient) -> None:
        response = client.get("/api/v1/log/proof/inclusion", params={"index": 11, "size": 11})
        assert response.status_code == 400
        assert response.json()["code"] == "invalid-proof-request"
        assert "index 11 must be below size 11" in response.json()["detail"]

    def test_bad_query_is_a_problem_document(self, client: TestClient) -> None:
        response = client.get("/api/v1/log/entries", params={"limit": 0})
        assert response.status_code == 422
        assert response.json()["code"] == "invalid-request"


class TestTiles:
    """The log as C2SP tlog-tiles under /api/v1/log: immutable tiles and bundles, a checkpoint not cached."""

    def test_tiles_and_bundles_rebuild_the_served_checkpoint(self, client: TestClient) -> None:
        key = NoteVerifier.from_text(client.get("/api/v1/log/key").text)
        served = client.get("/api/v1/log/checkpoint")
        assert served.headers["cache-control"] == "no-cache"
        checkpoint, _ = open_checkpoint(served.text, key)
        tile = client.get("/api/v1/log/tile/0/000.p/11")
        assert tile.status_code == 200
        assert tile.headers["content-type"] == "application/octet-stream"
        assert tile.headers["cache-control"] == "public, max-age=31536000, immutable"
        leaves = [tile.content[i:i + 32] for i in range(0, len(tile.content), 32)]
        assert mth(leaves) == checkpoint.root
        bundle = client.get("/api/v1/log/tile/entries/000.p/11")
        assert bundle.status_code == 200
        assert [leaf_hash(entry) for entry in read_bundle(bundle.content)] == leaves

    def test_a_partial_tile_of_an_earlier_checkpoint_is_served(self, client: TestClient) -> None:
        earlier = client.get("/api/v1/log/tile/0/000.p/3")
        assert earlier.status_code == 200
        assert earlier.content == client.get("/api/v1/log/tile/0/000.p/11").content[:3 * 32]

    @pytest.mark.parametrize("path", ["0/000", "0/000.p/12", "entries/000", "1/000.p/1", "0/001.p/1"])
    def test_a_tile_beyond_the_log_is_not_found(self, client: TestClient, path: str) -> None:
        response = client.get(f"/api/v1/log/tile/{path}")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "tile-not-found"

    @pytest.mark.parametrize("path", ["0/0", "0/x000/000", "00/000", "0/000.p/0", "0/000.p/256", "entries", "a/b/c"])
    def test_a_path_not_in_tlog_tiles_form_is_a_bad_request(self, client: TestClient, path: str) -> None:
        response = client.get(f"/api/v1/log/tile/{path}")
        assert response.status_code == 400
        problem = response.json()
        assert problem["code"] == "tile-path-invalid"
        assert problem["detail"].startswith(("tile ", "partial tile"))  # names the part that is wrong
        assert "tile/<L>/<N>[.p/<W>]" in problem["message"]["vi"]

    @pytest.mark.parametrize("path", ["0/" + "x001/" * 1500 + "000", "entries/" + "x999/" * 1500 + "999",
                                      "9" * 5000 + "/000", "0/000.p/" + "1" * 5000, "0/" + "9" * 5000,
                                      "0/" + "x001/" * 12_000 + "000"])
    def test_a_path_of_thousands_of_digits_is_a_bad_request(self, client: TestClient, path: str) -> None:
        response = client.get(f"/api/v1/log/tile/{path}")
        assert response.status_code == 400, response.text[:300]
        assert response.json()["code"] == "tile-path-invalid"
        assert len(response.content) < 2000, "the problem echoes the whole path"

    @pytest.mark.parametrize("path", ["0/００７", "０/000", "entries/０００.p/１", "0/x００１/000", "0/٠٠٠"])
    def test_digits_that_are_not_ascii_are_a_bad_request(self, client: TestClient, path: str) -> None:
        response = client.get(f"/api/v1/log/tile/{path}")
        assert response.status_code == 400
        assert response.json()["code"] == "tile-path-invalid"
