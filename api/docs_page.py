"""/docs from this server's own files: Swagger UI as the fastapi-offline package ships it (swagger-ui-dist,
Apache-2.0), started by a script of ours, so the API's documentation works with no internet and under a policy
that allows no inline script.

Assets are served at URLs that carry the version of the package that ships them, and may be kept for a year.
"""

from importlib.metadata import version
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from api.negotiation import CACHE_CONTROL
from api.web_headers import content_security_policy

SWAGGER_UI = Path(fastapi_offline.__file__).parent / "static"
OWN = Path(__file__).parent / "pages" / "static"
STATIC = "/static"


class _Immutable(StaticFiles):
    """Static files that a URL names for good (its version is in the query), so caches keep them."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = CACHE_CONTROL["static"]
        return response


def docs_html(asset_version: str) -> str:
    """The /docs page; asset URLs are relative, so it also works below a proxy's path prefix."""
    v = f"?v={asset_version}"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nguồn — API</title>
<link rel="stylesheet" href="static/swagger-ui/swagger-ui.css{v}">
<link rel="icon" href="static/swagger-ui/favicon.png{v}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="static/swagger-ui/swagger-ui-bundle.js{v}"></script>
<script src="static/nguon/docs.js{v}"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Serve /docs and its assets (the app is made with `docs_url=None`, so FastAPI's page, which loads Swagger UI
    from a CDN with an inline script, is not)."""
    app.mount(f"{STATIC}/swagger-ui", _Immutable(directory=SWAGGER_UI), name="swagger-ui")
    app.mount(f"{STATIC}/nguon", _Immutable(directory=OWN), name="nguon-static")
    page = docs_html(f"{version('fastapi-offline')}-{version('nguon')}")
    # Swagger UI draws under the same policy as every page (tests/e2e/test_resolver_pages.py sees no violation).
    policy = content_security_policy(page)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": policy, "X-Frame-Options": "DENY",
                                           "Cache-Control": "no-cache"})
