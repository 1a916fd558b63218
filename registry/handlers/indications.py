"""Geographical indications, collective and certification marks, and rights to use them.

GIs and marks are the root authority's (the national IP office grants them); rights to use them are governed
by whoever `registry.handlers.scope` says governs the GI or mark.
"""

from datetime import date

from registry.errors import ConflictError, RuleViolationError
from registry.handlers import names
from registry.handlers.common import absent, history, need, not_after_day, not_before, organisation, place
from registry.handlers.scope import governs_gi, governs_mark, out_of_scope, require_root, scope_of
from registry.kinds import Context, kind
from registry.queries import current_area, right_status, roles_of
from registry.schemas import (
    AreaPart,
    GiAmended,
    GiCancelled,
    GiManagerChanged,
    GiRegistered,
    MarkCancelled,
    MarkRegistered,
    MarkRenewed,
    RightChanged,
    RightGranted,
    Subject,
    Yield,
)
from registry.state import Row, State
from registry.tables import RegGi, RegGiArea, RegGiYield, RegMark, RegMarkUser, RegRight, RegRightChange

MARK_TERM_YEARS = 10


def _gi(state: State, gi_id: str, day: str | None = None) -> Row:
    """The GI, if not cancelled (as of `day`, when given: a cancellation may take effect later)."""
    row = need(state, RegGi, "GI", "chỉ dẫn địa lý", id=gi_id)
    if row["cancelled_on"] is not None and (day is None or row["cancelled_on"] <= day):
        (what_en, what_vi), (on_en, on_vi) = names.indication(state, "gi", gi_id), names.day(row["cancelled_on"])
        raise RuleViolationError("gi-cancelled", f"{what_en} was cancelled from {on_en}",
                                 f"{what_vi} đã bị hủy từ ngày {on_vi}")
    return row


def _mark(state: State, mark_id: str, day: str | None = None) -> Row:
    """The mark, if not cancelled (as of `day`, when given)."""
    row = need(state, RegMark, "mark", "nhãn hiệu", id=mark_id)
    if row["cancelled_on"] is not None and (day is None or row["cancelled_on"] <= day):
        (what_en, what_vi), (on_en, on_vi) = names.indication(state, "mark", mark_id), names.day(row["cancelled_on"])
        raise RuleViolationError("mark-cancelled", f"{what_en} was cancelled from {on_en}",
                                 f"{what_vi} đã bị hủy từ ngày {on_vi}")
    return row


def _unique_certificate(state: State, model: type[RegGi] | type[RegMark], certificate: str) -> None:
    if state.find(model, certificate=certificate):
        raise ConflictError("duplicate-certificate", f"certificate {certificate} is already registered",
                            f"văn bằng số {certificate} đã được đăng ký")


def _write_area(state: State, ctx: Context, gi_id: str, area: list[AreaPart]) -> None:
    seen: set[tuple[str, str]] = set()
    for part in area:
        key = (part.commune.code, part.commune.version)
        if key in seen:
            raise RuleViolationError("repeated-commune", f"commune {key[0]} ({key[1]}) is listed twice",
                                     f"xã {key[0]} ({key[1]}) bị liệt kê hai lần")
        seen.add(key)
        place(ctx, part.commune, "the area commune", "xã trong vùng")
        state.insert(RegGiArea, gi=gi_id, commune_code=part.commune.code, commune_version=part.commune.version,
                     added_entry=ctx.index, commune_name=part.commune.name, stage=part.stage)


def _write_yields(state: State, ctx: Context, gi_id: str, yields: list[Yield]) -> None:
    seen: set[tuple[str, str, str]] = set()
    for item in yields:
        key = (item.input_unit, item.output_unit, item.output_gtin or "")
        if key in seen:
            raise RuleViolationError("repeated-yield", f"the yield from {key[0]} to {key[1]} is given twice",
                                     f"định mức từ {key[0]} sang {key[1]} bị khai hai lần")
        seen.add(key)
        state.insert(RegGiYield, gi=gi_id, input_unit=item.input_unit, output_unit=item.output_unit,
                     output_gtin=item.output_gtin or "", added_entry=ctx.index, per_input=item.per_input,
                     text=item.text)


def gi_subject(body: GiRegistered | GiAmended | GiManagerChanged | GiCancelled) -> str:
    return f"gi:{body.id if isinstance(body, GiRegistered) else body.gi}"


@kind("gi.registered.v1", GiRegistered, roles=("authority",), subject=gi_subject)
def gi_registered(state: State, ctx: Context, body: GiRegistered) -> None:
    require_root(state, ctx, "register a GI", "đăng ký chỉ dẫn địa lý")
    absent(state, RegGi, "GI", "chỉ dẫn địa lý", id=body.id)
    _unique_certificate(state, RegGi, body.certificate)
    organisation(state, body.manager)
    not_after_day(ctx, body.granted_on, "grant date", "ngày cấp")
    state.insert(RegGi, id=body.id, certificate=body.certificate, application=body.application,
                 name_vi=body.names.vi, name_en=body.names.en, product=body.product, manager=body.manager,
                 specification=body.specification, granted_on=body.granted_on, entry=ctx.index)
    _write_area(state, ctx, body.id, body.area)
    _write_yields(state, ctx, body.id, body.yields)


@kind("gi.amended.v1", GiAmended, roles=("authority",), subject=gi_subject)
def gi_amended(state: State, ctx: Context, body: GiAmended) -> None:
    require_root(state, ctx, "amend a GI", "sửa đổi chỉ dẫn địa lý")
    _gi(state, body.gi, ctx.day)
    changes: dict[str, str] = {}
    if body.names is not None:
        changes.update(name_vi=body.names.vi, name_en=body.names.en)
    if body.specification is not None:
        changes["specification"] = body.specification
    if changes:
        state.update(RegGi, {"id": body.gi}, **changes)
    if body.area is not None:
        for row in current_area(state, body.gi):
            state.update(RegGiArea, {k: row[k] for k in ("gi", "commune_code", "commune_version", "added_entry")},
                         removed_entry=ctx.index)
        _write_area(state, ctx, body.gi, body.area)
    if body.yields is not None:
        for row in state.find(RegGiYield, gi=body.gi, removed_entry=None):
            state.update(RegGiYield, {k: row[k] for k in ("gi", "input_unit", "output_unit", "output_gtin",
                                                          "added_entry")}, removed_entry=ctx.index)
        _write_yields(state, ctx, body.gi, body.yields)
    history(state, ctx, "gi", body.gi, "amended")


@kind("gi.manager_changed.v1", GiManagerChanged, roles=("authority",), subject=gi_subject)
def gi_manager_changed(state: State, ctx: Context, body: GiManagerChanged) -> None:
    require_root(state, ctx, "change the manager of a GI", "thay đổi tổ chức quản lý chỉ dẫn địa lý")
    _gi(state, body.gi, ctx.day)
    organisation(state, body.manager)
    state.update(RegGi, {"id": body.gi}, manager=body.manager)
    history(state, ctx, "gi", body.gi, "manager_changed")


@kind("gi.cancelled.v1", GiCancelled, roles=("authority",), subject=gi_subject)
def gi_cancelled(state: State, ctx: Context, body: GiCancelled) -> None:
    require_root(state, ctx, "cancel a GI", "hủy chỉ dẫn địa lý")
    gi = _gi(state, body.gi)
    not_before(gi["granted_on"], body.effective_on, "cancellation date", "ngày hủy")
    state.update(RegGi, {"id": body.gi}, cancelled_on=body.effective_on)
    history(state, ctx, "gi", body.gi, "cancelled")


def _within_term(valid_from: str, valid_until: str) -> None:
    start = date.fromisoformat(valid_from)
    try:
        limit = start.replace(year=start.year + MARK_TERM_YEARS)
    except ValueError:  # 29 February
        limit = start.replace(year=start.year + MARK_TERM_YEARS, day=28)
    if not valid_from < valid_until <= limit.isoformat():
        raise RuleViolationError(
            "mark-term", f"validity {valid_from} to {valid_until} must end after it starts and within 10 years",
            f"hiệu lực từ {valid_from} đến {valid_until} phải kết thúc sau ngày bắt đầu và trong vòng 10 năm")


def mark_subject(body: MarkRegistered | MarkRenewed | MarkCancelled) -> str:
    return f"mark:{body.id if isinstance(body, MarkRegistered) else body.mark}"


@kind("mark.registered.v1", MarkRegistered, roles=("authority",), subject=mark_subject)
def mark_registered(state: State, ctx: Context, body: MarkRegistered) -> None:
    require_root(state, ctx, "register a mark", "đăng ký nhãn hiệu")
    absent(state, RegMark, "mark", "nhãn hiệu", id=body.id)
    _unique_certificate(state, RegMark, body.certificate)
    owner = organisation(state, body.owner)
    if not roles_of(owner) & {"association", "authority"}:
        raise RuleViolationError("wrong-role", f"mark owner {body.owner} must be an association or an authority",
                                 f"chủ nhãn hiệu {body.owner} phải là hiệp hội hoặc cơ quan quản lý")
    _within_term(body.valid_from, body.valid_until)
    state.insert(RegMark, id=body.id, type=body.type, certificate=body.certificate, application=body.application,
                 owner=body.owner, name_vi=body.names.vi, name_en=body.names.en, goods=body.goods,
                 nice_classes=",".join(str(c) for c in sorted(set(body.nice_classes))), valid_from=body.valid_from,
                 valid_until=body.valid_until, entry=ctx.index)
    for user in dict.fromkeys(body.users):
        organisation(state, user)
        state.insert(RegMarkUser, mark=body.id, organisation=user)


@kind("mark.renewed.v1", MarkRenewed, roles=("authority",), subject=mark_subject)
def mark_renewed(state: State, ctx: Context, body: MarkRenewed) -> None:
    require_root(state, ctx, "renew a mark", "gia hạn nhãn hiệu")
    mark = _mark(state, body.mark, ctx.day)
    _within_term(mark["valid_until"], body.valid_until)
    state.update(RegMark, {"id": body.mark}, valid_until=body.valid_until)
    history(state, ctx, "mark", body.mark, "renewed")


@kind("mark.cancelled.v1", MarkCancelled, roles=("authority",), subject=mark_subject)
def mark_cancelled(state: State, ctx: Context, body: MarkCancelled) -> None:
    require_root(state, ctx, "cancel a mark", "hủy nhãn hiệu")
    mark = _mark(state, body.mark)
    not_before(mark["valid_from"], body.effective_on, "cancellation date", "ngày hủy")
    state.update(RegMark, {"id": body.mark}, cancelled_on=body.effective_on)
    history(state, ctx, "mark", body.mark, "cancelled")


def governs_subject(state: State, ctx: Context, subject: Subject) -> bool:
    """Whether the issuer governs the rights of use of a GI or mark on the day of its statement (cancelled or
    not: who governs a cancelled GI's past decisions still does)."""
    scope = scope_of(state, ctx)
    if subject.type == "gi":
        return governs_gi(state, scope, ctx.issuer, need(state, RegGi, "GI", "chỉ dẫn địa lý", id=subject.id))
    mark = need(state, RegMark, "mark", "nhãn hiệu", id=subject.id)
    return governs_mark(state, scope, ctx.issuer, mark, organisation(state, mark["owner"]))


def _may_manage(state: State, ctx: Context, subject: Subject) -> None:
    """The issuer governs the subject's rights, and the subject is not cancelled on the day."""
    if subject.type == "gi":
        _gi(state, subject.id, ctx.day)
    else:
        _mark(state, subject.id, ctx.day)
    if not governs_subject(state, ctx, subject):
        what_en, what_vi = names.indication(state, subject.type, subject.id)
        raise out_of_scope(state, ctx, scope_of(state, ctx), f"manage the rights to use {what_en}",
                           f"quản lý quyền sử dụng {what_vi}")


@kind("right.granted.v1", RightGranted, roles=("authority", "association"), subject=lambda b: f"right:{b.id}")
def right_granted(state: State, ctx: Context, body: RightGranted) -> None:
    absent(state, RegRight, "right of use", "quyền sử dụng", id=body.id)
    _may_manage(state, ctx, body.subject)
    holder = organisation(state, body.holder)
    if "producer" not in roles_of(holder):
        raise RuleViolationError("wrong-role", f"the holder, {holder['name_en']}, must be a producer",
                                 f"bên được cấp quyền, {holder['name_vi']}, phải là nhà sản xuất")
    quota = body.quota
    state.insert(RegRight, id=body.id, holder=body.holder, subject_type=body.subject.type,
                 subject_id=body.subject.id, valid_from=body.valid_from, valid_until=body.valid_until,
                 quota_quantity=quota.quantity if quota else None, quota_unit=quota.unit if quota else None,
                 quota_text=quota.text if quota else None, plot=body.plot, status="active", entry=ctx.index)
    if body.subject.type == "mark" and state.get(RegMarkUser, mark=body.subject.id, organisation=body.holder) is None:
        state.insert(RegMarkUser, mark=body.subject.id, organisation=body.holder)


_TRANSITIONS = {"suspended": ("active",), "reinstated": ("suspended",), "revoked": ("active", "suspended")}
_ACTION_VI = {"suspended": "đình chỉ", "reinstated": "khôi phục", "revoked": "thu hồi"}


def _change_right(state: State, ctx: Context, body: RightChanged, action: str) -> None:
    right = need(state, RegRight, "right of use", "quyền sử dụng", id=body.right)
    _may_manage(state, ctx, Subject(type=right["subject_type"], id=right["subject_id"]))
    if right["status"] not in _TRANSITIONS[action]:
        (what_en, what_vi), (now_en, now_vi) = names.right(state, right), names.STATUS[right["status"]]
        raise ConflictError(f"right-not-{'/'.join(_TRANSITIONS[action])}",
                            f"{what_en} is {now_en} and cannot be {action}",
                            f"{what_vi} {now_vi}, không thể {_ACTION_VI[action]}")
    not_before(right["valid_from"], body.effective_on, "effective date", "ngày hiệu lực")
    state.insert(RegRightChange, entry=ctx.index, right=body.right, action=action, effective_on=body.effective_on,
                 reason=body.reason)
    state.update(RegRight, {"id": body.right}, status=right_status(state, body.right))


@kind("right.suspended.v1", RightChanged, roles=("authority", "association"), subject=lambda b: f"right:{b.right}")
def right_suspended(state: State, ctx: Context, body: RightChanged) -> None:
    _change_right(state, ctx, body, "suspended")


@kind("right.reinstated.v1", RightChanged, roles=("authority", "association"), subject=lambda b: f"right:{b.right}")
def right_reinstated(state: State, ctx: Context, body: RightChanged) -> None:
    _change_right(state, ctx, body, "reinstated")


@kind("right.revoked.v1", RightChanged, roles=("authority", "association"), subject=lambda b: f"right:{b.right}")
def right_revoked(state: State, ctx: Context, body: RightChanged) -> None:
    _change_right(state, ctx, body, "revoked")
