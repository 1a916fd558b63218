"""What the public producer page says of an organisation, read from the projections: who it is and where, its
products, its rights to use GIs and marks with their status now, its certifications and its latest batches.

Every list is bounded (the page is public and unauthenticated): the latest batches by production date, and at
most a page's worth of products and certifications. Organisations are named, never shown by id; the facts keep
the registry's forms (ISO days, commune codes) and `api.pages.producer` writes them for people.
"""

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from api.digital_link import DigitalLink
from api.linkset import base_url
from ledger.store.sql import SqlView
from registry.images import image_url
from registry.passport_tables import RegProductPassport
from registry.queries import right_status, roles_of
from registry.state import Row, State, table_of
from registry.tables import (
    RegBatch,
    RegCertification,
    RegEntry,
    RegGi,
    RegMark,
    RegOrganisation,
    RegProduct,
    RegRight,
    RegRightChange,
)
from registry.verdict.facts import Names, Place, place

LATEST_BATCHES = 10
"""Batches the page lists: the latest production dates, what a shopper may hold and an inspector looks at first."""
MAX_PRODUCTS = 50
MAX_CERTIFICATIONS = 20

_batches, _products, _certifications = table_of(RegBatch), table_of(RegProduct), table_of(RegCertification)
_passports = table_of(RegProductPassport)


@dataclass(frozen=True)
class ProductLine:
    gtin: str
    names: Names
    uri: str
    """The product level of its GTIN (`/01/{gtin}`)."""
    image: str | None
    """Where the registry serves its picture, a path on its base URL."""


@dataclass(frozen=True)
class RightLine:
    """A right to use a GI or a mark: `kind` is `gi`, `collective` or `certification`; `status` now (`active`,
    `suspended`, `revoked`, or `expired` for an active right past its window); `since` the day the change that
    set it took effect (None while active), `reason` why."""

    kind: str
    subject: Names | None
    """None for a GI or mark the registry does not hold (never the case while the rules hold)."""
    status: str
    granted_by: Names | None
    valid_from: str
    valid_until: str | None
    quota: str | None = None
    """The quantity it allows, a decimal string in `quota_unit`, or a text (`quota_text`); None without a quota."""
    quota_unit: str | None = None
    quota_text: str | None = None
    quota_used: str | None = None
    """How much of `quota` batches claiming the right have used, in `quota_unit` (None without a quantity)."""
    since: str | None = None
    reason: str | None = None
    changed_by: Names | None = None
    subject_id: str | None = None
    """The GI's or mark's id, for a link to its page."""


@dataclass(frozen=True)
class CertificationLine:
    """A certification of the organisation, or of one of its products (`product` names it) or batches (`lot`)."""

    scheme: str
    result: str
    certifier: Names | None
    valid_from: str
    valid_until: str
    revoked: bool
    expired: bool
    """Past its validity (as of the page's day)."""
    product: Names | None = None
    lot: str | None = None


@dataclass(frozen=True)
class BatchLine:
    gtin: str
    lot: str
    product: Names
    produced_on: str
    recalled: bool
    uri: str


@dataclass(frozen=True)
class ProducerFacts:
    id: str
    names: Names
    roles: tuple[str, ...]
    commune: Place | None
    street: str | None
    tax_code: str | None
    business_registration: str | None
    products: tuple[ProductLine, ...]
    rights: tuple[RightLine, ...]
    certifications: tuple[CertificationLine, ...]
    batches: tuple[BatchLine, ...]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class OrganisationNames:
    """Organisations' names by id, each read once."""

    def __init__(self, state: State) -> None:
        self.state, self.known = state, dict[str, Names | None]()

    def __call__(self, org_id: str | None) -> Names | None:
        if org_id is None:
            return None
        if org_id not in self.known:
            row = self.state.get(RegOrganisation, id=org_id)
            self.known[org_id] = None if row is None else Names(row["name_vi"], row["name_en"])
        return self.known[org_id]


def producer_facts(view: SqlView, org_id: str, public_url: str, today: date) -> ProducerFacts | None:
    """What the page of organisation `org_id` says as of `today` (Viet Nam's day); None when none has that id."""
    state = State(view.connection)
    row = state.get(RegOrganisation, id=org_id)
    if row is None:
        return None
    names, base = OrganisationNames(state), base_url(public_url)
    products = _products_of(view, org_id, base)
    commune = None if row["commune_code"] is None else place(row["commune_code"], row["commune_version"])
    return ProducerFacts(
        org_id, Names(row["name_vi"], row["name_en"]), tuple(sorted(roles_of(row))), commune, row["street"],
        row["tax_code"], row["business_registration"], products,
        tuple(right_line(state, r, names, today.isoformat()) for r in state.find(RegRight, holder=org_id)),
        _certifications_of(view, org_id, {p.gtin: p.names for p in products}, names, today.isoformat()),
        _batches_of(view, org_id, base))


def _products_of(view: SqlView, org_id: str, base: str) -> tuple[ProductLine, ...]:
    rows = view.connection.execute(
        select(_products.c.gtin, _products.c.name_vi, _products.c.name_en, _passports.c.image)
        .outerjoin(_passports, _passports.c.gtin == _products.c.gtin)
        .where(_products.c.producer == org_id).order_by(_products.c.name_vi).limit(MAX_PRODUCTS)).all()
    return tuple(ProductLine(r.gtin, Names(r.name_vi, r.name_en), f"{base}/01/{r.gtin}",
                             None if r.image is None else image_url(r.image)) for r in rows)


def issuer(state: State, entry: int) -> str | None:
    """The organisation that signed entry `entry`, None if the log has no such entry."""
    found = state.get(RegEntry, entry=entry)
    return None if found is None else str(found["issuer"])


def right_line(state: State, right: Row, names: OrganisationNames, today: str) -> RightLine:
    """A right of use (a `reg_rights` row) as of `today` (ISO): its subject, who granted it, its status now with the
    last change's day, reason and author, or `expired` for an active right past its window."""
    if right["subject_type"] == "gi":
        subject, kind = state.get(RegGi, id=right["subject_id"]), "gi"
    else:
        subject = state.get(RegMark, id=right["subject_id"])
        kind = "collective" if subject is None else subject["type"]
    line = RightLine(kind, None if subject is None else Names(subject["name_vi"], subject["name_en"]),
                     right_status(state, right["id"]), names(issuer(state, right["entry"])),
                     right["valid_from"], right["valid_until"], right["quota_quantity"], right["quota_unit"],
                     right["quota_text"], None if right["quota_quantity"] is None else right["quota_used"],
                     subject_id=right["subject_id"])
    changes = sorted((c for c in state.find(RegRightChange, right=right["id"]) if not c["retracted"]),
                     key=lambda c: (c["effective_on"], c["entry"]))
    if line.status != "active" and changes:
        last = changes[-1]
        return dataclasses.replace(line, since=last["effective_on"], reason=last["reason"],
                                   changed_by=names(issuer(state, last["entry"])))
    if line.valid_until is not None and line.valid_until < today:
        return dataclasses.replace(line, status="expired")
    return line


def _certifications_of(view: SqlView, org_id: str, products: dict[str, Names], names: OrganisationNames,
                       today: str) -> tuple[CertificationLine, ...]:
    """Certifications in force or revoked (retracted ones are not certifications) of the organisation and of its
    products and their batches, the latest first."""
    c = _certifications.c
    about = c.subject_org == org_id
    if products:
        about = about | c.subject_gtin.in_(list(products))
    rows = view.connection.execute(select(_certifications).where(about, c.retracted.is_(False))
                                   .order_by(c.entry.desc()).limit(MAX_CERTIFICATIONS)).mappings().all()
    return tuple(CertificationLine(r["scheme"], r["result"], names(r["certifier"]), r["valid_from"], r["valid_until"],
                                   r["revoked_entry"] is not None, r["valid_until"] < today,
                                   None if r["subject_gtin"] is None else products.get(r["subject_gtin"]),
                                   r["subject_lot"])
                 for r in rows)


def _batches_of(view: SqlView, org_id: str, base: str) -> tuple[BatchLine, ...]:
    """The latest batches it registered (retracted ones left out), the latest production date first."""
    b, p = _batches.c, _products.c
    rows = view.connection.execute(
        select(b.gtin, b.lot, b.produced_on, b.recalled_entry, p.name_vi, p.name_en)
        .join(_products, p.gtin == b.gtin).where(b.producer == org_id, b.retracted.is_(False))
        .order_by(b.produced_on.desc(), b.gtin, b.lot).limit(LATEST_BATCHES)).all()
    return tuple(BatchLine(r.gtin, r.lot, Names(r.name_vi, r.name_en), r.produced_on, r.recalled_entry is not None,
                           DigitalLink(r.gtin, r.lot).uri(base)) for r in rows)
