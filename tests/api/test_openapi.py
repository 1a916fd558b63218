"""The OpenAPI document: every read documents the shape of its answer and what it serves fits that shape; the API
token is an HTTP bearer scheme that operations needing a token declare and public ones do not; refusals are
documented as RFC 9457 problem documents."""

import re
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest

from api.problems import PROBLEM_JSON
from registry.demo import DemoSummary
from registry.epcis import MEDIA_TYPE
from tests.api.conftest import GTIN, PRODUCER, ROOT, Api, make_batch

LISTS = ["/organisations", "/keys", "/gis", "/marks", "/rights", "/products", "/batches", "/events",
         "/certifications", "/serials", "/corrections", "/delegations", "/accreditations", "/prefix-licences"]
BEARER = [{"apiToken": []}]
TYPED_ELSEWHERE = ["/01/{rest}", "/.well-known/gs1resolver", "/api/v1/bundles/01/{gtin}/10/{lot}"]
"""The resolver's and the bundle's JSON, whose models are the verdict's."""


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    served: dict[str, Any] = api.client.get("/openapi.json").json()
    return served


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def errors(document: dict[str, Any], path: str, method: str, status: int, answer: Any,
           media: str = "application/json") -> list[str]:
    """How `answer` breaks the schema the document gives for `status` of `method` `path` (none: it fits)."""
    schema = document["paths"][path][method]["responses"][str(status)]["content"][media]["schema"]
    validator = jsonschema_rs.validator_for({**schema, "components": document["components"]})
    return [f"{method.upper()} {path} {status}: {e.message} at {list(e.instance_path)}"
            for e in validator.iter_errors(answer)]


def documented(media: str, content: dict[str, Any]) -> bool:
    """Whether an answer of `media` has a schema: for JSON, one naming its model."""
    schema = content.get("schema")
    return bool(schema) and (media != "application/json" or "$ref" in schema)


def models(schema: dict[str, Any]) -> list[str]:
    """The models a schema names: its `$ref`, or those of an `anyOf` of `$ref`s (none for anything else)."""
    if "$ref" in schema:
        return [schema["$ref"]]
    choices = schema.get("anyOf", [])
    return [choice["$ref"] for choice in choices] if choices and all("$ref" in c for c in choices) else []


def demo_reads(api: Api) -> list[tuple[str, str]]:
    """(documented path, URL) of a read of each shape on the demo registry."""
    def first(path: str, key: str, **filters: str) -> str:
        value: str = api.get(path, **filters)["items"][0][key]
        return value

    batch = api.get("/batches", limit=1)["items"][0]
    gi, mark = first("/gis", "id"), first("/marks", "id")
    detail = [
        ("/organisations/{organisation_id}", f"/organisations/{first('/keys', 'organisation', offset='3')}"),
        ("/gis/{gi_id}", f"/gis/{gi}"), ("/gis/{gi_id}/users", f"/gis/{gi}/users"),
        ("/marks/{mark_id}", f"/marks/{mark}"), ("/marks/{mark_id}/users", f"/marks/{mark}/users"),
        ("/products/{gtin}", f"/products/{first('/products', 'gtin')}"),
        ("/batches/{gtin}/{lot}", f"/batches/{batch['gtin']}/{batch['lot']}"),
        ("/log/entries", "/log/entries?limit=1000"), ("/log/entries/{index}", "/log/entries/3"),
        ("/log/proof/inclusion", "/log/proof/inclusion?index=2"),
        ("/log/proof/consistency", "/log/proof/consistency?old=3"), ("/health", "/health"),
    ]
    return [(f"/api/v1{p}", f"/api/v1{p}?limit=500") for p in LISTS] + [(f"/api/v1{p}", f"/api/v1{u}")
                                                                       for p, u in detail]


class TestShapes:
    """Every read documents its answer, and answers fit what is documented."""

    def test_every_read_under_api_v1_documents_a_schema_for_each_media_type_it_answers(
            self, document: dict[str, Any]) -> None:
        undocumented = [f"{path} {media}" for path, method, operation in operations(document)
                        if method == "get" and path.startswith("/api/v1/") and path not in TYPED_ELSEWHERE
                        for media, content in operation["responses"]["200"]["content"].items()
                        if not documented(media, content)]
        assert undocumented == [], "a JSON answer's schema names its model; other media give at least a type"

    def test_reads_of_rows_document_every_column_as_required(self, document: dict[str, Any]) -> None:
        schemas = document["components"]["schemas"]
        batch = schemas["BatchOut"]
        assert set(batch["required"]) == set(batch["properties"]) >= {"gtin", "lot", "retracted", "recalled_entry"}
        assert schemas["BatchPage"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/BatchOut"}

    def test_the_resolver_s_and_the_bundle_s_json_document_their_shapes(self, document: dict[str, Any]) -> None:
        answers = [(f"{path} {media}", content) for path in TYPED_ELSEWHERE
                   for media, content in document["paths"][path]["get"]["responses"]["200"]["content"].items()
                   if media.endswith("json")]
        assert len(answers) == 4, "the verdict document, the linkset, the resolver description and the bundle"
        untyped = [answer for answer, content in answers if not models(content.get("schema", {}))]
        assert untyped == [], "each JSON answer names its model, or the models it may be"
        named = [ref.rsplit("/", 1)[-1] for _, content in answers for ref in models(content["schema"])]
        assert all(document["components"]["schemas"][name].get("properties") for name in named)

    def test_served_reads_fit_their_documented_schemas(self, demo: tuple[Api, DemoSummary]) -> None:
        api, _summary = demo
        document = api.client.get("/openapi.json").json()
        found: list[str] = []
        for path, url in demo_reads(api):
            response = api.client.get(url)
            assert response.status_code == 200, f"{url}: {response.text}"
            found += errors(document, path, "get", 200, response.json())
        tokens = api.client.get("/api/v1/tokens", headers=api.auth(ROOT))
        found += errors(document, "/api/v1/tokens", "get", 200, tokens.json())
        event = api.get("/events", limit=1)["items"][0]
        epcis = api.client.get(f"/api/v1/batches/{event['gtin']}/{event['lot']}/epcis")
        assert epcis.json()["epcisBody"]["eventList"]
        found += errors(document, "/api/v1/batches/{gtin}/{lot}/epcis", "get", 200, epcis.json(), MEDIA_TYPE)
        assert found == []

    def test_the_resolver_s_answers_fit_their_documented_schemas(self, demo: tuple[Api, DemoSummary]) -> None:
        api, _summary = demo
        document = api.client.get("/openapi.json").json()
        batch = api.get("/batches", limit=1)["items"][0]
        code = f"/01/{batch['gtin']}/10/{batch['lot']}"
        links = api.client.get(code, params={"linkType": "all"})
        verdict = api.client.get(code, headers={"Accept": "application/json"})
        described = api.client.get("/.well-known/gs1resolver")
        assert [r.status_code for r in (links, verdict, described)] == [200, 200, 200]
        assert len(links.json()["linkset"][0]) == 6, "the anchor, its description, three link types and the default"
        found = errors(document, "/01/{rest}", "get", 200, links.json(), "application/linkset+json")
        found += errors(document, "/01/{rest}", "get", 200, verdict.json())
        found += errors(document, "/.well-known/gs1resolver", "get", 200, described.json())
        assert found == []
        broken = {**links.json()["linkset"][0]}
        del broken["https://ref.gs1.org/voc/pip"]
        assert errors(document, "/01/{rest}", "get", 200, {"linkset": [broken]}, "application/linkset+json")

    def test_single_rows_serve_booleans_as_lists_do(self, demo: tuple[Api, DemoSummary]) -> None:
        api, _summary = demo
        batch = api.get("/batches", limit=1)["items"][0]
        single = api.get(f"/batches/{batch['gtin']}/{batch['lot']}")
        assert (single, [type(v) for v in single.values()]) == (batch, [type(v) for v in batch.values()])
        keys = api.get(f"/organisations/{batch['producer']}")["keys"]
        assert keys == api.get("/keys", organisation=batch["producer"])["items"]
        assert {(type(k["custodial"]), type(k["active"])) for k in keys} == {(bool, bool)}

    def test_a_receipt_and_refusals_fit_their_documented_schemas(self, api: Api, producer: str,
                                                                  document: dict[str, Any]) -> None:
        receipt = api.created("/batches", make_batch(), as_=PRODUCER)
        unknown = api.client.get(f"/api/v1/batches/{GTIN}/NO-LOT")
        invalid = api.client.get("/api/v1/batches", params={"limit": 0})
        rows = api.client.post("/api/v1/batches/import", content=b"gtin,lot,quantity,unit,produced_on,origin_code,"
                               b"origin_version\n1,,x,,,,\n",
                               headers={"Content-Type": "text/csv", **api.auth(PRODUCER)})
        refusals = [("/api/v1/batches/{gtin}/{lot}", "get", unknown), ("/api/v1/batches", "get", invalid),
                    ("/api/v1/batches/import", "post", rows)]
        assert [(r.status_code, r.headers["content-type"], "errors" in r.json()) for _, _, r in refusals] == \
            [(404, PROBLEM_JSON, False), (422, PROBLEM_JSON, True), (422, PROBLEM_JSON, True)]
        found = errors(document, "/api/v1/batches", "post", 201, receipt)
        for path, method, response in refusals:
            found += errors(document, path, method, response.status_code, response.json(), PROBLEM_JSON)
        assert found == []

    def test_documented_refusals_are_problem_documents(self, document: dict[str, Any]) -> None:
        problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
        wrong = [f"{method.upper()} {path} {status}" for path, method, operation in operations(document)
                 for status, response in operation["responses"].items()
                 if (status == "default" or int(status) >= 400) and response["content"].get(PROBLEM_JSON) != problem]
        assert wrong == []
        assert set(document["components"]["schemas"]["Problem"]["required"]) >= {"type", "title", "status", "detail"}


class TestSecurity:
    """The API token is the bearer scheme `apiToken`, declared by the operations that need it and only by them."""

    def test_the_token_is_an_http_bearer_scheme(self, document: dict[str, Any]) -> None:
        scheme = document["components"]["securitySchemes"]["apiToken"]
        assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")

    def test_writes_and_token_routes_need_the_token_and_public_reads_do_not(self, document: dict[str, Any]) -> None:
        security = {(method, path): operation.get("security") for path, method, operation in operations(document)}
        assert {key for key, value in security.items() if value == BEARER} == \
            {(m, p) for m, p in security if m == "post" and p != "/api/v1/statements"} | {("get", "/api/v1/tokens")}
        assert security["post", "/api/v1/statements"] == [{}, *BEARER]
        assert {key for key, value in security.items() if value is None} == \
            {(m, p) for m, p in security if m == "get" and p != "/api/v1/tokens"}

    def test_operations_declaring_the_token_refuse_a_request_without_one_and_the_others_do_not(
            self, api: Api, document: dict[str, Any]) -> None:
        statuses = {}
        for path, method, operation in operations(document):
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = api.client.request(method, url, json={"kind": "batch.registered.v1", "body": {}})
            statuses[method, path] = (response.status_code == 401, operation.get("security") is not None)
        assert [key for key, (refused, declared) in statuses.items() if refused != declared] == []
