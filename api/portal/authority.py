"""The portal of authorities, associations, certifiers and the numbering agency: what the organisation manages
(/portal/manage, and its part of the home page). Its forms are in `authority_orgs` (organisations and keys),
`authority_gis` (GIs and marks), `authority_rights` (rights of use) and `authority_grants` (GS1 company prefixes,
certifications, delegations), each under /portal/manage; what they share is `authority_forms`.

Each form is offered only to the roles the registry's rules allow for its statement, and lists only what the
organisation governs today; the registry judges again, and its refusal is shown with the API's words.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.engine import Connection

from api.portal import authority_gis, authority_grants, authority_orgs, authority_rights
from api.portal.authority_forms import (
    Reach,
    by_name,
    governed_gis,
    governed_marks,
    name_of,
    reach,
    shown_day,
)
from api.portal.sessions import Signed
from api.portal.web import (
    HOME_PARTS,
    NAV,
    NavItem,
    PortalDep,
    Refused,
    SignedDep,
    language,
    page,
)
from registry import places
from registry.handlers.names import STATUS
from registry.state import State
from registry.tables import (
    RegCertification,
    RegDelegation,
    RegEntry,
    RegGi,
    RegMark,
    RegOrganisation,
    RegPrefixLicence,
    RegRight,
)

MANAGING = frozenset({"authority", "association", "certifier", "numbering_agency"})
router = APIRouter(prefix="/portal/manage", include_in_schema=False)
for part in (authority_orgs, authority_gis, authority_rights, authority_grants):
    router.include_router(part.router)
NAV.append(NavItem("manage", "/portal/manage", "auth_nav", MANAGING))

_orgs = RegOrganisation.__table__  # type: ignore[attr-defined]
_entries = RegEntry.__table__  # type: ignore[attr-defined]


def registered_by(connection: Connection, organisation: str) -> list[dict[str, Any]]:
    """The organisations `organisation` registered (the issuer of their registration)."""
    rows = connection.execute(select(_orgs).join(_entries, _entries.c.entry == _orgs.c.entry)
                              .where(_entries.c.issuer == organisation, _orgs.c.id != organisation))
    return [dict(row._mapping) for row in rows]


def _rights(state: State, lang: str, gis: list[dict[str, Any]], marks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rights to use `gis` and `marks`, each with its holder's name and its status in words."""
    subjects = {("gi", g["id"]): g for g in gis} | {("mark", m["id"]): m for m in marks}
    found = []
    for right in state.find(RegRight):
        subject = subjects.get((right["subject_type"], right["subject_id"]))
        if subject is None:
            continue
        status = STATUS.get(right["status"], (right["status"], right["status"]))
        found.append({"id": right["id"], "holder": name_of(state.get(RegOrganisation, id=right["holder"]), lang),
                      "subject": name_of(subject, lang), "subject_type": right["subject_type"],
                      "subject_id": right["subject_id"], "status": right["status"],
                      "status_words": status[1 if lang == "vi" else 0], "valid_from": shown_day(right["valid_from"]),
                      "valid_until": shown_day(right["valid_until"])})
    return sorted(found, key=lambda r: (r["subject"], r["holder"]))


def managed(connection: Connection, signed: Signed, lang: str) -> dict[str, Any]:
    """What the organisation manages: GIs, marks, rights with their status, organisations it registered, prefix
    licences it granted, certifications it issued and (the root) delegations."""
    state = State(connection)
    seen = reach(state, signed.user.organisation)
    gis = [dict(gi, cancelled_shown=shown_day(gi["cancelled_on"])) for gi in by_name(governed_gis(state, seen), lang)] \
        if seen.roles & {"authority", "association"} else []
    marks = by_name(governed_marks(state, seen), lang) if seen.roles & {"authority", "association"} else []
    org = signed.user.organisation
    licences = [dict(row, licensee_name=name_of(state.get(RegOrganisation, id=row["licensee"]), lang),
                     valid_from_shown=shown_day(row["valid_from"]), revoked_shown=shown_day(row["revoked_on"]))
                for row in state.find(RegPrefixLicence)
                if (entry := state.get(RegEntry, entry=row["entry"])) is not None and entry["issuer"] == org]
    certifications = [dict(row, subject_name=authority_grants.cert_subject(state, row, lang),
                           valid_until_shown=shown_day(row["valid_until"]))
                      for row in state.find(RegCertification, certifier=org)]
    delegations = [dict(row, authority_name=name_of(state.get(RegOrganisation, id=row["authority"]), lang),
                        provinces_shown=", ".join(_province(p, lang) for p in row["provinces"].split(",")
                                                  if p in places.provinces()),
                        valid_from_shown=shown_day(row["valid_from"]))
                   for row in state.find(RegDelegation)] if seen.root else []
    return {"root": seen.root, "roles": seen.roles, "gis": gis, "marks": marks,
            "scope_words": _scope_words(state, seen, lang),
            "rights": _rights(state, lang, gis, marks),
            "organisations": by_name(registered_by(connection, org), lang),
            "licences": licences, "certifications": certifications, "delegations": delegations,
            "scope": seen.scope, "writes": signed.writes}


def _province(code: str, lang: str) -> str:
    name = places.provinces()[code].name
    return name if lang == "vi" else places.name_en(name)


def _scope_words(state: State, seen: Reach, lang: str) -> str:
    """The provinces, GIs and marks delegated to the organisation, by name ("" for none)."""
    provinces = [_province(p, lang) for p in sorted(seen.scope.provinces) if p in places.provinces()]
    gis = [name_of(state.get(RegGi, id=g), lang) for g in sorted(seen.scope.gis)]
    marks = [name_of(state.get(RegMark, id=m), lang) for m in sorted(seen.scope.marks)]
    return "; ".join(", ".join(part) for part in (provinces, gis, marks) if part)


def _home_part(connection: Connection, signed: Signed) -> dict[str, Any] | None:
    if not signed.roles & MANAGING:
        return None
    state = State(connection)
    seen = reach(state, signed.user.organisation)
    gis = governed_gis(state, seen) if seen.roles & {"authority", "association"} else []
    marks = governed_marks(state, seen) if seen.roles & {"authority", "association"} else []
    rights = _rights(state, "vi", gis, marks)
    return {"gis": len(gis), "marks": len(marks), "rights": len(rights),
            "suspended": sum(1 for r in rights if r["status"] == "suspended"),
            "organisations": len(registered_by(connection, signed.user.organisation))}


HOME_PARTS.append(("portal/auth_home.html", _home_part))


@router.get("")
def manage(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    if not signed.roles & MANAGING:
        raise Refused(403, "role_refused", "forbidden_title")
    with state.engine.connect() as connection:
        shown = managed(connection, signed, language(request))
    return page(request, "auth_manage.html", signed=signed, m=shown)


