"""Credentials on a real server: the root hands a producer a token through the API, the producer sees it listed
by prefix, the operator revokes it from the command line and the server refuses it at once; a producer whose
custodial key was revoked writes again once the root gives it a fresh one, and the log still audits clean."""

import json
from typing import Any

import httpx

from registry.values import gtin_check_digit
from tests.e2e.conftest import Server, license_prefix

GTIN = "0893600000003" + str(gtin_check_digit("0893600000003"))
PRODUCER = "htx-nuoc-mam"


def _json(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _batch(lot: str) -> dict[str, Any]:
    return {"gtin": GTIN, "lot": lot, "quantity": "500", "unit": "LTR", "produced_on": "2026-11-20",
            "origin": {"code": "00577", "version": "2025-07-01"}}


class TestCredentials:
    """Tokens and custodial keys are managed through the API and the CLI of one running registry."""

    def test_tokens_and_a_fresh_custodial_key_from_issue_to_revocation(self, server: Server) -> None:
        root = {"Authorization": "Bearer " + server.cli("bootstrap", "--id", "ipvietnam", "--name-vi",
                                                        "Cục Sở hữu trí tuệ", "--name-en", "IP Office").strip()}
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            _json(client.post("/api/v1/organisations", headers=root, json={
                "id": PRODUCER, "names": {"vi": "HTX nước mắm Phú Quốc", "en": "Phu Quoc fish sauce co-op"},
                "roles": ["producer"]}), 201)
            license_prefix(client, root["Authorization"].removeprefix("Bearer "),
                           lambda org: server.cli("tokens", "create", "--org", org).strip(), PRODUCER, GTIN[1:8])
            made = _json(client.post("/api/v1/tokens", headers=root, json={"organisation": PRODUCER,
                                                                          "label": "bàn giao"}), 201)
            producer = {"Authorization": f"Bearer {made['token']}"}
            _json(client.post("/api/v1/products", headers=producer, json={
                "gtin": GTIN, "names": {"vi": "Nước mắm", "en": "Fish sauce"}, "unit": "LTR"}), 201)

            mine = _json(client.get("/api/v1/tokens", headers=producer), 200)["tokens"]
            assert [(t["id"], t["prefix"]) for t in mine] == [(made["id"], made["token"][4:10])]
            listed = json.loads(server.cli("tokens", "list", "--org", PRODUCER, "--json"))
            assert [t["id"] for t in listed] == [made["id"]]

            [key] = _json(client.get("/api/v1/keys", params={"organisation": PRODUCER}), 200)["items"]
            _json(client.post("/api/v1/keys/revocations", headers=root, json={
                "organisation": PRODUCER, "key_id": key["key_id"], "reason": "Máy tính của HTX bị mất."}), 201)
            refused = _json(client.post("/api/v1/batches", headers=producer, json=_batch("PQ-1")), 403)
            assert refused["code"] == "no-custodial-key"
            _json(client.post("/api/v1/keys/custodial", headers=root, json={"organisation": PRODUCER}), 201)
            _json(client.post("/api/v1/batches", headers=producer, json=_batch("PQ-1")), 201)

            assert f"token {made['id']} of {PRODUCER} revoked" in server.cli("tokens", "revoke", made["id"])
            assert _json(client.post("/api/v1/batches", headers=producer, json=_batch("PQ-2")), 401)["code"] == \
                "token-invalid"
            [shown] = _json(client.get("/api/v1/tokens", headers=root, params={"organisation": PRODUCER}),
                            200)["tokens"]
            assert shown["revoked_at"] is not None

        assert "audit clean" in server.cli("log", "audit")
        assert "replay matches" in server.cli("replay")
