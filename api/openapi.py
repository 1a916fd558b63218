"""What the OpenAPI document says beyond the routes' own models: who needs a token, and which refusals each
operation may answer.

The API token is an HTTP bearer scheme, `apiToken`, so /docs has an Authorize button. An operation that needs a
token (it depends on OrganisationDep) lists it as its security requirement; one that takes an optional token
(OptionalOrganisationDep: a self-signed statement needs none) lists it beside the empty requirement; public
reads list none. Refusals are RFC 9457 problem documents (`api.problems.Problem`, application/problem+json,
with the members some of them add: `errors`, `position`, `verdict`, `reasons`);
every operation has them as its `default` answer, and the statuses an operation is known to give are listed by
these rules, from what the route takes:

- a path parameter: 404, nothing is registered there;
- a query parameter, a path parameter that is not any text, or a body: 422, they do not fit (or a write
  the registry's rules refuse);
- a token: 401, none or an unknown or revoked one; 403, the caller may not do this;
- a write (POST): 403 (also a bad signature), 408 and 413 (the body is too slow or too large), 409 (it
  conflicts with what is registered);
- a public read when rate limiting is on: 429;

and routes add their own with `responses=problem_responses(…)` (e.g. 503 while no checkpoint is cosigned).
"""

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import BaseRoute

from api.authenticate import token_use
from api.problems import PROBLEM_JSON
from api.ratelimit import PUBLIC_PREFIXES

SCHEME = "apiToken"
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API token of an organisation (`ngn_…`), made with `nguon tokens create` or "
                   "POST /api/v1/tokens: `Authorization: Bearer <token>`.",
}

REFUSALS = {
    400: "The request is malformed",
    401: "No API token, or an unknown or revoked one (with WWW-Authenticate)",
    403: "The caller's organisation may not do this, or the signature is not valid",
    404: "Nothing is registered at this path",
    408: "The request body did not arrive in time",
    409: "The statement conflicts with what is registered",
    413: "The request body is too large",
    415: "The request body is not of a media type this operation takes",
    422: "The parameters or body do not fit, or the registry's rules refuse the statement",
    429: "Too many requests from this client (with Retry-After)",
    503: "Not available yet (with Retry-After)",
}
"""What each status of a refusal means across this API; its problem document's `code` says exactly which."""

_REASON = {"type": "object", "properties": {
    "loc": {"type": "array", "items": {"type": "string"}, "description": "where in the request"},
    "msg": {"type": "string"}, "row": {"type": "integer", "description": "the file's row (the header is row 1)"},
    "column": {"type": ["string", "null"], "description": "the column as the file's header names it (null: the row)"},
    "code": {"type": "string"}, "message": {"$ref": "#/components/schemas/ProblemMessage"}}}
PROBLEM_MEMBERS = {
    "errors": {"type": "array", "items": _REASON,
               "description": "Every reason of a refusal with many: request parameters that do not fit (`loc`, "
                              "`msg`), or every error of an import's rows (`row`, `column`, `code`, `message`)"},
    "position": {"type": "integer", "minimum": 0,
                 "description": "Which statement of a batch of statements the registry refused, from 0"},
    "verdict": {"type": "string", "description": "The resolver's verdict on a code nothing is registered for"},
    "reasons": {"type": "array", "items": {"$ref": "#/components/schemas/VerdictReason"},
                "description": "The reasons of that verdict, each as a verdict document states it"},
}
"""Members some problem documents add to those of `api.problems.Problem` (which allows them): optional."""


_MEDIA_MODELS: dict[str, type[BaseModel]] = {}
"""Models of answers in media types FastAPI does not model itself (a linkset), added to the components."""


def media_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The content description of an answer shaped as `model` in a media type other than application/json."""
    _MEDIA_MODELS[model.__name__] = model
    return {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route for these refusal statuses, each an RFC 9457 problem document."""
    return {status: {"description": REFUSALS[status],
                     "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for status in statuses}


def _refusals(route: APIRoute, method: str, token: bool | None, rate_limited: bool) -> set[int]:
    dependant = route.dependant
    statuses = set()
    if dependant.path_params:
        statuses.add(404)
    typed_path = any(param.field_info.annotation is not str for param in dependant.path_params)
    if typed_path or dependant.query_params or dependant.body_params or method == "POST":
        statuses.add(422)
    if token is not None:
        statuses |= {401, 403}
    if method == "POST":
        statuses |= {403, 408, 409, 413}
    if rate_limited and method == "GET" and route.path.startswith(PUBLIC_PREFIXES) and route.path != "/api/v1/health":
        statuses.add(429)
    return statuses


def _security(token: bool | None) -> list[dict[str, list[str]]] | None:
    if token is None:
        return None
    # An empty Security Requirement Object beside the scheme's makes the token optional (OpenAPI 3.1).
    return [{SCHEME: []}] if token else [{}, {SCHEME: []}]


def describe(document: dict[str, Any], routes: Sequence[APIRoute], rate_limited: bool) -> None:
    """Add the bearer scheme, each operation's security requirement and its refusals to `document` (again and
    again alike: FastAPI hands back the same cached document)."""
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME] = BEARER_SCHEME
    components["schemas"]["Problem"]["properties"].update(PROBLEM_MEMBERS)
    for model in _MEDIA_MODELS.values():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
        components["schemas"].update({model.__name__: schema, **schema.pop("$defs", {})})
    for route in routes:
        token = token_use(route)
        for method in route.methods or ():
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            security = _security(token)
            if security is not None:
                operation["security"] = security
            for status, response in problem_responses(*sorted(_refusals(route, method, token, rate_limited))).items():
                operation["responses"].setdefault(str(status), response)


def install(app: FastAPI, routes: Sequence[BaseRoute], rate_limited: bool) -> None:
    """Make `app.openapi` describe the security and refusals of `routes`, the routes of the routers the app
    includes (`app.routes` holds the routers themselves); after `api.problems.install`, which adds `Problem`."""
    generate = app.openapi
    described = [route for route in routes if isinstance(route, APIRoute) and route.include_in_schema]

    def openapi() -> dict[str, Any]:
        document = generate()
        describe(document, described, rate_limited)
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend its schema
