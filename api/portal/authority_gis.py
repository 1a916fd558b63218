"""GIs and marks from the portal: the root authority registers and amends GIs (the area chosen commune by
commune, a province at a time, in the administrative list in force) and registers collective and certification
marks with their members."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from api.portal.authority_forms import (
    LIST_VERSION,
    Field,
    Form,
    Reach,
    attempt,
    by_name,
    commune_body,
    commune_name,
    commune_options,
    drafted,
    fresh_id,
    name_of,
    organisations_with,
    province_of_choice,
    province_options,
    reach,
    show,
    shown_day,
    t,
    typed,
)
from api.portal.statements import require_writer, submit
from api.portal.web import (
    CheckedDep,
    PortalDep,
    Refused,
    SignedDep,
    every,
    language,
)
from api.portal.words import TEXT
from registry import places
from registry import schemas as s
from registry.state import State
from registry.tables import (
    RegGi,
    RegGiArea,
    RegMark,
    RegOrganisation,
)

router = APIRouter(include_in_schema=False)
"""Under /portal/manage: `authority.router` includes it."""

_ID = Annotated[str, Path(max_length=64)]


def _need_root(seen: Reach) -> None:
    if not seen.root:
        raise Refused(403, "auth_root_only", "forbidden_title")


# Geographical indications: register and amend (the root's).

def _gi_form(request: Request, state: State, values: dict[str, Any], gi: dict[str, Any] | None = None) -> Form:
    words, lang = t(request), language(request)
    province = values.get("province") or ""
    chosen = [c for c in values.get("area", []) if c]
    communes = commune_options(province, lang)
    offered = {value for value, _ in communes}
    kept = [(c, _commune_label(c, lang)) for c in chosen if c not in offered]
    fields = [Field("name_vi", words["auth_name_vi"], required=True),
              Field("name_en", words["auth_name_en"], required=True)]
    if gi is None:
        fields += [Field("product", words["auth_product"], required=True),
                   Field("certificate", words["auth_gi_certificate"], required=True,
                         hint=words["auth_gi_certificate_hint"]),
                   Field("application", words["auth_gi_application"], required=True,
                         hint=words["auth_gi_application_hint"]),
                   Field("granted_on", words["auth_granted_on"], "date", required=True)]
    fields.append(Field("manager", words["auth_manager"], "select", required=True,
                        options=[(o["id"], name_of(o, lang)) for o in by_name(state.find(RegOrganisation), lang)]))
    fields += [Field("specification", words["auth_specification"], "textarea", required=gi is None),
               Field("province", words["auth_province"], "select", options=province_options(lang),
                     show=words["auth_show_communes"], hint=words["auth_province_hint"]),
               Field("area", words["auth_area"], "checks", options=kept + communes, hint=words["auth_area_hint"])]
    if gi is None:
        return Form(words["auth_gi_new"], "/portal/manage/gis/new", fields, words["auth_register"])
    return Form(words["auth_gi_amend"], f"/portal/manage/gis/{gi['id']}/amend", fields, words["auth_save"],
                facts=[(words["auth_gi"], name_of(gi, lang))])


def _commune_label(value: str, lang: str) -> str:
    """A commune already chosen, by name; one of an older administrative list says which (the reform of 1 July
    2025 kept some names for new communes)."""
    code, _, version = value.partition("@")
    named = commune_name(code, version, lang) or value
    if version and version != LIST_VERSION:
        named += " " + TEXT[lang]["auth_list_of"].format(day=shown_day(places.version_day(version)))
    return named


_GI_PATHS = {"names.vi": "name_vi", "names.en": "name_en", "product": "product", "certificate": "certificate",
             "application": "application", "granted_on": "granted_on", "manager": "manager",
             "specification": "specification", "area": "area"}
_GI_CODES = {"duplicate-certificate": "certificate", "date-in-future": "granted_on", "unknown-organisation": "manager",
             "repeated-commune": "area", "unknown-commune": "area", "duplicate-gi": "name_en"}


@router.get("/gis/new")
def gi_new(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    require_writer(signed, "authority")
    with state.engine.connect() as connection:
        registry_state = State(connection)
        _need_root(reach(registry_state, signed.user.organisation))
        return show(request, signed, _gi_form(request, registry_state, {}))


def _area(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"commune": body} for value in values["area"] if (body := commune_body(value)) is not None]


@router.post("/gis/new")
def gi_register(request: Request, state: PortalDep, checked: CheckedDep) -> Response:
    signed, fields = checked
    require_writer(signed, "authority")
    with state.engine.connect() as connection:
        registry_state = State(connection)
        _need_root(reach(registry_state, signed.user.organisation))
        values: dict[str, Any] = {"area": every(request, "area"), "province": fields.get("province", "")}
        form = _gi_form(request, registry_state, values)
        values = typed(fields, lambda name: every(request, name), form)
        gi_id = fresh_id(registry_state, RegGi, values["name_en"] or values["name_vi"])
    if "_show" in fields:
        return show(request, signed, form, values)
    body = {"id": gi_id, "certificate": values["certificate"], "application": values["application"],
            "names": {"vi": values["name_vi"], "en": values["name_en"]}, "product": values["product"],
            "manager": values["manager"], "specification": values["specification"],
            "granted_on": values["granted_on"], "area": _area(values)}
    return attempt(request, signed, form, values,
                   lambda: submit(request, signed, [drafted("gi.registered.v1", s.GiRegistered, body)]),
                   "auth_done_gi", _GI_PATHS, _GI_CODES)


def _gi_row(state: State, gi_id: str) -> dict[str, Any]:
    gi = state.get(RegGi, id=gi_id)
    if gi is None:
        raise Refused(404, "not_found", "not_found_title")
    return gi


@router.get("/gis/{gi_id}/amend")
def gi_amend_form(request: Request, state: PortalDep, gi_id: _ID, signed: SignedDep) -> Response:
    require_writer(signed, "authority")
    with state.engine.connect() as connection:
        registry_state = State(connection)
        _need_root(reach(registry_state, signed.user.organisation))
        gi = _gi_row(registry_state, gi_id)
        area = [f"{r['commune_code']}@{r['commune_version']}"
                for r in registry_state.find(RegGiArea, gi=gi_id, removed_entry=None)]
        values = {"name_vi": gi["name_vi"], "name_en": gi["name_en"], "specification": "", "area": area,
                  "manager": gi["manager"],
                  "province": province_of_choice(area[0]) if area else ""}
        return show(request, signed, _gi_form(request, registry_state, values, gi), values)


@router.post("/gis/{gi_id}/amend")
def gi_amend(request: Request, state: PortalDep, gi_id: _ID, checked: CheckedDep) -> Response:
    signed, fields = checked
    require_writer(signed, "authority")
    with state.engine.connect() as connection:
        registry_state = State(connection)
        _need_root(reach(registry_state, signed.user.organisation))
        gi = _gi_row(registry_state, gi_id)
        values: dict[str, Any] = {"area": every(request, "area"), "province": fields.get("province", "")}
        form = _gi_form(request, registry_state, values, gi)
        values = typed(fields, lambda name: every(request, name), form)
        before = {f"{r['commune_code']}@{r['commune_version']}"
                  for r in registry_state.find(RegGiArea, gi=gi_id, removed_entry=None)}
    if "_show" in fields:
        return show(request, signed, form, values)
    body: dict[str, Any] = {"gi": gi_id}
    if (values["name_vi"], values["name_en"]) != (gi["name_vi"], gi["name_en"]):
        body["names"] = {"vi": values["name_vi"], "en": values["name_en"]}
    if values["specification"]:
        body["specification"] = values["specification"]
    if set(values["area"]) != before:
        body["area"] = _area(values)

    def act() -> None:
        """The amendment and the change of manager, in one submission: both or neither."""
        drafts = [drafted("gi.amended.v1", s.GiAmended, body)] if len(body) > 1 else []
        if values["manager"] != gi["manager"]:
            drafts.append(drafted("gi.manager_changed.v1", s.GiManagerChanged,
                                  {"gi": gi_id, "manager": values["manager"]}))
        if drafts:
            submit(request, signed, drafts)

    return attempt(request, signed, form, values, act, "auth_done_gi_amended", {**_GI_PATHS, "gi": ""}, _GI_CODES)


# Marks: register (the root's), with their members.

def _mark_form(request: Request, state: State) -> Form:
    words, lang = t(request), language(request)
    owners = by_name((o for o in state.find(RegOrganisation)
                      if {"association", "authority"} & set(o["roles"].split(","))), lang)
    producers = organisations_with(state, "producer", lang)
    fields = [Field("name_vi", words["auth_name_vi"], required=True),
              Field("name_en", words["auth_name_en"], required=True),
              Field("type", words["auth_mark_type"], "select", required=True,
                    options=[("collective", words["auth_mark_collective"]),
                             ("certification", words["auth_mark_certification"])]),
              Field("certificate", words["auth_mark_certificate"], required=True,
                    hint=words["auth_mark_certificate_hint"]),
              Field("application", words["auth_mark_application"], required=True,
                    hint=words["auth_mark_application_hint"]),
              Field("owner", words["auth_owner"], "select", required=True,
                    options=[(o["id"], name_of(o, lang)) for o in owners]),
              Field("goods", words["auth_goods"], "textarea", required=True),
              Field("nice_classes", words["auth_nice"], required=True, hint=words["auth_nice_hint"]),
              Field("valid_from", words["auth_valid_from"], "date", required=True),
              Field("valid_until", words["auth_valid_until"], "date", required=True, hint=words["auth_mark_term_hint"]),
              Field("users", words["auth_members"], "checks", options=[(o["id"], name_of(o, lang)) for o in producers])]
    return Form(words["auth_mark_new"], "/portal/manage/marks/new", fields, words["auth_register"])


_MARK_PATHS = {"names.vi": "name_vi", "names.en": "name_en", "type": "type", "certificate": "certificate",
               "application": "application", "owner": "owner", "goods": "goods", "nice_classes": "nice_classes",
               "valid_from": "valid_from", "valid_until": "valid_until", "users": "users"}
_MARK_CODES = {"duplicate-certificate": "certificate", "mark-term": "valid_until", "wrong-role": "owner",
               "unknown-organisation": "users"}


@router.get("/marks/new")
def mark_new(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    require_writer(signed, "authority")
    with state.engine.connect() as connection:
        registry_state = State(connection)
        _need_root(reach(registry_state, signed.user.organisation))
        return show(request, signed, _mark_form(request, registry_state))


def _classes(text: str) -> list[Any]:
    """Nice classes typed "29, 30" as numbers (what is not a number is left for the model to refuse)."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    return [int(p) if p.isdigit() else p for p in parts]


@router.post("/marks/new")
def mark_register(request: Request, state: PortalDep, checked: CheckedDep) -> Response:
    signed, fields = checked
    require_writer(signed, "authority")
    with state.engine.connect() as connection:
        registry_state = State(connection)
        _need_root(reach(registry_state, signed.user.organisation))
        form = _mark_form(request, registry_state)
        values = typed(fields, lambda name: every(request, name), form)
        mark_id = fresh_id(registry_state, RegMark, values["name_en"] or values["name_vi"])
    body = {"id": mark_id, "type": values["type"], "certificate": values["certificate"],
            "application": values["application"], "owner": values["owner"],
            "names": {"vi": values["name_vi"], "en": values["name_en"]}, "goods": values["goods"],
            "nice_classes": _classes(values["nice_classes"]), "valid_from": values["valid_from"],
            "valid_until": values["valid_until"], "users": values["users"]}
    return attempt(request, signed, form, values,
                   lambda: submit(request, signed, [drafted("mark.registered.v1", s.MarkRegistered, body)]),
                   "auth_done_mark", _MARK_PATHS, _MARK_CODES)
