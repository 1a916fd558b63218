"""/docs works with no internet: it loads only this server's own files, which the server serves and lets caches
keep; and every write operation documents an example request that fits its own schema."""

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import jsonschema_rs
from fastapi.testclient import TestClient


def assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


class TestDocsPage:
    """The documentation page and what it loads."""

    def test_references_only_same_origin_assets_and_they_are_served(self, client: TestClient) -> None:
        page = client.get("/docs")
        assert page.status_code == 200
        found = assets(page.text)
        assert {urlsplit(a).path.rsplit("/", 1)[-1] for a in found} >= {"swagger-ui.css", "swagger-ui-bundle.js",
                                                                          "docs.js"}
        for asset in found:
            assert (urlsplit(asset).scheme, urlsplit(asset).netloc) == ("", ""), f"{asset} is not this server's"
            served = client.get(urljoin("http://testserver/docs", asset))
            assert served.status_code == 200, asset
            assert served.content
            assert served.headers["cache-control"] == "public, max-age=31536000, immutable"

    def test_starts_swagger_ui_from_a_file_not_an_inline_script(self, client: TestClient) -> None:
        page = client.get("/docs")
        assert not re.search(r"<script>|<script [^>]*>[^<]", page.text)
        policy = page.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        script = client.get("/static/nguon/docs.js").text
        assert 'url: "openapi.json"' in script

    def test_the_document_swagger_ui_reads_is_served(self, client: TestClient) -> None:
        assert client.get("/openapi.json").json()["info"]["title"] == "Nguồn"


def writes(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(path, operations["post"]) for path, operations in document["paths"].items() if "post" in operations]


class TestExamples:
    """Each write shows an example body, and the example is one the operation accepts."""

    def test_every_write_with_a_body_has_an_example(self, client: TestClient) -> None:
        document = client.get("/openapi.json").json()
        # A file upload (format binary: a workbook, an image) shows no example: there is no text to show.
        missing = [path for path, operation in writes(document) if "requestBody" in operation
                   and not all("example" in media for media in operation["requestBody"]["content"].values()
                               if media["schema"].get("format") != "binary"
                               and "contentMediaType" not in media["schema"])]
        assert missing == []
        assert len([path for path, operation in writes(document) if "requestBody" in operation]) >= 30

    def test_every_example_fits_its_operation_s_schema(self, client: TestClient) -> None:
        document = client.get("/openapi.json").json()
        wrong = []
        for path, operation in writes(document):
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                validator = jsonschema_rs.validator_for({**content["schema"], "components": document["components"]})
                if "example" in content:
                    wrong += [f"{path} {media}: {e.message}" for e in validator.iter_errors(content["example"])]
        assert wrong == []

    def test_the_csv_import_shows_a_csv_with_the_columns_it_reads(self, client: TestClient) -> None:
        document = client.get("/openapi.json").json()
        example = document["paths"]["/api/v1/batches/import"]["post"]["requestBody"]["content"]["text/csv"]["example"]
        assert example.startswith("gtin,lot,quantity,unit,produced_on,origin_code,origin_version,claims,inputs\n")
