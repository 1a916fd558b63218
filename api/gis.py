"""Who may use each geographical indication and each collective or certification mark, read from the projections
for the public pages `/gis`, `/gis/{id}`, `/marks` and `/marks/{id}`: what the name is, who registered and manages
or owns it, its area (a GI's communes), its members (a mark's) and every right of use with its status now.

The lists come through the JSON API's reads (`api.routes.reads.page`, `registry.queries.current_area`) and each
right through the producer page's `right_line`, so a right reads the same on both pages. Everything is bounded
(the pages are public and unauthenticated): at most MAX_SUBJECTS names on a list and MAX_USERS rights or members
on a page, with the number left out. The facts keep the registry's forms (ISO days, commune codes, ids);
`api.pages.gis` writes them for people.
"""

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import SQLModel

from api.producers import OrganisationNames, RightLine, issuer, right_line
from api.routes.reads import page
from ledger.store.sql import SqlView
from registry.queries import current_area
from registry.state import Row, State, table_of
from registry.tables import RegGi, RegMark, RegMarkUser, RegRight
from registry.verdict.facts import Names, Place, place
from registry.words import alphabetical

MAX_SUBJECTS = 200
"""GIs (or marks) a list page shows; Viet Nam has registered about 150 GIs."""
MAX_USERS = 300
"""Rights of use (and a mark's members) a page lists; the rest are counted, and the JSON API pages through all."""

_rights = table_of(RegRight)


@dataclass(frozen=True)
class AreaLine:
    commune: Place
    stage: str | None
    """The part of making the product done there (`registry.schemas.common.Stage`), None for every part."""


@dataclass(frozen=True)
class UserLine:
    """A right of use of the GI or mark, and the organisation holding it (`holder`, its id; `names`)."""

    holder: str
    names: Names | None
    right: RightLine


@dataclass(frozen=True)
class Member:
    organisation: str
    names: Names | None


@dataclass(frozen=True)
class SubjectLine:
    """A GI or a mark on a list: `kind` is `gi`, `collective` or `certification`; `authority` the GI's manager or
    the mark's owner; `product` a GI's product or a mark's goods; `in_force` how many of its rights are in force
    today; `area` a GI's communes."""

    id: str
    kind: str
    names: Names
    authority: str
    authority_names: Names | None
    product: str
    cancelled_on: str | None
    in_force: int
    area: tuple[AreaLine, ...] = ()


@dataclass(frozen=True)
class SubjectFacts:
    """A GI's or a mark's page: its registration (`certificate`, `granted_on` or the mark's `valid_from` and
    `valid_until`, `cancelled_on`), what it covers (`product`: a GI's product, a mark's goods; `specification`), its
    area, a mark's members, its users (in force first, then by name) and how many of each the page leaves out."""

    id: str
    kind: str
    names: Names
    certificate: str
    registered_by: Names | None
    """Who signed its registration: IP Viet Nam, or an authority it delegated to."""
    authority: str
    authority_names: Names | None
    product: str
    specification: str | None
    granted_on: str | None
    valid_from: str | None
    valid_until: str | None
    cancelled_on: str | None
    area: tuple[AreaLine, ...]
    members: tuple[Member, ...]
    members_left_out: int
    users: tuple[UserLine, ...]
    users_left_out: int

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _names(row: Row) -> Names:
    return Names(row["name_vi"], row["name_en"])


def _area(state: State, gi_id: str) -> tuple[AreaLine, ...]:
    return tuple(AreaLine(place(r["commune_code"], r["commune_version"]), r["stage"])
                 for r in current_area(state, gi_id))


def _in_force(view: SqlView, subject_type: str, today: str) -> dict[str, int]:
    """How many rights of each GI (or mark) are in force on `today`: neither suspended nor revoked (`status`, as
    `right_line` reads it), and inside their window."""
    r = _rights.c
    rows = view.connection.execute(
        select(r.subject_id, func.count()).where(
            r.subject_type == subject_type, r.status == "active", r.valid_from <= today,
            or_(r.valid_until.is_(None), r.valid_until >= today)).group_by(r.subject_id)).all()
    return {subject: count for subject, count in rows}


def gi_list(view: SqlView, today: date) -> tuple[SubjectLine, ...]:
    """The registered GIs (at most MAX_SUBJECTS), by Vietnamese name, each with its area and users in force."""
    state = State(view.connection)
    names = OrganisationNames(state)
    counts = _in_force(view, "gi", today.isoformat())
    lines = [SubjectLine(g["id"], "gi", _names(g), g["manager"], names(g["manager"]), g["product"], g["cancelled_on"],
                         counts.get(g["id"], 0), _area(state, g["id"]))
             for g in page(view, RegGi, MAX_SUBJECTS, 0)["items"]]
    return tuple(sorted(lines, key=lambda g: alphabetical(g.names.vi)))


def mark_list(view: SqlView, today: date) -> tuple[SubjectLine, ...]:
    """The registered collective and certification marks (at most MAX_SUBJECTS), by Vietnamese name."""
    names = OrganisationNames(State(view.connection))
    counts = _in_force(view, "mark", today.isoformat())
    lines = [SubjectLine(m["id"], m["type"], _names(m), m["owner"], names(m["owner"]), m["goods"], m["cancelled_on"],
                         counts.get(m["id"], 0))
             for m in page(view, RegMark, MAX_SUBJECTS, 0)["items"]]
    return tuple(sorted(lines, key=lambda m: alphabetical(m.names.vi)))


def _users(view: SqlView, state: State, subject_type: str, subject_id: str, names: OrganisationNames,
           today: str) -> tuple[tuple[UserLine, ...], int]:
    """The first MAX_USERS rights of use of the subject (in the API's order), in force first and then by holder's
    Vietnamese name, and how many more it has."""
    listed, left_out = _bounded(view, RegRight, subject_type=subject_type, subject_id=subject_id)
    users = [UserLine(r["holder"], names(r["holder"]), right_line(state, r, names, today)) for r in listed]
    users.sort(key=lambda u: (u.right.status != "active", alphabetical("" if u.names is None else u.names.vi)))
    return tuple(users), left_out


def _bounded(view: SqlView, model: type[SQLModel], **where: str) -> tuple[list[Row], int]:
    """The first MAX_USERS rows of `model` matching `where` (the JSON API's page), and how many more there are."""
    found = page(view, model, MAX_USERS, 0, **where)
    if found["next"] is None:
        return found["items"], 0
    table = table_of(model)
    total = view.connection.execute(select(func.count()).select_from(table).where(
        *(table.c[name] == value for name, value in where.items()))).scalar_one()
    return found["items"], int(total) - MAX_USERS


def gi_facts(view: SqlView, gi_id: str, today: date) -> SubjectFacts | None:
    """What the page of GI `gi_id` says as of `today` (Viet Nam's day); None when no GI has that id."""
    state = State(view.connection)
    gi = state.get(RegGi, id=gi_id)
    if gi is None:
        return None
    names = OrganisationNames(state)
    users, left_out = _users(view, state, "gi", gi_id, names, today.isoformat())
    return SubjectFacts(gi_id, "gi", _names(gi), gi["certificate"], names(issuer(state, gi["entry"])),
                        gi["manager"], names(gi["manager"]),
                        gi["product"], gi["specification"], gi["granted_on"], None, None, gi["cancelled_on"],
                        _area(state, gi_id), (), 0, users, left_out)


def mark_facts(view: SqlView, mark_id: str, today: date) -> SubjectFacts | None:
    """What the page of mark `mark_id` says as of `today`; None when no mark has that id."""
    state = State(view.connection)
    mark = state.get(RegMark, id=mark_id)
    if mark is None:
        return None
    names = OrganisationNames(state)
    users, left_out = _users(view, state, "mark", mark_id, names, today.isoformat())
    joined, members_left_out = _bounded(view, RegMarkUser, mark=mark_id)
    members = sorted((Member(m["organisation"], names(m["organisation"])) for m in joined),
                     key=lambda m: alphabetical("" if m.names is None else m.names.vi))
    return SubjectFacts(mark_id, mark["type"], _names(mark), mark["certificate"], names(issuer(state, mark["entry"])),
                        mark["owner"], names(mark["owner"]),
                        mark["goods"], None, None, mark["valid_from"], mark["valid_until"], mark["cancelled_on"],
                        (), tuple(members), members_left_out, users, left_out)
