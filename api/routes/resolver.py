"""The GS1 Digital Link resolver (GS1-Conformant Resolver 1.2): `/01/{gtin}[/22/…][/10/{lot}][/21/{serial}]`.

A code answers at the most specific level the registry knows (an item, its batch, the product of its GTIN;
2.5.9: an unknown lot walks up to its product): a plain request (a browser's, or `Accept: */*`) is redirected
(307, query passed on) to the default link, the code's page at `/page/01/…` (2.6.1), which answers in place;
`Accept: application/json` gets the verdict document (the product's answer at the product level),
`?linkType=linkset` (or the older `all`) and `Accept: application/linkset+json` the linkset of every level, and
`?linkType=<one type>` a 307 to that link with the request's query passed on. A path that is not a GS1 Digital
Link is a 400 (but a partly compressed one, `/01/{gtin}/{compressed}`, is a 307 to its uncompressed URI, as a
fully compressed one is in api/routes/compressed.py), a code nothing is registered for or a link type not offered
a 404: problem documents for programs, pages for browsers (always pages under `/page`). HEAD answers as GET does,
without a body or a scan; OPTIONS and CORS are api.web_headers'.
"""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from api.compressed import decompress_partial
from api.deps import Services, ServicesDep, ViewDep
from api.digital_link import CheckDigitError, CodeRequest, DigitalLink, DigitalLinkError, parse_request
from api.linkset import (
    JSON_LD_CONTEXT,
    LINK_TYPES,
    LINKSET_CONTEXT,
    LINKSET_JSON,
    PAGES,
    Level,
    Linkset,
    ResolverDescription,
    base_url,
    find,
    levels,
    link_type_name,
    linkset,
    page_uri,
    resolver_description,
)
from api.negotiation import cached, preferred
from api.openapi import media_schema
from api.pages.consumer import render_not_found, render_verdict, wants_language
from api.pages.resolver_pages import invalid_link, no_link, render_product, render_refusal, unknown_product
from api.problems import PROBLEM_JSON, problem
from api.resolution import ProductAnswer, known, product_answer, product_facts
from api.scans import is_issued, scan_evidence
from api.verdict_cache import CachedVerdict
from api.web_headers import html_headers
from ledger.store.sql import SqlView
from registry.kinds import vietnam_today
from registry.verdict.batch import ScanStats, verify_batch
from registry.verdict.shapes import DOCUMENT

router = APIRouter(tags=["resolver"])
HTML, JSON = "text/html", "application/json"


@dataclass(frozen=True)
class _Asked:
    """What a request asks for: the linkset, one link (`link_type`), the JSON answer, or the page."""

    form: Literal["linkset", "link", "document", "page"]
    link_type: str = ""


@dataclass(frozen=True)
class _Resolving:
    """One request being answered: the code it names, its canonical URI, its language and what it asks for."""

    request: Request
    code: CodeRequest
    uri: str
    language: str
    asked: _Asked
    in_place: bool = False
    """Answering at the code's page (under PAGES): the page itself, and pages for refusals."""

    def wants_html(self) -> bool:
        return self.in_place or _wants_html(self.request)

    def links(self) -> dict[str, str]:
        """The Link header to this code's linkset (1.2, 2.2: even when redirecting)."""
        return {"Link": f'<{self.uri}?linkType=linkset>; rel="linkset"; type="{LINKSET_JSON}"'}


def _wants_html(request: Request) -> bool:
    """Whether a refusal or a product's answer should be a page: the client prefers HTML to every JSON it could be
    given."""
    return preferred(request.headers.get("accept", ""), (HTML, JSON, LINKSET_JSON, PROBLEM_JSON)) == HTML


def _asked(request: Request, link_type: str | None) -> _Asked:
    if link_type in ("linkset", "all"):
        return _Asked("linkset")
    if link_type is not None:
        return _Asked("link", link_type_name(link_type))
    by_media = {HTML: _Asked("page"), JSON: _Asked("document"), LINKSET_JSON: _Asked("linkset")}
    return by_media[preferred(request.headers.get("accept", ""), tuple(by_media))]


def _html(text: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers={**html_headers(text), **(headers or {})})


def refused(request: Request, error: DigitalLinkError, language: str, *, page: bool = False) -> Response:
    """400 for a path that is not a GS1 Digital Link (1.2, 2.4.1): a problem, or the page saying why."""
    if page or _wants_html(request):
        footer = request.url.path
        return cached(_html(render_refusal(invalid_link(error, language), language, footer), 400), "invalid")
    extra: dict[str, Any] = {"gtin": error.gtin, "check_digit": error.expected} \
        if isinstance(error, CheckDigitError) else {}
    return cached(problem(400, "invalid-digital-link", error.en, error.vi, None, **extra), "invalid")


def _not_canonical(request: Request, code: CodeRequest, prefix: str = "") -> Response | None:
    """A 308 to the code's canonical path (under `prefix`), keeping the query, when the request used another
    spelling (a trailing slash aside: 1.2, 2.13 asks for the same answer with it)."""
    raw = (request.scope.get("raw_path") or b"").decode("ascii", "replace")
    canonical = prefix + code.path()
    if canonical in (raw, raw.removesuffix("/")):
        return None
    query = f"?{request.url.query}" if request.url.query else ""
    return cached(RedirectResponse(canonical + query, status_code=308), "canonical", vary=False)


def same_as(services: Services, uncompressed: str) -> Response:
    """307 from a compressed Digital Link to its `uncompressed` path (and query) on the public URL, which the Link
    header names with rel owl:sameAs (1.2: a resolver exposes the uncompressed URI so). The same URI whoever asks,
    so shared caches may keep it as long as a canonical redirect."""
    uri = base_url(services.settings.public_url) + uncompressed
    return cached(RedirectResponse(uri, status_code=307, headers={"Link": f'<{uri}>; rel="owl:sameAs"'}),
                  "canonical", vary=False)


def _passed_on(target: str, query: str) -> str:
    """`target` with the request's query passed on as sent, but for `linkType` itself (1.2, 2.12)."""
    kept = "&".join(part for part in query.split("&") if part and part.split("=")[0] != "linkType")
    return f"{target}{'&' if '?' in target else '?'}{kept}" if kept else target


def _no_link(resolving: _Resolving, found: list[Level]) -> Response:
    """404 for a link type the code does not offer at any level (1.2, 2.6.2), listing those it does."""
    asked, language = resolving.asked.link_type, resolving.language
    offered = [(name, hit[1]) for name in LINK_TYPES if (hit := find(found, name))]
    headers = resolving.links()
    if resolving.wants_html():
        titles = [(target, f"{getattr(LINK_TYPES[name], language)} (gs1:{name})") for name, target in offered]
        page = render_refusal(no_link(asked, language), language, resolving.code.path(), titles)
        return cached(_html(page, 404, headers), "unknown")
    names = ", ".join(f"gs1:{name}" for name, _ in offered)
    return cached(problem(404, "unknown-link-type", f"linkType {asked!r} is not offered for this code; it has: "
                          f"{names}, linkset", f"mã này không có linkType {asked!r}; các loại có: {names}, linkset",
                          headers), "unknown")


def _unknown(resolving: _Resolving, view: SqlView, services: Services) -> Response:
    """404 for a code whose GTIN no product has (1.2, 2.4.1): a problem with the verdict's reasons, or a page."""
    code, language, link = resolving.code, resolving.language, resolving.code.code()
    if link is None:
        if resolving.wants_html():
            page = render_refusal(unknown_product(code.gtin14, language), language, f"(01){code.gtin14}",
                                  report=services.settings.report_contact)
            return cached(_html(page, 404), "unknown")
        return cached(problem(404, "unknown-code", f"no product with GTIN {code.gtin14} is registered",
                              f"không có sản phẩm nào mang mã GTIN {code.gtin14} trong sổ đăng ký",
                              verdict="unknown"), "unknown")
    verdict = services.batch_verdict(view, code.gtin14, link.lot, vietnam_today(), services.published(view))
    if resolving.wants_html():
        page = render_not_found(link, verdict.document, language, services.settings.report_contact)
        return cached(_html(page, 404), "unknown")
    return cached(problem(404, "unknown-code", f"no batch {link.element_string()} is registered",
                          f"không có lô {link.element_string()} nào được đăng ký", verdict="unknown",
                          reasons=[r.to_json() for r in verdict.document.verdict.reasons]), "unknown")


def _scanned(request: Request, view: SqlView, services: Services, link: DigitalLink) -> ScanStats | None:
    """Record a scan of the item `link` names (not for HEAD) and give its scan statistics; None for a serial never
    issued."""
    assert link.serial is not None  # noqa: S101  (only an item's code is scanned)
    # Only an issued serial counts: scans of made-up codes would let anyone fill the tables, or poison a
    # serial before it is issued.
    if not is_issued(view.connection, link.gtin14, link.lot, link.serial):
        return None
    if request.method == "GET":
        services.scans.record(link.gtin14, link.lot, link.serial, request.client.host if request.client else None)
    return scan_evidence(view.connection, link.gtin14, link.lot, link.serial, services.scans.today())


def _verdict(request: Request, view: SqlView, services: Services, link: DigitalLink) -> CachedVerdict:
    """The verdict on the code as of today: a batch's from the shared cache, an item's judged afresh (its scans
    count), proved against the published checkpoint."""
    today, published = vietnam_today(), services.published(view)
    if link.serial is None:
        return services.batch_verdict(view, link.gtin14, link.lot, today, published)
    scans = _scanned(request, view, services, link)
    return CachedVerdict(services.judged("item", lambda: verify_batch(
        view, services.log, link.gtin14, link.lot, serial=link.serial, scans=scans, today=today,
        checkpoint=published)))


def _judged(resolving: _Resolving, view: SqlView, services: Services, link: DigitalLink) -> Response:
    """The verdict on a registered batch or item: the document, or the page rendered once per language while the
    verdict is kept."""
    verdict = _verdict(resolving.request, view, services, link)
    kind, headers = "verdict" if link.serial is None else "item", resolving.links()
    if resolving.asked.form == "document":
        return cached(Response(verdict.json_bytes(), media_type=JSON, headers=headers), kind)
    page = verdict.pages.get(resolving.language)
    if page is None:
        page = verdict.pages[resolving.language] = render_verdict(link, verdict.document, resolving.language,
                                                                  base_url(services.settings.public_url),
                                                                  services.settings.report_contact)
    return cached(_html(page, headers=headers), kind)


def _product(resolving: _Resolving, view: SqlView, services: Services) -> Response:
    """The product level: its page or its JSON, saying which unknown lot or serial walked up to it."""
    public_url = services.settings.public_url
    facts = product_facts(view, resolving.code.gtin14, public_url)
    assert facts is not None  # noqa: S101  (a product level is found only for a registered product)
    if resolving.asked.form == "document":
        return cached(JSONResponse(product_answer(facts, resolving.code, public_url), headers=resolving.links()),
                      "product")
    page = render_product(facts, resolving.code, resolving.language, f"{resolving.uri}?linkType=linkset",
                          services.settings.report_contact)
    return cached(_html(page, headers=resolving.links()), "product")


def _answer(resolving: _Resolving, view: SqlView, services: Services) -> Response:
    """The answer to a valid code, by what it asks for and the levels the registry knows of it."""
    found = levels(services.settings.public_url, resolving.code, known(view, resolving.code))
    if not found:
        return _unknown(resolving, view, services)
    if resolving.asked.form == "linkset":
        headers = {"Link": f'<{LINKSET_CONTEXT}>; rel="{JSON_LD_CONTEXT}"; type="application/ld+json", '
                           + resolving.links()["Link"]}
        return cached(JSONResponse(linkset(found, resolving.language), media_type=LINKSET_JSON, headers=headers),
                      "linkset")
    if resolving.asked.form == "link" or (resolving.asked.form == "page" and not resolving.in_place):
        # 2.6.1: a plain request goes to the default link, the code's page; the page of a lot walked over is the
        # requested code's, which says the lot is not registered.
        hit = find(found, resolving.asked.link_type) if resolving.asked.form == "link" else \
            (found[0], page_uri(base_url(services.settings.public_url), resolving.code.path()))
        if hit is None:
            return _no_link(resolving, found)
        target = _passed_on(hit[1], resolving.request.url.query)
        return cached(RedirectResponse(target, status_code=307, headers=resolving.links()), "redirect")
    link = resolving.code.code()
    if len(found) == 1 or link is None:
        return _product(resolving, view, services)
    return _judged(resolving, view, services, link)


@router.get("/01/{rest:path}", response_model=None,
            responses={200: {"description": "The page (HTML), the verdict document or the product's answer (JSON), "
                                            "or the code's linkset",
                             "content": {"text/html": {"schema": {"type": "string"}},
                                         JSON: {"schema": {"anyOf": [media_schema(DOCUMENT)["schema"],
                                                                     media_schema(ProductAnswer)["schema"]]}},
                                         LINKSET_JSON: media_schema(Linkset)}},
                       307: {"description": "The target of the one `linkType` asked for, with the query passed on"},
                       308: {"description": "The same code at its canonical path"},
                       400: {"description": "The path is not a GS1 Digital Link",
                             "content": {"text/html": {"schema": {"type": "string"}},
                                         PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                       404: {"description": "No product has this GTIN, or the code offers no link of this type",
                             "content": {"text/html": {"schema": {"type": "string"}},
                                         PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}})
def resolve(request: Request, view: ViewDep, services: ServicesDep, rest: str,
            link_type: Annotated[str | None, Query(alias="linkType", max_length=100)] = None,
            lang: Annotated[str | None, Query(pattern="^(vi|en)$")] = None) -> Response:
    """Resolve a GS1 Digital Link: page, JSON, linkset, or one link (307) by `linkType`."""
    language = wants_language(request, lang)
    raw = (request.scope.get("raw_path") or request.url.path.encode()).decode("ascii", "replace")
    try:
        code = parse_request(raw)
    except DigitalLinkError as exc:
        partly = decompress_partial(raw + (f"?{request.url.query}" if request.url.query else ""))
        return refused(request, exc, language) if partly is None else same_as(services, partly)
    moved = _not_canonical(request, code)
    if moved is not None:
        return moved
    uri = base_url(services.settings.public_url) + code.path()
    return _answer(_Resolving(request, code, uri, language, _asked(request, link_type)), view, services)


# A page for browsers, not an API operation: it is reached by the resolver's redirect (its default link).
@router.get(PAGES + "/01/{rest:path}", response_class=HTMLResponse, include_in_schema=False)
def page(request: Request, view: ViewDep, services: ServicesDep, rest: str,
         lang: Annotated[str | None, Query(pattern="^(vi|en)$")] = None) -> Response:
    """The page of a GS1 Digital Link (its default link): the verdict, the product, or why there is none."""
    language = wants_language(request, lang)
    raw = (request.scope.get("raw_path") or request.url.path.encode()).decode("ascii", "replace")
    try:
        code = parse_request(raw.removeprefix(PAGES))
    except DigitalLinkError as exc:
        return refused(request, exc, language, page=True)
    moved = _not_canonical(request, code, PAGES)
    if moved is not None:
        return moved
    uri = base_url(services.settings.public_url) + code.path()
    return _answer(_Resolving(request, code, uri, language, _Asked("page"), in_place=True), view, services)


@router.get("/.well-known/gs1resolver", response_model=ResolverDescription)
def describe_resolver(services: ServicesDep, response: Response) -> ResolverDescription:
    """The GS1 resolver description file."""
    cached(response, "description", vary=False)
    return resolver_description(services.settings.public_url)


def _head(answer: Response) -> Response:
    """The answer to HEAD: GET's status and headers (its length and policy included), no body."""
    return Response(status_code=answer.status_code, headers=dict(answer.headers))


@router.head("/01/{rest:path}", include_in_schema=False)
def resolve_head(request: Request, view: ViewDep, services: ServicesDep, rest: str,
                 link_type: Annotated[str | None, Query(alias="linkType", max_length=100)] = None,
                 lang: Annotated[str | None, Query(pattern="^(vi|en)$")] = None) -> Response:
    return _head(resolve(request, view, services, rest, link_type, lang))


@router.head(PAGES + "/01/{rest:path}", include_in_schema=False)
def page_head(request: Request, view: ViewDep, services: ServicesDep, rest: str,
              lang: Annotated[str | None, Query(pattern="^(vi|en)$")] = None) -> Response:
    return _head(page(request, view, services, rest, lang))


@router.head("/.well-known/gs1resolver", include_in_schema=False)
def describe_resolver_head(services: ServicesDep) -> Response:
    response = JSONResponse(resolver_description(services.settings.public_url).model_dump())
    return _head(cached(response, "description", vary=False))
