"""What the forms of authorities, associations, certifiers and the numbering agency share: the signed
organisation's jurisdiction today, the registered things it may choose from (by name), a form described as
fields and drawn by one template, and the attempt that turns a form into statements.

A form never trusts what it sends back: the organisation is the signed person's, ids chosen in a select are
judged by the registry's rules (which refuse what is out of scope with the API's words), and the lists only
offer what those rules would accept, so an official does not fill in a form that cannot succeed.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from api.portal import (
    authority_words,  # noqa: F401  (the words these forms use)
    choices,
)
from api.portal.sessions import Signed
from api.portal.statements import FormRefused, draft
from api.portal.web import language, page, see_other
from api.portal.words import TEXT
from api.problems import domain_status
from registry import places
from registry import schemas as s
from registry.errors import DomainError
from registry.handlers.scope import Scope, governs_gi, governs_mark, in_force, root_of, split
from registry.kinds import VIETNAM
from registry.queries import roles_of
from registry.service import Draft
from registry.state import Row, State
from registry.tables import RegDelegation, RegGi, RegMark, RegOrganisation
from registry.values import day_vi
from registry.words import alphabetical

LIST_VERSION = places.REFORM
"""Communes are chosen from the administrative list in force since 1 July 2025, and cited with its date."""


def today() -> str:
    return datetime.now(VIETNAM).date().isoformat()


def shown_day(value: str | None) -> str:
    """A day as dd/mm/yyyy, in both languages (as the forms take it)."""
    return day_vi(value) if value else ""


@dataclass(frozen=True)
class Reach:
    """The signed organisation and what it governs today (`registry.handlers.scope`)."""

    organisation: str
    roles: frozenset[str]
    root: bool
    scope: Scope


def reach(state: State, organisation: str) -> Reach:
    """What `organisation` may govern today, as the registry's rules will judge a statement made now."""
    row = state.get(RegOrganisation, id=organisation)
    roles = frozenset(roles_of(row)) if row else frozenset()
    if organisation == root_of(state):
        return Reach(organisation, roles, True, Scope(root=True))
    provinces: set[str] = set()
    gis: set[str] = set()
    marks: set[str] = set()
    if "authority" in roles:
        day = today()
        for found in state.find(RegDelegation, authority=organisation):
            if in_force(found, day):
                provinces.update(split(found["provinces"]))
                gis.update(split(found["gis"]))
                marks.update(split(found["marks"]))
    return Reach(organisation, roles, False, Scope(False, frozenset(provinces), frozenset(gis), frozenset(marks)))


def by_name(rows: Iterable[Row], lang: str) -> list[Row]:
    key = "name_vi" if lang == "vi" else "name_en"
    return sorted(rows, key=lambda row: alphabetical(str(row[key])))


def name_of(row: Row | None, lang: str) -> str:
    return "" if row is None else str(row["name_vi" if lang == "vi" else "name_en"])


def governed_gis(state: State, seen: Reach) -> list[Row]:
    return [gi for gi in state.find(RegGi) if governs_gi(state, seen.scope, seen.organisation, gi)]


def governed_marks(state: State, seen: Reach) -> list[Row]:
    found = []
    for mark in state.find(RegMark):
        owner = state.get(RegOrganisation, id=mark["owner"])
        if owner is not None and governs_mark(state, seen.scope, seen.organisation, mark, owner):
            found.append(mark)
    return found


def organisations_with(state: State, role: str, lang: str) -> list[Row]:
    return by_name((row for row in state.find(RegOrganisation) if role in roles_of(row)), lang)


def slug(text: str) -> str:
    """An id made of a name: "Hợp tác xã Đông La" is "hop-tac-xa-dong-la"."""
    plain = "".join(c for c in unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
                    if not unicodedata.combining(c))
    made = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:56].strip("-")
    return made or "muc"


def fresh_id(state: State, model: Any, base: str) -> str:
    """`base` as an id, or with -2, -3... when that id is taken (the registry refuses a taken id anyway)."""
    made, count = slug(base), 1
    while state.get(model, id=made if count == 1 else f"{made}-{count}") is not None:
        count += 1
    return made if count == 1 else f"{made}-{count}"


@dataclass(frozen=True)
class Field:
    """One field of a form, as the template draws it. `kind`: text, date, textarea, select, checks, file."""

    name: str
    label: str
    kind: str = "text"
    options: Sequence[tuple[str, str]] = ()
    required: bool = False
    hint: str = ""
    show: str = ""
    """With a select: the text of a button that redraws the form for the chosen value (the communes of a
    province), keeping what was typed, without JavaScript."""


@dataclass
class Form:
    """A form's page: its title, where it posts, its fields, and what was typed and refused."""

    title: str
    action: str
    fields: list[Field]
    submit: str
    intro: str = ""
    multipart: bool = False
    back: str = "/portal/manage"
    facts: list[tuple[str, str]] = field(default_factory=list)
    """What the form acts on, shown above it: (label, value)."""


def t(request: Request) -> Mapping[str, str]:
    return TEXT[language(request)]


def show(request: Request, signed: Signed, form: Form, values: Mapping[str, Any] | None = None,
         errors: Mapping[str, str] | None = None, status: int = 200) -> Response:
    """The form's page with what was typed and, beside each field, why it was refused ("" for the form)."""
    errors = dict(errors or {})
    names = {f.name for f in form.fields}
    top = [message for name, message in errors.items() if name not in names]
    return page(request, "auth_form.html", status, signed, form=form, values=dict(values or {}),
                errors={name: message for name, message in errors.items() if name in names}, top=top)


def typed(form_fields: Mapping[str, str], lists: Callable[[str], list[str]], form: Form) -> dict[str, Any]:
    """What was typed into `form`: each field's value (a list for checks), trimmed."""
    values: dict[str, Any] = {}
    for f in form.fields:
        if f.kind == "checks":
            values[f.name] = lists(f.name)
        elif f.kind != "file":
            values[f.name] = form_fields.get(f.name, "").strip()
    return values


def refused_at(paths: Mapping[str, str], codes: Mapping[str, str], exc: FormRefused | DomainError,
               lang: str) -> dict[str, str]:
    """A refusal's words at the fields they concern: a body path (its longest known prefix) or a registry code
    mapped to a field; anything else is said at the top of the form."""
    if isinstance(exc, DomainError):
        return {codes.get(exc.code, ""): exc.vi if lang == "vi" else exc.en}
    found: dict[str, str] = {}
    for path, message in exc.said(lang).items():
        parts = path.split(".")
        name = next((paths[".".join(parts[:n])] for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in paths),
                    "")
        found.setdefault(name, message)
    return found


def attempt(request: Request, signed: Signed, form: Form, values: Mapping[str, Any], act: Callable[[], object],
            done: str, paths: Mapping[str, str] | None = None, codes: Mapping[str, str] | None = None,
            then: str | None = None) -> Response:
    """Do `act` (drafts and their submission); on success 303 to `then` (else the form's page back) with the
    notice `done`, else the form again with the refusal's words at their fields and what was typed."""
    try:
        act()
    except (FormRefused, DomainError) as exc:
        status = 400 if isinstance(exc, FormRefused) else domain_status(exc)
        errors = refused_at(paths or {}, codes or {}, exc, language(request))
        return show(request, signed, form, values, errors, status)
    return see_other(f"{then or form.back}?done={done}")


def pruned(value: Any) -> Any:
    """A body without the fields left empty: the model then says "missing" at each, not that "" is no date."""
    if isinstance(value, dict):
        return {k: pruned(v) for k, v in value.items() if v != "" and v != {}}
    if isinstance(value, list):
        return [pruned(v) for v in value]
    return value


def drafted(kind: str, model: type[s.Body], body: Mapping[str, Any]) -> Draft:
    """`statements.draft` of the body the form's fields make, without the fields left empty."""
    return draft(kind, model, pruned(dict(body)))


def commune_options(province: str, lang: str) -> list[tuple[str, str]]:
    """The communes of a province (value code@version, as a body cites them), by name."""
    return [(f"{code}@{LIST_VERSION}", name) for code, name in choices.communes(province, lang)]


def province_options(lang: str) -> list[tuple[str, str]]:
    return choices.provinces(lang)


def commune_body(value: str) -> dict[str, str] | None:
    """A commune chosen (code@version) as the body cites it, with its name; None when nothing was chosen."""
    if not value:
        return None
    code, _, version = value.partition("@")
    found = places.commune(code, version or LIST_VERSION)
    return {"code": code, "version": version or LIST_VERSION, **({"name": found.name} if found else {})}


def province_of_choice(value: str) -> str:
    code, _, version = value.partition("@")
    found = places.commune(code, version or LIST_VERSION) if code else None
    return found.province if found else ""


def commune_name(code: str | None, version: str | None, lang: str) -> str:
    found = places.commune(code, version) if code and version else None
    return "" if found is None else found.name if lang == "vi" else places.name_en(found.name)
