"""The GS1 Digital Link resolver: `/01/{gtin}/10/{lot}[/21/{serial}]` answers browsers with the consumer
page, `Accept: application/json` with the verdict document, and `?linkType=all` or
`Accept: application/linkset+json` with an RFC 9264 linkset (GS1-Conformant Resolver 1.2).
"""

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from api.deps import Services, ServicesDep, ViewDep
from api.digital_link import DigitalLink, DigitalLinkError, parse_path
from api.linkset import (
    GS1,
    LINK_TYPES,
    LINKSET_JSON,
    Linkset,
    ResolverDescription,
    base_url,
    linkset,
    resolver_description,
    targets,
)
from api.openapi import media_schema
from api.pages.consumer import render_not_found, render_verdict, wants_language
from api.problems import PROBLEM_JSON, ApiProblem, problem
from api.scans import is_issued, scan_evidence
from api.settings import ReportContact
from api.verdict_cache import CachedVerdict
from ledger.store.sql import SqlView
from registry.kinds import vietnam_today
from registry.verdict.batch import ScanStats, verify_batch
from registry.verdict.shapes import DOCUMENT

router = APIRouter(tags=["resolver"])

def _link_from(request: Request) -> DigitalLink:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    try:
        return parse_path(raw.decode("ascii", "replace"))
    except DigitalLinkError as exc:
        raise ApiProblem(404, "invalid-digital-link", f"{exc}", f"đường dẫn GS1 Digital Link không hợp lệ: {exc}") \
            from exc


def _accepts(request: Request, media: str) -> bool:
    return media in request.headers.get("accept", "")


@dataclass(frozen=True)
class _Wanted:
    """What a request for a code asks for: the linkset, one other link (`link_type`), the verdict document, or
    the consumer page."""

    form: Literal["linkset", "link", "document", "page"]
    link_type: str = ""


def _wanted(request: Request, link_type: str | None) -> _Wanted:
    """The representation asked for by `?linkType=` or, without one, by the Accept header; ApiProblem 404 for a
    link type not offered."""
    if link_type == "all" or (link_type is None and _accepts(request, LINKSET_JSON)):
        return _Wanted("linkset")
    if link_type is not None:
        name = link_type.removeprefix("gs1:").removeprefix(GS1)
        if name not in LINK_TYPES:
            known = ", ".join(f"gs1:{n}" for n in LINK_TYPES)
            raise ApiProblem(404, "unknown-link-type", f"linkType {link_type!r} is not offered; known: {known}, all",
                             f"không có linkType {link_type!r}; các loại có: {known}, all")
        if name not in ("pip", "traceability"):
            return _Wanted("link", name)
    if link_type == "gs1:traceability" or _accepts(request, "application/json"):
        return _Wanted("document")
    return _Wanted("page")


def _not_canonical(request: Request, link: DigitalLink) -> Response | None:
    """A 308 to the code's canonical path, keeping the query, when the request used another spelling."""
    canonical = link.path()
    if canonical == (request.scope.get("raw_path") or b"").decode("ascii", "replace"):
        return None
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(canonical + query, status_code=308)


def _scanned(request: Request, view: SqlView, services: Services, link: DigitalLink) -> ScanStats | None:
    """Record a scan of the item `link` names and give its scan statistics; None for a serial never issued."""
    assert link.serial is not None  # noqa: S101  (only an item's code is scanned)
    # Only an issued serial counts: scans of made-up codes would let anyone fill the tables, or poison a
    # serial before it is issued.
    if not is_issued(view.connection, link.gtin14, link.lot, link.serial):
        return None
    services.scans.record(link.gtin14, link.lot, link.serial, request.client.host if request.client else None)
    return scan_evidence(view.connection, link.gtin14, link.lot, link.serial, services.scans.today())


def _verdict(request: Request, view: SqlView, services: Services, link: DigitalLink) -> CachedVerdict:
    """The verdict on the code as of today: a batch's from the shared cache, an item's judged afresh (its scans
    count), proved against the published checkpoint."""
    today, published = vietnam_today(), services.published(view)
    if link.serial is None:
        return services.batch_verdict(view, link.gtin14, link.lot, today, published)
    scans = _scanned(request, view, services, link)
    return CachedVerdict(verify_batch(view, services.log, link.gtin14, link.lot, serial=link.serial, scans=scans,
                                      today=today, checkpoint=published))


def _unknown(link: DigitalLink, verdict: CachedVerdict, wanted: _Wanted, language: str,
             report: ReportContact) -> Response:
    """The 404 of a code no batch has: a problem with the reasons, or the not-found page."""
    if wanted.form == "document":
        return problem(404, "unknown-code", f"no batch {link.element_string()} is registered",
                       f"không có lô {link.element_string()} nào được đăng ký", verdict="unknown",
                       reasons=[r.to_json() for r in verdict.document.verdict.reasons])
    return HTMLResponse(render_not_found(link, verdict.document, language, report), status_code=404)


def _page(link: DigitalLink, verdict: CachedVerdict, language: str, base_url: str,
          report: ReportContact) -> HTMLResponse:
    """The consumer page, rendered once per language while the verdict is kept."""
    page = verdict.pages.get(language)
    if page is None:
        page = verdict.pages[language] = render_verdict(link, verdict.document, language, base_url, report)
    return HTMLResponse(page)


@router.get("/01/{rest:path}", response_model=DOCUMENT,
            responses={200: {"description": "The consumer page (HTML), the verdict document (JSON), or the "
                                            "code's linkset", "content": {"text/html": {"schema": {"type": "string"}},
                                                                        LINKSET_JSON: media_schema(Linkset)}},
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
    moved = _not_canonical(request, link)
    if moved is not None:
        return moved
    wanted = _wanted(request, link_type)
    if wanted.form == "linkset":
        return JSONResponse(linkset(services.settings.public_url, link), media_type=LINKSET_JSON,
                            headers={"Link": f'<{link.uri(base_url(services.settings.public_url))}>; rel="owl:sameAs"'})
    if wanted.form == "link":
        return RedirectResponse(targets(services.settings.public_url, link)[wanted.link_type], status_code=307)
    verdict = _verdict(request, view, services, link)
    judged = verdict.document.verdict
    if judged.verdict == "unknown" and judged.batch is None:
        return _unknown(link, verdict, wanted, wants_language(request, lang), services.settings.report_contact)
    if wanted.form == "document":
        return Response(verdict.json_bytes(), media_type="application/json")
    return _page(link, verdict, wants_language(request, lang), base_url(services.settings.public_url),
                 services.settings.report_contact)


@router.get("/.well-known/gs1resolver", response_model=ResolverDescription)
def describe_resolver(services: ServicesDep) -> ResolverDescription:
    """The GS1 resolver description file."""
    return resolver_description(services.settings.public_url)
