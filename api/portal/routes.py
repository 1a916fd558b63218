"""The portal's own pages: sign-in and sign-out, home, one's own account, and setting a password from a link.

A sign-in always starts a new session (no fixation): a session cookie the browser already had is ended, never
adopted. After sign-in the browser goes back only to a path of the portal (`back_to`), never to another site.
"""

import re
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from api.portal import accounts, csrf, sessions
from api.portal.web import (
    HOME_PARTS,
    CheckedDep,
    FieldsDep,
    PortalDep,
    Refused,
    SignedDep,
    language,
    page,
    retry_words,
    said,
    secure,
    see_other,
    session_id,
)
from api.portal.words import TEXT
from ledger.store.engines import write_transaction
from registry.errors import DomainError

router = APIRouter(prefix="/portal", include_in_schema=False)

_PORTAL_PATH = re.compile(r"/portal(/[a-z0-9-]+)*")


def back_to(asked: str | None) -> str:
    """Where to go after sign-in: `asked` when it is a plain path of the portal (letters, digits and hyphens
    between slashes, nothing encoded), else the portal's home. "//evil", "/\\evil", "https://evil" and their
    encodings are not such paths."""
    if asked and _PORTAL_PATH.fullmatch(asked) and unquote(asked) == asked:
        return asked
    return "/portal"


def _login_cookie(request: Request) -> str:
    return csrf.LOGIN_COOKIE_SECURE if secure(request) else csrf.LOGIN_COOKIE_PLAIN


def _login_page(request: Request, state: PortalDep, status: int = 200, login: str = "", error: str | None = None,
                nxt: str = "/portal") -> Response:
    nonce = request.cookies.get(_login_cookie(request)) or csrf.login_nonce()
    response = page(request, "login.html", status, login=login, error=error, next=nxt,
                    login_token=csrf.login_token(state.key, nonce))
    sessions.set_cookie(response, _login_cookie(request), nonce, secure(request), 3600)
    return response


@router.get("/login")
def login_form(request: Request, state: PortalDep, next: str | None = None) -> Response:
    return _login_page(request, state, nxt=back_to(next))


@router.post("/login")
def login(request: Request, state: PortalDep, form: FieldsDep) -> Response:
    """Sign in: the same answer, after the same Argon2 work, for an unknown login and a wrong password; a login
    or address with too many failures is refused, saying until when, before any password is checked."""
    text = TEXT[language(request)]
    nxt = back_to(form.get("next"))
    nonce = request.cookies.get(_login_cookie(request))
    if nonce is None or not csrf.matches(csrf.login_token(state.key, nonce), form.get("csrf")):
        raise Refused(403, "forged")
    typed, password = form.get("login", ""), form.get("password", "")
    try:
        login_name = accounts.normal_login(typed)
    except DomainError as exc:
        return _login_page(request, state, 400, typed[:accounts.LOGIN_MAX], said(request, exc), nxt)
    address = request.client.host if request.client else "unknown"
    wait = state.throttle.blocked(login_name, address)
    if wait is not None:
        response = _login_page(request, state, 429, login_name,
                               text["locked"].format(**retry_words(wait, language(request))), nxt)
        response.headers["Retry-After"] = str(wait)
        return response
    with write_transaction(state.engine) as connection:
        user = accounts.authenticate(connection, login_name, password[:accounts.PASSWORD_MAX + 1])
        if user is not None:
            sessions.end(connection, session_id(request))  # a cookie from before is ended, never adopted
            new_id = sessions.start(connection, user, state.lifetime)
    if user is None:
        state.throttle.failed(login_name, address)
        return _login_page(request, state, 401, login_name, text["wrong"], nxt)
    state.throttle.succeeded(login_name)
    response = see_other(nxt)
    sessions.set_cookie(response, sessions.cookie_name(secure(request)), new_id, secure(request))
    sessions.clear_cookie(response, _login_cookie(request), secure(request))
    return response


@router.post("/logout")
def logout(request: Request, state: PortalDep, checked: CheckedDep) -> Response:
    with write_transaction(state.engine) as connection:
        sessions.end(connection, checked[0].session_id)
    response = see_other("/portal/login?done=signed_out")
    sessions.clear_cookie(response, sessions.cookie_name(secure(request)), secure(request))
    return response


@router.get("")
def home(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    with state.engine.connect() as connection:
        names = accounts.organisation_names(connection, signed.user.organisation)
        parts = [(template, shown) for template, part in HOME_PARTS
                 if (shown := part(connection, signed)) is not None]
    return page(request, "home.html", signed=signed, names=names, parts=parts)


@router.get("/account")
def account(request: Request, signed: SignedDep) -> Response:
    return page(request, "account.html", signed=signed, error=None)


@router.post("/account/password")
def change_password(request: Request, state: PortalDep, checked: CheckedDep) -> Response:
    """Change one's own password: every session ends, and this browser gets a new one."""
    signed, form = checked
    text = TEXT[language(request)]
    new = form.get("new", "")
    with write_transaction(state.engine) as connection:
        if not accounts.verify_password(connection, signed.user, form.get("current", "")[:accounts.PASSWORD_MAX + 1]):
            error = text["wrong_current"]
        elif new != form.get("repeat", ""):
            error = text["mismatch"]
        else:
            try:
                accounts.set_password(connection, signed.user.id, new)
            except DomainError as exc:
                error = said(request, exc)
            else:
                new_id = sessions.start(connection, signed.user, state.lifetime)
                response = see_other("/portal/account?done=password_changed")
                sessions.set_cookie(response, sessions.cookie_name(secure(request)), new_id, secure(request))
                return response
    return page(request, "account.html", 400, signed, error=error)


@router.post("/account/sign-out-everywhere")
def sign_out_everywhere(request: Request, state: PortalDep, checked: CheckedDep) -> Response:
    with write_transaction(state.engine) as connection:
        sessions.end_all(connection, checked[0].user.id)
    response = see_other("/portal/login?done=signed_out_everywhere")
    sessions.clear_cookie(response, sessions.cookie_name(secure(request)), secure(request))
    return response


_TOKEN = Annotated[str, Path(max_length=100)]


@router.get("/set-password/{token}")
def set_password_form(request: Request, state: PortalDep, token: _TOKEN) -> Response:
    with state.engine.connect() as connection:
        user = accounts.link_user(connection, token)
    if user is None:
        raise Refused(404, "bad_link")
    return _set_page(request, state, token, user.login)


def _set_page(request: Request, state: PortalDep, token: str, login: str, status: int = 200,
              error: str | None = None) -> Response:
    nonce = request.cookies.get(_login_cookie(request)) or csrf.login_nonce()
    response = page(request, "set_password.html", status, login=login, token=token, error=error,
                    login_token=csrf.login_token(state.key, nonce))
    sessions.set_cookie(response, _login_cookie(request), nonce, secure(request), 3600)
    return response


@router.post("/set-password/{token}")
def set_password(request: Request, state: PortalDep, token: _TOKEN, form: FieldsDep) -> Response:
    """Set a password from a one-time link (with the pre-session form token, as the sign-in form)."""
    nonce = request.cookies.get(_login_cookie(request))
    if nonce is None or not csrf.matches(csrf.login_token(state.key, nonce), form.get("csrf")):
        raise Refused(403, "forged")
    text = TEXT[language(request)]
    new = form.get("new", "")
    with write_transaction(state.engine) as connection:
        user = accounts.link_user(connection, token)
        if user is None:
            raise Refused(404, "bad_link")
        if new != form.get("repeat", ""):
            return _set_page(request, state, token, user.login, 400, text["mismatch"])
        try:
            accounts.use_link(connection, token, new)
        except DomainError as exc:
            return _set_page(request, state, token, user.login, 400, said(request, exc))
    return see_other("/portal/login?done=set_done")
