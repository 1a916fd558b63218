"""What the consumer page says went wrong, one plain sentence per finding, in names and local dates.

A verdict's reasons (`registry.verdict.record.Reason`) state value and expectation for an auditor, with the
entries and subjects each rests on; the page keeps them among the expert details. A shopper reads these
sentences instead, written here from the same facts. A failing check this module does not know yet is shown by
its own message, so no finding is ever left out. The recall of the batch itself is not a finding: the page gives
it its own block.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from registry.verdict.record import Claim, Verdict
from registry.verdict.rights import Certification, Indication, change_on
from registry.words import Writer


def sentence(text: str) -> str:
    """Someone's own words, ended as a sentence."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


@dataclass(frozen=True)
class Finding:
    severity: str
    """The severity of the failing check it comes from: `invalid` or `warning`."""
    text: str


_KINDS = {"gi": ("chỉ dẫn địa lý", "geographical indication"), "collective": ("nhãn hiệu tập thể", "collective mark"),
          "certification": ("nhãn hiệu chứng nhận", "certification mark")}


def _kind(indication: Indication) -> tuple[str, str]:
    return _KINDS[indication.type if indication.type == "gi" else indication.mark_type or "collective"]


def _claim(verdict: Verdict, claim: Claim, w: Writer) -> str:
    """Why a claim does not hold: on the production date, or else on the day of registration."""
    assert verdict.batch is not None  # noqa: S101  (claims are judged only for a registered batch)
    indication, right = claim.indication, claim.right
    kind_vi, kind_en = _kind(indication)
    what = w.pick(f"{kind_vi} «{indication.names.vi}»", f"the {kind_en} “{indication.names.en}”")
    producer = w.name(None if verdict.producer is None else verdict.producer.id)
    if claim.status != "valid":
        status, on = claim.status, verdict.batch.produced_on
        the_day = w.pick(f"ngày sản xuất {w.day(on)}", f"the production date, {w.day(on)}")
    else:
        status, on = claim.status_at_registration, verdict.batch.registered_on
        the_day = w.pick(f"ngày đăng ký lô {w.day(on)}", f"the day the batch was registered, {w.day(on)}")
    if status == "cancelled":
        return w.pick(f"Nhãn ghi {what}, nhưng {kind_vi} này đã bị hủy từ ngày {w.day(indication.cancelled_on)}.",
                      f"The label claims {what}, which was cancelled from {w.day(indication.cancelled_on)}.")
    if status == "no-right" or right is None:
        return w.pick(f"Nhãn ghi {what}, nhưng {producer} không có quyền sử dụng {kind_vi} này.",
                      f"The label claims {what}, but {producer} holds no right to use it.")
    change = change_on(right, on)
    if status in ("suspended", "revoked") and change is not None:
        # Who decided and why is in the claim's own block; the finding says what it means for this batch.
        done_vi, done_en = ("bị đình chỉ", "suspended") if status == "suspended" else ("bị thu hồi", "revoked")
        return w.pick(f"Nhãn ghi {what}, nhưng quyền sử dụng của {producer} {done_vi} từ ngày "
                      f"{w.day(change.effective_on)}, không muộn hơn {the_day}.",
                      f"The label claims {what}, but the right of {producer} to use it was {done_en} from "
                      f"{w.day(change.effective_on)}, no later than {the_day}.")
    return w.pick(f"Nhãn ghi {what}, nhưng quyền sử dụng của {producer} không có hiệu lực vào {the_day}.",
                  f"The label claims {what}, but the right of {producer} to use it was not in force on {the_day}.")


def _claims(verdict: Verdict, w: Writer) -> Iterator[Finding]:
    for claim in verdict.claims:
        if claim.status != "valid" or claim.status_at_registration != "valid":
            yield Finding("invalid", _claim(verdict, claim, w))
    origin = verdict.origin
    if origin is None:
        return
    names = {c.indication.id: c.indication.names for c in verdict.claims}
    for area in origin.areas:
        gi = w.names(names.get(area.gi))
        if not area.inside:
            yield Finding("invalid", w.pick(
                f"Nơi sản xuất ({w.place(origin)}) không thuộc vùng chỉ dẫn địa lý «{gi}».",
                f"Where it was made ({w.place(origin)}) is not in the area of the geographical indication “{gi}”."))
        elif not area.inside_now:
            yield Finding("warning", w.pick(
                f"Nơi sản xuất ({w.place(origin)}) không còn thuộc vùng chỉ dẫn địa lý «{gi}» sau khi vùng được "
                "sửa đổi; khi lô được đăng ký, vùng vẫn bao gồm nơi này.",
                f"Where it was made ({w.place(origin)}) is no longer in the area of the geographical indication "
                f"“{gi}” as amended since; the area included it when the batch was registered."))


def _registration(verdict: Verdict, w: Writer) -> Iterator[Finding]:
    batch = verdict.batch
    if batch is None:
        return
    retracted = next((h for h in verdict.history if h.entry == batch.entry and h.retracted_by), None)
    if batch.withdrawn and retracted is not None:
        by = retracted.retracted_by[0]
        yield Finding("invalid", w.pick(
            f"{w.name(by.issuer)} đã rút lại việc đăng ký lô hàng này ngày {w.day(by.on)}. Lý do: "
            f"{sentence(by.reason)}", f"{w.name(by.issuer)} retracted the registration of this batch on "
            f"{w.day(by.on)}. Reason: {sentence(by.reason)}"))
    if verdict.serial is not None and not verdict.serial.issued:
        yield Finding("invalid", w.pick(
            f"Số sê-ri {verdict.serial.serial} chưa từng được nhà sản xuất cấp cho lô này: mã trên sản phẩm có thể "
            "bị làm giả.", f"Serial {verdict.serial.serial} was never issued by the producer for this batch: the "
            "code on the product may be forged."))


_SUBJECTS = {"batch": ("lô hàng này", "this batch"), "product": ("sản phẩm này", "this product"),
             "producer": ("nhà sản xuất", "the producer")}


def _certification(cert: Certification, status: str, w: Writer) -> Iterator[Finding]:
    who = w.name(cert.certifier.id)
    subject = w.pick(*_SUBJECTS[cert.subject])
    if cert.result != "pass" and not cert.revoked:
        yield Finding("invalid" if cert.subject == "batch" else "warning", w.pick(
            f"{who} ghi kết quả không đạt «{cert.scheme}» cho {subject}.",
            f"{who} recorded a fail in “{cert.scheme}” for {subject}."))
    if status == "revoked":
        yield Finding("warning", w.pick(f"Chứng nhận «{cert.scheme}» của {who} cho {subject} đã bị thu hồi.",
                                        f"The “{cert.scheme}” certification of {subject} by {who} was revoked."))
    elif status == "expired":
        yield Finding("warning", w.pick(
            f"Chứng nhận «{cert.scheme}» cho {subject} đã hết hiệu lực từ sau ngày {w.day(cert.valid_until)}.",
            f"The “{cert.scheme}” certification of {subject} expired after {w.day(cert.valid_until)}."))
    elif status == "not-yet-valid":
        yield Finding("warning", w.pick(
            f"Chứng nhận «{cert.scheme}» cho {subject} chỉ có hiệu lực từ ngày {w.day(cert.valid_from)}.",
            f"The “{cert.scheme}” certification of {subject} is valid only from {w.day(cert.valid_from)}."))


def _certifications(verdict: Verdict, w: Writer) -> Iterator[Finding]:
    for cert, status in verdict.certifications:
        yield from _certification(cert, status, w)


def _inputs(verdict: Verdict, w: Writer) -> Iterator[Finding]:
    for item in verdict.inputs:
        recall = item.recall
        if recall is None:
            continue
        what = w.names(item.names) or w.pick("một lô nguyên liệu", "an input batch")
        yield Finding("warning", w.pick(
            f"Được làm từ {what} (lô {item.lot}), lô đã bị thu hồi ngày {w.day(recall.on)}: "
            f"{sentence(recall.reason)}",
            f"Made from {what} (lot {item.lot}), which was recalled on {w.day(recall.on)}: "
            f"{sentence(recall.reason)}"))


def _scans(verdict: Verdict, w: Writer) -> Iterator[Finding]:
    if any(r.code == "scans-plausible" and not r.ok for r in verdict.reasons):
        yield Finding("warning", w.pick(
            "Mã này đã được rất nhiều người quét trong nhiều ngày khác nhau: có thể mã đã bị in lên nhiều sản phẩm.",
            "This code was scanned by very many people on many days: it may have been printed on many products."))


_WRITERS: dict[str, Callable[[Verdict, Writer], Iterator[Finding]]] = {
    "claim-valid-at-production": _claims, "claim-valid-at-registration": _claims, "origin-in-area": _claims,
    "not-corrected": _registration, "serial-issued": _registration, "certification-valid": _certifications,
    "certification-passed": _certifications, "inputs-not-recalled": _inputs, "scans-plausible": _scans,
}
"""The failing checks each writer speaks for."""


def findings(verdict: Verdict, w: Writer) -> list[Finding]:
    """Every finding behind the verdict but the recall of the batch itself, the invalid ones first."""
    failing = [r for r in verdict.reasons if not r.ok and r.code != "not-recalled"]
    found: list[Finding] = []
    for writer in dict.fromkeys(_WRITERS[r.code] for r in failing if r.code in _WRITERS):
        found += writer(verdict, w)
    found += [Finding(r.severity, w.pick(r.vi, r.en)) for r in failing if r.code not in _WRITERS]
    return sorted(found, key=lambda f: f.severity != "invalid")
