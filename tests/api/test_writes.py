"""Writes over HTTP: who may write (tokens, own keys), every typed write with a provable receipt, and the
generic statements endpoint."""

import base64
import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select

from api.routes.writes import WRITES
from api.tables import ApiToken
from api.tokens import revoke_token
from ledger.core.signing import public_key_bytes, sign_statement, statement_key_id, verify_statement
from ledger.core.types import Signature, Statement, format_timestamp
from tests.api.conftest import (
    ASSOCIATION,
    CERTIFIER,
    GI,
    GTIN,
    MARK,
    MARK_RIGHT,
    OTHER_GTIN,
    OTHER_PRODUCER,
    PRODUCER,
    PRODUCER_PREFIXES,
    RIGHT,
    ROOT,
    Api,
    assert_problem,
    assert_proves,
    days_from_today,
    make_batch,
    make_certification,
    make_correction,
    make_event,
    make_mark,
    make_organisation,
    make_product,
    make_recall,
    make_right,
    make_right_change,
    make_serials,
)


class OwnKey:
    """An Ed25519 key an organisation holds itself; the registry learns only its public half."""

    def __init__(self, organisation: str) -> None:
        self.organisation = organisation
        self.private = Ed25519PrivateKey.generate()

    @property
    def public_key(self) -> str:
        return base64.b64encode(public_key_bytes(self.private.public_key())).decode()

    def statement(self, kind: str, body: dict[str, Any]) -> Statement:
        return Statement(kind, self.organisation, format_timestamp(datetime.now(UTC)), secrets.token_urlsafe(16),
                         body)

    def signed(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """The request body of a statement signed with this key."""
        statement = self.statement(kind, body)
        return {"statement": statement.to_json(), "signature": sign_statement(statement, self.private).to_json()}


@pytest.fixture
def own_key(api: Api) -> OwnKey:
    """PRODUCER (with a custodial key and the GS1 company prefixes PRODUCER_PREFIXES) and a key of its own it
    added through POST /keys."""
    api.register_producer(PRODUCER, *PRODUCER_PREFIXES)
    key = OwnKey(PRODUCER)
    api.created("/keys", {"organisation": PRODUCER, "public_key": key.public_key, "custodial": False}, as_=PRODUCER)
    return key


class TestAuthentication:
    """Typed writes need a live token of an organisation, and act only for that organisation."""

    def test_a_write_without_a_token_is_refused_with_a_bearer_challenge(self, api: Api) -> None:
        with api.nothing_appended():
            response = api.post("/organisations", make_organisation(PRODUCER))
        problem = assert_problem(response, 401, "token-required")
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "Authorization: Bearer" in problem["detail"]

    def test_a_header_of_another_scheme_is_refused(self, api: Api) -> None:
        with api.nothing_appended():
            response = api.client.post("/api/v1/organisations", json=make_organisation(PRODUCER),
                                       headers={"Authorization": f"Basic {api.token(ROOT)}"})
        assert_problem(response, 401, "token-required")
        assert response.headers["www-authenticate"].startswith("Bearer")

    def test_an_unknown_token_is_refused(self, api: Api) -> None:
        with api.nothing_appended():
            response = api.client.post("/api/v1/organisations", json=make_organisation(PRODUCER),
                                       headers={"Authorization": f"Bearer ngn_{secrets.token_urlsafe(32)}"})
        assert_problem(response, 401, "token-invalid")
        assert response.headers["www-authenticate"].startswith("Bearer")

    def test_a_revoked_token_is_refused(self, api: Api) -> None:
        token = api.token(ROOT)
        api.register(OTHER_PRODUCER)
        with api.engine.begin() as connection:
            assert revoke_token(connection, token)
        with api.nothing_appended():
            response = api.post("/organisations", make_organisation(PRODUCER), as_=ROOT)
        assert_problem(response, 401, "token-invalid")

    def test_a_producer_cannot_register_a_batch_of_another_producers_product(self, api: Api, producer: str) -> None:
        api.register(OTHER_PRODUCER)
        with api.nothing_appended():
            response = api.post("/batches", make_batch(), as_=OTHER_PRODUCER)
        problem = assert_problem(response, 403, "not-your-product")
        assert PRODUCER in problem["detail"]

    def test_a_producer_cannot_act_as_an_authority(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.post("/organisations", make_organisation(OTHER_PRODUCER), as_=PRODUCER)
        assert_problem(response, 403, "role-not-allowed")

    def test_tokens_are_stored_only_as_their_sha256(self, api: Api) -> None:
        token = api.token(ROOT)
        with api.engine.connect() as connection:
            rows = [dict(r) for r in connection.execute(select(ApiToken.__table__)).mappings()]  # type: ignore[attr-defined]
        assert [r["token_hash"] for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
        assert [r["organisation"] for r in rows] == [ROOT]
        assert not any(token in str(value) for row in rows for value in row.values())


class TestOpenApi:
    """The OpenAPI document describes every typed write with its body schema."""

    def test_every_typed_write_is_documented_with_its_body_schema(self, api: Api) -> None:
        document = api.client.get("/openapi.json").json()
        for path, _kind, model, _summary in WRITES:
            operation = document["paths"][f"/api/v1{path}"]["post"]
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": f"#/components/schemas/{model.__name__}"}, path
            component = document["components"]["schemas"][model.__name__]
            assert set(component["properties"]) == set(model.model_fields), path
            assert "201" in operation["responses"], path

    def test_the_csv_import_is_documented_as_text_csv(self, api: Api) -> None:
        operation = api.client.get("/openapi.json").json()["paths"]["/api/v1/batches/import"]["post"]
        assert "text/csv" in operation["requestBody"]["content"]


class TestTypedWrites:
    """Each typed write answers 201 with a receipt that proves the entry against a signed checkpoint."""

    def test_an_organisation_registered_without_keys_gets_a_custodial_key(self, api: Api) -> None:
        receipt = api.register(PRODUCER, commune={"code": "00577", "version": "2025-07-01"})
        assert_proves(api, receipt)
        statement = api.entry(receipt["index"])
        assert (statement["kind"], statement["issuer"]) == ("organisation.registered.v1", ROOT)
        [key] = statement["body"]["keys"]
        assert key["custodial"] is True
        organisation = api.get(f"/organisations/{PRODUCER}")
        assert [(k["public_key"], k["custodial"], k["active"]) for k in organisation["keys"]] == \
            [(key["public_key"], True, True)]
        assert organisation["roles"] == "producer"

    def test_an_organisation_with_its_address_and_tax_code_is_registered_as_v2_with_a_custodial_key(
            self, api: Api) -> None:
        receipt = api.register(PRODUCER, street="Số 9 thôn Giang Cao", tax_code="0101234567")
        statement = api.entry(receipt["index"])
        assert (statement["kind"], statement["body"]["tax_code"]) == ("organisation.registered.v2", "0101234567")
        assert [k["custodial"] for k in statement["body"]["keys"]] == [True]
        organisation = api.get(f"/organisations/{PRODUCER}")
        assert (organisation["street"], organisation["tax_code"], organisation["business_registration"]) == (
            "Số 9 thôn Giang Cao", "0101234567", None)

    def test_an_update_of_identifiers_is_recorded_as_v2_and_of_names_as_v1(self, api: Api, producer: str) -> None:
        names = api.created("/organisations/updates", {"id": PRODUCER, "names": {"vi": "HTX Mới", "en": "New co-op"}})
        identifiers = api.created("/organisations/updates", {"id": PRODUCER, "business_registration": "01H8000123"})
        assert [api.entry(r["index"])["kind"] for r in (names, identifiers)] == [
            "organisation.updated.v1", "organisation.updated.v2"]

    def test_a_batch_with_its_expiry_date_is_recorded_as_v2(self, api: Api, producer: str) -> None:
        receipt = api.created("/batches", make_batch(expires_on=days_from_today(300)), as_=PRODUCER)
        assert api.entry(receipt["index"])["kind"] == "batch.registered.v2"
        assert api.get(f"/batches/{GTIN}/L1")["expires_on"] == days_from_today(300)

    def test_an_expiry_before_production_is_refused_with_nothing_appended(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.post("/batches", make_batch(expires_on=days_from_today(-30)), as_=PRODUCER)
            problem = assert_problem(response, 422, "expiry-before-production")
        assert "sớm hơn ngày sản xuất" in problem["message"]["vi"]

    def test_a_tax_code_in_other_digits_is_refused_at_the_edge(self, api: Api) -> None:
        with api.nothing_appended():
            response = api.post("/organisations", make_organisation(PRODUCER, tax_code="０１０１２３４５６７"), ROOT)
            assert_problem(response, 422)

    def test_an_organisation_registered_with_its_own_key_keeps_only_that_key(self, api: Api) -> None:
        key = OwnKey(PRODUCER)
        receipt = api.register(PRODUCER, keys=[{"public_key": key.public_key}])
        assert_proves(api, receipt)
        keys = api.get(f"/organisations/{PRODUCER}")["keys"]
        assert [(k["public_key"], k["custodial"]) for k in keys] == [(key.public_key, False)]

    def test_the_registry_signs_a_token_holders_statement_with_its_custodial_key(self, api: Api,
                                                                                  producer: str) -> None:
        receipt = api.created("/products", make_product(gtin=OTHER_GTIN), as_=PRODUCER)
        entry = api.get(f"/log/entries/{receipt['index']}")["entry"]
        [key] = api.get(f"/organisations/{PRODUCER}")["keys"]
        verify_statement(Statement.from_json(entry["statement"]), Signature.from_json(entry["signature"]),
                         Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"])))

    def test_a_product_is_registered_for_its_producer(self, api: Api) -> None:
        api.register_producer(PRODUCER, *PRODUCER_PREFIXES)
        receipt = api.created("/products", make_product(), as_=PRODUCER)
        assert_proves(api, receipt)
        assert api.get(f"/products/{GTIN}")["producer"] == PRODUCER

    def test_a_batch_is_registered(self, api: Api, producer: str) -> None:
        receipt = api.created("/batches", make_batch(lot="2026/11"), as_=PRODUCER)
        assert_proves(api, receipt)
        assert api.entry(receipt["index"])["body"]["lot"] == "2026/11"
        [batch] = api.get("/batches", gtin=GTIN)["items"]
        assert (batch["lot"], batch["quantity"], batch["entry"]) == ("2026/11", "100", receipt["index"])

    def test_an_event_is_recorded_on_a_batch(self, api: Api, batch: dict[str, Any]) -> None:
        api.register(OTHER_PRODUCER)
        receipt = api.created("/events", make_event(destination=OTHER_PRODUCER), as_=PRODUCER)
        assert_proves(api, receipt)
        [event] = api.get("/events", gtin=GTIN, lot="L1")["items"]
        assert (event["biz_step"], event["destination"], event["entry"]) == \
            ("shipping", OTHER_PRODUCER, receipt["index"])

    def test_a_batch_is_recalled(self, api: Api, batch: dict[str, Any]) -> None:
        receipt = api.created("/recalls", make_recall(), as_=PRODUCER)
        assert_proves(api, receipt)
        assert api.get(f"/batches/{GTIN}/L1")["recalled_entry"] == receipt["index"]

    def test_serials_are_issued_for_a_batch(self, api: Api, batch: dict[str, Any]) -> None:
        receipt = api.created("/serials", make_serials(count=3, prefix="HD"), as_=PRODUCER)
        assert_proves(api, receipt)
        assert [s["serial"] for s in api.get("/serials", gtin=GTIN, lot="L1")["items"]] == \
            ["HD0000001", "HD0000002", "HD0000003"]

    def test_a_certification_is_issued(self, api: Api, batch: dict[str, Any]) -> None:
        api.accredit(CERTIFIER)
        receipt = api.created("/certifications", make_certification(), as_=CERTIFIER)
        assert_proves(api, receipt)
        [cert] = api.get("/certifications", subject_gtin=GTIN)["items"]
        assert (cert["id"], cert["certifier"], cert["result"]) == ("cert-1", CERTIFIER, "pass")

    def test_a_right_of_use_is_granted_and_suspended(self, api: Api, producer: str) -> None:
        api.register(ASSOCIATION, ["association"])
        assert_proves(api, api.created("/marks", make_mark()))
        granted = api.created("/rights", make_right(id=MARK_RIGHT, subject={"type": "mark", "id": MARK}),
                              as_=ASSOCIATION)
        assert_proves(api, granted)
        suspended = api.created("/rights/suspensions", make_right_change(right=MARK_RIGHT), as_=ASSOCIATION)
        assert_proves(api, suspended)
        [right] = api.get("/rights", holder=PRODUCER)["items"]
        assert (right["id"], right["status"], right["entry"]) == (MARK_RIGHT, "suspended", granted["index"])

    def test_a_gi_right_is_granted_by_an_authority(self, api: Api, gi: str) -> None:
        [right] = api.get("/rights", subject_id=GI)["items"]
        assert (right["id"], right["holder"], right["status"]) == (RIGHT, PRODUCER, "active")

    def test_a_correction_declares_an_earlier_entry_in_error(self, api: Api, batch: dict[str, Any]) -> None:
        receipt = api.created("/corrections", make_correction(batch["index"]), as_=PRODUCER)
        assert_proves(api, receipt)
        [correction] = api.get("/corrections", corrected_entry=batch["index"])["items"]
        assert (correction["entry"], correction["issuer"]) == (receipt["index"], PRODUCER)

    def test_a_rule_refusal_appends_nothing(self, api: Api, batch: dict[str, Any]) -> None:
        with api.nothing_appended():
            response = api.post("/batches", make_batch(), as_=PRODUCER)
        problem = assert_problem(response, 409, "duplicate-lot")
        assert "L1" in problem["detail"]


class TestSignedStatements:
    """POST /statements takes a statement signed by the issuer's own key without a token, or a token
    holder's draft."""

    def test_a_statement_signed_by_the_issuers_own_key_needs_no_token(self, api: Api, own_key: OwnKey) -> None:
        response = api.post("/statements", own_key.signed("product.registered.v1", make_product()))
        assert response.status_code == 201, response.text
        assert_proves(api, response.json())
        assert api.get(f"/products/{GTIN}")["producer"] == PRODUCER

    def test_replaying_a_signed_statement_is_refused(self, api: Api, own_key: OwnKey) -> None:
        signed = own_key.signed("product.registered.v1", make_product())
        assert api.post("/statements", signed).status_code == 201
        with api.nothing_appended():
            response = api.post("/statements", signed)
        problem = assert_problem(response, 409, "nonce-replayed")
        assert signed["statement"]["nonce"] in problem["detail"]

    def test_a_statement_altered_after_signing_is_refused(self, api: Api, own_key: OwnKey) -> None:
        signed = own_key.signed("product.registered.v1", make_product())
        signed["statement"]["body"]["unit"] = "KGM"
        with api.nothing_appended():
            response = api.post("/statements", signed)
        assert_problem(response, 403, "bad-signature")

    def test_a_statement_signed_by_a_key_not_registered_for_the_issuer_is_refused(self, api: Api,
                                                                                    own_key: OwnKey) -> None:
        stranger = OwnKey(PRODUCER)
        with api.nothing_appended():
            response = api.post("/statements", stranger.signed("product.registered.v1", make_product()))
        problem = assert_problem(response, 403, "unknown-key")
        assert statement_key_id(stranger.private.public_key()) in problem["detail"]

    def test_a_signature_that_is_not_ed25519_is_refused(self, api: Api, own_key: OwnKey) -> None:
        signed = own_key.signed("product.registered.v1", make_product())
        signed["signature"]["value"] = base64.b64encode(b"short").decode()
        with api.nothing_appended():
            response = api.post("/statements", signed)
        problem = assert_problem(response, 422, "invalid-value")
        assert "64" in problem["detail"]

    def test_a_draft_without_a_token_is_refused(self, api: Api, own_key: OwnKey) -> None:
        with api.nothing_appended():
            response = api.post("/statements", {"kind": "product.registered.v1", "body": make_product()})
        assert_problem(response, 401, "token-required")
        assert response.headers["www-authenticate"].startswith("Bearer")

    def test_a_draft_with_a_token_is_signed_by_the_registry(self, api: Api, own_key: OwnKey) -> None:
        receipt = api.created("/statements", {"kind": "product.registered.v1", "body": make_product()},
                              as_=PRODUCER)
        assert_proves(api, receipt)
        statement = api.entry(receipt["index"])
        assert (statement["kind"], statement["issuer"]) == ("product.registered.v1", PRODUCER)

    def test_a_draft_of_an_unknown_kind_is_refused(self, api: Api, own_key: OwnKey) -> None:
        with api.nothing_appended():
            response = api.post("/statements", {"kind": "batch.teleported.v1", "body": {}}, as_=PRODUCER)
        problem = assert_problem(response, 422, "unknown-kind")
        assert "batch.registered.v1" in problem["detail"]
