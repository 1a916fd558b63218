"""The public pages of who may use each GI and mark: `/gis`, `/gis/{id}`, `/marks` and `/marks/{id}`, for browsers
(Vietnamese by default, English by `?lang=en` or Accept-Language), their facts as JSON for `Accept:
application/json`, and a 404 (page or problem) for an id nothing has. Negotiated, cached and secured as the
producer page is (`api.routes.producers`)."""

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from api.deps import ServicesDep, ViewDep
from api.gis import SubjectFacts, gi_facts, gi_list, mark_facts, mark_list
from api.linkset import base_url
from api.negotiation import cached, preferred
from api.pages.consumer import wants_language
from api.pages.gis import render_list, render_subject, render_unknown
from api.problems import PROBLEM_JSON, problem
from api.web_headers import html_headers
from ledger.store.sql import SqlView
from registry.kinds import vietnam_today

router = APIRouter(tags=["pages"])
HTML, JSON = "text/html", "application/json"
Id = Annotated[str, Path(max_length=100)]
Lang = Annotated[str | None, Query(pattern="^(vi|en)$")]
PAGE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The page (HTML), or its facts (JSON)",
          "content": {"text/html": {"schema": {"type": "string"}}, JSON: {"schema": {"type": "object"}}}}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "Nothing is registered with this id",
          "content": {"text/html": {"schema": {"type": "string"}},
                      PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}}
_LISTS = {"gis": gi_list, "marks": mark_list}
_FACTS: dict[str, Callable[[SqlView, str, date], SubjectFacts | None]] = {"gi": gi_facts, "mark": mark_facts}
_WHAT = {"gi": ("GI", "chỉ dẫn địa lý"), "mark": ("mark", "nhãn hiệu")}


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=html_headers(text))


def _as_page(request: Request) -> bool:
    return preferred(request.headers.get("accept", ""), (HTML, JSON, PROBLEM_JSON)) == HTML


def _list(kind: str, request: Request, view: SqlView, public_url: str, lang: str | None) -> Response:
    lines = _LISTS[kind](view, vietnam_today())
    if not _as_page(request):
        return cached(JSONResponse({"items": [dataclasses.asdict(line) for line in lines]}), "producer")
    json_url = f"{base_url(public_url)}/api/v1/{kind}"
    return cached(_html(render_list(kind, lines, wants_language(request, lang), json_url)), "producer")


def _subject(kind: str, request: Request, view: SqlView, public_url: str, subject_id: str,
             lang: str | None) -> Response:
    language, today = wants_language(request, lang), vietnam_today()
    facts = _FACTS[kind](view, subject_id, today)
    if facts is None:
        if _as_page(request):
            return cached(_html(render_unknown(kind, language, request.url.path), 404), "unknown")
        en, vi = _WHAT[kind]
        return cached(problem(404, "not-found", f"{en} {subject_id} is not registered",
                              f"{vi} {subject_id} chưa được đăng ký"), "unknown")
    if not _as_page(request):
        return cached(JSONResponse(facts.to_json()), "producer")
    json_url = f"{base_url(public_url)}/api/v1/{kind}s/{subject_id}/users"
    return cached(_html(render_subject(facts, language, json_url, today.isoformat())), "producer")


def _head(answer: Response) -> Response:
    return Response(status_code=answer.status_code, headers=dict(answer.headers))


@router.get("/gis", response_model=None, responses=PAGE)
def gis_page(request: Request, view: ViewDep, services: ServicesDep, lang: Lang = None) -> Response:
    """The registered geographical indications: name, product, area, manager and how many may use each now."""
    return _list("gis", request, view, services.settings.public_url, lang)


@router.get("/gis/{gi_id}", response_model=None, responses={**PAGE, **NOT_FOUND})
def gi_page(request: Request, view: ViewDep, services: ServicesDep, gi_id: Id, lang: Lang = None) -> Response:
    """A GI's page: its registration, manager, area, and every right to use it with its status now."""
    return _subject("gi", request, view, services.settings.public_url, gi_id, lang)


@router.get("/marks", response_model=None, responses=PAGE)
def marks_page(request: Request, view: ViewDep, services: ServicesDep, lang: Lang = None) -> Response:
    """The registered collective and certification marks: name, kind, owner and how many may use each now."""
    return _list("marks", request, view, services.settings.public_url, lang)


@router.get("/marks/{mark_id}", response_model=None, responses={**PAGE, **NOT_FOUND})
def mark_page(request: Request, view: ViewDep, services: ServicesDep, mark_id: Id, lang: Lang = None) -> Response:
    """A mark's page: its registration, owner, members, and every right to use it with its status now."""
    return _subject("mark", request, view, services.settings.public_url, mark_id, lang)


@router.head("/gis", include_in_schema=False)
def gis_head(request: Request, view: ViewDep, services: ServicesDep, lang: Lang = None) -> Response:
    return _head(gis_page(request, view, services, lang))


@router.head("/gis/{gi_id}", include_in_schema=False)
def gi_head(request: Request, view: ViewDep, services: ServicesDep, gi_id: Id, lang: Lang = None) -> Response:
    return _head(gi_page(request, view, services, gi_id, lang))


@router.head("/marks", include_in_schema=False)
def marks_head(request: Request, view: ViewDep, services: ServicesDep, lang: Lang = None) -> Response:
    return _head(marks_page(request, view, services, lang))


@router.head("/marks/{mark_id}", include_in_schema=False)
def mark_head(request: Request, view: ViewDep, services: ServicesDep, mark_id: Id, lang: Lang = None) -> Response:
    return _head(mark_page(request, view, services, mark_id, lang))
