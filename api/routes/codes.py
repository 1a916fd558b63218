"""QR codes and printable label sheets for registered batches and serialised items.

Codes encode the GS1 Digital Link URI of the batch or item on NGUON_PUBLIC_URL (error correction Q).
Lots may hold '/', so these routes take the lot as a path tail and end in a fixed file name.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse

from api.deps import ServicesDep, ViewDep
from api.digital_link import DigitalLink, DigitalLinkError
from api.openapi import problem_responses
from api.pages.labels import Label, SheetLayout, SheetsBusyError
from api.problems import ApiProblem
from api.qr import qr_png, qr_svg
from api.routes.reads import page
from ledger.core.encoding import MAX_SAFE_INTEGER
from registry.state import State
from registry.tables import RegBatch, RegProduct, RegSerial

router = APIRouter(prefix="/api/v1/batches", tags=["codes"])
MAX_LABELS = 240
"""Labels on one sheet: ten A4 pages of the default 3 x 8 layout, a print run of most batches. A sheet is public,
and each label's code costs CPU when it is not cached (serials are all different), so the bound keeps one
request cheap; longer runs take several requests."""
QR_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {"schema": {"type": "string"}},
                      "image/png": {"schema": {"type": "string", "format": "binary"}}}},
    **problem_responses(422)}  # a GTIN, lot or serial a Digital Link cannot hold


def _link(view: ViewDep, gtin: str, lot: str, serial: str | None = None) -> DigitalLink:
    try:
        link = DigitalLink(gtin, lot, serial)
    except DigitalLinkError as exc:
        raise ApiProblem(422, "invalid-code", str(exc), exc.vi) from exc
    state = State(view.connection)
    if state.get(RegBatch, gtin=gtin, lot=lot) is None:
        raise ApiProblem(404, "unknown-batch", f"batch {gtin}/{lot} is not registered",
                         f"lô {gtin}/{lot} chưa được đăng ký")
    if serial is not None and state.get(RegSerial, gtin=gtin, lot=lot, serial=serial) is None:
        raise ApiProblem(404, "unknown-serial", f"serial {serial} was not issued for batch {gtin}/{lot}",
                         f"số sê-ri {serial} chưa được cấp cho lô {gtin}/{lot}")
    return link


def _image(link: DigitalLink, base: str, kind: str) -> Response:
    uri = link.uri(base)
    if kind == "svg":
        return Response(qr_svg(uri), media_type="image/svg+xml")
    return Response(qr_png(uri), media_type="image/png")


@router.get("/{gtin}/{lot:path}/serials/{serial}/qr.{kind}", response_class=Response, responses=QR_RESPONSES)
def serial_qr(view: ViewDep, services: ServicesDep, gtin: str, lot: str, serial: str, kind: str) -> Response:
    """QR code (`qr.svg` or `qr.png`) of one serialised item's Digital Link URI."""
    if kind not in ("svg", "png"):
        raise ApiProblem(404, "unknown-format", f"qr.{kind} is not offered; use qr.svg or qr.png",
                         f"không có qr.{kind}; hãy dùng qr.svg hoặc qr.png")
    return _image(_link(view, gtin, lot, serial), services.settings.public_url, kind)


@router.get("/{gtin}/{lot:path}/qr.{kind}", response_class=Response, responses=QR_RESPONSES)
def batch_qr(view: ViewDep, services: ServicesDep, gtin: str, lot: str, kind: str) -> Response:
    """QR code (`qr.svg` or `qr.png`) of a batch's Digital Link URI."""
    if kind not in ("svg", "png"):
        raise ApiProblem(404, "unknown-format", f"qr.{kind} is not offered; use qr.svg or qr.png",
                         f"không có qr.{kind}; hãy dùng qr.svg hoặc qr.png")
    return _image(_link(view, gtin, lot), services.settings.public_url, kind)


@router.get("/{gtin}/{lot:path}/labels.html", response_class=HTMLResponse, responses=problem_responses(503))
def labels(view: ViewDep, services: ServicesDep, gtin: str, lot: str,
           serials: Annotated[bool, Query(description="one label per issued serial instead of batch labels")] = False,
           offset: Annotated[int, Query(ge=0, le=MAX_SAFE_INTEGER)] = 0,
           count: Annotated[int, Query(ge=1, description=f"labels on the sheet, at most {MAX_LABELS}",
                                       json_schema_extra={"maximum": MAX_LABELS})] = 24) -> HTMLResponse:
    """A printable A4 sheet of labels: `count` copies of the batch code, or the batch's serials from `offset`."""
    if count > MAX_LABELS:
        raise ApiProblem(422, "too-many-labels",
                         f"a label sheet holds at most {MAX_LABELS} labels (ten A4 pages of 24), not {count}; print "
                         "the rest with another request (for serials, from the next offset)",
                         f"mỗi lần in tối đa {MAX_LABELS} nhãn (mười trang A4, mỗi trang 24 nhãn), không thể in "
                         f"{count} nhãn cùng lúc; hãy in phần còn lại bằng một yêu cầu khác (với nhãn theo số sê-ri, "
                         "dùng tham số offset để in tiếp từ nhãn kế tiếp)")
    link = _link(view, gtin, lot)
    state = State(view.connection)
    product = state.get(RegProduct, gtin=gtin) or {}
    name_vi, name_en = product.get("name_vi") or gtin, product.get("name_en")
    if serials:
        issued = page(view, RegSerial, count, offset, gtin=gtin, lot=lot)["items"]
        if not issued:
            raise ApiProblem(404, "no-serials", f"batch {gtin}/{lot} has no serials from position {offset}",
                             f"lô {gtin}/{lot} không có số sê-ri từ vị trí {offset}")
        items = tuple(Label(name_vi, DigitalLink(gtin, lot, row["serial"]), name_en) for row in issued)
    else:
        items = (Label(name_vi, link, name_en),) * count
    title = f"{name_vi} — {link.element_string()}"
    try:
        html = services.sheets.html(items, title, base_url=services.settings.public_url, layout=SheetLayout())
    except SheetsBusyError as exc:
        raise ApiProblem(503, "labels-busy", "another label sheet is being made; ask again in a few seconds",
                         "hệ thống đang tạo một trang nhãn khác; vui lòng thử lại sau vài giây",
                         {"Retry-After": "2"}) from exc
    return HTMLResponse(html)
