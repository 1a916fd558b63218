"""What the resolver reads of the registry besides verdicts: whether a code's product and batch are registered,
and the product level's answer, the product with its recent batches, for `/01/{gtin}` and for the codes that
walk up to it (a lot or serial the registry does not know).
"""

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select

from api.digital_link import CodeRequest, DigitalLink
from api.linkset import Known, Names, base_url
from ledger.store.sql import SqlView
from registry.state import State, table_of
from registry.tables import RegBatch, RegOrganisation, RegProduct

RECENT_BATCHES = 20
"""Batches the product level lists: the latest production dates, enough for what is on a shop's shelves."""

_batches = table_of(RegBatch)


def known(view: SqlView, request: CodeRequest) -> Known:
    """What the registry holds for `request`: its product's names, and whether its batch is registered."""
    state = State(view.connection)
    product = state.get(RegProduct, gtin=request.gtin14)
    if product is None:
        return Known(None)
    batch = request.lot is not None and state.get(RegBatch, gtin=request.gtin14, lot=request.lot) is not None
    return Known(Names(product["name_vi"], product["name_en"]), batch)


@dataclass(frozen=True)
class RecentBatch:
    lot: str
    produced_on: str
    recalled: bool
    uri: str


@dataclass(frozen=True)
class ProductFacts:
    """The product level of a GTIN: its names, unit and producer, and its latest batches (retracted ones left
    out, the latest production date first)."""

    gtin: str
    uri: str
    names: Names
    unit: str
    producer: str
    producer_names: Names
    batches: list[RecentBatch]


def product_facts(view: SqlView, gtin: str, public_url: str) -> ProductFacts | None:
    """The product level of `gtin`; None when no product has it."""
    state = State(view.connection)
    product = state.get(RegProduct, gtin=gtin)
    if product is None:
        return None
    producer = state.get(RegOrganisation, id=product["producer"])
    producer_names = Names(producer["name_vi"], producer["name_en"]) if producer else Names(product["producer"],
                                                                                             product["producer"])
    base = base_url(public_url)
    rows = view.connection.execute(
        select(_batches.c.lot, _batches.c.produced_on, _batches.c.recalled_entry)
        .where(_batches.c.gtin == gtin, _batches.c.retracted.is_(False))
        .order_by(_batches.c.produced_on.desc(), _batches.c.lot).limit(RECENT_BATCHES)).all()
    batches = [RecentBatch(row.lot, row.produced_on, row.recalled_entry is not None,
                           DigitalLink(gtin, row.lot).uri(base)) for row in rows]
    return ProductFacts(gtin, f"{base}/01/{gtin}", Names(product["name_vi"], product["name_en"]), product["unit"],
                        product["producer"], producer_names, batches)


def walked_up(request: CodeRequest) -> tuple[str, str] | None:
    """Why the product level answers `request`, which names more than its GTIN (en, vi); None when it names only
    the GTIN."""
    if request.lot is not None:
        return (f"no batch {request.lot} of GTIN {request.gtin14} is registered; be careful: the product may be "
                "counterfeit",
                f"không có lô {request.lot} nào của GTIN {request.gtin14} trong sổ đăng ký; hãy cẩn thận: sản phẩm "
                "có thể là hàng giả")
    if request == CodeRequest(request.gtin14):
        return None
    return ("this registry records batches by their lot (AI 10) and this code names none, so only its product "
            "is shown",
            "sổ đăng ký ghi nhận lô hàng theo số lô (AI 10), mà mã này không có số lô, nên chỉ hiển thị thông tin "
            "sản phẩm")


class NamesOut(BaseModel):
    vi: str
    en: str


class RecentBatchOut(BaseModel):
    lot: str
    produced_on: str
    recalled: bool
    uri: str


class RequestedOut(BaseModel):
    """The code asked for, when the product level answers for it: a lot or serial the registry does not know."""

    uri: str
    lot: str | None
    serial: str | None
    registered: Literal[False]
    verdict: Literal["unknown"]
    message: NamesOut


class ProductAnswer(BaseModel):
    """The product level of a GS1 Digital Link: the product, its producer and its latest batches, each with its
    Digital Link; `requested` says which code walked up to it, if any."""

    gtin: str
    uri: str
    names: NamesOut
    unit: str
    producer: str
    producer_names: NamesOut
    batches: list[RecentBatchOut]
    requested: RequestedOut | None


def product_answer(facts: ProductFacts, request: CodeRequest, public_url: str) -> dict[str, Any]:
    """The JSON of the product level (ProductAnswer) for `request`."""
    why = walked_up(request)
    requested = None if why is None else {
        "uri": base_url(public_url) + request.path(), "lot": request.lot, "serial": request.serial,
        "registered": False, "verdict": "unknown", "message": {"vi": why[1], "en": why[0]}}
    return {"gtin": facts.gtin, "uri": facts.uri, "names": vars(facts.names), "unit": facts.unit,
            "producer": facts.producer, "producer_names": vars(facts.producer_names),
            "batches": [vars(b) for b in facts.batches], "requested": requested}
