"""Rights to use GIs and marks, from the portal: an authority or association grants, suspends, reinstates and
revokes them within its jurisdiction; the form offers only the GIs and marks the organisation governs today."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from api.portal.authority_forms import (
    Field,
    Form,
    Reach,
    attempt,
    by_name,
    drafted,
    fresh_id,
    governed_gis,
    governed_marks,
    name_of,
    organisations_with,
    reach,
    show,
    shown_day,
    t,
    typed,
)
from api.portal.sessions import Signed
from api.portal.statements import require_writer, submit
from api.portal.web import (
    CheckedDep,
    PortalDep,
    Refused,
    SignedDep,
    every,
    language,
)
from registry import schemas as s
from registry.handlers.names import STATUS
from registry.state import State
from registry.tables import (
    RegGi,
    RegMark,
    RegOrganisation,
    RegRight,
)

router = APIRouter(include_in_schema=False)
"""Under /portal/manage: `authority.router` includes it."""

_ID = Annotated[str, Path(max_length=64)]


RIGHT_ROLES = ("authority", "association")
ACTIONS = {"suspended": ("right.suspended.v1", ("active",)), "reinstated": ("right.reinstated.v1", ("suspended",)),
           "revoked": ("right.revoked.v1", ("active", "suspended"))}



# Rights of use: grant, suspend, reinstate, revoke (an authority or association within its jurisdiction).

def _subjects(request: Request, state: State, seen: Reach) -> list[tuple[str, str]]:
    """The GIs and marks the organisation governs today and that are not cancelled, by name."""
    words, lang = t(request), language(request)
    gis = [(f"gi:{g['id']}", f"{words['auth_gi']}: {name_of(g, lang)}")
           for g in by_name(governed_gis(state, seen), lang) if g["cancelled_on"] is None]
    marks = [(f"mark:{m['id']}", f"{words['auth_mark']}: {name_of(m, lang)}")
             for m in by_name(governed_marks(state, seen), lang) if m["cancelled_on"] is None]
    return gis + marks


def _grant_form(request: Request, state: State, seen: Reach) -> Form:
    words, lang = t(request), language(request)
    producers = organisations_with(state, "producer", lang)
    fields = [Field("subject", words["auth_subject"], "select", required=True, options=_subjects(request, state, seen)),
              Field("holder", words["auth_holder"], "select", required=True,
                    options=[(o["id"], name_of(o, lang)) for o in producers]),
              Field("valid_from", words["auth_valid_from"], "date", required=True),
              Field("valid_until", words["auth_valid_until"], "date"),
              Field("plot", words["auth_plot"], hint=words["auth_plot_hint"])]
    return Form(words["auth_right_new"], "/portal/manage/rights/new", fields, words["auth_grant"])


_RIGHT_PATHS = {"holder": "holder", "subject": "subject", "valid_from": "valid_from", "valid_until": "valid_until",
                "plot": "plot"}
_RIGHT_CODES = {"wrong-role": "holder", "unknown-organisation": "holder", "unknown-gi": "subject",
                "unknown-mark": "subject", "gi-cancelled": "subject", "mark-cancelled": "subject",
                "out-of-scope": "subject", "dates-out-of-order": "valid_until"}


def _rights_writer(signed: Signed) -> None:
    require_writer(signed, *RIGHT_ROLES)


@router.get("/rights/new")
def right_new(request: Request, state: PortalDep, signed: SignedDep) -> Response:
    _rights_writer(signed)
    with state.engine.connect() as connection:
        registry_state = State(connection)
        form = _grant_form(request, registry_state, reach(registry_state, signed.user.organisation))
        return show(request, signed, form)


@router.post("/rights/new")
def right_grant(request: Request, state: PortalDep, checked: CheckedDep) -> Response:
    signed, fields = checked
    _rights_writer(signed)
    with state.engine.connect() as connection:
        registry_state = State(connection)
        form = _grant_form(request, registry_state, reach(registry_state, signed.user.organisation))
        values = typed(fields, lambda name: every(request, name), form)
        subject_type, _, subject_id = values["subject"].partition(":")
        right_id = fresh_id(registry_state, RegRight, f"{subject_id}-{values['holder']}")
    body: dict[str, Any] = {"id": right_id, "holder": values["holder"],
                            "subject": {"type": subject_type, "id": subject_id}, "valid_from": values["valid_from"]}
    body.update({name: values[name] for name in ("valid_until", "plot") if values[name]})
    return attempt(request, signed, form, values,
                   lambda: submit(request, signed, [drafted("right.granted.v1", s.RightGranted, body)]),
                   "auth_done_right", _RIGHT_PATHS, _RIGHT_CODES)


def _change_form(request: Request, state: State, right: dict[str, Any]) -> Form:
    words, lang = t(request), language(request)
    holder = state.get(RegOrganisation, id=right["holder"])
    subject = state.get(RegGi if right["subject_type"] == "gi" else RegMark, id=right["subject_id"])
    actions = [(action, words[f"auth_action_{action}"]) for action, (_, allowed) in ACTIONS.items()
               if right["status"] in allowed]
    status = STATUS.get(right["status"], (right["status"], right["status"]))
    fields = [Field("action", words["auth_action"], "select", required=True, options=actions),
              Field("effective_on", words["auth_effective_on"], "date", required=True),
              Field("reason", words["auth_reason"], "textarea", required=True)]
    return Form(words["auth_right_change"], f"/portal/manage/rights/{right['id']}/change", fields,
                words["auth_save"], facts=[(words["auth_holder"], name_of(holder, lang)),
                                           (words["auth_subject"], name_of(subject, lang)),
                                           (words["auth_status"], status[1 if lang == "vi" else 0]),
                                           (words["auth_valid_from"], shown_day(right["valid_from"]))])


def _governed_right(state: State, seen: Reach, right_id: str) -> dict[str, Any]:
    """The right, if the organisation governs its GI or mark today; not found otherwise (a right outside the
    jurisdiction is not shown, whatever id the address names)."""
    right = state.get(RegRight, id=right_id)
    governed = {("gi", g["id"]) for g in governed_gis(state, seen)} | {("mark", m["id"])
                                                                       for m in governed_marks(state, seen)}
    if right is None or (right["subject_type"], right["subject_id"]) not in governed:
        raise Refused(404, "not_found", "not_found_title")
    return right


@router.get("/rights/{right_id}/change")
def right_change_form(request: Request, state: PortalDep, right_id: _ID, signed: SignedDep) -> Response:
    _rights_writer(signed)
    with state.engine.connect() as connection:
        registry_state = State(connection)
        right = _governed_right(registry_state, reach(registry_state, signed.user.organisation), right_id)
        return show(request, signed, _change_form(request, registry_state, right))


@router.post("/rights/{right_id}/change")
def right_change(request: Request, state: PortalDep, right_id: _ID, checked: CheckedDep) -> Response:
    """Suspend, reinstate or revoke a right, as the right's address names it: the registry judges the right
    named, whoever governs it (a right out of scope is refused by its rules, with its words)."""
    signed, fields = checked
    _rights_writer(signed)
    with state.engine.connect() as connection:
        registry_state = State(connection)
        right = registry_state.get(RegRight, id=right_id)
        if right is None:
            raise Refused(404, "not_found", "not_found_title")
        form = _change_form(request, registry_state, right)
        values = typed(fields, lambda name: every(request, name), form)
    kind = ACTIONS.get(values["action"], ("right.suspended.v1", ()))[0]
    if values["action"] not in ACTIONS:
        return show(request, signed, form, values, {"action": t(request)["auth_choose"]}, 400)
    body = {"right": right_id, "effective_on": values["effective_on"], "reason": values["reason"]}
    return attempt(request, signed, form, values,
                   lambda: submit(request, signed, [drafted(kind, s.RightChanged, body)]),
                   f"auth_done_{values['action']}",
                   {"effective_on": "effective_on", "reason": "reason", "right": ""},
                   {"dates-out-of-order": "effective_on", "right-not-active": "action",
                    "right-not-suspended": "action", "right-not-active/suspended": "action"})
