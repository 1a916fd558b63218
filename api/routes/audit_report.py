"""Public pages of the log beside the explorer: the log in figures (`/log/charts`: its growth per day and how far
each witness is behind) and the server's audit of its own log (`/log/audit`, `/log/audit.pdf`). No login, no
JavaScript, no external asset; Vietnamese by default, English by `?lang=en` or Accept-Language.

The audit is api.ServerAudit: at most once per size of the log, one at a time, a request waiting for
it at most AUDIT_WAIT seconds. The log's growth is kept per size of the log and day (a few dozen bisections)."""

import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api import audit_report, charts, charts_data
from api.charts_words import TEXT, day_short
from api.deps import Services, ServicesDep, ViewDep
from api.lru import Lru
from api.negotiation import cached
from api.pages.consumer import wants_language
from api.pages.explorer import _environment
from api.server_audit import Done, ServerAudit
from api.web_headers import html_headers
from ledger.store.sql import SqlView
from registry.kinds import vietnam_today
from registry.words import day, moment

router = APIRouter(tags=["pages"], include_in_schema=False)
Lang = Annotated[str | None, Query(pattern="^(vi|en)$")]
AUDIT_WAIT = 30.0
"""Seconds a request waits for an audit it started (or found running) before showing the last result."""
_LOCK = threading.Lock()
_GROWTH: Lru[tuple[bytes, int, str], list[charts_data.LogDay]] = Lru(8)
"""The log's days by (root, size, day): a log's root names it whatever the app or database."""


def _number(value: int, lang: str) -> str:
    return charts.thousands(value, lang)


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=html_headers(text))


def growth_chart(days: list[charts_data.LogDay], size: int, lang: str) -> charts.Chart:
    t = TEXT[lang]
    total = sum(d.entries for d in days)
    title = t["growth"].format(n=len(days))
    if total == 0:
        return charts.Chart("growth", title, "", (), (), t["growth_empty"].format(n=len(days)))
    svg = charts.bars("growth", [day_short(d.day, lang) for d in days],
                      [charts.Series(t["growth_entries"], [d.entries for d in days])],
                      value_label=t["growth_axis"], horizontal=False, lang=lang)
    rows = [(day(d.day, lang), _number(d.entries, lang)) for d in days if d.entries]
    note = t["growth_total"].format(n=_number(total, lang), days=len(days), size=_number(size, lang))
    return charts.Chart("growth", title, svg, (t["growth_day"], t["growth_entries"]), rows, note=note)


def lag_chart(lags: list[charts_data.WitnessLag], latest: int, lang: str) -> charts.Chart:
    t = TEXT[lang]
    note = t["lag_note"].format(n=_number(latest, lang))
    if not lags:
        return charts.Chart("lag", t["lag"], "", (), (), t["lag_empty"], note)
    svg = charts.bars("lag", [w.witness for w in lags], [charts.Series(t["lag_behind"], [w.behind for w in lags])],
                      value_label=t["lag_axis"], lang=lang)
    rows = [(w.witness, _number(w.size, lang), _number(w.behind, lang),
             moment(w.at.isoformat(), lang)) for w in lags]
    return charts.Chart("lag", t["lag"], svg, (t["lag_witness"], t["lag_size"], t["lag_behind"], t["lag_at"]), rows,
                        note=note)


def _growth(view: SqlView) -> list[charts_data.LogDay]:
    today, head = vietnam_today(), view.head()
    key = (head.root, head.size, today.isoformat())
    found = _GROWTH.get(key)
    if found is None:
        found = _GROWTH.put(key, charts_data.log_growth(view, today))
    return found


@router.get("/log/charts", response_model=None)
def log_charts(request: Request, view: ViewDep, lang: Lang = None) -> Response:
    """The log in figures: entries per day, and each witness's lag behind the latest checkpoint."""
    language = wants_language(request, lang)
    size = view.head().size
    found = [growth_chart(_growth(view), size, language),
             lag_chart(charts_data.witness_lag(view.connection, size), size, language)]
    text = _environment().get_template("log_charts.html").render(
        lang=language, other_lang="en" if language == "vi" else "vi", t=TEXT[language], charts=found)
    return cached(_html(text), "item")


def server_audit(request: Request, services: Services) -> ServerAudit:
    """The app's one ServerAudit, made on first use."""
    with _LOCK:
        found = getattr(request.app.state, "server_audit", None)
        if found is None:
            def run(state: Path) -> dict[str, Any]:
                from api.cli.audit import run as audit

                return audit(None, services.settings.database_url, state, services.log.verifier.to_text(), 0,
                             lambda *_: None, engine=services.engine)

            found = request.app.state.server_audit = ServerAudit(run, AUDIT_WAIT)
        return found


def _audited(request: Request, services: Services) -> tuple[Done | None, int]:
    with services.log.store.read() as view:
        size = view.head().size
    return server_audit(request, services).latest(size), size


@router.get("/log/audit", response_model=None)
def audit_page(request: Request, services: ServicesDep, lang: Lang = None) -> Response:
    """The server's audit of its own log, in words: what was checked, the figures, the outcome."""
    language = wants_language(request, lang)
    done, size = _audited(request, services)
    t = audit_report.TEXT[language]
    if done is None:
        page = audit_report.html({"result": "unreadable"}, language, public=True, pending=True)
        response = _html(page, 503)
        response.headers["Retry-After"] = "60"
        return cached(response, "unknown")
    stale = None if done.size >= size else t["stale"].format(n=charts.thousands(done.size, language))
    return cached(_html(audit_report.html(done.result, language, public=True, stale=stale)), "unknown")


@router.get("/log/audit.pdf", response_model=None)
def audit_pdf(request: Request, services: ServicesDep, lang: Lang = None) -> Response:
    """The same report as a PDF."""
    language = wants_language(request, lang)
    done, _ = _audited(request, services)
    if done is None:
        return Response(audit_report.TEXT[language]["pending"], 503, media_type="text/plain; charset=utf-8",
                        headers={"Retry-After": "60", "Cache-Control": "no-store"})
    stamp = str(done.result.get("audited_at", ""))[:10].replace("-", "")
    return cached(Response(server_audit(request, services).pdf(done, language), media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="nguon-audit-{stamp}.pdf"'}), "unknown")
