"""Authentication before a request body is read.

FastAPI reads and parses a request's body before it solves the route's dependencies, so without this the
token of a write would be checked only after the whole body (up to NGUON_MAX_BODY_BYTES, or the import
limit) had arrived, and anyone could make the server wait for and hold such bodies. `AuthenticateFirst`
looks at the route a request is going to: if that route needs a token (it depends on `OrganisationDep`), or
takes an optional one and the request carries an Authorization header (`OptionalOrganisationDep`), the
token is checked first, and a missing or unknown one is answered 401 at once, with `Connection: close` so
the body that may follow is never read. The organisation found is kept in the request scope, where the
route's dependency takes it instead of looking the token up again.
"""

from collections.abc import Callable, Sequence
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import ORGANISATION_SCOPE_KEY, authenticate, needs_token, takes_token
from api.problems import ApiProblem, problem

_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _calls(dependant: Dependant) -> set[Callable[..., Any]]:
    found = set()
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            found.add(dependency.call)
        found |= _calls(dependency)
    return found


def token_use(route: BaseRoute) -> bool | None:
    """Whether `route` needs a token (True: it depends on OrganisationDep), takes an optional one (False:
    OptionalOrganisationDep), or takes none (None). The OpenAPI document's security requirements say the same."""
    calls = _calls(route.dependant) if isinstance(route, APIRoute) else set()
    return True if needs_token in calls else False if takes_token in calls else None


class AuthenticateFirst:
    """ASGI middleware: check the token of a request to a route that takes one before the route reads the body.

    `routes` are the routes of the routers the app includes, in the order it includes them (`app.routes` holds
    the routers themselves).
    """

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        # Each route with whether it needs a token (True), takes an optional one (False), or takes none (None).
        self.routes = [(route, token_use(route)) for route in routes]

    def _token(self, scope: Scope) -> bool | None:
        """Whether the route the router will pick for `scope` needs a token (None: takes none, or no route)."""
        for route, token in self.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return token
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _READS:
            await self.app(scope, receive, send)
            return
        token = self._token(scope)
        header = next((v for k, v in scope.get("headers") or [] if k == b"authorization"), None)
        if token is None or (not token and header is None):
            await self.app(scope, receive, send)
            return
        services = scope["app"].state.services
        try:
            organisation = await run_in_threadpool(authenticate, services, header.decode("latin-1") if header else "")
        except ApiProblem as exc:
            response = problem(exc.status, exc.code, exc.en, exc.vi, {**(exc.headers or {}), "Connection": "close"})
            await response(scope, receive, send)
            return
        scope[ORGANISATION_SCOPE_KEY] = organisation
        await self.app(scope, receive, send)
