"""Offline bundles: what a verdict relies on, fetched once and verified later with no network."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.routes.bundles import BUNDLE
from api.settings import Settings
from api.verify_bundle import verify_bundle
from ledger.core.cosignature import CosignatureSigner
from ledger.core.errors import LedgerError, NoteError
from ledger.core.note import NoteSigner, NoteVerifier
from registry.demo import load_demo, scenarios


@pytest.fixture
def demo(engine: Engine, database_url: str, tmp_path: Path) -> TestClient:
    app = create_app(Settings(database_url=database_url, data_dir=tmp_path / "data", rate_limit=""))
    load_demo(app.state.services.registry)
    return TestClient(app)


def _fetch(client: TestClient, tmp_path: Path) -> tuple[Path, NoteVerifier, dict[str, object]]:
    key = scenarios()["genuine"][0]
    response = client.get(f"/api/v1/bundles/01/{key.gtin}/10/{key.lot}")
    assert response.status_code == 200
    path = tmp_path / "bundle.json"
    path.write_text(response.text, encoding="utf-8")
    return path, NoteVerifier.from_text(client.get("/api/v1/log/key").text), response.json()


class TestBundles:
    """A bundle holds one C2SP tlog-proof per entry relied on, all under one signed checkpoint."""

    def test_bundle_verifies_offline_and_names_the_batch_registration(self, demo: TestClient,
                                                                      tmp_path: Path) -> None:
        path, key, document = _fetch(demo, tmp_path)
        checked = verify_bundle(path, key)
        assert document["verdict"] == checked.verdict.verdict == "authentic"
        assert checked.checkpoint.size == len(demo.get("/api/v1/log/entries", params={"limit": 1000}).json()["entries"])
        assert "batch.registered.v1" in {e.kind for e in checked.entries}
        assert all(text.startswith("c2sp.org/tlog-proof@v1\n") for text in document["proofs"])  # type: ignore[attr-defined]
        assert BUNDLE.model_validate(document).model_dump(mode="json") == document

    def test_the_openapi_document_describes_the_bundle(self, demo: TestClient) -> None:
        spec = demo.get("/openapi.json").json()
        answer = spec["paths"]["/api/v1/bundles/01/{gtin}/10/{lot}"]["get"]["responses"]["200"]
        assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Bundle"}
        facts = spec["components"]["schemas"]["Bundle"]["properties"]["facts"]
        assert facts == {"$ref": "#/components/schemas/VerdictFacts"}

    def test_an_edited_entry_fails_verification(self, demo: TestClient, tmp_path: Path) -> None:
        path, key, document = _fetch(demo, tmp_path)
        proofs = list(document["proofs"])  # type: ignore[call-overload]
        head, rest = proofs[0].split("\nindex ", 1)
        proofs[0] = head[:-4] + ("AAAA" if head[-4:] != "AAAA" else "BBBB") + "\nindex " + rest
        path.write_text(json.dumps({**document, "proofs": proofs}), encoding="utf-8")
        with pytest.raises(LedgerError, match="proof 1"):
            verify_bundle(path, key)

    def test_another_log_key_is_refused(self, demo: TestClient, tmp_path: Path) -> None:
        path, _, _ = _fetch(demo, tmp_path)
        with pytest.raises(LedgerError):
            verify_bundle(path, NoteSigner.generate("nguon.localhost/log").verifier)

    def test_a_required_witness_that_did_not_sign_is_refused(self, demo: TestClient, tmp_path: Path) -> None:
        path, key, _ = _fetch(demo, tmp_path)
        witness = CosignatureSigner.generate("witness.example/w1").verifier
        with pytest.raises(NoteError, match="not cosigned by witness"):
            verify_bundle(path, key, (witness,))

    def test_unknown_batch_is_a_404_problem(self, demo: TestClient) -> None:
        response = demo.get("/api/v1/bundles/01/08939901000012/10/NOPE")
        assert response.status_code == 404
        assert response.json()["code"] == "unknown-batch"

    def test_the_bundle_of_a_scanned_code_reuses_its_verdict(self, demo: TestClient) -> None:
        key = scenarios()["genuine"][0]
        verdicts = demo.app.state.services.verdicts.items  # type: ignore[attr-defined]
        scanned = demo.get(f"/01/{key.gtin}/10/{key.lot}", headers={"Accept": "application/json"}).json()
        hits, misses = verdicts.hits, verdicts.misses
        bundle = demo.get(f"/api/v1/bundles/01/{key.gtin}/10/{key.lot}").json()
        assert (verdicts.hits, verdicts.misses) == (hits + 1, misses)
        assert bundle["verdict"] == scanned["verdict"]
        assert bundle["checkpoint"] == scanned["evidence"]["checkpoint"]
