"""Reads of every registry resource at plural nouns, with filters and pagination, and the public lists
of who may use each GI and mark."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlmodel import SQLModel

from api import outputs as o
from api.deps import ServicesDep, ViewDep
from api.problems import ApiProblem
from ledger.core.encoding import MAX_SAFE_INTEGER
from ledger.core.types import format_timestamp
from registry.epcis import MEDIA_TYPE, events_document
from registry.kinds import vietnam_today
from registry.queries import current_area, right_active_on
from registry.state import State, table_of
from registry.tables import (
    RegAccreditation,
    RegBatch,
    RegCertification,
    RegCorrection,
    RegDelegation,
    RegEvent,
    RegGi,
    RegKey,
    RegMark,
    RegMarkUser,
    RegOrganisation,
    RegPrefixLicence,
    RegProduct,
    RegRight,
    RegSerial,
)

router = APIRouter(prefix="/api/v1", tags=["reads"])

MAX_LIMIT = 500
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Offset = Annotated[int, Query(ge=0, le=MAX_SAFE_INTEGER, description="rows to skip")]
Filter = Annotated[str | None, Query(max_length=100)]


def page(view: ViewDep, model: type[SQLModel], limit: int, offset: int, **filters: Any) -> dict[str, Any]:
    """One page of a projection, in primary-key order: {"items": [...], "next": offset of the next page or null}."""
    table = table_of(model)
    conditions = [table.c[name] == value for name, value in filters.items() if value is not None]
    query = select(table).where(*conditions).order_by(*table.primary_key.columns).limit(limit + 1).offset(offset)
    rows = [dict(r) for r in view.connection.execute(query).mappings()]
    return {"items": rows[:limit], "next": offset + limit if len(rows) > limit else None}


def one(view: ViewDep, model: type[SQLModel], what_en: str, what_vi: str, **pk: Any) -> dict[str, Any]:
    row = State(view.connection).get(model, **pk)
    if row is None:
        key = "/".join(str(v) for v in pk.values())
        raise ApiProblem(404, "not-found", f"{what_en} {key} is not registered", f"{what_vi} {key} chưa được đăng ký")
    return row


@router.get("/organisations", response_model=o.OrganisationPage)
def organisations(view: ViewDep, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Registered organisations with their roles."""
    return page(view, RegOrganisation, limit, offset)


@router.get("/organisations/{organisation_id}", response_model=o.OrganisationWithKeysOut)
def organisation(view: ViewDep, organisation_id: str) -> dict[str, Any]:
    row = one(view, RegOrganisation, "organisation", "tổ chức", id=organisation_id)
    row["keys"] = State(view.connection).find(RegKey, organisation=organisation_id)
    return row


@router.get("/keys", response_model=o.KeyPage)
def keys(view: ViewDep, organisation: Filter = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Public keys of organisations (active and revoked), with the entries that added and revoked them."""
    return page(view, RegKey, limit, offset, organisation=organisation)


@router.get("/gis", response_model=o.GiPage)
def gis(view: ViewDep, manager: Filter = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Registered geographical indications."""
    return page(view, RegGi, limit, offset, manager=manager)


@router.get("/gis/{gi_id}", response_model=o.GiWithAreaOut)
def gi(view: ViewDep, gi_id: str) -> dict[str, Any]:
    row = one(view, RegGi, "GI", "chỉ dẫn địa lý", id=gi_id)
    row["area"] = current_area(State(view.connection), gi_id)
    return row


def _users(view: ViewDep, subject_type: str, subject_id: str, day: str | None) -> list[dict[str, Any]]:
    state = State(view.connection)
    # Without a day, today: a right past its valid_until is no longer in force though its status stays active.
    day = day or vietnam_today().isoformat()
    users = []
    for right in state.find(RegRight, subject_type=subject_type, subject_id=subject_id):
        in_force = right_active_on(state, right, day)
        holder = state.get(RegOrganisation, id=right["holder"]) or {}
        users.append({"organisation": right["holder"], "name_vi": holder.get("name_vi"),
                      "name_en": holder.get("name_en"), "right": right["id"], "status": right["status"],
                      "in_force": in_force, "valid_from": right["valid_from"], "valid_until": right["valid_until"],
                      "quota": right["quota_text"] or right["quota_quantity"], "plot": right["plot"]})
    return users


# [0-9], not \d: pydantic's patterns (like Python's) count full-width and other Unicode digits as \d.
Day = Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                                  description="in force on this day (YYYY-MM-DD)")]


@router.get("/gis/{gi_id}/users", response_model=o.GiUsersOut)
def gi_users(view: ViewDep, gi_id: str, on: Day = None) -> dict[str, Any]:
    """The public list of producers authorised to use this GI, and whether each right is in force."""
    one(view, RegGi, "GI", "chỉ dẫn địa lý", id=gi_id)
    return {"gi": gi_id, "users": _users(view, "gi", gi_id, on)}


@router.get("/marks", response_model=o.MarkPage)
def marks(view: ViewDep, owner: Filter = None, type: Filter = None, limit: Limit = 100,
          offset: Offset = 0) -> dict[str, Any]:
    """Registered collective and certification marks."""
    return page(view, RegMark, limit, offset, owner=owner, type=type)


@router.get("/marks/{mark_id}", response_model=o.MarkOut)
def mark(view: ViewDep, mark_id: str) -> dict[str, Any]:
    return one(view, RegMark, "mark", "nhãn hiệu", id=mark_id)


@router.get("/marks/{mark_id}/users", response_model=o.MarkUsersOut)
def mark_users(view: ViewDep, mark_id: str, on: Day = None) -> dict[str, Any]:
    """The mark's members and the public list of users holding a right to use it."""
    one(view, RegMark, "mark", "nhãn hiệu", id=mark_id)
    members = [r["organisation"] for r in State(view.connection).find(RegMarkUser, mark=mark_id)]
    return {"mark": mark_id, "members": members, "users": _users(view, "mark", mark_id, on)}


@router.get("/rights", response_model=o.RightPage)
def rights(view: ViewDep, holder: Filter = None, subject_type: Filter = None, subject_id: Filter = None,
           status: Filter = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Rights of use of GIs and marks."""
    return page(view, RegRight, limit, offset, holder=holder, subject_type=subject_type, subject_id=subject_id,
                status=status)


@router.get("/products", response_model=o.ProductPage)
def products(view: ViewDep, producer: Filter = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Registered products (GTIN-14)."""
    return page(view, RegProduct, limit, offset, producer=producer)


@router.get("/products/{gtin}", response_model=o.ProductOut)
def product(view: ViewDep, gtin: str) -> dict[str, Any]:
    return one(view, RegProduct, "product", "sản phẩm", gtin=gtin)


@router.get("/batches", response_model=o.BatchPage)
def batches(view: ViewDep, gtin: Filter = None, producer: Filter = None, produced_on: Filter = None,
            limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Registered batches; each item carries `gtin` and `lot`."""
    return page(view, RegBatch, limit, offset, gtin=gtin, producer=producer, produced_on=produced_on)


@router.get("/batches/{gtin}/{lot}", response_model=o.BatchOut)
def batch(view: ViewDep, gtin: str, lot: str) -> dict[str, Any]:
    return one(view, RegBatch, "batch", "lô hàng", gtin=gtin, lot=lot)


class EpcisResponse(JSONResponse):
    media_type = MEDIA_TYPE


@router.get("/batches/{gtin}/{lot}/epcis", response_class=EpcisResponse,
            responses={200: {"description": "An EPCISDocument", "model": o.EpcisDocumentOut}})
def batch_epcis(view: ViewDep, services: ServicesDep, gtin: str, lot: str) -> EpcisResponse:
    """The batch's recorded events as an EPCIS 2.0 JSON-LD document: ObjectEvents in CBV 2.0 terms, each with
    its CBV 2.0 Event Hash ID (`ni:///sha-256;…?ver=CBV2.0`) as `eventID`."""
    one(view, RegBatch, "batch", "lô hàng", gtin=gtin, lot=lot)
    rows = State(view.connection).find(RegEvent, gtin=gtin, lot=lot)  # in entry order
    base = services.settings.public_url.rstrip("/")
    # Each Event Hash ID costs about 1 ms of CPU in GS1's generator, on a public path: documents are kept by
    # what they are made of, and only their creation date is new.
    key = hashlib.sha256(json.dumps([base, rows], sort_keys=True, default=str).encode()).digest()
    document = services.epcis.get(key)
    if document is None:
        document = services.epcis.put(key, events_document(rows, base, ""))
    return EpcisResponse({**document, "creationDate": format_timestamp(datetime.now(UTC))})


@router.get("/events", response_model=o.EventPage)
def events(view: ViewDep, gtin: Filter = None, lot: Filter = None, biz_step: Filter = None, issuer: Filter = None,
           limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """EPCIS events recorded on batches."""
    return page(view, RegEvent, limit, offset, gtin=gtin, lot=lot, biz_step=biz_step, issuer=issuer)


@router.get("/certifications", response_model=o.CertificationPage)
def certifications(view: ViewDep, certifier: Filter = None, subject_gtin: Filter = None, subject_lot: Filter = None,
                   subject_org: Filter = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Certifications of batches, products and producers."""
    return page(view, RegCertification, limit, offset, certifier=certifier, subject_gtin=subject_gtin,
                subject_lot=subject_lot, subject_org=subject_org)


@router.get("/serials", response_model=o.SerialPage)
def serials(view: ViewDep, gtin: Filter = None, lot: Filter = None, limit: Limit = 100,
            offset: Offset = 0) -> dict[str, Any]:
    """Serial numbers issued under batches."""
    return page(view, RegSerial, limit, offset, gtin=gtin, lot=lot)


@router.get("/corrections", response_model=o.CorrectionPage)
def corrections(view: ViewDep, corrected_entry: Annotated[int | None, Query(ge=0, le=MAX_SAFE_INTEGER)] = None,
                limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Corrections: earlier entries retracted by their issuers or by an authority governing their subject."""
    return page(view, RegCorrection, limit, offset, corrected_entry=corrected_entry)


@router.get("/delegations", response_model=o.DelegationPage)
def delegations(view: ViewDep, authority: Filter = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """What the root authority lets each other authority do: provinces (codes of 1 July 2025, comma-separated) and
    named GIs and marks, with their validity and withdrawal."""
    return page(view, RegDelegation, limit, offset, authority=authority)


@router.get("/accreditations", response_model=o.AccreditationPage)
def accreditations(view: ViewDep, certifier: Filter = None, limit: Limit = 100,
                   offset: Offset = 0) -> dict[str, Any]:
    """Certifiers' accreditations: schemes (one per line), provinces (all when empty), validity, withdrawal."""
    return page(view, RegAccreditation, limit, offset, certifier=certifier)


@router.get("/prefix-licences", response_model=o.PrefixLicencePage)
def prefix_licences(view: ViewDep, licensee: Filter = None, prefix: Filter = None, limit: Limit = 100,
                    offset: Offset = 0) -> dict[str, Any]:
    """GS1 company prefixes licensed to producers by the numbering agency."""
    return page(view, RegPrefixLicence, limit, offset, licensee=licensee, prefix=prefix)


