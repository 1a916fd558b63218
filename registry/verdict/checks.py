"""The checks a verdict makes, each with a stable code, the severity its failure gives the verdict, and a
message in Vietnamese and English giving value and expectation.

`registry.verdict.judge.judge` gathers the facts and runs these checks; `Checks` collects their reasons and
gives the verdict, the gravest severity among the failing ones (`VERDICTS`). `claim_status` is the rule a GI or
mark claim is held to, on the production date and on the day the batch was registered.
"""

from datetime import date, timedelta

from registry.values import day_en, day_vi
from registry.verdict.facts import Product, Retracted
from registry.verdict.record import Batch, Claim, Input, Origin, Reason, ScanStats, Serial
from registry.verdict.rights import Certification, Indication, Right, change_on, in_window

VERDICTS = ("unknown", "recalled", "invalid", "warning")
"""Failing severities, gravest first; with none failing the verdict is `authentic`. A recall outranks `invalid`:
it is the one outcome that tells the holder to stop using the product, whatever else is wrong with it."""

PRODUCTION = ("the production date", "ngày sản xuất")
REGISTRATION = ("the day the batch was registered", "ngày đăng ký lô")

_ACTION = {"suspended": ("suspended", "bị đình chỉ"), "revoked": ("revoked", "bị thu hồi")}
_SUBJECT = {"batch": ("batch", "lô hàng"), "product": ("product", "sản phẩm"), "producer": ("producer", "nhà sản xuất")}


class Checks:
    """The reasons of the checks made so far."""

    def __init__(self) -> None:
        self.reasons: list[Reason] = []

    def add(self, code: str, ok: bool, severity: str, en: str, vi: str) -> None:
        self.reasons.append(Reason(code, ok, severity, en, vi))

    def verdict(self) -> str:
        failed = {r.severity for r in self.reasons if not r.ok}
        return next((v for v in VERDICTS if v in failed), "authentic")


def _lot(gtin: str, lot: str) -> tuple[str, str]:
    return f"{lot} of GTIN {gtin}", f"{lot} của GTIN {gtin}"


def _window(start: str, end: str | None) -> tuple[str, str]:
    if end is None:
        return f"from {start}", f"từ ngày {start}"
    return f"from {start} to {end}", f"từ ngày {start} đến ngày {end}"


def _kind(claim: Indication) -> tuple[str, str]:
    if claim.type == "gi":
        return "GI", "chỉ dẫn địa lý"
    if claim.mark_type == "collective":
        return "collective mark", "nhãn hiệu tập thể"
    return "certification mark", "nhãn hiệu chứng nhận"


def claim_status(claim: Indication, right: Right | None, day: str, what_en: str,
                 what_vi: str) -> tuple[str, str, str]:
    """The status of a claim on `day` (`what_en`/`what_vi` say which day it is) and why, in English and Vietnamese.

    `valid`, or the first reason it is not: the GI or mark `cancelled` on or before `day`; the mark or the
    right `not-in-force` (its validity does not cover `day`); the right `suspended` or `revoked` by its
    latest change effective on or before `day`; `no-right` when no right of use is cited.
    """
    kind_en, kind_vi = _kind(claim)
    need_en = f"; a batch may carry the {kind_en} only if it and the right to use it are in force on that date"
    need_vi = f"; lô hàng chỉ được mang {kind_vi} khi {kind_vi} và quyền sử dụng còn hiệu lực vào ngày đó"
    if claim.cancelled_on is not None and claim.cancelled_on <= day:
        return ("cancelled", f"it was cancelled on {claim.cancelled_on}, on or before {what_en} {day}{need_en}",
                f"đã bị hủy ngày {claim.cancelled_on}, không muộn hơn {what_vi} {day}{need_vi}")
    if claim.type == "mark" and not (claim.valid_from or "") <= day <= (claim.valid_until or ""):
        en, vi = _window(claim.valid_from or "", claim.valid_until)
        return ("not-in-force", f"the mark is valid {en}, which does not cover {what_en} {day}{need_en}",
                f"nhãn hiệu có hiệu lực {vi}, không bao gồm {what_vi} {day}{need_vi}")
    if right is None:
        return ("no-right", f"no right to use it is recorded for the producer{need_en}",
                f"không có quyền sử dụng nào được ghi nhận cho nhà sản xuất{need_vi}")
    if not in_window(right, day):
        en, vi = _window(right.valid_from, right.valid_until)
        return ("not-in-force", f"right of use {right.id} is valid {en}, which does not cover {what_en} {day}"
                f"{need_en}", f"quyền sử dụng {right.id} có hiệu lực {vi}, không bao gồm {what_vi} {day}{need_vi}")
    last = change_on(right, day)
    if last is not None and last.action != "reinstated":
        action_en, action_vi = _ACTION[last.action]
        return (last.action, f"right of use {right.id} was {action_en} from {last.effective_on} by a decision "
                f"recorded on {last.decided_on} (entry {last.entry}: {last.reason}), on or before {what_en} {day}"
                f"{need_en}", f"quyền sử dụng {right.id} {action_vi} từ ngày {last.effective_on} theo quyết định ghi "
                f"nhận ngày {last.decided_on} (mục {last.entry}: {last.reason}), không muộn hơn {what_vi} {day}"
                f"{need_vi}")
    return ("valid", f"right of use {right.id} held by {right.holder} was in force on {what_en} {day}",
            f"quyền sử dụng {right.id} của {right.holder} còn hiệu lực vào {what_vi} {day}")


def certification_status(cert: Certification, today: str) -> str:
    """`revoked`, `not-yet-valid`, `expired` or `valid`, on `today`."""
    if cert.revoked:
        return "revoked"
    if today < cert.valid_from:
        return "not-yet-valid"
    return "expired" if today > cert.valid_until else "valid"


def check_claims(checks: Checks, claims: list[Claim], origin: Origin, produced_on: str, registered_on: str) -> None:
    for claim in claims:
        kind_en, kind_vi = _kind(claim.indication)
        what_en = f"{kind_en[0].upper()}{kind_en[1:]} {claim.indication.id} ({claim.indication.names.en})"
        what_vi = f"{kind_vi[0].upper()}{kind_vi[1:]} {claim.indication.id} ({claim.indication.names.vi})"
        status, en, vi = claim_status(claim.indication, claim.right, produced_on, *PRODUCTION)
        checks.add("claim-valid-at-production", status == "valid", "invalid", f"{what_en}: {en}", f"{what_vi}: {vi}")
        again, en, vi = claim_status(claim.indication, claim.right, registered_on, *REGISTRATION)
        if again == status != "valid":
            # The same reason twice would say everything twice: say only that it held on that day too.
            en = f"not in force on the day the batch was registered ({registered_on}) either"
            vi = f"cũng không còn hiệu lực vào ngày đăng ký lô ({registered_on})"
        checks.add("claim-valid-at-registration", again == "valid", "invalid", f"{what_en}: {en}",
                   f"{what_vi}: {vi}")
    for area in origin.areas:
        where = f"{origin.code} ({origin.version})"
        if not area.inside:
            checks.add("origin-in-area", False, "invalid",
                       f"Origin commune {where} was not in the area of GI {area.gi} when the batch was registered",
                       f"Xã xuất xứ {where} không nằm trong vùng của chỉ dẫn địa lý {area.gi} khi lô được đăng ký")
        elif area.inside_now:
            stage = "" if area.stage is None else f" ({area.stage})"
            checks.add("origin-in-area", True, "warning", f"Origin commune {where} lies in the area of GI {area.gi}"
                       f"{stage}", f"Xã xuất xứ {where} nằm trong vùng của chỉ dẫn địa lý {area.gi}{stage}")
        else:
            checks.add("origin-in-area", False, "warning",
                       f"Origin commune {where} is not in the area of GI {area.gi} as amended since the batch was "
                       "registered; the area then included it",
                       f"Xã xuất xứ {where} không còn nằm trong vùng của chỉ dẫn địa lý {area.gi} sau khi vùng được "
                       "sửa đổi; khi đăng ký lô, vùng vẫn bao gồm xã này")


def check_recalls(checks: Checks, batch: Batch, inputs: list[Input]) -> None:
    """The batch itself recalled makes the verdict `recalled`; a recalled input only a `warning`, because a recall
    speaks of the batch it names: whether what was made from it is affected is for its maker or an authority to
    say, by recalling it too."""
    lot, lot_vi = _lot(batch.gtin, batch.lot)
    recall_ = batch.recall
    if recall_ is None:
        checks.add("not-recalled", True, "recalled", f"Batch {lot} has not been recalled",
                   f"Lô {lot_vi} chưa bị thu hồi")
    else:
        checks.add("not-recalled", False, "recalled",
                   f"Batch {lot} was recalled by {recall_.issuer} on {recall_.on} (entry {recall_.entry}): "
                   f"{recall_.reason}; a recalled batch should be neither sold nor used",
                   f"Lô {lot_vi} đã bị {recall_.issuer} thu hồi ngày {recall_.on} (mục {recall_.entry}): "
                   f"{recall_.reason}; không được bán hoặc sử dụng lô đã bị thu hồi")
    if not inputs:
        return
    recalled = [(i, i.recall) for i in inputs if i.recall is not None]
    if recalled:
        checks.add("inputs-not-recalled", False, "warning",
                   "Input batches " + "; ".join(f"{i.lot} ({i.gtin}), recalled on {r.on} (entry {r.entry}): {r.reason}"
                                                for i, r in recalled)
                   + "; a batch made from a recalled input may be affected by what its recall says",
                   "Các lô đầu vào " + "; ".join(f"{i.lot} ({i.gtin}), bị thu hồi ngày {r.on} (mục {r.entry}): "
                                                 f"{r.reason}" for i, r in recalled)
                   + "; lô làm từ lô đầu vào đã bị thu hồi có thể bị ảnh hưởng bởi lý do thu hồi đó")
    else:
        checks.add("inputs-not-recalled", True, "warning", f"No input batch has been recalled ({len(inputs)} checked)",
                   f"Không lô đầu vào nào bị thu hồi (đã kiểm tra {len(inputs)} lô)")


def check_expiry(checks: Checks, batch: Batch, today: str) -> None:
    """Whether the batch is past its expiry date on `today`: goods are expired the day after it (Decree
    43/2017/NĐ-CP Art. 3(11)). A batch without one (ceramics, silk, fresh fruit) is not checked."""
    if batch.expires_on is None:
        return
    lot, lot_vi = _lot(batch.gtin, batch.lot)
    until_en, until_vi = day_en(batch.expires_on), day_vi(batch.expires_on)
    if batch.expiry_derived:
        days = (date.fromisoformat(batch.expires_on) - date.fromisoformat(batch.produced_on)).days
        until_en += f" ({days} days from its production on {day_en(batch.produced_on)})"
        until_vi += f" (tính {days} ngày từ ngày sản xuất {day_vi(batch.produced_on)})"
    if today <= batch.expires_on:
        checks.add("not-expired", True, "warning", f"Batch {lot} may be used until {until_en}; today is "
                   f"{day_en(today)}", f"Lô {lot_vi} còn hạn sử dụng đến hết ngày {until_vi}; hôm nay là ngày "
                   f"{day_vi(today)}")
        return
    since = (date.fromisoformat(batch.expires_on) + timedelta(days=1)).isoformat()
    checks.add("not-expired", False, "warning",
               f"Expired since {day_en(since)}: the expiry date of batch {lot} is {until_en}; expired goods should "
               "be neither sold nor used",
               f"Đã hết hạn sử dụng từ ngày {day_vi(since)}: lô {lot_vi} chỉ được dùng đến hết ngày {until_vi}; "
               "không được bán hoặc sử dụng hàng đã hết hạn sử dụng")


def check_certifications(checks: Checks, certs: list[Certification], today: str) -> list[tuple[Certification, str]]:
    judged = []
    for cert in certs:
        status = certification_status(cert, today)
        judged.append((cert, status))
        subject_en, subject_vi = _SUBJECT[cert.subject]
        what_en = f"Certification {cert.id} ({cert.scheme}) of the {subject_en} by {cert.certifier.id}"
        what_vi = f"Chứng nhận {cert.id} ({cert.scheme}) cho {subject_vi} do {cert.certifier.id} cấp"
        if status == "revoked":
            en, vi = f"was revoked at entry {cert.revoked_entry}", f"đã bị thu hồi tại mục {cert.revoked_entry}"
        else:
            window_en, window_vi = _window(cert.valid_from, cert.valid_until)
            en, vi = f"is valid {window_en}; today is {today}", f"có hiệu lực {window_vi}; hôm nay là ngày {today}"
        checks.add("certification-valid", status == "valid", "warning", f"{what_en} {en}", f"{what_vi} {vi}")
        passed = cert.result == "pass" or cert.revoked
        if cert.result == "pass":
            en, vi = "records a pass", "ghi nhận kết quả đạt"
        elif cert.revoked:
            en, vi = "recorded a fail but was revoked", "ghi nhận kết quả không đạt nhưng đã bị thu hồi"
        else:
            en, vi = ("records a fail; a genuine product passes its certifications",
                      "ghi nhận kết quả không đạt; sản phẩm chính hãng phải đạt các chứng nhận của mình")
        checks.add("certification-passed", passed, "invalid" if cert.subject == "batch" else "warning",
                   f"{what_en} {en}", f"{what_vi} {vi}")
    return judged


def check_registration(checks: Checks, batch: Batch, retractions: list[Retracted]) -> None:
    lot, lot_vi = _lot(batch.gtin, batch.lot)
    checks.add("batch-registered", True, "unknown",
               f"Batch {lot} is registered at entry {batch.entry}: {batch.quantity} {batch.unit} produced on "
               f"{batch.produced_on}, registered on {batch.registered_on}",
               f"Lô {lot_vi} đã được đăng ký tại mục {batch.entry}: {batch.quantity} {batch.unit}, sản xuất ngày "
               f"{batch.produced_on}, đăng ký ngày {batch.registered_on}")
    own = next((r for r in retractions if r.entry == batch.entry), None)
    if own is None:
        checks.add("not-corrected", True, "invalid", f"The batch registration (entry {batch.entry}) stands",
                   f"Việc đăng ký lô (mục {batch.entry}) vẫn còn hiệu lực")
        return
    by = own.retracted_by[0]
    checks.add("not-corrected", False, "invalid",
               f"The batch registration (entry {batch.entry}) was retracted by {by.issuer} on {by.on} (entry "
               f"{by.entry}): {by.reason}; a genuine batch's registration stands",
               f"Việc đăng ký lô (mục {batch.entry}) đã bị {by.issuer} rút lại ngày {by.on} (mục {by.entry}): "
               f"{by.reason}; đăng ký của lô chính hãng phải còn hiệu lực")


def check_item(checks: Checks, batch: Batch, serial: Serial | None, scans: ScanStats | None) -> None:
    lot, lot_vi = _lot(batch.gtin, batch.lot)
    if serial is not None:
        if serial.issued:
            checks.add("serial-issued", True, "invalid",
                       f"Serial {serial.serial} was issued for batch {lot} at entry {serial.entry}",
                       f"Số sê-ri {serial.serial} đã được cấp cho lô {lot_vi} tại mục {serial.entry}")
        else:
            n = batch.serials_issued
            checks.add("serial-issued", False, "invalid",
                       f"Serial {serial.serial} was never issued for batch {lot}, which has {n} issued serials; a "
                       "genuine item carries a serial its producer issued",
                       f"Số sê-ri {serial.serial} chưa từng được cấp cho lô {lot_vi} (lô có {n} số sê-ri đã cấp); sản "
                       "phẩm chính hãng mang số sê-ri do nhà sản xuất cấp")
    if scans is None:
        return
    seen_en = (f"This code was scanned {scans.scans} times by {scans.readers} different readers on {scans.days} days "
               f"in the last {scans.window_days} days")
    seen_vi = (f"Mã này đã được quét {scans.scans} lần bởi {scans.readers} người quét khác nhau trong {scans.days} "
               f"ngày, tính trong {scans.window_days} ngày qua")
    if not scans.implausible:
        checks.add("scans-plausible", True, "warning",
                   f"{seen_en}; a copied code is scanned by at least {scans.warn_readers} readers on "
                   f"{scans.warn_days} days or more",
                   f"{seen_vi}; mã bị sao chép thường bị ít nhất {scans.warn_readers} người quét trong "
                   f"{scans.warn_days} ngày trở lên")
        return
    checks.add("scans-plausible", False, "warning",
               f"{seen_en}: a genuine item is scanned by a few people; this many readers on this many days is what "
               "one code printed on many items looks like",
               f"{seen_vi}: một sản phẩm thật chỉ được vài người quét; nhiều người quét trong nhiều ngày như vậy là "
               "dấu hiệu một mã bị in lên nhiều sản phẩm")


def check_unknown(checks: Checks, gtin: str, lot: str, found: Product | None) -> None:
    lot_en, lot_vi = _lot(gtin, lot)
    checks.add("batch-registered", False, "unknown",
               f"No batch {lot_en} is registered; a genuine product carries a lot its producer registered",
               f"Không có lô {lot_vi} trong sổ đăng ký; sản phẩm chính hãng mang số lô do nhà sản xuất đã đăng ký")
    if found is None:
        checks.add("product-registered", False, "unknown", f"No product with GTIN {gtin} is registered",
                   f"Không có sản phẩm nào mang GTIN {gtin} trong sổ đăng ký")
    else:
        checks.add("product-registered", True, "unknown",
                   f"Product {gtin} ({found.names.en}) is registered by {found.producer} at entry {found.entry}, but "
                   "not this lot", f"Sản phẩm {gtin} ({found.names.vi}) đã được {found.producer} đăng ký tại mục "
                   f"{found.entry}, nhưng lô này thì chưa")
