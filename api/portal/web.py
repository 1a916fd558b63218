"""What every portal route shares: the portal's state, the page's language, rendering, the signed-in person,
and the checked form of a POST.

Refusals are exceptions (`Refused`, `SignInFirst`) that `install_handlers` turns into pages, so a route states
only what it does. Forms are application/x-www-form-urlencoded and parsed here (no multipart is needed), from a
body already bounded by api.limits.BodyLimit.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from api.portal import csrf, sessions
from api.portal.throttle import LoginThrottle
from api.portal.words import DONE, TEXT
from api.settings import Settings
from registry.errors import DomainError
from registry.kinds import VIETNAM
from registry.words import moment

LANG_COOKIE = "nguon-lang"
MAX_FIELDS = 200
"""More fields than any portal form has (a batch with many inputs, a GI's area of many communes)."""
NO_STORE = {"Cache-Control": "no-store"}
"""Portal pages show people, tokens and links: no cache keeps them."""


@dataclass(frozen=True)
class Portal:
    """The portal's part of the app, built once by `create_app`."""

    engine: Engine
    key: bytes
    throttle: LoginThrottle
    idle: timedelta
    lifetime: timedelta
    public_origin: str

    @classmethod
    def build(cls, settings: Settings, engine: Engine, secret: bytes) -> "Portal":
        return cls(engine, csrf.portal_key(secret),
                   LoginThrottle(settings.portal_login_limit, settings.portal_address_limit),
                   timedelta(minutes=settings.portal_idle_minutes), timedelta(hours=settings.portal_session_hours),
                   csrf.origin_of(settings.public_url))


@dataclass(frozen=True)
class NavItem:
    """A link of the portal's navigation, shown to the people of an organisation with one of `roles` (all when
    empty); `current` is what a page sets to mark it as the page shown."""

    current: str
    path: str
    text: str
    """Its key in words.TEXT."""
    roles: frozenset[str] = frozenset()


HomePart = Callable[[Connection, sessions.Signed], Mapping[str, Any] | None]

NAV: list[NavItem] = []
"""Links between "Home" and "People", each part of the portal adding its own (in its own module)."""

NAV_ORDER = ("producer", "import", "labels", "manage", "charts")
"""The order of those links, by `current`: a producer's daily work first, figures last; others after these."""

HOME_PARTS: list[tuple[str, HomePart]] = []
"""Parts of the home page: (template, what it shows). Each part of the portal adds its own; a part whose
function returns None (not for this person's organisation) is not shown."""


class Refused(Exception):
    """A request the portal refuses, shown as a page with `status` and the text under `key` in words.TEXT."""

    def __init__(self, status: int, key: str, title: str = "refused_title", detail: tuple[str, str] | None = None):
        super().__init__(key)
        self.status, self.key, self.title, self.detail = status, key, title, detail


class SignInFirst(Exception):
    """A page that needs a session, asked without one: the answer is the sign-in page, coming back after."""

    def __init__(self, back: str) -> None:
        super().__init__(back)
        self.back = back


def portal(request: Request) -> Portal:
    state: Portal = request.app.state.portal
    return state


PortalDep = Annotated[Portal, Depends(portal)]


def language(request: Request) -> str:
    """?lang=, else the language chosen before (cookie), else Accept-Language, else Vietnamese."""
    for choice in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if choice in TEXT:
            return choice
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in TEXT:
            return code
    return "vi"


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("api.pages", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)


def page(request: Request, template: str, status: int = 200, signed: sessions.Signed | None = None,
         **context: Any) -> HTMLResponse:
    """The page `template` in the request's language; with `signed`, the navigation and the form token."""
    lang = language(request)
    done = request.query_params.get("done")
    html = _environment().get_template(f"portal/{template}").render(
        lang=lang, t=TEXT[lang], other_lang="en" if lang == "vi" else "vi", signed=signed,
        csrf_token="" if signed is None else csrf.session_token(portal(request).key, signed.session_id),
        notice=TEXT[lang][done] if done in DONE else None, moment=lambda value: moment(value, lang) if value else "",
        nav=[] if signed is None else sorted(
            (item for item in NAV if not item.roles or item.roles & signed.roles),
            key=lambda item: NAV_ORDER.index(item.current) if item.current in NAV_ORDER else len(NAV_ORDER)),
        **context)
    response = HTMLResponse(html, status, headers=NO_STORE)
    if request.query_params.get("lang") in TEXT:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/portal", secure=secure(request),
                            httponly=True, samesite="lax")
    return response


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers=NO_STORE)


def session_id(request: Request) -> str:
    return request.cookies.get(sessions.cookie_name(secure(request)), "")


def current(request: Request) -> sessions.Signed | None:
    """The live session of the request's cookie, or None."""
    state = portal(request)
    with state.engine.begin() as connection:
        return sessions.resume(connection, session_id(request), state.idle)


def signed_in(request: Request) -> sessions.Signed:
    """The dependency of the pages a person must be signed in to see."""
    found = current(request)
    if found is None:
        raise SignInFirst(request.url.path)
    return found


SignedDep = Annotated[sessions.Signed, Depends(signed_in)]


def allowed_origins(request: Request, state: Portal) -> set[str]:
    host = request.headers.get("host", "")
    return {f"{request.url.scheme}://{host}".lower(), state.public_origin}


async def fields(request: Request) -> dict[str, str]:
    """The form's fields (the first value of each), after the Origin check; Refused 403 for a foreign origin."""
    if not csrf.same_origin(request.headers.get("origin"), request.headers.get("referer"),
                            allowed_origins(request, portal(request))):
        raise Refused(403, "forged")
    body = (await request.body()).decode("utf-8", "replace")
    try:
        parsed = parse_qs(body, max_num_fields=MAX_FIELDS)
    except ValueError as exc:  # more fields than any portal form has
        raise Refused(400, "forged") from exc
    request.state.form_lists = parsed
    return {name: values[0] for name, values in parsed.items()}


def every(request: Request, name: str) -> list[str]:
    """Every value of the field `name` of the form `fields` parsed (a multiple choice), in the order sent."""
    lists: dict[str, list[str]] = getattr(request.state, "form_lists", {})
    return list(lists.get(name, []))


FieldsDep = Annotated[dict[str, str], Depends(fields)]


def checked(request: Request, form: FieldsDep) -> tuple[sessions.Signed, dict[str, str]]:
    """The dependency of every signed-in POST: a live session and the form, whose token is the session's."""
    found = current(request)
    if found is None:
        raise Refused(403, "expired")
    if not csrf.matches(csrf.session_token(portal(request).key, found.session_id), form.get("csrf")):
        raise Refused(403, "forged")
    return found, form


CheckedDep = Annotated[tuple[sessions.Signed, dict[str, str]], Depends(checked)]


def require_admin(signed: sessions.Signed) -> None:
    if not signed.user.is_admin:
        raise Refused(403, "forbidden", "forbidden_title")


def said(request: Request, error: DomainError) -> str:
    """A domain error's message in the request's language."""
    return error.vi if language(request) == "vi" else error.en


def retry_words(seconds: int, lang: str) -> Mapping[str, str]:
    """How long to wait, in whole minutes, and the local time from which to try again."""
    at = (datetime.now(UTC) + timedelta(seconds=seconds)).astimezone(VIETNAM)
    return {"minutes": str(max(1, -(-seconds // 60))), "time": at.strftime("%H:%M")}


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        lang = language(request)
        detail = None if exc.detail is None else exc.detail[0 if lang == "vi" else 1]
        signed = await run_in_threadpool(current, request) if exc.key != "expired" else None
        return page(request, "refused.html", exc.status, signed, title=TEXT[lang][exc.title],
                    message=TEXT[lang][exc.key], detail=detail)

    @app.exception_handler(SignInFirst)
    async def sign_in_first(_request: Request, exc: SignInFirst) -> Response:
        return see_other(f"/portal/login?next={quote(exc.back, safe='/')}")
