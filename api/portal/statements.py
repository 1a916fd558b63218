"""Statements from the portal's forms: checked by the same models and the same registry service as the API's,
signed by the organisation's custodial key, and recorded with the person who submitted them.

A form's fields become a draft through the API's own body model (`draft`), so a value the API refuses is refused
here with the same words, at its field (`FormRefused`). The registry's rules then decide (`submit`); a
DomainError it raises is the API's refusal, shown by the form. The person is written to `portal_submissions` in
the commit that appends the statements: both or neither.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.engine import Connection
from starlette.datastructures import FormData, UploadFile

from api.portal import csrf
from api.portal.sessions import Signed
from api.portal.tables import PortalSubmission, PortalUser
from api.portal.web import MAX_FIELDS, Refused, allowed_origins, current, portal
from api.routes.writes import oldest_version
from ledger.core.types import Receipt
from registry import schemas as s
from registry.service import After, Draft
from registry.validation import describe, where

_submissions = PortalSubmission.__table__  # type: ignore[attr-defined]
_users = PortalUser.__table__  # type: ignore[attr-defined]


class FormRefused(Exception):
    """A form's values that no statement can be made of: for each field (a dotted path of the body, "" for the
    whole form), the reason in Vietnamese and English."""

    def __init__(self, errors: Mapping[str, tuple[str, str]]) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)

    def said(self, lang: str) -> dict[str, str]:
        """Each field's reason in `lang`."""
        return {field: reason[0 if lang == "vi" else 1] for field, reason in self.errors.items()}


def draft(kind: str, model: type[s.Body], data: Mapping[str, Any]) -> Draft:
    """The draft of a `kind` statement whose body is `data`, validated by the API's `model` for that kind and
    recorded in its oldest version that holds it (as the API's typed routes do); FormRefused otherwise."""
    try:
        body = model.model_validate(data)
    except ValidationError as exc:
        raise FormRefused({where(e["loc"]): (e["vi"], e["msg"]) for e in describe(exc.errors())}) from exc
    return oldest_version(kind, body)


def require_writer(signed: Signed, *roles: str) -> None:
    """Refused (403, nothing recorded) unless the person may write and, with `roles`, their organisation has one
    of them. The registry checks the roles again; this only spares a form that cannot succeed."""
    if not signed.writes:
        raise Refused(403, "viewer_refused", "forbidden_title")
    if roles and not signed.roles & set(roles):
        raise Refused(403, "role_refused", "forbidden_title")


def recorder(user_id: str) -> After:
    """What records `user_id` as the submitter of each entry of a submission, in its commit."""
    def record(connection: Connection, receipts: list[Receipt]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        connection.execute(_submissions.insert(), [
            {"entry": receipt.index, "user_id": user_id, "submitted_at": now} for receipt in receipts])

    return record


def submit(request: Request, signed: Signed, drafts: Sequence[Draft]) -> list[Receipt]:
    """Sign `drafts` with the person's organisation's custodial key and append them, all or none, recording the
    person; raises the registry's DomainError as the API would answer it."""
    require_writer(signed)
    registry = request.app.state.services.registry
    receipts: list[Receipt] = registry.submit_as(signed.user.organisation, drafts, after=recorder(signed.user.id))
    return receipts


def register_organisation(request: Request, signed: Signed, body: Mapping[str, Any], kind: str) -> Receipt:
    """Register an organisation, as the person's organisation, with a custodial key the registry makes for it."""
    require_writer(signed)
    registry = request.app.state.services.registry
    receipt: Receipt = registry.register_with_custodial_key(signed.user.organisation, body, kind,
                                                            after=recorder(signed.user.id))
    return receipt


def submitters(connection: Connection, organisation: str, entries: Sequence[int]) -> dict[int, str]:
    """The login of the person of `organisation` who submitted each of `entries` through the portal (entries
    submitted otherwise, or by another organisation's people, are absent)."""
    if not entries:
        return {}
    rows = connection.execute(
        select(_submissions.c.entry, _users.c.login).join(_users, _users.c.id == _submissions.c.user_id)
        .where(_submissions.c.entry.in_(list(entries)), _users.c.organisation == organisation))
    return {int(entry): str(login) for entry, login in rows}


@dataclass(frozen=True)
class Upload:
    """A signed-in multipart form: its text fields (the first value of each, and every value in `lists`) and its
    files (those chosen: a file input left empty is absent)."""

    signed: Signed
    fields: dict[str, str]
    lists: dict[str, list[str]]
    files: dict[str, UploadFile]


async def upload(request: Request) -> Upload:
    """The dependency of a signed-in multipart POST (a form with a file): Origin check, a live session, the
    session's form token; sizes are bounded by api.limits.BodyLimit and by `MAX_FIELDS`."""
    state = portal(request)
    if not csrf.same_origin(request.headers.get("origin"), request.headers.get("referer"),
                            allowed_origins(request, state)):
        raise Refused(403, "forged")
    found = current(request)
    if found is None:
        raise Refused(403, "expired")
    form: FormData = await request.form(max_files=4, max_fields=MAX_FIELDS, max_part_size=16 * 1024 * 1024)
    lists: dict[str, list[str]] = {}
    files: dict[str, UploadFile] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            lists.setdefault(name, []).append(value)
        elif value.filename:
            files.setdefault(name, value)
    fields = {name: values[0] for name, values in lists.items()}
    if not csrf.matches(csrf.session_token(state.key, found.session_id), fields.get("csrf")):
        raise Refused(403, "forged")
    return Upload(found, fields, lists, files)


UploadDep = Annotated[Upload, Depends(upload)]
