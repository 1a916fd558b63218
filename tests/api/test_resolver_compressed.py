"""Compressed GS1 Digital Link requests on the demo registry (GS1-Conformant Resolver 1.2: decompress, and expose
the uncompressed URI with rel owl:sameAs): a 307 to the uncompressed URI that then answers as it does, a 400 for
one that does not decode, and every other route left alone."""

import json
from pathlib import Path

import pytest

from tests.api.conftest import PUBLIC_URL, Api
from tests.api.resolving import HTML, JSON, genuine, item, path
from tests.api.test_compressed import compress
from tests.checks import assert_problem

VECTORS = {v["name"]: v for v in json.loads(
    (Path(__file__).parents[1] / "vectors" / "gs1-compression" / "vectors.json").read_text())}
BATCH = VECTORS["the demo's genuine batch"]
ITEM = VECTORS["the demo's serialised item, with a query attribute"]
PARTIAL = VECTORS["partly compressed: the demo's genuine batch"]


def test_the_vectors_name_the_demo_s_codes() -> None:
    assert BATCH["uncompressed"] == path(genuine())
    assert ITEM["uncompressed"].partition("?")[0] == path(item(), "BT260000003")


class TestRedirect:
    """A compressed URI is a 307 to its uncompressed form, named in a Link header with rel owl:sameAs."""

    @pytest.mark.parametrize("headers", [HTML, JSON, {}])
    def test_redirects_to_the_uncompressed_uri(self, resolver: Api, headers: dict[str, str]) -> None:
        response = resolver.client.get(BATCH["compressed"], headers=headers, follow_redirects=False)
        uncompressed = PUBLIC_URL + BATCH["uncompressed"]
        assert (response.status_code, response.headers["location"]) == (307, uncompressed)
        assert response.headers["link"] == f'<{uncompressed}>; rel="owl:sameAs"'

    def test_a_partly_compressed_uri_too(self, resolver: Api) -> None:
        response = resolver.client.get(PARTIAL["compressed"], params={"lang": "en"}, follow_redirects=False)
        uncompressed = PUBLIC_URL + PARTIAL["uncompressed"]
        assert (response.status_code, response.headers["location"]) == (307, uncompressed + "?lang=en")
        assert response.headers["link"] == f'<{uncompressed}?lang=en>; rel="owl:sameAs"'

    def test_keeps_the_query_after_the_decoded_attributes(self, resolver: Api) -> None:
        response = resolver.client.get(ITEM["compressed"], params={"linkType": "linkset"}, follow_redirects=False)
        assert response.headers["location"] == f"{PUBLIC_URL}{ITEM['uncompressed']}&linkType=linkset"
        plain = resolver.client.get(BATCH["compressed"], params={"lang": "en"}, follow_redirects=False)
        assert plain.headers["location"] == f"{PUBLIC_URL}{BATCH['uncompressed']}?lang=en"

    def test_head_answers_as_get(self, resolver: Api) -> None:
        get = resolver.client.get(BATCH["compressed"], follow_redirects=False)
        head = resolver.client.head(BATCH["compressed"], follow_redirects=False)
        assert (head.status_code, head.headers["location"], head.headers["link"], head.content) == \
            (307, get.headers["location"], get.headers["link"], b"")

    def test_any_origin_may_read_it_and_options_answers(self, resolver: Api) -> None:
        origin = {"Origin": "https://shop.example"}
        get = resolver.client.get(BATCH["compressed"], headers=origin, follow_redirects=False)
        assert (get.headers["access-control-allow-origin"], "Link" in get.headers["access-control-expose-headers"]) \
            == ("*", True)
        options = resolver.client.options(BATCH["compressed"], headers=origin)
        assert (options.status_code, options.headers["allow"]) == (204, "GET, HEAD, OPTIONS")

    def test_the_verdict_document_is_the_uncompressed_uri_s(self, resolver: Api) -> None:
        compressed = resolver.client.get(BATCH["compressed"], headers=JSON)
        uncompressed = resolver.client.get(BATCH["uncompressed"], headers=JSON)
        assert (compressed.status_code, compressed.url.path) == (200, BATCH["uncompressed"])
        assert compressed.json() == uncompressed.json()
        assert compressed.json()["verdict"] == "authentic"

    def test_the_page_is_the_uncompressed_uri_s(self, resolver: Api) -> None:
        compressed = resolver.client.get(BATCH["compressed"], headers=HTML, params={"lang": "en"})
        uncompressed = resolver.client.get(BATCH["uncompressed"], headers=HTML, params={"lang": "en"})
        assert (compressed.status_code, compressed.url.path) == (200, "/page" + BATCH["uncompressed"])
        assert compressed.text == uncompressed.text


class TestMalformed:
    """A path recognised as compressed that does not decode is a 400, as the resolver's other refusals."""

    @pytest.mark.parametrize(("compressed", "says"), [
        (BATCH["compressed"][:-3], "ends inside AI (10)"),
        (BATCH["compressed"] + "AAAAAA", "ends inside AI (00)"),
        ("/CxFKk4XBoMRfpgQwA", "8 bits follow the last element"),
        (compress({"10": "L1", "17": "261030"}), "a Digital Link names one primary key"),
    ])
    def test_is_a_400_problem_and_changes_nothing(self, resolver: Api, compressed: str, says: str) -> None:
        with resolver.nothing_appended():
            problem = assert_problem(resolver.client.get(compressed, headers=JSON), 400, "invalid-digital-link")
        assert says in problem["detail"]
        assert "liên kết số GS1 dạng nén" in problem["message"]["vi"]

    def test_is_a_page_for_browsers(self, resolver: Api) -> None:
        with resolver.nothing_appended():
            response = resolver.client.get(BATCH["compressed"][:-3], headers=HTML, params={"lang": "vi"})
        assert (response.status_code, response.headers["content-type"]) == (400, "text/html; charset=utf-8")
        assert "liên kết nén kết thúc giữa chừng" in response.text


class TestOtherRoutes:
    """The compressed route is the last one: it takes over no other path."""

    @pytest.mark.parametrize("url", ["/docs", "/api/v1/health", "/openapi.json", "/.well-known/gs1resolver",
                                     "/portal"])
    def test_served_paths_answer_as_before(self, resolver: Api, url: str) -> None:
        response = resolver.client.get(url, follow_redirects=False)
        assert response.status_code in (200, 303)
        assert "owl:sameAs" not in response.headers.get("link", "")

    @pytest.mark.parametrize("url", ["/documentation", "/favicon.ico", "/no-such-page", "/ARFKk4XBo", "/AR"])
    def test_other_single_segments_are_not_found(self, resolver: Api, url: str) -> None:
        assert_problem(resolver.client.get(url, headers=JSON, follow_redirects=False), 404)
