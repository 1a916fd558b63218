"""Corrections: a statement that retracts an earlier one, which then has no effect, as if it had never been made.

Nothing is edited: the retracted entry stays in the log and pages show it with who retracted it, when and why.
The rules, for an entry X and a correction C of X:

- C is made by X's own issuer, or by an authority governing X's subject (`registry.handlers.scope`); anyone
  else is refused `not-your-entry`. A retraction is a decision with its author's scope: an authority retracting
  its own decision about a right, an authority's recall, or its own ruling on a correction must still govern
  the subject (`out-of-scope` once its delegation is gone); a producer, holder or certifier retracts what it
  said of its own things without one.
- Corrections nest to any depth: a correction of C retracts C, which puts X back in force. X is retracted while
  at least one correction of X is itself in force.
- The governing authority's decision overrides the subject's own: once an authority has corrected anything in
  X's tree of corrections, X's own issuer can no longer correct X (`decided-by-authority`), and an issuer cannot
  correct an authority's correction (it is not the issuer's entry).
- Only statements whose effect can be undone exactly are retracted this way: batch registrations, events,
  recalls and serials; certifications and their revocations; suspensions, reinstatements and revocations of
  rights; corrections. The others have their own way back (a right is revoked, a key revoked, a GI amended, an
  organisation updated), which the refusal names.
- Retracting a batch registration withdraws the batch; what it consumed and the quota it used stay used, so a
  retraction can never be used to consume the same input or quota twice.
"""

from registry.errors import ConflictError, NotAllowedError, RuleViolationError, UnknownReferenceError
from registry.handlers import names
from registry.handlers.indications import governs_subject
from registry.handlers.scope import governs_batch, out_of_scope, root_of, scope_of
from registry.kinds import BATCH_REGISTERED, PRODUCT_REGISTERED, Context, kind
from registry.queries import current_recall, right_status
from registry.schemas import Correction, Subject
from registry.state import Row, State
from registry.tables import (
    RegBatch,
    RegCertification,
    RegCorrection,
    RegEntry,
    RegEvent,
    RegRecall,
    RegRight,
    RegRightChange,
    RegSerial,
)

RETRACTABLE = frozenset({
    *BATCH_REGISTERED, "batch.event.v1", "batch.recalled.v1", "serials.issued.v1", "certification.issued.v1",
    "certification.revoked.v1", "right.suspended.v1", "right.reinstated.v1", "right.revoked.v1", "correction.v1",
})

_INSTEAD = {
    "right.granted.v1": ("revoke the right (right.revoked.v1) from the day it should end",
                         "thu hồi quyền sử dụng (right.revoked.v1) từ ngày quyền phải chấm dứt"),
    "key.added.v1": ("revoke the key (key.revoked.v1)", "thu hồi khóa (key.revoked.v1)"),
    **dict.fromkeys(PRODUCT_REGISTERED, ("stop registering batches of it", "ngừng đăng ký lô cho sản phẩm này")),
}
_DEFAULT_INSTEAD = ("record a new statement of its kind that states what is right (an update, amendment, "
                    "revocation or cancellation)", "lập tuyên bố mới cùng loại ghi nhận thông tin đúng (cập nhật, "
                    "sửa đổi, thu hồi hoặc hủy bỏ)")


def batch_key(subject: str) -> tuple[str, str]:
    """(gtin, lot) of a subject "batch:{gtin}/{lot}" (a GTIN has no slash; a lot may)."""
    gtin, _, lot = subject.removeprefix("batch:").partition("/")
    return gtin, lot


def _governs(state: State, ctx: Context, subject: str) -> bool:
    """Whether the issuer is an authority governing `subject` on the day of its statement."""
    if "authority" not in ctx.roles:
        return False
    kind_, _, key = subject.partition(":")
    if kind_ == "right":
        right = state.get(RegRight, id=key)
        return right is not None and governs_subject(state, ctx, Subject(type=right["subject_type"],
                                                                         id=right["subject_id"]))
    if kind_ == "batch":
        gtin, lot = batch_key(subject)
        row = state.get(RegBatch, gtin=gtin, lot=lot)
        return row is not None and governs_batch(state, scope_of(state, ctx), row)
    return ctx.issuer == root_of(state)


def _a_ruling(state: State, target: Row) -> bool:
    """Whether an entry is a governing decision rather than what an organisation said of its own things: a
    decision on a right, a recall by someone other than the batch's producer, an authority's correction."""
    if target["kind"].startswith("right."):
        return True
    if target["kind"] == "batch.recalled.v1":
        gtin, lot = batch_key(target["subject"])
        row = state.get(RegBatch, gtin=gtin, lot=lot)
        return row is not None and row["producer"] != target["issuer"]
    if target["kind"] == "correction.v1":
        correction_row = state.get(RegCorrection, entry=target["entry"])
        return correction_row is not None and bool(correction_row["authority"])
    return False


def _tree(state: State, index: int) -> list[Row]:
    """Every correction below entry `index`: its corrections, theirs, and so on."""
    found: list[Row] = []
    frontier = [index]
    while frontier:
        rows = [c for i in frontier for c in state.find(RegCorrection, corrected_entry=i)]
        found.extend(rows)
        frontier = [c["entry"] for c in rows]
    return found


def _entry(state: State, index: int) -> Row:
    row = state.get(RegEntry, entry=index)
    if row is None:
        raise UnknownReferenceError("unknown-entry", f"entry {index} is not in the log",
                                    f"mục {index} không có trong sổ cái")
    return row


@kind("correction.v1", Correction)
def correction(state: State, ctx: Context, body: Correction) -> None:
    """Retracts entry `body.entry` (see the module's rules)."""
    if body.entry >= ctx.index or (body.replacement is not None and body.replacement >= ctx.index):
        raise RuleViolationError("correction-of-future", "a correction can only name earlier entries",
                                 "chỉ có thể đính chính các mục trước đó")
    target = _entry(state, body.entry)
    if target["kind"] not in RETRACTABLE:
        en, vi = _INSTEAD.get(target["kind"], _DEFAULT_INSTEAD)
        raise RuleViolationError(
            "not-retractable", f"entry {body.entry} ({target['kind']}) cannot be retracted; {en}",
            f"không thể rút lại mục {body.entry} ({target['kind']}); hãy {vi}")
    own = target["issuer"] == ctx.issuer
    if not own and not _governs(state, ctx, target["subject"]):
        by_en, by_vi = names.org(state, target["issuer"])
        raise NotAllowedError("not-your-entry", f"entry {body.entry} was issued by {by_en}; only its "
                              "issuer or an authority governing its subject may correct it",
                              f"mục {body.entry} do {by_vi} lập; chỉ bên lập hoặc cơ quan có thẩm quyền "
                              "đối với đối tượng này được đính chính")
    if own and _a_ruling(state, target) and not _governs(state, ctx, target["subject"]):
        raise out_of_scope(state, ctx, scope_of(state, ctx), f"retract its decision at entry {body.entry}, which needs "
                           "jurisdiction over its subject", f"rút lại quyết định tại mục {body.entry}, việc này cần "
                           "thẩm quyền đối với đối tượng của quyết định")
    tree = _tree(state, body.entry)
    if own and any(c["authority"] for c in tree):
        raise ConflictError("decided-by-authority", f"an authority has ruled on entry {body.entry}; its issuer can "
                            "no longer correct it", f"cơ quan có thẩm quyền đã quyết định về mục {body.entry}; bên lập "
                            "không thể tự đính chính mục này nữa")
    mine = [c for c in tree if c["corrected_entry"] == body.entry and c["issuer"] == ctx.issuer]
    if any(not _entry(state, c["entry"])["retracted"] for c in mine):
        who_en, who_vi = names.org(state, ctx.issuer)
        raise ConflictError("already-corrected", f"{who_en} has already retracted entry {body.entry}",
                            f"{who_vi} đã rút lại mục {body.entry} trước đó")
    if body.replacement is not None and _entry(state, body.replacement)["issuer"] not in (ctx.issuer, target["issuer"]):
        (who_en, who_vi), (by_en, by_vi) = names.org(state, ctx.issuer), names.org(state, target["issuer"])
        raise RuleViolationError("replacement-of-another-issuer",
                                 f"replacement entry {body.replacement} was issued by neither {who_en} nor {by_en}",
                                 f"mục thay thế {body.replacement} không do {who_vi} hay {by_vi} lập")
    state.update(RegEntry, {"entry": ctx.index}, subject=target["subject"])
    state.insert(RegCorrection, entry=ctx.index, corrected_entry=body.entry, replacement=body.replacement,
                 issuer=ctx.issuer, reason=body.reason, authority=not own)
    settle(state, body.entry)


def settle(state: State, index: int) -> None:
    """Recompute whether entry `index` is retracted and carry the change up: a correction that falls or comes
    back in force changes whether the entry it corrects is retracted."""
    while True:
        row = _entry(state, index)
        retracted = any(not _entry(state, c["entry"])["retracted"]
                        for c in state.find(RegCorrection, corrected_entry=index))
        if retracted == row["retracted"]:
            return
        state.update(RegEntry, {"entry": index}, retracted=retracted)
        if row["kind"] != "correction.v1":
            _apply(state, row, retracted)
            return
        index = next(c["corrected_entry"] for c in state.find(RegCorrection, entry=index))


def _apply(state: State, row: Row, retracted: bool) -> None:
    """Give or take back the effect of entry `row` on the projections."""
    index, kind_, subject = row["entry"], row["kind"], row["subject"]
    if kind_.startswith("right."):
        state.update(RegRightChange, {"entry": index}, retracted=retracted)
        right = subject.removeprefix("right:")
        state.update(RegRight, {"id": right}, status=right_status(state, right))
    elif kind_ == "batch.recalled.v1":
        state.update(RegRecall, {"entry": index}, retracted=retracted)
        gtin, lot = batch_key(subject)
        state.update(RegBatch, {"gtin": gtin, "lot": lot}, recalled_entry=current_recall(state, gtin, lot))
    elif kind_ == "batch.event.v1":
        state.update(RegEvent, {"entry": index}, retracted=retracted)
    elif kind_ == "serials.issued.v1":
        state.update_where(RegSerial, {"entry": index}, retracted=retracted)
    elif kind_ in BATCH_REGISTERED:
        gtin, lot = batch_key(subject)
        state.update(RegBatch, {"gtin": gtin, "lot": lot}, retracted=retracted)
    elif kind_ == "certification.issued.v1":
        state.update(RegCertification, {"id": subject.removeprefix("certification:")}, retracted=retracted)
    elif kind_ == "certification.revoked.v1":
        revocations = [r["entry"] for r in state.find(RegEntry, subject=subject, kind=kind_) if not r["retracted"]]
        state.update(RegCertification, {"id": subject.removeprefix("certification:")},
                     revoked_entry=min(revocations) if revocations else None)
