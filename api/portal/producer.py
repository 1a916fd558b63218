"""The producer's part of the portal: its dashboard on the home page, its products and batches, and the forms that
register a product (with its image), log a batch, and record a batch's events, recall and serials.

Every statement is made by `api.portal.statements` (the API's body models, the same registry service, signed by
the organisation's custodial key, the person recorded in the same commit). The organisation is always the
signed-in person's: a product, batch or right of another organisation is not found (404) or refused with the
registry's own words, and nothing is recorded. Viewers see every page and no form; a POST of theirs is refused.
"""

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.engine import Connection

from api.pages.words import BIZ_STEPS
from api.portal import (
    choices,
    producer_words,  # noqa: F401  (its words, added at import)
)
from api.portal import producer_forms as forms
from api.portal.producer_home import WORDS, batch_path, latest_batches, may_write
from api.portal.sessions import Signed
from api.portal.statements import FormRefused, UploadDep, require_writer, submit
from api.portal.web import (
    NAV,
    CheckedDep,
    NavItem,
    PortalDep,
    Refused,
    SignedDep,
    every,
    language,
    page,
    see_other,
)
from api.tables import ScanClient, ScanWindow
from registry import images
from registry import words as registry_words
from registry.errors import DomainError
from registry.passport_tables import RegProductPassport
from registry.tables import (
    RegBatch,
    RegBatchClaim,
    RegEvent,
    RegOrganisation,
    RegPrefixLicence,
    RegProduct,
    RegRecall,
)
from registry.values import UNITS
from registry.verdict.facts import place

router = APIRouter(prefix="/portal", include_in_schema=False)

NAV.append(NavItem("producer", "/portal/products", "prd_nav", frozenset({"producer"})))

_batches = RegBatch.__table__  # type: ignore[attr-defined]
_products = RegProduct.__table__  # type: ignore[attr-defined]
_passports = RegProductPassport.__table__  # type: ignore[attr-defined]
_claims = RegBatchClaim.__table__  # type: ignore[attr-defined]
_events = RegEvent.__table__  # type: ignore[attr-defined]
_recalls = RegRecall.__table__  # type: ignore[attr-defined]
_organisations = RegOrganisation.__table__  # type: ignore[attr-defined]
_windows = ScanWindow.__table__  # type: ignore[attr-defined]
_clients = ScanClient.__table__  # type: ignore[attr-defined]

LISTED = 100
"""Rows of a list page: the latest."""
_GTIN = Annotated[str, Path(max_length=14)]
_LOT = Annotated[str, Path(max_length=20)]



def _producer(signed: Signed) -> str:
    """The signed-in person's organisation, if it is a producer; Refused otherwise."""
    if "producer" not in signed.roles:
        raise Refused(403, "role_refused", "forbidden_title")
    return signed.user.organisation


def _names(connection: Connection) -> dict[str, tuple[str, str]]:
    return {row.id: (row.name_vi, row.name_en)
            for row in connection.execute(select(_organisations.c.id, _organisations.c.name_vi,
                                                 _organisations.c.name_en))}




# Products.

def _licences(connection: Connection, organisation: str) -> list[str]:
    table = RegPrefixLicence.__table__  # type: ignore[attr-defined]
    day = forms.today()
    rows = connection.execute(select(table).where(table.c.licensee == organisation).order_by(table.c.prefix))
    return [row.prefix for row in rows if row.valid_from <= day and (row.valid_until is None or day <= row.valid_until)
            and (row.revoked_on is None or day < row.revoked_on)]


@router.get("/products")
def product_list(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    organisation = _producer(signed)
    with state.engine.connect() as connection:
        listed = forms.products(connection, organisation)[:LISTED]
        passports = {row.gtin: row for row in connection.execute(
            select(_passports).where(_passports.c.gtin.in_([p.gtin for p in listed])))}
    return page(request, "producer_products.html", signed=signed, products=listed, passports=passports,
                writes=may_write(signed), image_url=images.image_url, **WORDS)


def _product_form(request: Request, signed: Signed, status: int = 200, errors: Mapping[str, str] | None = None,
                  typed: Mapping[str, str] | None = None) -> Response:
    with portal_engine(request).connect() as connection:
        prefixes = _licences(connection, signed.user.organisation)
    return page(request, "producer_product_new.html", status, signed, prefixes=prefixes, units=list(UNITS),
                unit_words=registry_words.UNITS, errors=errors or {}, typed=typed or {"unit": "H87"},
                max_kib=images.MAX_BYTES // 1024, max_side=images.MAX_SIDE)


def portal_engine(request: Request) -> Any:
    return request.app.state.portal.engine


@router.get("/products/new")
def product_new(request: Request, signed: SignedDep) -> Response:
    _producer(signed)
    return _product_form(request, signed)


@router.post("/products/new")
async def product_register(request: Request, form: UploadDep) -> Response:
    """Register a product; its image, if one is chosen, is kept first (as the API's /images does) and named by
    its SHA-256. A refusal shows the form again as typed, the reason at its field."""
    signed, fields = form.signed, form.fields
    require_writer(signed, "producer")
    lang = language(request)
    try:
        sha256 = None
        chosen = form.files.get("image")
        if chosen is not None:
            # The form's faults and the registry's refusals come before an image is kept for a product that
            # would not be registered (the rules never look at the image: the same answer with its hash).
            refusals = request.app.state.services.registry.refusals_as(signed.user.organisation,
                                                                        [forms.product(fields, None)])
            if refusals:
                raise refusals[0]
            data = await chosen.read()
            declared = (chosen.content_type or "").split(";")[0].strip().lower()
            stored, _ = request.app.state.services.registry.store_image(
                signed.user.organisation, data, None if declared in ("", "application/octet-stream") else declared)
            sha256 = stored.sha256
        made = forms.product(fields, sha256)
        submit(request, signed, [made])
    except FormRefused as exc:
        return _product_form(request, signed, 400, forms.placed(exc.said(lang), forms.PRODUCT_FIELDS), fields)
    except DomainError as exc:
        field = forms.field_of_code(exc.code, forms.PRODUCT_FIELDS)
        return _product_form(request, signed, 400, {field: exc.vi if lang == "vi" else exc.en}, fields)
    return see_other(f"/portal/products/{made[1]['gtin']}?done=prd_done_product")


@router.get("/products/{gtin}")
def product_page(request: Request, state: PortalDep, signed: SignedDep, gtin: _GTIN) -> Response:
    organisation = _producer(signed)
    with state.engine.connect() as connection:
        found = connection.execute(select(_products).where(_products.c.gtin == gtin,
                                                           _products.c.producer == organisation)).first()
        if found is None:
            raise Refused(404, "not_found", "not_found_title")
        passport = connection.execute(select(_passports).where(_passports.c.gtin == gtin)).first()
        batches = latest_batches(connection, organisation, LISTED, gtin)
    return page(request, "producer_product.html", signed=signed, product=found, passport=passport,
                batches=batches, writes=may_write(signed), image_url=images.image_url,
                batch_path=batch_path, **WORDS)


# Batches.

@router.get("/batches")
def batch_list(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    organisation = _producer(signed)
    with state.engine.connect() as connection:
        made = latest_batches(connection, organisation, LISTED)
        received = [row for row in forms.held(connection, organisation, LISTED) if row.producer != organisation]
        names = _names(connection)
    return page(request, "producer_batches.html", signed=signed, batches=made, received=received, names=names,
                writes=may_write(signed), batch_path=batch_path, **WORDS)


def _batch_form(request: Request, signed: Signed, province: str, status: int = 200,
                errors: Mapping[str, str] | None = None, typed: Mapping[str, str] | None = None,
                claims: list[str] | None = None, inputs: Mapping[str, str] | None = None) -> Response:
    lang, organisation = language(request), signed.user.organisation
    with portal_engine(request).connect() as connection:
        products = forms.products(connection, organisation)
        rights = [r for r in forms.rights(connection, organisation) if r.in_force]
        held = forms.held(connection, organisation)
        home = forms.home_province(connection, organisation)
    return page(request, "producer_batch_new.html", status, signed, products=products, rights=rights, held=held,
                provinces=choices.provinces(lang), province=province, home=home,
                communes=choices.communes(province, lang) if province else [],
                errors=errors or {}, typed=typed or {}, claims=claims or [], inputs=inputs or {},
                today=forms.today(), writes=may_write(signed), unit_words=registry_words.UNITS,
                remaining=forms.remaining, **WORDS)


@router.get("/batches/new")
def batch_new(request: Request, signed: SignedDep, gtin: Annotated[str, Query(max_length=14)] = "",
              province: Annotated[str, Query(max_length=2)] = "") -> Response:
    """The batch form; its province, chosen first (a GET of this page), gives the communes to choose from."""
    _producer(signed)
    typed = {"gtin": gtin, "produced_on": forms.today()}
    return _batch_form(request, signed, province if province in dict(choices.provinces("vi")) else "", typed=typed)


@router.post("/batches/new")
def batch_register(request: Request, checked: CheckedDep) -> Response:
    signed, fields = checked
    require_writer(signed, "producer")
    lang, organisation = language(request), signed.user.organisation
    claims = every(request, "claims")
    inputs = {name.removeprefix("input:"): value for name, value in fields.items() if name.startswith("input:")}
    province = fields.get("province", "") or forms.province_of(fields.get("commune", ""))
    try:
        with portal_engine(request).connect() as connection:
            made = forms.batch(connection, organisation, fields, claims, inputs)
        submit(request, signed, [made])
    except FormRefused as exc:
        return _batch_form(request, signed, province, 400, forms.placed(exc.said(lang), forms.BATCH_FIELDS),
                           fields, claims, inputs)
    except DomainError as exc:
        field = forms.field_of_code(exc.code, forms.BATCH_FIELDS)
        return _batch_form(request, signed, province, 400, {field: exc.vi if lang == "vi" else exc.en}, fields,
                           claims, inputs)
    return see_other(batch_path(made[1]["gtin"], made[1]["lot"]) + "?done=prd_done_batch")


def _batch_page(request: Request, signed: Signed, gtin: str, lot: str, status: int = 200,
                errors: Mapping[str, Mapping[str, str]] | None = None,
                typed: Mapping[str, str] | None = None) -> Response:
    lang, organisation = language(request), signed.user.organisation
    with portal_engine(request).connect() as connection:
        found = connection.execute(select(_batches, _products.c.name_vi, _products.c.name_en)
                                   .join(_products, _products.c.gtin == _batches.c.gtin)
                                   .where(_batches.c.gtin == gtin, _batches.c.lot == lot)).first()
        if found is None or not forms.holds(connection, organisation, gtin, lot):
            raise Refused(404, "not_found", "not_found_title")
        rights = {r.subject_type + ":" + r.subject_id: r for r in forms.rights(connection, found.producer)}
        claims = [rights.get(f"{c.subject_type}:{c.subject_id}")
                  for c in connection.execute(select(_claims).where(_claims.c.gtin == gtin, _claims.c.lot == lot))]
        events = list(connection.execute(select(_events).where(_events.c.gtin == gtin, _events.c.lot == lot)
                                         .order_by(_events.c.event_time.desc(), _events.c.entry.desc())
                                         .limit(LISTED)))
        recall = connection.execute(select(_recalls).where(_recalls.c.entry == found.recalled_entry)).first() \
            if found.recalled_entry is not None else None
        names = _names(connection)
        partners = forms.partners(connection, organisation, lang)
    origin = registry_words.place(place(found.origin_code, found.origin_version), lang)
    return page(request, "producer_batch.html", status, signed, batch=found, origin=origin,
                claims=[c for c in claims if c is not None], events=events, recall=recall, names=names,
                partners=partners, steps=forms.EVENT_STEPS, step_words=BIZ_STEPS, results=forms.RESULTS,
                own=found.producer == organisation, writes=may_write(signed),
                errors=errors or {}, typed=typed or {"event_time": forms.local_now()},
                verdict=f"/page/01/{gtin}/10/{quote(lot, safe='')}",
                labels=f"/portal/labels?gtin={gtin}&lot={quote(lot, safe='')}", path=batch_path(gtin, lot), **WORDS)


@router.get("/batches/{gtin}/{lot:path}")
def batch_page(request: Request, signed: SignedDep, gtin: _GTIN, lot: _LOT) -> Response:
    _producer(signed)
    return _batch_page(request, signed, gtin, lot)


_ACTIONS = {"event": (forms.EVENT_FIELDS, "prd_done_event"), "recall": ({"reason"}, "prd_done_recall"),
            "serials": ({"count", "prefix"}, "prd_done_serials")}


@router.post("/batches/{gtin}/{lot:path}")
def batch_action(request: Request, checked: CheckedDep, gtin: _GTIN, lot: _LOT) -> Response:
    """Record an event of the batch, recall it or issue serials of it (the form's `action`). The batch must be
    one the organisation holds; the registry decides the rest (only its producer recalls it or issues serials)."""
    signed, fields = checked
    require_writer(signed, "producer")
    action = fields.get("action", "")
    if action not in _ACTIONS:
        raise Refused(400, "forged")
    known, done = _ACTIONS[action]
    lang = language(request)
    with portal_engine(request).connect() as connection:
        if not forms.holds(connection, signed.user.organisation, gtin, lot):
            raise Refused(404, "not_found", "not_found_title")
    try:
        made = {"event": forms.event, "recall": forms.recall, "serials": forms.serials}[action](gtin, lot, fields)
        submit(request, signed, [made])
    except FormRefused as exc:
        return _batch_page(request, signed, gtin, lot, 400, {action: forms.placed(exc.said(lang), known)}, fields)
    except DomainError as exc:
        field = forms.field_of_code(exc.code, known)
        return _batch_page(request, signed, gtin, lot, 400, {action: {field: exc.vi if lang == "vi" else exc.en}},
                           fields)
    return see_other(f"{batch_path(gtin, lot)}?done={done}")
