"""QR labels of the organisation's batches as a PDF to print: choose batches, one label per copy or per issued
serial, an A4 sheet or one label per page, and a label size.

Printing appends nothing, so every person of the organisation may print, viewers too, and the form is a GET
(no form token: it changes nothing). Only the organisation's own batches are printed: a batch of another
organisation is answered 404, exactly like one that does not exist. The codes are the Digital Link URIs of the
HTML label sheets (api/pages/labels.py), drawn by api.label_pdf.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.engine import Connection

from api.digital_link import DigitalLink, DigitalLinkError
from api.label_pdf import LAYOUTS, MAX_LABELS, SIZES_MM, PdfLabel, PdfLayout, labels_pdf
from api.portal import importlabels_words  # noqa: F401  (the pages' words)
from api.portal.sessions import Signed
from api.portal.web import NAV, NO_STORE, NavItem, PortalDep, Refused, SignedDep, language, page
from api.portal.words import TEXT
from registry.tables import RegBatch, RegProduct, RegSerial
from registry.words import day

router = APIRouter(prefix="/portal", include_in_schema=False)
NAV.append(NavItem("labels", "/portal/labels", "il_nav_labels", frozenset({"producer"})))

LISTED = 200
"""Batches the form lists, the most recent first; a batch further back comes with ?batch= from its page."""
DEFAULT_COPIES = 10
_batches = RegBatch.__table__  # type: ignore[attr-defined]
_products = RegProduct.__table__  # type: ignore[attr-defined]
_serials = RegSerial.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Batch:
    """A batch of the organisation as the form lists it and a label prints it."""

    gtin: str
    lot: str
    name_vi: str
    name: str
    """The product's name in the page's language."""
    produced_on: str

    @property
    def key(self) -> str:
        """How the form names it: GTIN-14, a slash, the lot (which may hold slashes itself)."""
        return f"{self.gtin}/{self.lot}"

    @property
    def sheet(self) -> str:
        """The HTML label sheet of the API (api.routes.codes)."""
        return f"/api/v1/batches/{self.gtin}/{quote(self.lot, safe='/')}/labels.html"


@dataclass(frozen=True)
class Choice:
    """What the form asks for, as sent (so that a refused form shows it again)."""

    batches: list[str]
    layout: str
    size: str
    copies: str
    serials: bool


def _choice(request: Request) -> Choice:
    params = request.query_params
    batches = [b for b in params.getlist("batch") if b]
    gtin, lot = params.get("gtin", ""), params.get("lot", "")
    if gtin and lot:  # from a batch's page
        batches.append(f"{gtin.zfill(14) if gtin.isascii() and gtin.isdigit() else gtin}/{lot}")
    return Choice(list(dict.fromkeys(batches)), params.get("layout", "a4"), params.get("size", "40"),
                  params.get("copies", str(DEFAULT_COPIES)), params.get("serials") == "on")


def _rows(connection: Connection, organisation: str, lang: str, keys: Sequence[tuple[str, str]] | None = None,
          ) -> list[Batch]:
    """The organisation's batches (not withdrawn): those of `keys` in their order, or the LISTED most recent."""
    query = (select(_batches.c.gtin, _batches.c.lot, _batches.c.produced_on, _products.c.name_vi, _products.c.name_en)
             .join(_products, _products.c.gtin == _batches.c.gtin, isouter=True)
             .where(_batches.c.producer == organisation, _batches.c.retracted.is_(False)))
    if keys is None:
        query = query.order_by(_batches.c.entry.desc()).limit(LISTED)
    else:
        query = query.where(_batches.c.gtin.in_({g for g, _ in keys}), _batches.c.lot.in_({lot for _, lot in keys}))
    found = [Batch(gtin, lot, vi or gtin, (vi if lang == "vi" else en) or vi or gtin, produced_on)
             for gtin, lot, produced_on, vi, en in connection.execute(query)]
    if keys is None:
        return found
    by_key = {(b.gtin, b.lot): b for b in found}
    return [by_key[k] for k in keys if k in by_key]


def _form(request: Request, connection: Connection, signed: Signed, choice: Choice, status: int = 200,
          error: str | None = None) -> Response:
    lang = language(request)
    listed = _rows(connection, signed.user.organisation, lang)
    shown = {b.key for b in listed}
    chosen = [b for b in _rows(connection, signed.user.organisation, lang, _keys(choice.batches))
              if b.key not in shown]
    return page(request, "labels.html", status, signed, batches=chosen + listed, choice=choice, error=error,
                sizes=SIZES_MM, layouts=LAYOUTS, max_labels=MAX_LABELS, listed=LISTED,
                day=lambda value: day(value, lang))


def _keys(batches: Sequence[str]) -> list[tuple[str, str]]:
    """(GTIN-14, lot) of each `batch` value; a value that names no batch is kept as one that is not found."""
    return [(gtin, lot) for gtin, _, lot in (b.partition("/") for b in batches)]


@router.get("/labels")
def labels_form(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    with state.engine.connect() as connection:
        return _form(request, connection, signed, _choice(request))


@router.get("/labels.pdf")
def labels_file(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    """The PDF of the labels chosen; the form again, with what is wrong, when they cannot be printed."""
    choice = _choice(request)
    words = TEXT[language(request)]
    with state.engine.connect() as connection:
        def refused(message: str) -> Response:
            return _form(request, connection, signed, choice, 400, message)

        if not choice.batches:
            return refused(words["il_pick_batch"])
        if len(choice.batches) > MAX_LABELS:  # each needs a label at least: no lookup of more
            return refused(words["il_too_many"].format(max=MAX_LABELS, count=len(choice.batches)))
        keys = _keys(choice.batches)
        found = _rows(connection, signed.user.organisation, "vi", keys)
        if len(found) != len(keys):
            raise Refused(404, "not_found", "not_found_title")
        try:
            layout = PdfLayout(choice.layout, int(choice.size))
        except ValueError as exc:
            raise Refused(400, "forged") from exc  # only a hand-made address chooses outside the form's options
        if choice.serials:
            labels = _serial_labels(connection, found)
            if not labels:
                return refused(words["il_no_serials"])
        else:
            copies = int(choice.copies) if choice.copies.isascii() and choice.copies.isdigit() else 0
            if not 1 <= copies <= MAX_LABELS:
                return refused(words["il_bad_copies"].format(max=MAX_LABELS))
            if copies * len(found) > MAX_LABELS:  # refused before any label is made
                return refused(words["il_too_many"].format(max=MAX_LABELS, count=copies * len(found)))
            labels = [_label(b) for b in found for _ in range(copies)]
        if len(labels) > MAX_LABELS:
            return refused(words["il_too_many"].format(max=MAX_LABELS, count=len(labels)))
    title = found[0].name_vi if len(found) == 1 else "Nhãn mã QR"
    pdf = labels_pdf(labels, title, base_url=request.app.state.services.settings.public_url, layout=layout)
    name = f"nhan-{found[0].lot if len(found) == 1 else 'lo-hang'}-{layout.kind}-{layout.size_mm}mm.pdf"
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-.") else "-" for c in name)
    return Response(pdf, media_type="application/pdf",
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{safe}"'})


def _label(batch: Batch, serial: str | None = None) -> PdfLabel:
    try:
        link = DigitalLink(batch.gtin, batch.lot, serial)
    except DigitalLinkError as exc:  # every registered batch and serial is one; a registry that says otherwise
        raise Refused(404, "not_found", "not_found_title") from exc
    return PdfLabel(batch.name_vi, link, batch.produced_on)


def _serial_labels(connection: Connection, batches: Sequence[Batch]) -> list[PdfLabel]:
    """A label per issued serial (not withdrawn) of each batch, one more than MAX_LABELS at most."""
    labels: list[PdfLabel] = []
    for batch in batches:
        serials = connection.execute(
            select(_serials.c.serial).where(_serials.c.gtin == batch.gtin, _serials.c.lot == batch.lot,
                                            _serials.c.retracted.is_(False))
            .order_by(_serials.c.serial).limit(MAX_LABELS + 1 - len(labels))).scalars()
        labels += [_label(batch, serial) for serial in serials]
        if len(labels) > MAX_LABELS:
            break
    return labels
