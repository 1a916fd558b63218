"""The public log explorer under `/log`: the latest checkpoint and a search of the log (`/log`), one entry
(`/log/entries/{index}`) and a batch's history (`/log/batches/{gtin}/{lot}`). Pages for browsers (Vietnamese by
default, English by `?lang=en` or Accept-Language), JSON for `Accept: application/json`, a 404 page or problem
for what the log does not hold. Negotiated, cached and secured as the producer page is.

The search form is read here, not by FastAPI's validation, so that a wrong field gives the form back with a
message beside it (400) instead of a bare error."""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select

from api import explorer
from api.deps import ServicesDep, ViewDep
from api.digital_link import DigitalLink
from api.linkset import base_url
from api.negotiation import cached, preferred
from api.pages.consumer import wants_language
from api.pages.explorer import Namer, kind_choices, kind_words, kinds_of, render, render_not_found, rows
from api.pages.log_words import TEXT
from api.problems import PROBLEM_JSON, problem
from api.web_headers import html_headers
from ledger.core.encoding import MAX_SAFE_INTEGER
from ledger.store.sql import SqlView
from registry.state import State, table_of
from registry.tables import RegGi, RegKey, RegMark, RegOrganisation, RegProduct
from registry.words import Writer

router = APIRouter(tags=["pages"])
HTML, JSON = "text/html", "application/json"
Lang = Annotated[str | None, Query(pattern="^(vi|en)$")]
MAX_CHOICES = 500
"""Organisations, GIs and marks the form's lists offer, by name."""
_GTIN = re.compile(r"\d{8}|\d{12,14}")
_TEXT = re.compile(r"[^\s]{1,100}")
_LOT = re.compile(r"[!-~]{1,20}")  # GS1 AI (10): up to 20 characters of the GS1 set, no spaces


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=html_headers(text))


def _as_page(request: Request) -> bool:
    return preferred(request.headers.get("accept", ""), (HTML, JSON, PROBLEM_JSON)) == HTML


@dataclass
class _Form:
    """The search as asked (`values`, to fill the form again), the filters it makes, and what is wrong (by field,
    the message in Vietnamese and English)."""

    values: dict[str, str]
    errors: dict[str, tuple[str, str]] = field(default_factory=dict)
    filters: explorer.Filters = field(default_factory=explorer.Filters)


def _wrong(form: _Form, name: str, message: str) -> None:
    form.errors[name] = (TEXT["vi"][message], TEXT["en"][message])


def _day(form: _Form, name: str) -> date | None:
    value = form.values.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _wrong(form, name, "bad_day")
        return None


def read_form(request: Request, state: State) -> _Form:
    """The filters of the query string, each checked: a kind the registry has, an organisation, GI or mark it
    holds, a GTIN of 8, 12, 13 or 14 digits (written as 14), a lot only with its GTIN, days as YYYY-MM-DD."""
    form = _Form({k: request.query_params.get(k, "").strip()[:200] for k in
                  ("kind", "organisation", "gtin", "lot", "gi", "mark", "since", "until", "before")})
    v = form.values
    if v["kind"] and not kinds_of(v["kind"]):
        _wrong(form, "kind", "bad_choice")
    for name, table in (("organisation", RegOrganisation), ("gi", RegGi), ("mark", RegMark)):
        if v[name] and (not _TEXT.fullmatch(v[name]) or state.get(table, id=v[name]) is None):
            _wrong(form, name, "bad_choice")
    if v["gtin"] and not _GTIN.fullmatch(v["gtin"]):
        _wrong(form, "gtin", "bad_gtin")
    if v["lot"] and not _LOT.fullmatch(v["lot"]):
        _wrong(form, "lot", "bad_text")
    elif v["lot"] and not v["gtin"]:
        _wrong(form, "lot", "bad_lot")
    since, until = _day(form, "since"), _day(form, "until")
    if since and until and since > until:
        _wrong(form, "until", "bad_order")
    before = None
    if v["before"]:
        if v["before"].isdigit() and int(v["before"]) <= MAX_SAFE_INTEGER:
            before = int(v["before"])
        else:
            _wrong(form, "before", "bad_before")
    if not form.errors:
        form.filters = explorer.Filters(v["kind"] or None, kinds_of(v["kind"]), v["organisation"] or None,
                                        v["gtin"].zfill(14) if v["gtin"] else None, v["lot"] or None,
                                        v["gi"] or None, v["mark"] or None, since, until, before)
    return form


def _choices(view: SqlView, table: type[Any], lang: str) -> list[tuple[str, str]]:
    t = table_of(table).c
    name = t.name_vi if lang == "vi" else t.name_en
    return [(r.id, r.name) for r in view.connection.execute(
        select(t.id, name.label("name")).order_by(name).limit(MAX_CHOICES))]


def _line_json(line: explorer.Line) -> dict[str, Any]:
    return {"index": line.index, "logged_at": line.logged_at, "kind": line.kind, "issuer": line.issuer,
            "subject": line.subject, "retracted": line.retracted, "url": f"/log/entries/{line.index}"}


def _published_json(published: explorer.Published | None) -> dict[str, Any] | None:
    if published is None:
        return None
    return {"size": published.size, "root": published.root, "signed_at": published.at, "note": published.note,
            "witnesses": [{"name": c.name, "at": c.at} for c in published.witnesses]}


@router.get("/log", response_model=None, responses={
    200: {"description": "The latest checkpoint and the entries the filters select (HTML or JSON)",
          "content": {"text/html": {"schema": {"type": "string"}}, JSON: {"schema": {"type": "object"}}}},
    400: {"description": "A filter is wrong: the form again with a message beside it, or a problem",
          "content": {"text/html": {"schema": {"type": "string"}},
                      PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}})
def log_page(request: Request, view: ViewDep, services: ServicesDep, lang: Lang = None) -> Response:
    """The public log: its latest checkpoint and witnesses, and its entries newest first, 50 a page, filtered by
    kind, organisation, GTIN, lot, GI, mark and days."""
    language, as_page = wants_language(request, lang), _as_page(request)
    state = State(view.connection)
    form = read_form(request, state)
    if form.errors and not as_page:
        return cached(problem(400, "log-filter-invalid", "; ".join(f"{k}: {en}" for k, (_, en) in form.errors.items()),
                              "; ".join(f"{k}: {vi}" for k, (vi, _) in form.errors.items()),
                              fields={k: {"vi": vi, "en": en} for k, (vi, en) in form.errors.items()}), "unknown")
    published = explorer.published_checkpoint(view, services.log, services.published(view))
    lines, older = ([], None) if form.errors else explorer.search(view, form.filters)
    query = form.filters.query()
    older_url = None if older is None else "/log?" + urlencode({**query, "before": older, "lang": language})
    first_url = ("/log?" + urlencode({**query, "lang": language})) if form.filters.before is not None else None
    if not as_page:
        return cached(JSONResponse({"checkpoint": _published_json(published),
                                    "entries": [_line_json(line) for line in lines], "older": older_url}), "item")
    i = 0 if language == "vi" else 1
    namer = Namer(state, Writer(language, {}))
    text = render("log.html", language, published=published, form=form.values,
                  errors={k: m[i] for k, m in form.errors.items()}, rows=rows(lines, namer),
                  kinds=kind_choices(language),
                  organisations=_choices(view, RegOrganisation, language), gis=_choices(view, RegGi, language),
                  marks=_choices(view, RegMark, language), older_url=older_url, first_url=first_url)
    return cached(_html(text, 400 if form.errors else 200), "item")


@router.head("/log", include_in_schema=False)
def log_page_head(request: Request, view: ViewDep, services: ServicesDep, lang: Lang = None) -> Response:
    answer = log_page(request, view, services, lang)
    return Response(status_code=answer.status_code, headers=dict(answer.headers))


@router.get("/log/entries/{index}", response_model=None, responses={
    200: {"description": "One entry in words, its key and its inclusion proof (HTML), or as JSON",
          "content": {"text/html": {"schema": {"type": "string"}}, JSON: {"schema": {"type": "object"}}}},
    404: {"description": "The log has no such entry",
          "content": {"text/html": {"schema": {"type": "string"}},
                      PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}})
def entry_page(request: Request, view: ViewDep, services: ServicesDep,
               index: Annotated[int, Path(ge=0, le=MAX_SAFE_INTEGER)], lang: Lang = None) -> Response:
    """One entry: its statement in words, the key that signed it, its hash, and its inclusion proof in the
    published checkpoint, verified here."""
    language, as_page = wants_language(request, lang), _as_page(request)
    found = explorer.line(view, index)
    if found is None:
        if as_page:
            return cached(_html(render_not_found(language, request.url.path), 404), "unknown")
        size = view.head().size
        return cached(problem(404, "unknown-entry", f"entry {index} does not exist; the log has {size} entries",
                              f"mục {index} không tồn tại; sổ cái có {size} mục"), "unknown")
    published = explorer.published_checkpoint(view, services.log, services.published(view))
    proven = explorer.prove(view, services.log, index, published)
    stored = view.entries(index, index + 1)[0]
    if not as_page:
        proof = None if proven is None else {"size": proven.size, "hashes": list(proven.hashes),
                                             "verified": proven.verified}
        return cached(JSONResponse({"index": index, "hash": stored.hash.hex(), "entry": found.entry,
                                    "inclusion": proof}), "item")
    state, statement = State(view.connection), found.entry["statement"]
    namer = Namer(state, Writer(language, {}))
    body = statement["body"] if isinstance(statement["body"], dict) else {}
    key_id = found.entry["signature"]["key_id"]
    key = namer.row(RegKey, key_id)
    batch_links = None
    if found.subject.startswith("batch:"):
        gtin, _, lot = found.subject.removeprefix("batch:").partition("/")
        batch_links = _batch_links(services.settings.public_url, gtin, lot, language)
    text = render("log_entry.html", language, line=found, statement=statement, kind=kind_words(found.kind, language),
                  summary=namer.subject(found), issuer=namer.organisation(found.issuer),
                  body=[(k, namer.value(k, v, body)) for k, v in sorted(body.items())], key_id=key_id, key=key,
                  key_owner=namer.organisation(None if key is None else key["organisation"]),
                  entry_hash=stored.hash.hex(), proven=proven, batch_links=batch_links,
                  raw=stored.canonical.decode("utf-8"),
                  json_url=f"/api/v1/log/entries/{index}")
    return cached(_html(text), "item")


@router.head("/log/entries/{index}", include_in_schema=False)
def entry_page_head(request: Request, view: ViewDep, services: ServicesDep,
                    index: Annotated[int, Path(ge=0, le=MAX_SAFE_INTEGER)], lang: Lang = None) -> Response:
    answer = entry_page(request, view, services, index, lang)
    return Response(status_code=answer.status_code, headers=dict(answer.headers))


def _batch_links(public_url: str, gtin: str, lot: str, lang: str) -> dict[str, str]:
    return {"history": f"/log/batches/{gtin}/{lot}?lang={lang}",
            "verdict": f"{DigitalLink(gtin, lot).uri(base_url(public_url))}?lang={lang}",
            "bundle": f"/api/v1/bundles/01/{gtin}/10/{lot}"}


@router.get("/log/batches/{gtin}/{lot}", response_model=None, responses={
    200: {"description": "Every entry about the batch, oldest first (HTML or JSON)",
          "content": {"text/html": {"schema": {"type": "string"}}, JSON: {"schema": {"type": "object"}}}},
    404: {"description": "The log has no entry about this batch",
          "content": {"text/html": {"schema": {"type": "string"}},
                      PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}})
def batch_page(request: Request, view: ViewDep, services: ServicesDep,
               gtin: Annotated[str, Path(pattern=r"^\d{14}$")], lot: Annotated[str, Path(max_length=20)],
               lang: Lang = None) -> Response:
    """A batch's whole history in the log: registration, events, serials, certifications, recall, corrections."""
    language, as_page = wants_language(request, lang), _as_page(request)
    lines, cut = explorer.batch_history(view, gtin, lot)
    if not lines:
        if as_page:
            return cached(_html(render_not_found(language, request.url.path, batch=True), 404), "unknown")
        return cached(problem(404, "unknown-batch", f"the log has no entry about batch {gtin}/{lot}",
                              f"sổ cái không có mục nào về lô {gtin}/{lot}"), "unknown")
    links = _batch_links(services.settings.public_url, gtin, lot, language)
    if not as_page:
        return cached(JSONResponse({"gtin": gtin, "lot": lot, "entries": [_line_json(line) for line in lines],
                                    "cut": cut, "bundle": links["bundle"]}), "item")
    namer = Namer(State(view.connection), Writer(language, {}))
    # The page's own subject is not a link to itself.
    subject = namer.w.lot(lot, namer.names(RegProduct, gtin), gtin)
    text = render("log_batch.html", language, lot=lot, subject=subject, rows=rows(lines, namer), cut=cut,
                  verdict_url=links["verdict"], bundle_url=links["bundle"])
    return cached(_html(text), "item")


@router.head("/log/batches/{gtin}/{lot}", include_in_schema=False)
def batch_page_head(request: Request, view: ViewDep, services: ServicesDep,
                    gtin: Annotated[str, Path(pattern=r"^\d{14}$")], lot: Annotated[str, Path(max_length=20)],
                    lang: Lang = None) -> Response:
    answer = batch_page(request, view, services, gtin, lot, lang)
    return Response(status_code=answer.status_code, headers=dict(answer.headers))
