"""The resolver against GS1-Conformant Resolver 1.2 on the demo registry: linksets of every level that validate
against GS1's linkset schema, one link by linkType with the query passed on, GET, HEAD and OPTIONS with CORS, a
trailing slash, 400 for what is not a GS1 Digital Link, 404 for what is not registered, and walking up from an
unknown lot to its product."""

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from registry.demo import BatchKey, scenarios
from tests.api.conftest import PUBLIC_URL, Api, assert_problem
from tests.api.resolving import GS1, HTML, JSON, UNKNOWN_GTIN, genuine, item, path, wrong_check_digit
from tests.checks import varies_by

SCHEMA = Path(__file__).parent.parent / "vectors" / "gs1-linkset" / "gs1-linkset-schema.json"
LINKSET = {"Accept": "application/linkset+json"}


def linkset_errors(linkset: Any) -> list[str]:
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text(encoding="utf-8")))
    return [f"{e.message} at {list(e.instance_path)}" for e in validator.iter_errors(linkset)]


def contexts(response: httpx.Response) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/linkset+json"
    return {context["anchor"]: context for context in response.json()["linkset"]}


def product(key: BatchKey) -> str:
    return f"/01/{key.gtin}"


class TestLinkset:
    """linkType=linkset (and the older all) or Accept: application/linkset+json give every level's links."""

    def test_linktype_linkset_all_and_the_accept_header_give_the_same_linkset(self, resolver: Api) -> None:
        answers = [resolver.client.get(path(genuine()), params={"linkType": "linkset"}),
                   resolver.client.get(path(genuine()), params={"linkType": "all"}),
                   resolver.client.get(path(genuine()), headers=LINKSET)]
        assert [contexts(a) for a in answers[1:]] == [contexts(answers[0])] * 2
        link = answers[0].headers["link"]
        assert '<https://ref.gs1.org/standards/resolver/linkset-context>; rel="http://www.w3.org/ns/json-ld#context"' \
               '; type="application/ld+json"' in link
        assert f'<{PUBLIC_URL}{path(genuine())}?linkType=linkset>; rel="linkset"' in link

    def test_a_batch_has_its_own_links_and_its_product_s(self, resolver: Api) -> None:
        key = genuine()
        found = contexts(resolver.client.get(path(key), params={"linkType": "linkset"}))
        batch, gtin = f"{PUBLIC_URL}{path(key)}", f"{PUBLIC_URL}{product(key)}"
        assert list(found) == [batch, gtin]
        assert set(found[batch]) == {"anchor", "itemDescription", *(GS1 + t for t in (
            "pip", "traceability", "epcis", "defaultLink"))}
        assert set(found[gtin]) == {"anchor", "itemDescription", *(GS1 + t for t in (
            "pip", "certificationInfo", "verificationService", "defaultLink"))}
        page = f"{PUBLIC_URL}/page{path(key)}"
        assert found[batch][GS1 + "defaultLink"] == [{"href": page, "title": "Trang thông tin sản phẩm"}]
        assert found[batch][GS1 + "pip"][0] == {"href": page, "title": "Trang thông tin sản phẩm",
                                                "type": "text/html", "hreflang": ["vi", "en"]}
        assert found[batch][GS1 + "traceability"][0]["href"] == batch
        assert found[gtin][GS1 + "certificationInfo"][0]["href"] == \
            f"{PUBLIC_URL}/api/v1/certifications?subject_gtin={key.gtin}"
        assert f"lô {key.lot}" in found[batch]["itemDescription"]

    def test_an_item_has_three_levels(self, resolver: Api) -> None:
        found = contexts(resolver.client.get(path(item(), "BT260000001"), params={"linkType": "linkset"}))
        assert list(found) == [f"{PUBLIC_URL}{p}" for p in (path(item(), "BT260000001"), path(item()),
                                                              product(item()))]

    def test_titles_and_descriptions_are_in_the_language_asked_for(self, resolver: Api) -> None:
        found = contexts(resolver.client.get(path(genuine()), params={"linkType": "linkset", "lang": "en"}))
        batch = found[f"{PUBLIC_URL}{path(genuine())}"]
        assert batch[GS1 + "pip"][0]["title"] == "Product information page"
        assert f"lot {genuine().lot}" in batch["itemDescription"]

    @pytest.mark.parametrize("code", [*(f"batch:{name}" for name in ("genuine", "transformed", "recalled",
                                                                       "suspended_right", "expired_right")),
                                      "serial", "gtin", "unknown-lot"])
    def test_validates_against_gs1_s_linkset_schema(self, resolver: Api, code: str) -> None:
        key = scenarios()[code.removeprefix("batch:")][0] if code.startswith("batch:") else item()
        url = {"serial": path(item(), "BT260000002"), "gtin": product(key),
               "unknown-lot": path(BatchKey(key.gtin, "NO-SUCH-LOT"))}.get(code, path(key))
        for language in ("vi", "en"):
            answer = resolver.client.get(url, params={"linkType": "linkset", "lang": language})
            assert contexts(answer)
            assert linkset_errors(answer.json()) == []

    def test_the_schema_is_not_a_formality(self, resolver: Api) -> None:
        linkset = resolver.client.get(path(genuine()), params={"linkType": "linkset"}).json()
        del linkset["linkset"][0]["itemDescription"]
        linkset["linkset"][1][GS1 + "pip"][0]["title*"] = [{"value": "Product", "language": "en"}]
        assert len(linkset_errors(linkset)) == 2

    def test_a_code_whose_product_is_not_registered_has_no_linkset(self, resolver: Api) -> None:
        response = resolver.client.get(f"/01/{UNKNOWN_GTIN}", params={"linkType": "linkset"}, headers=JSON)
        assert_problem(response, 404, "unknown-code")


class TestOneLink:
    """linkType=<one type> redirects (307) to the most specific level's link, passing the query on."""

    @pytest.mark.parametrize("spelling", ["gs1:", GS1, "https://gs1.org/voc/"])
    def test_redirects_to_the_product_s_certifications(self, resolver: Api, spelling: str) -> None:
        response = resolver.client.get(path(genuine()), params={"linkType": f"{spelling}certificationInfo"},
                                       follow_redirects=False)
        assert response.status_code == 307
        assert response.headers["location"] == f"{PUBLIC_URL}/api/v1/certifications?subject_gtin={genuine().gtin}"
        assert 'rel="linkset"' in response.headers["link"]

    def test_passes_the_query_on_as_sent_but_for_link_type(self, resolver: Api) -> None:
        key = genuine()
        response = resolver.client.get(f"{path(key)}?17=261231&linkType=gs1:epcis&flag&x=a%20b",
                                       follow_redirects=False)
        events = f"{PUBLIC_URL}/api/v1/batches/{key.gtin}/{key.lot}/epcis"
        assert (response.status_code, response.headers["location"]) == (307, f"{events}?17=261231&flag&x=a%20b")
        document = resolver.client.get(events.removeprefix(PUBLIC_URL)).json()
        assert all(e["eventID"].startswith("ni:///sha-256;") for e in document["epcisBody"]["eventList"])

    def test_adds_the_query_to_a_target_that_has_one(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), params={"linkType": "gs1:certificationInfo", "lang": "en"},
                                       follow_redirects=False)
        assert response.headers["location"].endswith(f"?subject_gtin={genuine().gtin}&lang=en")

    def test_the_checkpoint_is_the_verification_service(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), params={"linkType": "gs1:verificationService"},
                                       follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (307, f"{PUBLIC_URL}/api/v1/log/checkpoint")

    @pytest.mark.parametrize(("link_type", "target"), [("gs1:pip", "/page"), ("gs1:defaultLink", "/page"),
                                                       ("gs1:traceability", "")])
    def test_the_page_and_the_verdict_are_links_too(self, resolver: Api, link_type: str, target: str) -> None:
        response = resolver.client.get(path(genuine()), params={"linkType": link_type, "lang": "en"},
                                       follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == \
            (307, f"{PUBLIC_URL}{target}{path(genuine())}?lang=en")

    def test_the_page_of_an_unknown_lot_is_its_product_s(self, resolver: Api) -> None:
        key = BatchKey(genuine().gtin, "NO-SUCH-LOT")
        response = resolver.client.get(path(key), params={"linkType": "gs1:pip"}, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (307, f"{PUBLIC_URL}/page{product(key)}")


class TestDefaultLink:
    """A plain request is redirected to the default link, the code's page, which answers in place (1.2, 2.6.1)."""

    @pytest.mark.parametrize("accept", [None, "*/*", "text/html,application/xhtml+xml,*/*;q=0.8"])
    def test_a_plain_request_goes_to_the_page_with_its_query(self, resolver: Api, accept: str | None) -> None:
        headers = {"Accept": accept} if accept else {}
        response = resolver.client.get(f"{path(genuine())}?lang=en&x=1", headers=headers, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == \
            (307, f"{PUBLIC_URL}/page{path(genuine())}?lang=en&x=1")
        assert 'rel="linkset"' in response.headers["link"]
        page = resolver.client.get(response.headers["location"].removeprefix(PUBLIC_URL), follow_redirects=False)
        assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
        assert "Authentic" in page.text

    def test_a_program_asking_for_json_gets_the_verdict_in_place(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), headers=JSON, follow_redirects=False)
        assert (response.status_code, response.json()["verdict"]) == (200, "authentic")

    def test_an_unknown_lot_goes_to_its_own_page_which_says_so(self, resolver: Api) -> None:
        key = BatchKey(genuine().gtin, "NO-SUCH-LOT")
        response = resolver.client.get(path(key), headers=HTML, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (307, f"{PUBLIC_URL}/page{path(key)}")
        page = resolver.client.get(f"/page{path(key)}", params={"lang": "vi"}, follow_redirects=False)
        assert (page.status_code, "Không tìm thấy lô hàng" in page.text) == (200, True)

    @pytest.mark.parametrize(("url", "status"), [(f"/page/01/{UNKNOWN_GTIN}", 404), ("/page/01/123", 400)])
    def test_the_page_of_what_is_not_registered_or_not_a_code_is_a_refusal_page(
            self, resolver: Api, url: str, status: int) -> None:
        response = resolver.client.get(url, headers=JSON, follow_redirects=False)
        assert (response.status_code, response.headers["content-type"]) == (status, "text/html; charset=utf-8")

    def test_the_page_s_other_spellings_redirect_to_its_canonical_path(self, resolver: Api) -> None:
        key = genuine()
        response = resolver.client.get(f"/page/01/{key.gtin[1:]}/10/{key.lot}?lang=en", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (308, f"/page{path(key)}?lang=en")

    def test_a_link_type_not_offered_is_a_404_listing_those_that_are(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), params={"linkType": "gs1:recipeInfo"}, headers=JSON)
        problem = assert_problem(response, 404, "unknown-link-type")
        assert "gs1:epcis" in problem["detail"]
        assert "gs1:recipeInfo" not in problem["detail"].split("has:")[1]
        product_only = resolver.client.get(product(genuine()), params={"linkType": "gs1:epcis"}, headers=JSON)
        assert_problem(product_only, 404, "unknown-link-type")


class TestMethods:
    """GET, HEAD and OPTIONS; any origin may read the resolver."""

    @pytest.mark.parametrize(("url", "params", "headers"), [
        (path(genuine()), {}, HTML), (path(genuine()), {}, JSON), (path(genuine()), {"linkType": "linkset"}, {}),
        (path(genuine()), {"linkType": "gs1:epcis"}, {}), (f"/01/{genuine().gtin}", {}, HTML),
        (f"/01/{wrong_check_digit(genuine().gtin)}", {}, JSON), (f"/01/{UNKNOWN_GTIN}", {}, HTML),
        ("/.well-known/gs1resolver", {}, {}),
    ])
    def test_head_answers_as_get_does_without_a_body(self, resolver: Api, url: str, params: dict[str, str],
                                                      headers: dict[str, str]) -> None:
        # Uncompressed: a HEAD has no body to compress, so its Content-Length is the identity one.
        headers = {**headers, "Accept-Encoding": "identity"}
        got = resolver.client.get(url, params=params, headers=headers, follow_redirects=False)
        head = resolver.client.head(url, params=params, headers=headers, follow_redirects=False)
        assert (head.status_code, head.content) == (got.status_code, b"")
        own = {"date", "x-request-id", "vary"}  # each request's own; Vary below, without compression's part
        assert {k: v for k, v in head.headers.items() if k not in own} == \
            {k: v for k, v in got.headers.items() if k not in own}
        assert varies_by(head) == varies_by(got)

    @pytest.mark.parametrize("url", [path(genuine()), f"/01/{UNKNOWN_GTIN}/10/X", "/01/nonsense",
                                     "/.well-known/gs1resolver"])
    def test_options_names_the_methods_and_allows_any_origin(self, resolver: Api, url: str) -> None:
        plain = resolver.client.options(url)
        preflight = resolver.client.options(url, headers={"Origin": "https://shop.example",
                                                          "Access-Control-Request-Method": "GET"})
        for response in (plain, preflight):
            assert (response.status_code, response.headers["allow"]) == (204, "GET, HEAD, OPTIONS")
            assert response.headers["access-control-allow-origin"] == "*"
            assert response.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
            if url.startswith("/01/") and url != "/01/nonsense":
                assert response.headers["link"] == \
                    f'<{PUBLIC_URL}{url}?linkType=linkset>; rel="linkset"; type="application/linkset+json"'
            else:
                assert "link" not in response.headers

    def test_any_origin_may_read_an_answer_and_its_link_header(self, resolver: Api) -> None:
        response = resolver.client.get(path(genuine()), headers={"Origin": "https://shop.example", **JSON})
        assert response.headers["access-control-allow-origin"] == "*"
        assert "Link" in response.headers["access-control-expose-headers"]

    def test_the_api_s_own_cors_origins_do_not_narrow_the_resolver(self, settings: Settings) -> None:
        app = create_app(settings.model_copy(update={"cors_origins": ["https://portal.example"]}))
        with TestClient(app) as client:
            preflight = client.options(path(genuine()), headers={"Origin": "https://shop.example",
                                                                 "Access-Control-Request-Method": "GET"})
            assert (preflight.status_code, preflight.headers["access-control-allow-origin"]) == (204, "*")
            api = client.options("/api/v1/batches", headers={"Origin": "https://shop.example",
                                                             "Access-Control-Request-Method": "POST"})
            assert "access-control-allow-origin" not in api.headers


class TestPaths:
    """One answer per code however it is written; 400 for a path that is not a GS1 Digital Link."""

    @pytest.mark.parametrize(("params", "headers"), [({}, HTML), ({}, JSON), ({"linkType": "linkset"}, {}),
                                                     ({"linkType": "gs1:epcis"}, {})])
    @pytest.mark.parametrize("code", ["batch", "item", "gtin", "unknown-lot"])
    def test_a_trailing_slash_gives_the_same_answer(self, resolver: Api, code: str, params: dict[str, str],
                                                    headers: dict[str, str]) -> None:
        url = {"batch": path(genuine()), "item": path(item(), "BT260000003"), "gtin": product(genuine()),
               "unknown-lot": path(BatchKey(genuine().gtin, "NO-SUCH-LOT"))}[code]
        plain = resolver.client.get(url, params=params, headers=headers, follow_redirects=False)
        slash = resolver.client.get(url + "/", params=params, headers=headers, follow_redirects=False)
        assert (slash.status_code, slash.headers.get("location")) == (plain.status_code, plain.headers.get("location"))
        if plain.headers.get("content-type", "").endswith("json") and code != "item":
            assert slash.json() == plain.json()

    def test_a_gtin_13_redirects_to_the_gtin_14_path_keeping_the_query(self, resolver: Api) -> None:
        key = genuine()
        assert key.gtin.startswith("0")
        response = resolver.client.get(f"/01/{key.gtin[1:]}/10/{key.lot}", params={"lang": "en", "region": "HN"},
                                       follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (308, f"{path(key)}?lang=en&region=HN")

    def test_an_escaped_unreserved_character_redirects_to_the_plain_one(self, resolver: Api) -> None:
        key = genuine()
        response = resolver.client.get(f"/01/{key.gtin}/10/{key.lot.replace('-', '%2D', 1)}", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (308, path(key))

    @pytest.mark.parametrize(("tail", "says"), [
        ("/21/S1/10/L1", "GS1 Digital Link orders the GTIN key qualifiers"),
        ("/10/L1/22/V1", "puts AI 22 after AI 10"),
        ("/10", "no value"),
        ("/10/L1/17/261231", "other AIs go in the query string"),
        ("/10/L%201", "has a space"),
    ])
    def test_a_malformed_path_is_a_400_problem(self, resolver: Api, tail: str, says: str) -> None:
        response = resolver.client.get(f"/01/{genuine().gtin}{tail}", headers=JSON)
        problem = assert_problem(response, 400, "invalid-digital-link")
        assert says in problem["detail"]
        assert problem["message"]["vi"] != problem["message"]["en"]

    def test_a_wrong_check_digit_is_a_400_problem_naming_the_right_one(self, resolver: Api) -> None:
        gtin = wrong_check_digit(genuine().gtin)
        problem = assert_problem(resolver.client.get(f"/01/{gtin}/10/L1", headers=JSON), 400, "invalid-digital-link")
        assert (problem["gtin"], problem["check_digit"]) == (gtin, int(genuine().gtin[-1]))
        assert f"số kiểm tra đúng theo GS1 là {genuine().gtin[-1]}" in problem["message"]["vi"]

    def test_a_lot_with_a_slash_resolves_when_percent_encoded(self, resolver: Api) -> None:
        vase = item()
        bat_trang = {"code": "00577", "version": "2025-07-01"}
        resolver.created("/batches", {"gtin": vase.gtin, "lot": "BT-2026/11", "quantity": "10", "unit": "H87",
                                      "produced_on": "2026-11-02", "origin": bat_trang}, as_="gom-hong-phuc")
        response = resolver.client.get(f"/01/{vase.gtin}/10/BT-2026%2F11", headers=JSON)
        assert (response.json()["verdict"], response.json()["batch"]["lot"]) == ("authentic", "BT-2026/11")

    def test_a_variant_is_walked_over_to_the_batch(self, resolver: Api) -> None:
        key = genuine()
        response = resolver.client.get(f"/01/{key.gtin}/22/V1/10/{key.lot}", headers=JSON)
        assert (response.status_code, response.json()["verdict"]) == (200, "authentic")


class TestWalkingUp:
    """A code whose lot or serial the registry does not know answers what its GTIN answers (1.2, 2.5.9)."""

    @pytest.mark.parametrize("tail", ["/10/NO-SUCH-LOT", "/10/NO-SUCH-LOT/21/S1", "/21/S1", "/235/X1"])
    def test_an_unknown_level_answers_with_the_product_and_says_so(self, resolver: Api, tail: str) -> None:
        key = genuine()
        response = resolver.client.get(f"{product(key)}{tail}", headers=JSON)
        assert response.status_code == 200
        answer = response.json()
        assert (answer["gtin"], answer["uri"]) == (key.gtin, f"{PUBLIC_URL}{product(key)}")
        assert answer["requested"]["uri"] == f"{PUBLIC_URL}{product(key)}{tail}"
        assert (answer["requested"]["registered"], answer["requested"]["verdict"]) == (False, "unknown")
        assert key.lot in [b["lot"] for b in answer["batches"]]
        assert f"{PUBLIC_URL}{path(key)}" in [b["uri"] for b in answer["batches"]]

    def test_the_gtin_alone_answers_with_the_product(self, resolver: Api) -> None:
        answer = resolver.client.get(product(genuine()), headers=JSON).json()
        assert answer["requested"] is None
        days = [b["produced_on"] for b in answer["batches"]]
        assert days == sorted(days, reverse=True)

    def test_the_product_s_answer_fits_its_documented_schema(self, resolver: Api) -> None:
        spec = resolver.client.get("/openapi.json").json()
        schema = spec["paths"]["/01/{rest}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        validator = jsonschema_rs.validator_for({**schema, "components": spec["components"]})
        for url in (product(genuine()), path(BatchKey(genuine().gtin, "NO-SUCH-LOT"))):
            assert validator.is_valid(resolver.client.get(url, headers=JSON).json())

    @pytest.mark.parametrize("tail", ["", "/10/L1", "/10/L1/21/S1"])
    def test_a_gtin_no_product_has_is_a_404(self, resolver: Api, tail: str) -> None:
        problem = assert_problem(resolver.client.get(f"/01/{UNKNOWN_GTIN}{tail}", headers=JSON), 404, "unknown-code")
        assert problem["verdict"] == "unknown"
        if tail:
            assert [(r["code"], r["ok"]) for r in problem["reasons"]] == [("batch-registered", False),
                                                                          ("product-registered", False)]

    @pytest.mark.parametrize("accept", ["application/linkset+json", "application/problem+json"])
    def test_a_client_that_wants_json_gets_its_refusals_as_problems(self, resolver: Api, accept: str) -> None:
        for url, status in ((f"/01/{UNKNOWN_GTIN}", 404), (f"/01/{wrong_check_digit(genuine().gtin)}", 400)):
            response = resolver.client.get(url, headers={"Accept": accept})
            assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json")


class TestDescription:
    """/.well-known/gs1resolver describes the resolver."""

    def test_names_the_root_primary_key_link_types_and_linkset_context(self, resolver: Api) -> None:
        response = resolver.client.get("/.well-known/gs1resolver")
        description = response.json()
        assert description["resolverRoot"] == PUBLIC_URL
        assert description["supportedPrimaryKeys"] == ["01"]
        assert description["supportedLinkType"] == [{"namespace": GS1, "prefix": "gs1:"}]
        assert description["linkTypeDefaultCanBeLinkset"] is False
        assert description["jsonLdContextLocation"] == "https://ref.gs1.org/standards/resolver/linkset-context"
        assert description["name"]
        assert description["contact"]["fn"]
        assert response.headers["cache-control"] == "public, max-age=86400"
