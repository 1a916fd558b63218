"""The GS1 Digital Link resolver: `/01/{gtin}/10/{lot}[/21/{serial}]` answers browsers with the consumer
page, `Accept: application/json` with the verdict document, and `?linkType=all` or
`Accept: application/linkset+json` with an RFC 9264 linkset (GS1-Conformant Resolver 1.2).
"""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from api.deps import Services, ServicesDep, ViewDep
from api.digital_link import DigitalLink, DigitalLinkError, parse_path
from api.pages.consumer import render_not_found, render_verdict, wants_language
from api.problems import PROBLEM_JSON, ApiProblem, problem
from api.scans import is_issued, scan_evidence
from registry.kinds import vietnam_today
from registry.verdict.batch import verify_batch
from registry.verdict.shapes import DOCUMENT

router = APIRouter(tags=["resolver"])

GS1 = "https://gs1.org/voc/"
LINKSET_JSON = "application/linkset+json"
LINK_TYPES = {
    "pip": ("Product information page", "Trang thông tin sản phẩm", "text/html"),
    "traceability": ("Traceability: the verdict with evidence", "Truy xuất nguồn gốc: kết luận và bằng chứng",
                     "application/json"),
    "certificationInfo": ("Certifications of this product", "Chứng nhận của sản phẩm", "application/json"),
    "verificationService": ("Verify the registry's log offline: signed checkpoint",
                            "Tự kiểm chứng sổ cái: điểm kiểm tra đã ký", "text/plain"),
    "epcis": ("EPCIS 2.0 events of this batch, with their Event Hash IDs",
              "Các sự kiện EPCIS 2.0 của lô hàng, kèm mã băm sự kiện", "application/ld+json"),
}


def _base(services: Services) -> str:
    return services.settings.public_url.rstrip("/")


def _targets(services: Services, link: DigitalLink) -> dict[str, str]:
    base = _base(services)
    uri = link.uri(base)
    return {
        "pip": uri,
        "traceability": uri,
        "certificationInfo": f"{base}/api/v1/certifications?subject_gtin={link.gtin14}",
        "verificationService": f"{base}/api/v1/log/checkpoint",
        "epcis": f"{base}/api/v1/batches/{link.gtin14}/{quote(link.lot, safe='')}/epcis",
    }


def linkset(services: Services, link: DigitalLink) -> dict[str, Any]:
    """RFC 9264 linkset for one code: the anchor and one target per GS1 link type."""
    targets = _targets(services, link)
    entry: dict[str, Any] = {"anchor": link.uri(_base(services))}
    for name, (title_en, title_vi, media) in LINK_TYPES.items():
        entry[GS1 + name] = [{"href": targets[name], "title": title_en, "title*": [{"value": title_vi,
                                                                                    "language": "vi"}],
                              "type": media, "hreflang": ["vi", "en"]}]
    entry[GS1 + "defaultLink"] = [{"href": targets["pip"], "title": LINK_TYPES["pip"][0], "type": "text/html"}]
    return {"linkset": [entry]}


def _link_from(request: Request) -> DigitalLink:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    try:
        return parse_path(raw.decode("ascii", "replace"))
    except DigitalLinkError as exc:
        raise ApiProblem(404, "invalid-digital-link", f"{exc}", f"đường dẫn GS1 Digital Link không hợp lệ: {exc}") \
            from exc


def _accepts(request: Request, media: str) -> bool:
    return media in request.headers.get("accept", "")


@router.get("/01/{rest:path}", response_model=DOCUMENT,
            responses={200: {"description": "The consumer page (HTML), the verdict document (JSON), or the "
                                            "code's linkset", "content": {"text/html": {"schema": {"type": "string"}},
                                                                        LINKSET_JSON: {}}},
                       307: {"description": "The target of the one `linkType` asked for"},
                       308: {"description": "The same code at its canonical path"},
                       404: {"description": "No batch has this code, or the path is not a GS1 Digital Link",
                             "content": {"text/html": {"schema": {"type": "string"}},
                                         PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}})
def resolve(request: Request, view: ViewDep, services: ServicesDep, rest: str,
            link_type: Annotated[str | None, Query(alias="linkType", max_length=100)] = None,
            lang: Annotated[str | None, Query(pattern="^(vi|en)$")] = None) -> Response:
    """Resolve a batch or item code: page, verdict JSON, linkset, or one link (307) by `linkType`."""
    link = _link_from(request)
    canonical = link.path()
    if canonical != (request.scope.get("raw_path") or b"").decode("ascii", "replace"):
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(canonical + query, status_code=308)
    if link_type == "all" or (link_type is None and _accepts(request, LINKSET_JSON)):
        return JSONResponse(linkset(services, link), media_type=LINKSET_JSON,
                            headers={"Link": f'<{link.uri(_base(services))}>; rel="owl:sameAs"'})
    if link_type is not None:
        name = link_type.removeprefix("gs1:").removeprefix(GS1)
        if name not in LINK_TYPES:
            known = ", ".join(f"gs1:{n}" for n in LINK_TYPES)
            raise ApiProblem(404, "unknown-link-type", f"linkType {link_type!r} is not offered; known: {known}, all",
                             f"không có linkType {link_type!r}; các loại có: {known}, all")
        if name not in ("pip", "traceability"):
            return RedirectResponse(_targets(services, link)[name], status_code=307)
    today = vietnam_today()
    published = services.published(view)
    cached = None
    if link.serial is None:
        cached = services.batch_verdict(view, link.gtin14, link.lot, today, published)
        document = cached.document
    else:
        scans = None
        # Only an issued serial counts: scans of made-up codes would let anyone fill the tables, or poison a
        # serial before it is issued.
        if is_issued(view.connection, link.gtin14, link.lot, link.serial):
            services.scans.record(link.gtin14, link.lot, link.serial, request.client.host if request.client else None)
            scans = scan_evidence(view.connection, link.gtin14, link.lot, link.serial, services.scans.today())
        document = verify_batch(view, services.log, link.gtin14, link.lot, serial=link.serial, scans=scans,
                                today=today, checkpoint=published)
    wants_json = link_type == "gs1:traceability" or _accepts(request, "application/json")
    if document.verdict.verdict == "unknown" and document.verdict.batch is None:
        if wants_json:
            return problem(404, "unknown-code", f"no batch {link.element_string()} is registered",
                           f"không có lô {link.element_string()} nào được đăng ký", verdict="unknown",
                           reasons=[r.to_json() for r in document.verdict.reasons])
        return HTMLResponse(render_not_found(link, document, wants_language(request, lang)), status_code=404)
    if wants_json:
        if cached is not None:
            return Response(cached.json_bytes(), media_type="application/json")
        return JSONResponse(document.to_json())
    language = wants_language(request, lang)
    if cached is None:
        return HTMLResponse(render_verdict(link, document, language, _base(services)))
    page = cached.pages.get(language)
    if page is None:
        page = cached.pages[language] = render_verdict(link, document, language, _base(services))
    return HTMLResponse(page)


@router.get("/.well-known/gs1resolver")
def resolver_description(services: ServicesDep) -> dict[str, Any]:
    """The GS1 resolver description file."""
    return {
        "name": "Nguồn — traceability and geographical-indication registry",
        "resolverRoot": _base(services),
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
        "supportedContextValuesEnumerated": [],
        "contact": {"name": "Nguồn registry operator"},
    }
