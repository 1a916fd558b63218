"""Credentials through the API (api/routes/tokens.py): tokens created, listed and revoked by their organisation
and by the root authority, never shown again after creation; fresh custodial keys for an organisation whose key
was revoked."""

import hashlib
from typing import Any

import httpx
from sqlalchemy import func, select

from api.tables import ApiToken
from registry.held import RegCustodialKey
from tests.api.conftest import (
    GTIN,
    OTHER_PRODUCER,
    PRODUCER,
    ROOT,
    Api,
    assert_problem,
    assert_proves,
    gtin,
    make_batch,
    make_product,
)

_tokens = ApiToken.__table__  # type: ignore[attr-defined]
_sealed = RegCustodialKey.__table__  # type: ignore[attr-defined]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create(api: Api, token: str, **body: Any) -> httpx.Response:
    response: httpx.Response = api.client.post("/api/v1/tokens", json=body, headers=bearer(token))
    return response


def created(api: Api, token: str, **body: Any) -> dict[str, Any]:
    response = create(api, token, **body)
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    return document


def listed(api: Api, token: str, **params: str) -> httpx.Response:
    response: httpx.Response = api.client.get("/api/v1/tokens", params=params, headers=bearer(token))
    return response


def revoke(api: Api, token: str, token_id: str) -> httpx.Response:
    response: httpx.Response = api.client.post(f"/api/v1/tokens/{token_id}/revoke", headers=bearer(token))
    return response


def writes(api: Api, token: str, lot: str) -> httpx.Response:
    """A batch registration of PRODUCER's product with `token`."""
    response: httpx.Response = api.client.post("/api/v1/batches", json=make_batch(lot=lot), headers=bearer(token))
    return response


def token_rows(api: Api) -> int:
    with api.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(_tokens)).scalar_one())


def sealed_keys(api: Api) -> int:
    with api.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(_sealed)).scalar_one())


class TestCreate:
    """A token is made for the caller's organisation, or by the root for any, and shown only in that answer."""

    def test_an_organisation_creates_its_own_token_shown_once(self, api: Api, producer: str) -> None:
        made = created(api, api.token(PRODUCER), label="máy in nhãn")
        token = made["token"]
        assert token.startswith("ngn_")
        assert (made["organisation"], made["label"], made["prefix"], made["revoked_at"]) == (
            PRODUCER, "máy in nhãn", token[4:10], None)
        assert len(made["id"]) == 12
        assert writes(api, token, "L-NEW").status_code == 201
        page = listed(api, token)
        assert token not in page.text
        assert token[4:] not in page.text
        assert hashlib.sha256(token.encode()).hexdigest() not in page.text

    def test_the_root_creates_a_token_for_another_organisation(self, api: Api, producer: str) -> None:
        made = created(api, api.token(ROOT), organisation=PRODUCER, label="cấp bởi Cục")
        assert made["organisation"] == PRODUCER
        assert writes(api, made["token"], "L-ROOT").status_code == 201

    def test_an_organisation_cannot_create_a_token_for_another(self, api: Api, producer: str) -> None:
        api.register(OTHER_PRODUCER)
        token = api.token(PRODUCER)
        rows = token_rows(api)
        problem = assert_problem(create(api, token, organisation=OTHER_PRODUCER), 403,
                                 "not-root-authority")
        assert OTHER_PRODUCER in problem["detail"]
        assert token_rows(api) == rows

    def test_a_token_for_an_unregistered_organisation_is_refused(self, api: Api) -> None:
        root = api.token(ROOT)
        rows = token_rows(api)
        assert_problem(create(api, root, organisation="nobody"), 422, "unknown-organisation")
        assert token_rows(api) == rows

    def test_a_label_too_long_or_with_control_characters_is_refused(self, api: Api) -> None:
        root = api.token(ROOT)
        rows = token_rows(api)
        for label in ("x" * 101, "dòng\nmới", "nul\x00"):
            assert_problem(create(api, root, label=label), 422, "invalid-request")
        assert token_rows(api) == rows

    def test_creating_a_token_needs_a_token(self, api: Api) -> None:
        assert_problem(api.client.post("/api/v1/tokens", json={}), 401, "token-required")


class TestList:
    """An organisation sees its own tokens (id, label, prefix, times); the root sees anyone's."""

    def test_lists_id_label_prefix_and_times_never_the_token_or_its_hash(self, api: Api, producer: str) -> None:
        first = api.token(PRODUCER)
        second = created(api, first, label="kho")
        revoke(api, first, second["id"])
        page = listed(api, first)
        assert page.status_code == 200, page.text
        tokens = page.json()["tokens"]
        assert [(t["label"], t["prefix"], t["revoked_at"] is None) for t in tokens] == [
            ("test", first[4:10], True), ("kho", second["token"][4:10], False)]
        assert set(tokens[0]) == {"id", "organisation", "label", "prefix", "created_at", "revoked_at"}
        for token in (first, second["token"]):
            assert token[4:] not in page.text
            assert hashlib.sha256(token.encode()).hexdigest() not in page.text

    def test_the_root_lists_another_organisations_tokens(self, api: Api, producer: str) -> None:
        api.token(PRODUCER)
        page = listed(api, api.token(ROOT), organisation=PRODUCER)
        assert [t["organisation"] for t in page.json()["tokens"]] == [PRODUCER]

    def test_an_organisation_cannot_list_anothers_tokens(self, api: Api, producer: str) -> None:
        api.token(ROOT)
        problem = assert_problem(listed(api, api.token(PRODUCER), organisation=ROOT), 403, "not-root-authority")
        assert "tokens" not in problem


class TestRevoke:
    """A revoked token stops working at once; another organisation's token ids answer as if they did not exist."""

    def test_an_organisation_revokes_its_own_token(self, api: Api, producer: str) -> None:
        keeper = api.token(PRODUCER)
        spare = created(api, keeper, label="dự phòng")
        response = revoke(api, keeper, spare["id"])
        assert response.status_code == 200, response.text
        assert response.json()["revoked_at"] is not None
        assert_problem(writes(api, spare["token"], "L-SPARE"), 401, "token-invalid")
        assert writes(api, keeper, "L-KEEPER").status_code == 201

    def test_a_token_revoking_itself_stops_working_at_once(self, api: Api, producer: str) -> None:
        token = created(api, api.token(PRODUCER))
        assert revoke(api, token["token"], token["id"]).status_code == 200
        assert_problem(listed(api, token["token"]), 401, "token-invalid")

    def test_a_revoked_token_cannot_revoke_others(self, api: Api, producer: str) -> None:
        other = created(api, api.token(PRODUCER))
        revoked = created(api, api.token(PRODUCER))
        revoke(api, api.token(PRODUCER), revoked["id"])
        assert_problem(revoke(api, revoked["token"], other["id"]), 401, "token-invalid")
        assert writes(api, other["token"], "L-OTHER").status_code == 201

    def test_the_root_revokes_any_organisations_token(self, api: Api, producer: str) -> None:
        token = created(api, api.token(PRODUCER))
        assert revoke(api, api.token(ROOT), token["id"]).json()["organisation"] == PRODUCER
        assert_problem(writes(api, token["token"], "L-ROOT-REVOKED"), 401, "token-invalid")

    def test_another_organisations_token_answers_like_an_unknown_one(self, api: Api, producer: str) -> None:
        api.register(OTHER_PRODUCER)
        theirs = created(api, api.token(OTHER_PRODUCER))
        foreign = assert_problem(revoke(api, api.token(PRODUCER), theirs["id"]), 404, "unknown-token")
        unknown = assert_problem(revoke(api, api.token(PRODUCER), "0123456789ab"), 404, "unknown-token")
        assert foreign["detail"].replace(theirs["id"], "ID") == unknown["detail"].replace("0123456789ab", "ID")
        assert [t["revoked_at"] for t in listed(api, theirs["token"]).json()["tokens"] if t["id"] == theirs["id"]] == [
            None]

    def test_revoking_twice_is_a_conflict(self, api: Api, producer: str) -> None:
        token = created(api, api.token(PRODUCER))
        revoke(api, api.token(PRODUCER), token["id"])
        assert_problem(revoke(api, api.token(PRODUCER), token["id"]), 409, "token-already-revoked")


class TestCustodialKey:
    """An authority gives an organisation whose custodial key was revoked a fresh one; no one else can."""

    def revoke_custodial_key(self, api: Api, organisation: str) -> None:
        [key] = [k for k in api.get("/keys", organisation=organisation)["items"] if k["active"]]
        api.created("/keys/revocations", {"organisation": organisation, "key_id": key["key_id"],
                                          "reason": "Máy chủ của hợp tác xã bị xâm nhập."})

    def test_an_organisation_writes_again_once_an_authority_adds_a_fresh_key(self, api: Api, producer: str) -> None:
        self.revoke_custodial_key(api, PRODUCER)
        with api.nothing_appended():
            assert_problem(writes(api, api.token(PRODUCER), "L-LOCKED"), 403, "no-custodial-key")
        response = api.client.post("/api/v1/keys/custodial", json={"organisation": PRODUCER}, headers=api.auth(ROOT))
        assert response.status_code == 201, response.text
        receipt = response.json()
        assert_proves(api, receipt)
        statement = api.entry(receipt["index"])
        assert (statement["kind"], statement["issuer"]) == ("key.added.v1", ROOT)
        assert (statement["body"]["organisation"], statement["body"]["custodial"]) == (PRODUCER, True)
        assert writes(api, api.token(PRODUCER), "L-AGAIN").status_code == 201
        active = [k for k in api.get("/keys", organisation=PRODUCER)["items"] if k["active"]]
        assert [k["public_key"] for k in active] == [statement["body"]["public_key"]]

    def test_a_producer_cannot_add_a_custodial_key_for_another_organisation(self, api: Api, producer: str) -> None:
        api.register(OTHER_PRODUCER)
        self.revoke_custodial_key(api, OTHER_PRODUCER)
        keys = sealed_keys(api)
        with api.nothing_appended():
            response = api.client.post("/api/v1/keys/custodial", json={"organisation": OTHER_PRODUCER},
                                       headers=api.auth(PRODUCER))
        assert_problem(response, 403, "not-yours")
        assert sealed_keys(api) == keys, "a refused key.added left its sealed key behind"

    def test_a_key_for_an_unregistered_organisation_is_refused(self, api: Api) -> None:
        keys = sealed_keys(api)
        with api.nothing_appended():
            response = api.client.post("/api/v1/keys/custodial", json={"organisation": "nobody"},
                                       headers=api.auth(ROOT))
        assert_problem(response, 422, "unknown-organisation")
        assert sealed_keys(api) == keys

    def test_adding_a_custodial_key_needs_a_token(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.client.post("/api/v1/keys/custodial", json={"organisation": PRODUCER})
        assert_problem(response, 401, "token-required")

    def test_the_new_key_signs_for_its_organisation_only(self, api: Api, producer: str) -> None:
        api.register_producer(OTHER_PRODUCER, "893901")
        api.created("/keys/custodial", {"organisation": OTHER_PRODUCER})
        api.created("/products", make_product(gtin=gtin(1, prefix="0893901")), as_=OTHER_PRODUCER)
        with api.nothing_appended():
            response = api.post("/batches", make_batch(gtin=GTIN, lot="L-THEIRS"), as_=OTHER_PRODUCER)
        assert_problem(response, 403, "not-your-product")
