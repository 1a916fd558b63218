"""Products, batches with their claims and inputs (mass balance), events, recalls and serials."""

from decimal import Decimal

from registry.errors import ConflictError, NotAllowedError, RuleViolationError
from registry.handlers.common import absent, batch, need, not_after_issue, not_ancient, not_before, organisation
from registry.handlers.indications import _gi, _mark, in_area, right_active_on
from registry.kinds import Context, kind
from registry.schemas import (
    BatchEvent,
    BatchRecalled,
    BatchRegistered,
    Input,
    ProductRegistered,
    SerialsIssued,
    Subject,
)
from registry.state import Row, State
from registry.tables import (
    RegBatch,
    RegBatchClaim,
    RegBatchInput,
    RegEvent,
    RegProduct,
    RegRight,
    RegSerial,
)
from registry.values import decimal_text

INSPECTING_ROLES = {"inspector", "certifier", "authority"}


@kind("product.registered.v1", ProductRegistered, roles=("producer",))
def product_registered(state: State, ctx: Context, body: ProductRegistered) -> None:
    absent(state, RegProduct, "product", "sản phẩm", gtin=body.gtin)
    state.insert(RegProduct, gtin=body.gtin, producer=ctx.issuer, name_vi=body.names.vi, name_en=body.names.en,
                 unit=body.unit, entry=ctx.index)


def _claim_right(state: State, ctx: Context, body: BatchRegistered, subject: Subject) -> Row:
    """The issuer's right of use for `subject` in force on the production date, after the subject's own checks."""
    day = body.produced_on
    if subject.type == "gi":
        gi = _gi(state, subject.id)
        if in_area(state, gi["id"], body.origin.code, body.origin.version) is None:
            raise RuleViolationError(
                "origin-outside-area",
                f"origin commune {body.origin.code} ({body.origin.version}) is outside the area of GI {gi['id']}",
                f"xã xuất xứ {body.origin.code} ({body.origin.version}) nằm ngoài vùng của chỉ dẫn địa lý {gi['id']}")
    else:
        mark = _mark(state, subject.id)
        if not mark["valid_from"] <= day <= mark["valid_until"]:
            raise RuleViolationError(
                "mark-not-in-force", f"mark {mark['id']} is valid {mark['valid_from']} to {mark['valid_until']}, "
                f"not on {day}", f"nhãn hiệu {mark['id']} có hiệu lực từ {mark['valid_from']} đến "
                f"{mark['valid_until']}, không phải ngày {day}")
    for right in state.find(RegRight, holder=ctx.issuer, subject_type=subject.type, subject_id=subject.id):
        if right_active_on(state, right, day):
            return right
    raise RuleViolationError(
        "no-right-of-use", f"{ctx.issuer} holds no right to use {subject.type} {subject.id} in force on {day}",
        f"{ctx.issuer} không có quyền sử dụng {subject.type} {subject.id} còn hiệu lực vào ngày {day}")


def _use_quota(state: State, right: Row, body: BatchRegistered) -> None:
    if right["quota_quantity"] is None:
        return
    if right["quota_unit"] != body.unit:
        raise RuleViolationError(
            "quota-unit", f"right {right['id']} counts its quota in {right['quota_unit']}, the batch in {body.unit}",
            f"quyền {right['id']} tính hạn mức theo {right['quota_unit']}, lô hàng theo {body.unit}")
    used = Decimal(right["quota_used"]) + Decimal(body.quantity)
    if used > Decimal(right["quota_quantity"]):
        raise RuleViolationError(
            "quota-exceeded", f"batches under right {right['id']} would total {decimal_text(used)} {body.unit}; "
            f"the quota is {right['quota_quantity']}", f"các lô theo quyền {right['id']} sẽ đạt "
            f"{decimal_text(used)} {body.unit}; hạn mức là {right['quota_quantity']}")
    state.update(RegRight, {"id": right["id"]}, quota_used=decimal_text(used))


def holders(state: State, row: Row) -> set[str]:
    """Who holds a batch: its producer and every organisation it was shipped or handed to."""
    events = state.find(RegEvent, gtin=row["gtin"], lot=row["lot"])
    return {row["producer"], *(e["destination"] for e in events if e["destination"])}


def _consume(state: State, ctx: Context, body: BatchRegistered, item: Input) -> None:
    source = batch(state, item.gtin, item.lot)
    if ctx.issuer not in holders(state, source):
        raise NotAllowedError("input-not-held", f"{ctx.issuer} does not hold input batch {item.gtin}/{item.lot}",
                              f"{ctx.issuer} không nắm giữ lô đầu vào {item.gtin}/{item.lot}")
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


@kind("batch.registered.v1", BatchRegistered, roles=("producer",))
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
    not_after_issue(ctx, body.produced_on, "production date", "ngày sản xuất")
    not_ancient(body.produced_on, "production date", "ngày sản xuất")
    if len({(c.type, c.id) for c in body.claims}) != len(body.claims):
        raise RuleViolationError("repeated-claim", "a GI or mark is claimed twice",
                                 "một chỉ dẫn hoặc nhãn hiệu bị khai hai lần")
    if len({(i.gtin, i.lot) for i in body.inputs}) != len(body.inputs):
        raise RuleViolationError("repeated-input", "an input batch is listed twice",
                                 "một lô đầu vào bị liệt kê hai lần")
    claims = [(subject, _claim_right(state, ctx, body, subject)) for subject in body.claims]
    for subject, right in claims:
        # Made from inputs that already carry the claim: that produce was counted against the quota once.
        if not any(state.get(RegBatchClaim, gtin=i.gtin, lot=i.lot, subject_type=subject.type,
                             subject_id=subject.id) for i in body.inputs):
            _use_quota(state, right, body)
    for item in body.inputs:
        _consume(state, ctx, body, item)
    state.insert(RegBatch, gtin=body.gtin, lot=body.lot, producer=ctx.issuer, quantity=body.quantity, unit=body.unit,
                 produced_on=body.produced_on, origin_code=body.origin.code, origin_version=body.origin.version,
                 entry=ctx.index)
    for subject, right in claims:
        state.insert(RegBatchClaim, gtin=body.gtin, lot=body.lot, subject_type=subject.type, subject_id=subject.id,
                     right=right["id"])


@kind("batch.event.v1", BatchEvent)
def batch_event(state: State, ctx: Context, body: BatchEvent) -> None:
    row = batch(state, body.gtin, body.lot)
    inspecting = body.biz_step == "inspecting" and ctx.roles & INSPECTING_ROLES
    holder = ctx.issuer in holders(state, row)
    if not inspecting and not holder:
        raise NotAllowedError("not-holder", f"{ctx.issuer} neither made nor received batch {body.gtin}/{body.lot}",
                              f"{ctx.issuer} không sản xuất cũng không nhận lô {body.gtin}/{body.lot}")
    # A destination makes its organisation a holder (who may consume the batch): only a holder hands it on.
    if not holder and body.destination is not None:
        raise NotAllowedError("not-holder", f"{ctx.issuer} inspects batch {body.gtin}/{body.lot} but does not hold "
                              f"it, so it cannot hand it to {body.destination}", f"{ctx.issuer} kiểm tra lô "
                              f"{body.gtin}/{body.lot} nhưng không nắm giữ lô, nên không thể giao cho "
                              f"{body.destination}")
    for party in (body.source, body.destination):
        if party is not None:
            organisation(state, party)
    not_after_issue(ctx, body.event_time, "event time", "thời điểm sự kiện")
    not_before(row["produced_on"], body.event_time[:10], "event time", "thời điểm sự kiện")
    place = body.place
    state.insert(RegEvent, entry=ctx.index, gtin=body.gtin, lot=body.lot, issuer=ctx.issuer, biz_step=body.biz_step,
                 disposition=body.disposition, event_time=body.event_time,
                 place_code=place.commune.code if place and place.commune else None,
                 place_version=place.commune.version if place and place.commune else None,
                 place_name=place.name if place else None, source=body.source, destination=body.destination,
                 note=body.note)


@kind("batch.recalled.v1", BatchRecalled, roles=("producer", "authority"))
def batch_recalled(state: State, ctx: Context, body: BatchRecalled) -> None:
    row = batch(state, body.gtin, body.lot)
    if ctx.issuer != row["producer"] and "authority" not in ctx.roles:
        raise NotAllowedError("not-yours", f"only {row['producer']} or an authority may recall this batch",
                              f"chỉ {row['producer']} hoặc cơ quan quản lý được thu hồi lô này")
    if row["recalled_entry"] is not None:
        raise ConflictError("already-recalled", f"batch {body.gtin}/{body.lot} was already recalled",
                            f"lô {body.gtin}/{body.lot} đã bị thu hồi trước đó")
    state.update(RegBatch, {"gtin": body.gtin, "lot": body.lot}, recalled_entry=ctx.index)


@kind("serials.issued.v1", SerialsIssued, roles=("producer",))
def serials_issued(state: State, ctx: Context, body: SerialsIssued) -> None:
    row = batch(state, body.gtin, body.lot)
    if row["producer"] != ctx.issuer:
        raise NotAllowedError("not-your-batch", f"batch {body.gtin}/{body.lot} belongs to {row['producer']}",
                              f"lô {body.gtin}/{body.lot} thuộc về {row['producer']}")
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
