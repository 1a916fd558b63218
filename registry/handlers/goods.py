"""Products, batches with their claims and inputs (mass balance, yields, quotas), events, recalls and serials."""

from datetime import date, timedelta
from decimal import Decimal

from ledger.core.types import parse_timestamp
from registry.errors import ConflictError, NotAllowedError, RuleViolationError
from registry.handlers import names
from registry.handlers.common import (
    batch,
    need,
    not_after_day,
    not_after_logged,
    not_ancient,
    not_before,
    organisation,
    place,
)
from registry.handlers.indications import _gi, _mark
from registry.handlers.scope import governs_batch, out_of_scope, scope_of
from registry.kinds import Context, kind, vietnam_day
from registry.passport_tables import RegProductPassport
from registry.queries import holders, in_area, right_active_on
from registry.schemas import (
    BatchEvent,
    BatchRecalled,
    BatchRegistered,
    BatchRegisteredV2,
    Input,
    SerialsIssued,
    Subject,
    expiry,
)
from registry.state import Row, State
from registry.tables import (
    RegBatch,
    RegBatchClaim,
    RegBatchInput,
    RegEvent,
    RegGiYield,
    RegProduct,
    RegRecall,
    RegRight,
    RegSerial,
)
from registry.values import day_vi, decimal_text

INSPECTING_ROLES = {"inspector", "certifier", "authority"}
BACKDATE_DAYS = 30
"""How many days before its registration a batch that claims a GI or mark may say it was produced: a harvest or
a firing is registered within the month, not once a right has been suspended."""


def _batch_subject(body: BatchRegistered | BatchEvent | BatchRecalled | SerialsIssued) -> str:
    return f"batch:{body.gtin}/{body.lot}"


def _claim_right(state: State, ctx: Context, body: BatchRegistered, subject: Subject) -> Row:
    """The issuer's right of use for `subject`, in force both on the production date and on the day of
    registration, after the subject's own checks."""
    day = body.produced_on
    if subject.type == "gi":
        gi = _gi(state, subject.id, ctx.day)
        if in_area(state, gi["id"], body.origin.code, body.origin.version) is None:
            (where_en, where_vi), (gi_en, gi_vi) = names.commune(body.origin.code, body.origin.version), \
                names.indication(state, "gi", gi["id"])
            raise RuleViolationError(
                "origin-outside-area", f"the origin commune {where_en} is outside the area of {gi_en}",
                f"xã xuất xứ {where_vi} nằm ngoài vùng địa lý của {gi_vi}")
    else:
        mark = _mark(state, subject.id, ctx.day)
        for when in (day, ctx.day):
            if not mark["valid_from"] <= when <= mark["valid_until"]:
                (mark_en, mark_vi), start, end, on = (names.indication(state, "mark", mark["id"]),
                                                      names.day(mark["valid_from"]), names.day(mark["valid_until"]),
                                                      names.day(when))
                raise RuleViolationError(
                    "mark-not-in-force", f"{mark_en} is valid from {start[0]} to {end[0]}, not on {on[0]}",
                    f"{mark_vi} có hiệu lực từ ngày {start[1]} đến ngày {end[1]}, không bao gồm ngày {on[1]}")
    rights = state.find(RegRight, holder=ctx.issuer, subject_type=subject.type, subject_id=subject.id)
    for right in rights:
        if right_active_on(state, right, day) and right_active_on(state, right, ctx.day):
            return right
    made, registered = names.day(day), names.day(ctx.day)
    when_en, when_vi = (f"on {made[0]}", f"vào ngày {made[1]}") if day == ctx.day else (
        f"on {made[0]} and on {registered[0]}, when the batch is registered",
        f"vào ngày {made[1]} và ngày {registered[1]} (ngày đăng ký lô)")
    (who_en, who_vi), (what_en, what_vi) = names.org(state, ctx.issuer), names.indication(state, subject.type,
                                                                                          subject.id)
    raise RuleViolationError(
        "no-right-of-use", f"{who_en} holds no right to use {what_en} in force {when_en}",
        f"{who_vi} không có quyền sử dụng {what_vi} còn hiệu lực {when_vi}")


def yield_of(state: State, subject: Subject, input_unit: str, output_unit: str, output_gtin: str) -> Decimal:
    """Output units one unit of a claimed input may yield: the GI's declared yield for this product, else for
    these units; without one, 1 between equal units (nothing grows in a package) and 0 between others."""
    if subject.type == "gi":
        declared = {r["output_gtin"]: r for r in state.find(RegGiYield, gi=subject.id, input_unit=input_unit,
                                                             output_unit=output_unit, removed_entry=None)}
        row = declared.get(output_gtin) or declared.get("")
        if row is not None:
            return Decimal(row["per_input"])
    return Decimal(1) if input_unit == output_unit else Decimal(0)


def _credit(state: State, body: BatchRegistered, subject: Subject) -> Decimal:
    """How much of the batch its inputs carrying the same claim can yield."""
    credit = Decimal(0)
    for item in body.inputs:
        if state.get(RegBatchClaim, gtin=item.gtin, lot=item.lot, subject_type=subject.type,
                     subject_id=subject.id) is None:
            continue
        source = batch(state, item.gtin, item.lot)
        credit += Decimal(item.quantity) * yield_of(state, subject, source["unit"], body.unit, body.gtin)
    return credit


def _use_quota(state: State, right: Row, body: BatchRegistered, charge: Decimal) -> None:
    if right["quota_quantity"] is None or charge == 0:
        return
    right_en, right_vi = names.right(state, right)
    if right["quota_unit"] != body.unit:
        quota_unit, batch_unit = names.unit(right["quota_unit"]), names.unit(body.unit)
        uncovered = names.amount(decimal_text(charge), body.unit)
        raise RuleViolationError(
            "quota-unit", f"{right_en} counts its quota in {quota_unit[0]}, the batch in {batch_unit[0]}; "
            f"claimed inputs do not cover {uncovered[0]} of the batch",
            f"{right_vi} tính hạn mức theo đơn vị {quota_unit[1]}, lô hàng theo đơn vị {batch_unit[1]}; "
            f"{uncovered[1]} của lô không được lô đầu vào mang cùng chỉ dẫn bảo đảm")
    used = Decimal(right["quota_used"]) + charge
    if used > Decimal(right["quota_quantity"]):
        total, quota = names.amount(decimal_text(used), body.unit), names.amount(right["quota_quantity"], body.unit)
        raise RuleViolationError(
            "quota-exceeded", f"batches under {right_en} would total {total[0]}; the quota is {quota[0]}",
            f"các lô theo {right_vi} sẽ đạt {total[1]}; hạn mức là {quota[1]}")
    state.update(RegRight, {"id": right["id"]}, quota_used=decimal_text(used))


def _consume(state: State, ctx: Context, body: BatchRegistered, item: Input) -> None:
    source = batch(state, item.gtin, item.lot)
    if ctx.issuer not in holders(state, source):
        who_en, who_vi = names.org(state, ctx.issuer)
        raise NotAllowedError("input-not-held", f"{who_en} does not hold input batch {item.lot} (GTIN {item.gtin})",
                              f"{who_vi} không nắm giữ lô đầu vào {item.lot} (GTIN {item.gtin})")
    if source["retracted"]:
        raise RuleViolationError("input-withdrawn", f"the registration of input batch {item.gtin}/{item.lot} was "
                                 "retracted", f"việc đăng ký lô đầu vào {item.gtin}/{item.lot} đã bị rút lại")
    if source["recalled_entry"] is not None:
        raise RuleViolationError("input-recalled", f"input batch {item.gtin}/{item.lot} was recalled",
                                 f"lô đầu vào {item.gtin}/{item.lot} đã bị thu hồi")
    not_before(source["produced_on"], body.produced_on, "production date of the output", "ngày sản xuất lô đầu ra")
    remaining = Decimal(source["quantity"]) - Decimal(source["used"])
    if Decimal(item.quantity) > remaining:
        raise RuleViolationError(
            "mass-balance", f"input batch {item.gtin}/{item.lot} has {decimal_text(remaining)} {source['unit']} "
            f"left; {item.quantity} were consumed", f"lô đầu vào {item.gtin}/{item.lot} chỉ còn "
            f"{decimal_text(remaining)} {source['unit']}; không thể dùng {item.quantity}")
    used = decimal_text(Decimal(source["used"]) + Decimal(item.quantity))
    state.update(RegBatch, {"gtin": item.gtin, "lot": item.lot}, used=used)
    state.insert(RegBatchInput, gtin=body.gtin, lot=body.lot, input_gtin=item.gtin, input_lot=item.lot,
                 quantity=item.quantity)


def _expiry(state: State, body: BatchRegistered) -> str | None:
    """The batch's expiry date: declared (not before its production date), or derived from its product's shelf
    life."""
    declared = body.expires_on if isinstance(body, BatchRegisteredV2) else None
    if declared is not None and declared < body.produced_on:
        raise RuleViolationError(
            "expiry-before-production", f"expiry date {declared} is before production date {body.produced_on}; "
            "goods expire after they are made", f"hạn sử dụng {day_vi(declared)} sớm hơn ngày sản xuất "
            f"{day_vi(body.produced_on)}; hạn sử dụng phải từ ngày sản xuất trở đi")
    passport = state.get(RegProductPassport, gtin=body.gtin)
    return expiry(body.produced_on, declared, None if passport is None else passport["shelf_life_days"])[0]


def _dates(ctx: Context, body: BatchRegistered) -> None:
    not_after_day(ctx, body.produced_on, "production date", "ngày sản xuất")
    not_ancient(body.produced_on, "production date", "ngày sản xuất")
    earliest = (date.fromisoformat(ctx.day) - timedelta(days=BACKDATE_DAYS)).isoformat()
    if body.claims and body.produced_on < earliest:
        raise RuleViolationError(
            "production-too-early", f"production date {body.produced_on} is more than {BACKDATE_DAYS} days before "
            f"{ctx.day}, the day of registration; a batch that claims a GI or mark is registered within "
            f"{BACKDATE_DAYS} days of production", f"ngày sản xuất {body.produced_on} sớm hơn ngày đăng ký {ctx.day} "
            f"quá {BACKDATE_DAYS} ngày; lô hàng mang chỉ dẫn địa lý hoặc nhãn hiệu phải được đăng ký trong vòng "
            f"{BACKDATE_DAYS} ngày kể từ ngày sản xuất")


@kind("batch.registered.v2", BatchRegisteredV2, roles=("producer",), subject=_batch_subject)
@kind("batch.registered.v1", BatchRegistered, roles=("producer",), subject=_batch_subject)
def batch_registered(state: State, ctx: Context, body: BatchRegistered) -> None:
    product = need(state, RegProduct, "product", "sản phẩm", gtin=body.gtin)
    if product["producer"] != ctx.issuer:
        raise NotAllowedError("not-your-product", f"product {body.gtin} belongs to {product['producer']}",
                              f"sản phẩm {body.gtin} thuộc về {product['producer']}")
    if body.unit != product["unit"]:
        raise RuleViolationError("unit-mismatch",
                                 f"product {body.gtin} is counted in {product['unit']}, not {body.unit}",
                                 f"sản phẩm {body.gtin} được tính theo {product['unit']}, không phải {body.unit}")
    if state.get(RegBatch, gtin=body.gtin, lot=body.lot) is not None:
        raise ConflictError("duplicate-lot", f"lot {body.lot} of GTIN {body.gtin} is already registered",
                            f"lô {body.lot} của GTIN {body.gtin} đã được đăng ký")
    _dates(ctx, body)
    expires_on = _expiry(state, body)
    place(ctx, body.origin, "the origin commune", "xã xuất xứ")
    if len({(c.type, c.id) for c in body.claims}) != len(body.claims):
        raise RuleViolationError("repeated-claim", "a GI or mark is claimed twice",
                                 "một chỉ dẫn hoặc nhãn hiệu bị khai hai lần")
    if len({(i.gtin, i.lot) for i in body.inputs}) != len(body.inputs):
        raise RuleViolationError("repeated-input", "an input batch is listed twice",
                                 "một lô đầu vào bị liệt kê hai lần")
    claims = []
    for subject in body.claims:
        right = _claim_right(state, ctx, body, subject)
        # Produce that reached this batch through inputs carrying the claim was charged to a quota once; what
        # the batch holds beyond what those inputs can yield is new produce and is charged now.
        credit = _credit(state, body, subject)
        charge = max(Decimal(body.quantity) - credit, Decimal(0))
        _use_quota(state, right, body, charge)
        claims.append((subject, right, credit, charge))
    for item in body.inputs:
        _consume(state, ctx, body, item)
    state.insert(RegBatch, gtin=body.gtin, lot=body.lot, producer=ctx.issuer, quantity=body.quantity, unit=body.unit,
                 produced_on=body.produced_on, origin_code=body.origin.code, origin_version=body.origin.version,
                 expires_on=expires_on, entry=ctx.index)
    for subject, right, credit, charge in claims:
        state.insert(RegBatchClaim, gtin=body.gtin, lot=body.lot, subject_type=subject.type, subject_id=subject.id,
                     right=right["id"], credit=decimal_text(credit), charged=decimal_text(charge))


@kind("batch.event.v1", BatchEvent, subject=_batch_subject)
def batch_event(state: State, ctx: Context, body: BatchEvent) -> None:
    row = batch(state, body.gtin, body.lot)
    inspecting = body.biz_step == "inspecting" and ctx.roles & INSPECTING_ROLES
    holder = ctx.issuer in holders(state, row)
    if not inspecting and not holder:
        who_en, who_vi = names.org(state, ctx.issuer)
        raise NotAllowedError("not-holder", f"{who_en} neither made nor received batch {body.lot} (GTIN {body.gtin})",
                              f"{who_vi} không sản xuất cũng không nhận lô {body.lot} (GTIN {body.gtin})")
    # A destination makes its organisation a holder (who may consume the batch): only a holder hands it on.
    if not holder and body.destination is not None:
        (who_en, who_vi), (to_en, to_vi) = names.org(state, ctx.issuer), names.org(state, body.destination)
        raise NotAllowedError("not-holder", f"{who_en} inspects batch {body.lot} (GTIN {body.gtin}) but does not "
                              f"hold it, so it cannot hand it to {to_en}", f"{who_vi} kiểm tra lô {body.lot} (GTIN "
                              f"{body.gtin}) nhưng không nắm giữ lô, nên không thể giao cho {to_vi}")
    for party in (body.source, body.destination):
        if party is not None:
            organisation(state, party)
    not_after_logged(ctx, body.event_time, "event time", "thời điểm sự kiện")
    # The production date is a day in Viet Nam: 18:00 UTC on the 25th is already the 26th there.
    not_before(row["produced_on"], vietnam_day(parse_timestamp(body.event_time, "event time")), "event time",
               "thời điểm sự kiện")
    place_ = body.place
    if place_ is not None and place_.commune is not None:
        place(ctx, place_.commune, "the event's commune", "xã nơi diễn ra sự kiện")
    state.insert(RegEvent, entry=ctx.index, gtin=body.gtin, lot=body.lot, issuer=ctx.issuer, biz_step=body.biz_step,
                 disposition=body.disposition, event_time=body.event_time,
                 place_code=place_.commune.code if place_ and place_.commune else None,
                 place_version=place_.commune.version if place_ and place_.commune else None,
                 place_name=place_.name if place_ else None, source=body.source, destination=body.destination,
                 note=body.note)


@kind("batch.recalled.v1", BatchRecalled, roles=("producer", "authority"), subject=_batch_subject)
def batch_recalled(state: State, ctx: Context, body: BatchRecalled) -> None:
    row = batch(state, body.gtin, body.lot)
    if ctx.issuer != row["producer"]:
        if "authority" not in ctx.roles:
            raise NotAllowedError("not-yours", f"only {row['producer']} or an authority may recall this batch",
                                  f"chỉ {row['producer']} hoặc cơ quan quản lý được thu hồi lô này")
        scope = scope_of(state, ctx)
        if not governs_batch(state, scope, row):
            raise out_of_scope(state, ctx, scope, f"recall batch {body.gtin}/{body.lot}",
                               f"thu hồi lô {body.gtin}/{body.lot}")
    if row["recalled_entry"] is not None:
        raise ConflictError("already-recalled", f"batch {body.gtin}/{body.lot} was already recalled",
                            f"lô {body.gtin}/{body.lot} đã bị thu hồi trước đó")
    state.insert(RegRecall, entry=ctx.index, gtin=body.gtin, lot=body.lot, issuer=ctx.issuer, reason=body.reason)
    state.update(RegBatch, {"gtin": body.gtin, "lot": body.lot}, recalled_entry=ctx.index)


@kind("serials.issued.v1", SerialsIssued, roles=("producer",), subject=_batch_subject)
def serials_issued(state: State, ctx: Context, body: SerialsIssued) -> None:
    row = batch(state, body.gtin, body.lot)
    if row["producer"] != ctx.issuer:
        raise NotAllowedError("not-your-batch", f"batch {body.gtin}/{body.lot} belongs to {row['producer']}",
                              f"lô {body.gtin}/{body.lot} thuộc về {row['producer']}")
    if row["retracted"]:
        raise RuleViolationError("batch-withdrawn", f"the registration of batch {body.gtin}/{body.lot} was retracted",
                                 f"việc đăng ký lô {body.gtin}/{body.lot} đã bị rút lại")
    serials = body.expand(row["serials"])
    total = row["serials"] + len(serials)
    if total > Decimal(row["quantity"]):
        raise RuleViolationError(
            "serials-exceed-quantity", f"{total} serials would exceed the batch quantity {row['quantity']}",
            f"{total} số sê-ri vượt quá số lượng của lô {row['quantity']}")
    # Counted series can meet explicit serials too; read from the table, as insert_many leaves no cache.
    issued = {r["serial"] for r in state.find(RegSerial, gtin=body.gtin, lot=body.lot)} if row["serials"] else set()
    again = next((s for s in serials if s in issued), None)
    if again is not None:
        raise ConflictError("duplicate-serial", f"serial {again} of batch {body.gtin}/{body.lot} was issued before",
                            f"số sê-ri {again} của lô {body.gtin}/{body.lot} đã được cấp trước đó")
    state.insert_many(RegSerial, [{"gtin": body.gtin, "lot": body.lot, "serial": s, "entry": ctx.index}
                                  for s in serials])
    state.update(RegBatch, {"gtin": body.gtin, "lot": body.lot}, serials=total)
