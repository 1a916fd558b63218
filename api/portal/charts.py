"""The portal's figures (`/portal/charts`): for whoever is signed in, the charts that fit the organisation's
roles — the quota used of each right of use, batches per month, scans by province and their warnings — each a
picture with the table of its numbers. A producer sees its own rights and batches; an authority those of the GIs
it manages; an association those of the marks it owns (api.charts_data.Scope). Any person of the organisation,
whatever their portal role, may look: nothing here changes anything."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api import charts, charts_data
from api.charts_words import TEXT, month
from api.portal import words
from api.portal.web import NAV, NavItem, PortalDep, SignedDep, language, page
from api.scans import LOOKBACK_DAYS, WARN_CLIENTS, WARN_DAYS
from registry.kinds import vietnam_today
from registry.words import number, quantity

router = APIRouter(prefix="/portal", include_in_schema=False)

words.extend({"vi": {"cht_nav": "Số liệu"}, "en": {"cht_nav": "Figures"}})
NAV.append(NavItem("charts", "/portal/charts", "cht_nav"))


def _percent(value: float, lang: str) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text.replace('.', ',')}%" if lang == "vi" else f"{text}%"


def quota_chart(rights: list[charts_data.RightUse], scope: charts_data.Scope, lang: str) -> charts.Chart:
    t, i = TEXT[lang], 0 if lang == "vi" else 1
    if not rights:
        return charts.Chart("quota", t["quota"], "", (), (), t["quota_empty"])
    only_own = scope.roles & {"authority", "association"} == set()

    def label(r: charts_data.RightUse) -> str:
        return r.subject[i] if only_own else t["of"].format(a=r.holder[i], b=r.subject[i])

    drawn = [r for r in rights if r.percent is not None]
    svg = ""
    if drawn:
        svg = charts.bars("quota", [label(r) for r in drawn],
                          [charts.Series(t["quota_percent"], [r.percent or 0.0 for r in drawn])],
                          value_label=t["quota_axis"], percent=True, lang=lang)
    rows = [(label(r), quantity(str(r.used), r.unit, lang),
             t["quota_none"] if r.quota is None else quantity(str(r.quota), r.unit, lang),
             "" if r.percent is None else _percent(r.percent, lang), t.get(f"status_{r.status}", r.status))
            for r in rights]
    head = (t["quota_right"], t["quota_used"], t["quota_allowed"], t["quota_percent"], t["quota_status"])
    return charts.Chart("quota", t["quota"], svg, head, rows, note=t["quota_note"] if drawn else None)


def batches_chart(months: list[tuple[str, int]], lang: str) -> charts.Chart:
    t = TEXT[lang]
    title = t["batches"].format(n=charts_data.MONTHS)
    if not months:
        return charts.Chart("batches", title, "", (), (), t["batches_empty"])
    svg = charts.bars("batches", [month(m, lang, short=True) for m, _ in months],
                      [charts.Series(t["batches_count"], [n for _, n in months])],
                      value_label=t["batches_axis"], horizontal=False, lang=lang)
    rows = [(month(m, lang), number(str(n), lang)) for m, n in months]
    return charts.Chart("batches", title, svg, (t["batches_month"], t["batches_count"]), rows)


def scans_chart(regions: list[charts_data.RegionScans], lang: str) -> charts.Chart:
    t, i = TEXT[lang], 0 if lang == "vi" else 1
    title = t["scans"].format(n=LOOKBACK_DAYS)
    note = t["scans_note"].format(readers=WARN_CLIENTS, days=WARN_DAYS)
    if not regions:
        return charts.Chart("scans", title, "", (), (), t["scans_empty"].format(n=LOOKBACK_DAYS), note)
    svg = charts.bars("scans", [r.name[i] for r in regions],
                      [charts.Series(t["scans_count"], [r.scans for r in regions]),
                       charts.Series(t["scans_warned"], [r.warned for r in regions], charts.ALERT)],
                      value_label=t["scans_axis"], lang=lang)
    rows = [(r.name[i], number(str(r.scans), lang), number(str(r.items), lang), number(str(r.warned), lang))
            for r in regions]
    head = (t["scans_province"], t["scans_count"], t["scans_items"], t["scans_warned"])
    return charts.Chart("scans", title, svg, head, rows, note=note)


@router.get("/charts")
def charts_page(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    lang = language(request)
    scope = charts_data.Scope(signed.user.organisation, frozenset(signed.roles))
    found: list[charts.Chart] = []
    if scope.any:
        with state.engine.connect() as connection:
            rights = charts_data.quota_use(connection, scope)
            months = charts_data.batches_by_month(connection, scope)
            regions = charts_data.scans_by_province(connection, scope, vietnam_today())
        found = [quota_chart(rights, scope, lang), batches_chart(months, lang), scans_chart(regions, lang)]
    return page(request, "charts.html", signed=signed, c=TEXT[lang], charts=found)

