"""The public page of an organisation, `/producers/{id}`: a page for browsers (Vietnamese by default, English by
`?lang=en` or Accept-Language), its facts as JSON for `Accept: application/json`, and a 404 (page or problem) for
an id no organisation has. Negotiated, cached and secured as the resolver's pages are."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from api.deps import ServicesDep, ViewDep
from api.linkset import base_url
from api.negotiation import cached, preferred
from api.pages.consumer import wants_language
from api.pages.producer import render_producer, render_unknown
from api.problems import PROBLEM_JSON, problem
from api.producers import producer_facts
from api.web_headers import html_headers
from registry.kinds import vietnam_today

router = APIRouter(tags=["pages"])
HTML, JSON = "text/html", "application/json"
OrgId = Annotated[str, Path(max_length=100)]
Lang = Annotated[str | None, Query(pattern="^(vi|en)$")]


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=html_headers(text))


@router.get("/producers/{organisation_id}", response_model=None,
            responses={200: {"description": "The organisation's page (HTML), or its facts (JSON)",
                             "content": {"text/html": {"schema": {"type": "string"}},
                                         JSON: {"schema": {"type": "object"}}}},
                       404: {"description": "No organisation has this id",
                             "content": {"text/html": {"schema": {"type": "string"}},
                                         PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}})
def producer_page(request: Request, view: ViewDep, services: ServicesDep, organisation_id: OrgId,
                  lang: Lang = None) -> Response:
    """An organisation's public page: who it is and where, its products, rights, certifications, latest batches."""
    language = wants_language(request, lang)
    as_page = preferred(request.headers.get("accept", ""), (HTML, JSON, PROBLEM_JSON)) == HTML
    facts = producer_facts(view, organisation_id, services.settings.public_url, vietnam_today())
    if facts is None:
        if as_page:
            return cached(_html(render_unknown(language, request.url.path), 404), "unknown")
        return cached(problem(404, "not-found", f"organisation {organisation_id} is not registered",
                              f"tổ chức {organisation_id} chưa được đăng ký"), "unknown")
    if not as_page:
        return cached(JSONResponse(facts.to_json()), "producer")
    json_url = f"{base_url(services.settings.public_url)}/api/v1/organisations/{organisation_id}"
    return cached(_html(render_producer(facts, language, json_url)), "producer")


@router.head("/producers/{organisation_id}", include_in_schema=False)
def producer_page_head(request: Request, view: ViewDep, services: ServicesDep, organisation_id: OrgId,
                       lang: Lang = None) -> Response:
    answer = producer_page(request, view, services, organisation_id, lang)
    return Response(status_code=answer.status_code, headers=dict(answer.headers))
