"""The organisation's people and API tokens: every role sees them, only an admin changes them.

Every change is a signed-in POST (api.portal.web.checked: session, Origin, form token), refused with a 403
page and nothing changed unless the person is an admin; a person or token of another organisation is
answered 404, exactly like one that does not exist, so ids of other organisations tell nothing. Tokens are
made, listed and revoked by api.tokens, as the API and the CLI do.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from api.portal import accounts
from api.portal.sessions import Signed
from api.portal.web import CheckedDep, PortalDep, Refused, SignedDep, page, require_admin, said, see_other
from api.tokens import create_token_info, find_token, list_tokens, revoke_token_id
from ledger.store.engines import write_transaction
from registry.errors import DomainError

router = APIRouter(prefix="/portal", include_in_schema=False)

_ID = Annotated[str, Path(max_length=64)]
_ACTIONS = ("role", "reset", "disable", "enable")


def _said(request: Request, exc: DomainError) -> tuple[str, str]:
    return exc.vi, exc.en


def _users_page(request: Request, connection: Connection, signed: Signed, status: int = 200,
                **shown: object) -> Response:
    people = accounts.list_users(connection, signed.user.organisation)
    return page(request, "users.html", status, signed, people=people, roles=accounts.ROLES,
                **{"link": None, "link_login": "", "reset": False, "error": None, **shown})


@router.get("/users")
def users(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    with state.engine.connect() as connection:
        return _users_page(request, connection, signed)


@router.post("/users")
def invite(request: Request, state: PortalDep, checked: CheckedDep) -> Response:
    """Create a person of the admin's organisation and show, once, the link with which they set a password."""
    signed, form = checked
    require_admin(signed)
    try:
        with write_transaction(state.engine) as connection:
            user = accounts.create_user(connection, signed.user.organisation, form.get("login", ""),
                                        form.get("role", ""))
            token = accounts.password_link(connection, user.id, reset=False)
    except DomainError as exc:
        with state.engine.connect() as connection:
            error = said(request, exc)
            return _users_page(request, connection, signed, 400, error=error)
    with state.engine.connect() as connection:
        return _users_page(request, connection, signed, 201, link=_link(request, token), link_login=user.login)


def _link(request: Request, token: str) -> str:
    return str(request.url_for("set_password_form", token=token))


def _person(connection: Connection, signed: Signed, user_id: str) -> accounts.User:
    """A person of the signed-in admin's organisation other than the admin; Refused otherwise."""
    found = accounts.find_user(connection, user_id)
    if found is None or found.organisation != signed.user.organisation:
        raise Refused(404, "not_found", "not_found_title")
    if found.id == signed.user.id:
        raise Refused(403, "self_refused")
    return found


@router.get("/users/{user_id}/{action}")
def after_action(user_id: _ID, action: str) -> Response:
    """The address of an action, opened as a page (the language switch of a result): the list."""
    return see_other("/portal/users")


@router.post("/users/{user_id}/role")
def change_role(request: Request, state: PortalDep, user_id: _ID, checked: CheckedDep) -> Response:
    signed, form = checked
    require_admin(signed)
    try:
        with write_transaction(state.engine) as connection:
            accounts.set_role(connection, _person(connection, signed, user_id).id, form.get("role", ""))
    except DomainError as exc:
        raise Refused(400, "refused_title", detail=_said(request, exc)) from exc
    return see_other("/portal/users?done=role")


@router.post("/users/{user_id}/reset")
def reset_password(request: Request, state: PortalDep, user_id: _ID, checked: CheckedDep) -> Response:
    """Erase the person's password, end their sessions, and show once a link to set a new one."""
    signed, _ = checked
    require_admin(signed)
    with write_transaction(state.engine) as connection:
        person = _person(connection, signed, user_id)
        token = accounts.password_link(connection, person.id, reset=True)
    with state.engine.connect() as connection:
        return _users_page(request, connection, signed, link=_link(request, token), link_login=person.login,
                           reset=True)


@router.post("/users/{user_id}/disable")
def disable(state: PortalDep, user_id: _ID, checked: CheckedDep) -> Response:
    signed, _ = checked
    require_admin(signed)
    with write_transaction(state.engine) as connection:
        accounts.set_disabled(connection, _person(connection, signed, user_id).id, True)
    return see_other("/portal/users?done=disabled")


@router.post("/users/{user_id}/enable")
def enable(state: PortalDep, user_id: _ID, checked: CheckedDep) -> Response:
    signed, _ = checked
    require_admin(signed)
    with write_transaction(state.engine) as connection:
        accounts.set_disabled(connection, _person(connection, signed, user_id).id, False)
    return see_other("/portal/users?done=enabled")


def _tokens_page(request: Request, connection: Connection, signed: Signed, status: int = 200,
                 **shown: object) -> Response:
    return page(request, "tokens.html", status, signed, tokens=list_tokens(connection, signed.user.organisation),
                **{"token": None, "error": None, **shown})


@router.get("/tokens")
def tokens(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    with state.engine.connect() as connection:
        return _tokens_page(request, connection, signed)


@router.post("/tokens")
def create_token(request: Request, state: PortalDep, checked: CheckedDep) -> Response:
    """A new token of the admin's organisation, shown in this answer only."""
    signed, form = checked
    require_admin(signed)
    try:
        with write_transaction(state.engine) as connection:
            token, _ = create_token_info(connection, signed.user.organisation, form.get("label", "").strip())
    except DomainError as exc:
        with state.engine.connect() as connection:
            error = said(request, exc)
            return _tokens_page(request, connection, signed, 400, error=error)
    with state.engine.connect() as connection:
        return _tokens_page(request, connection, signed, 201, token=token)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, state: PortalDep, token_id: _ID, checked: CheckedDep) -> Response:
    signed, _ = checked
    require_admin(signed)
    try:
        with write_transaction(state.engine) as connection:
            found = find_token(connection, token_id)
            if found is None or found.organisation != signed.user.organisation:
                raise Refused(404, "not_found", "not_found_title")
            revoke_token_id(connection, token_id)
    except DomainError as exc:
        raise Refused(409, "refused_title", detail=_said(request, exc)) from exc
    return see_other("/portal/tokens?done=revoked")
