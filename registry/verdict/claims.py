"""The checks of the GIs and marks a batch claims: each claim on the production date and on the day the batch was
registered (`claim_status`, the rule a claim is held to), and the origin in each claimed GI's area.

Like every check (`registry.verdict.checks`), each names things as a person would: the GI or mark by its name, the
right of use as the right of its holder, days as people write them; the entries and subjects it rests on go
beside the message.
"""

from registry.verdict.checks import Checks, cap, window
from registry.verdict.record import Batch, Claim, Origin
from registry.verdict.rights import Indication, Right, change_on, in_window
from registry.words import Writer

PRODUCTION = ("the production date", "ngày sản xuất")
REGISTRATION = ("the day the batch was registered", "ngày đăng ký lô")

_ACTION = {"suspended": ("suspended", "bị đình chỉ"), "revoked": ("revoked", "bị thu hồi")}


def _kind(claim: Indication) -> tuple[str, str]:
    if claim.type == "gi":
        return "GI", "chỉ dẫn địa lý"
    if claim.mark_type == "collective":
        return "collective mark", "nhãn hiệu tập thể"
    return "certification mark", "nhãn hiệu chứng nhận"


def _mark_covers(claim: Indication, day: str) -> bool:
    return claim.type != "mark" or (claim.valid_from or "") <= day <= (claim.valid_until or "")


def claim_status(claim: Indication, right: Right | None, day: str) -> str:
    """The status of a claim on `day`: `valid`, or the first reason it is not: the GI or mark `cancelled` on or
    before `day`; the mark or the right `not-in-force` (its validity does not cover `day`); the right `suspended`
    or `revoked` by its latest change effective on or before `day`; `no-right` when no right of use is cited.
    """
    if claim.cancelled_on is not None and claim.cancelled_on <= day:
        return "cancelled"
    if not _mark_covers(claim, day):
        return "not-in-force"
    if right is None:
        return "no-right"
    if not in_window(right, day):
        return "not-in-force"
    last = change_on(right, day)
    return last.action if last is not None and last.action != "reinstated" else "valid"


def _claim_words(w: Writer, status: str, claim: Indication, right: Right | None, producer: str, day: str,
                 which: tuple[str, str]) -> str:
    """Why a claim has `status` on `day` (`which` says, in English and Vietnamese, which day it is), in `w`'s
    language."""
    kind_en, kind_vi = _kind(claim)
    on = w.pick(f"{which[1]} {w.day(day)}", f"{which[0]}, {w.day(day)}")
    need = w.pick(f"; lô hàng chỉ được mang {kind_vi} khi {kind_vi} và quyền sử dụng còn hiệu lực vào ngày đó",
                  f"; a batch may carry the {kind_en} only if it and the right to use it are in force on that date")
    if status == "cancelled":
        return w.pick(f"đã bị hủy từ ngày {w.day(claim.cancelled_on)}, không muộn hơn {on}{need}",
                      f"it was cancelled from {w.day(claim.cancelled_on)}, no later than {on}{need}")
    if status == "not-in-force" and not _mark_covers(claim, day):
        valid = window(w, claim.valid_from or "", claim.valid_until)
        return w.pick(f"nhãn hiệu có hiệu lực {valid}, không bao gồm {on}{need}",
                      f"the mark is valid {valid}, which does not cover {on}{need}")
    if right is None:
        return w.pick(f"không có quyền sử dụng nào được ghi nhận cho {w.name(producer)}{need}",
                      f"no right to use it is recorded for {w.name(producer)}{need}")
    holder = w.name(right.holder)
    if status == "not-in-force":
        valid = window(w, right.valid_from, right.valid_until)
        return w.pick(f"quyền sử dụng của {holder} có hiệu lực {valid}, không bao gồm {on}{need}",
                      f"the right of {holder} to use it is valid {valid}, which does not cover {on}{need}")
    last = change_on(right, day)
    if status in _ACTION and last is not None:
        action_en, action_vi = _ACTION[status]
        return w.pick(f"quyền sử dụng của {holder} {action_vi} từ ngày {w.day(last.effective_on)} theo quyết định "
                      f"của {w.name(last.issuer)} ghi nhận ngày {w.day(last.decided_on)} ({w.quote(last.reason)}), "
                      f"không muộn hơn {on}{need}",
                      f"the right of {holder} to use it was {action_en} from {w.day(last.effective_on)} by a decision "
                      f"of {w.name(last.issuer)} recorded on {w.day(last.decided_on)} ({w.quote(last.reason)}), no "
                      f"later than {on}{need}")
    return w.pick(f"quyền sử dụng của {holder} còn hiệu lực vào {on}",
                  f"the right of {holder} to use it was in force on {on}")


def _claim_refs(claim: Claim, day: str) -> tuple[list[int | None], list[str]]:
    indication, right = claim.indication, claim.right
    entries: list[int | None] = [indication.entry]
    subjects = [f"{indication.type}:{indication.id}"]
    if right is not None:
        change = change_on(right, day)
        entries += [right.entry, None if change is None else change.entry]
        subjects += [f"right:{right.id}", f"organisation:{right.holder}"]
        if change is not None:
            subjects.append(f"organisation:{change.issuer}")
    return entries, subjects


def check_claims(checks: Checks, claims: list[Claim], origin: Origin, batch: Batch, producer: str) -> None:
    """Each claim on the production date and on the day of registration, and the origin in each claimed GI's
    area."""
    en_, vi_ = checks.en, checks.vi
    for claim in claims:
        indication = claim.indication
        kind_en, kind_vi = _kind(indication)
        what_en = f"{cap(kind_en)} {en_.quote(indication.names.en)}"
        what_vi = f"{cap(kind_vi)} {vi_.quote(indication.names.vi)}"
        for code, day, which, status in (
                ("claim-valid-at-production", batch.produced_on, PRODUCTION, claim.status),
                ("claim-valid-at-registration", batch.registered_on, REGISTRATION, claim.status_at_registration)):
            en = _claim_words(en_, status, indication, claim.right, producer, day, which)
            vi = _claim_words(vi_, status, indication, claim.right, producer, day, which)
            if code == "claim-valid-at-registration" and status == claim.status != "valid":
                # The same reason twice would say everything twice: say only that it held on that day too.
                en = f"not in force on the day the batch was registered, {en_.day(day)}, either"
                vi = f"cũng không có hiệu lực vào ngày đăng ký lô {vi_.day(day)}"
            entries, subjects = _claim_refs(claim, day)
            checks.add(code, status == "valid", "invalid", f"{what_en}: {en}", f"{what_vi}: {vi}", entries=entries,
                       subjects=subjects)
    check_origin(checks, claims, origin, batch)


def check_origin(checks: Checks, claims: list[Claim], origin: Origin, batch: Batch) -> None:
    en_, vi_ = checks.en, checks.vi
    named = {c.indication.id: c.indication for c in claims}
    where_en, where_vi = en_.place(origin), vi_.place(origin)
    for area in origin.areas:
        gi = named[area.gi]
        gi_en, gi_vi = en_.quote(gi.names.en), vi_.quote(gi.names.vi)
        entries = (batch.entry, gi.entry, *(c.entry for c in gi.history if c.action == "amended"))
        subjects = (f"batch:{batch.gtin}/{batch.lot}", f"gi:{gi.id}")
        if not area.inside:
            checks.add("origin-in-area", False, "invalid",
                       f"The origin ({where_en}) was not in the area of the GI {gi_en} when the batch was registered",
                       f"Nơi xuất xứ ({where_vi}) không nằm trong vùng địa lý của chỉ dẫn địa lý {gi_vi} khi lô được "
                       "đăng ký", entries=entries, subjects=subjects)
        elif area.inside_now:
            stage_en = "" if area.stage is None else f" ({en_.stage(area.stage)})"
            stage_vi = "" if area.stage is None else f" ({vi_.stage(area.stage)})"
            checks.add("origin-in-area", True, "warning", f"The origin ({where_en}) lies in the area of the GI "
                       f"{gi_en}{stage_en}", f"Nơi xuất xứ ({where_vi}) nằm trong vùng địa lý của chỉ dẫn địa lý "
                       f"{gi_vi}{stage_vi}", entries=entries, subjects=subjects)
        else:
            checks.add("origin-in-area", False, "warning",
                       f"The origin ({where_en}) is not in the area of the GI {gi_en} as amended since the batch was "
                       "registered; the area then included it",
                       f"Nơi xuất xứ ({where_vi}) không còn nằm trong vùng địa lý của chỉ dẫn địa lý {gi_vi} sau khi "
                       "vùng được sửa đổi; khi đăng ký lô, vùng vẫn bao gồm nơi này", entries=entries,
                       subjects=subjects)
