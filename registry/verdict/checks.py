"""The checks a verdict makes, each with a stable code, the severity its failure gives the verdict, and a
message in Vietnamese and English giving value and expectation.

`registry.verdict.judge.judge` gathers the facts and runs these checks (those of GI and mark claims are in
`registry.verdict.claims`); `Checks` collects their reasons and gives the verdict, the gravest severity among the
failing ones (`VERDICTS`). A message names things as a person would: organisations, products, GIs and places by
name, days as "20/08/2026" and "20 August 2026", quantities with unit words (`registry.words`); the log
entries and the subjects (organisation, right, certification ids) it rests on go beside it, in the reason's
`entries` and `subjects`, not inside the sentence.
"""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from registry.values import day_en, day_vi
from registry.verdict.facts import Names, Organisation, Product, Retracted
from registry.verdict.record import Batch, Input, Reason, ScanStats, Serial
from registry.verdict.rights import Certification
from registry.words import Writer

VERDICTS = ("unknown", "recalled", "invalid", "warning")
"""Failing severities, gravest first; with none failing the verdict is `authentic`. A recall outranks `invalid`:
it is the one outcome that tells the holder to stop using the product, whatever else is wrong with it."""

_SUBJECT = {"batch": ("batch", "lô hàng"), "product": ("product", "sản phẩm"), "producer": ("producer", "nhà sản xuất")}


def cap(text: str) -> str:
    """`text` opening a sentence."""
    return text[:1].upper() + text[1:]


class Checks:
    """The reasons of the checks made so far, and a writer in each language that names the organisations of the
    verdict (`organisations`, by id) by their registered names."""

    def __init__(self, organisations: Mapping[str, Names]) -> None:
        self.reasons: list[Reason] = []
        self.vi = Writer("vi", organisations)
        self.en = Writer("en", organisations)

    def add(self, code: str, ok: bool, severity: str, en: str, vi: str, *, entries: Iterable[int | None] = (),
            subjects: Iterable[str] = ()) -> None:
        """One check's reason; `entries` and `subjects` (None and repeats left out) are what its message names."""
        found = tuple(dict.fromkeys(e for e in entries if e is not None))
        self.reasons.append(Reason(code, ok, severity, en, vi, found, tuple(dict.fromkeys(subjects))))

    def verdict(self) -> str:
        failed = {r.severity for r in self.reasons if not r.ok}
        return next((v for v in VERDICTS if v in failed), "authentic")

    def lot(self, batch: Batch, product: Product | None) -> tuple[str, str]:
        """The batch by lot and product, in English and Vietnamese, capitalised to open a sentence."""
        names = None if product is None else product.names
        return cap(self.en.lot(batch.lot, names, batch.gtin)), cap(self.vi.lot(batch.lot, names, batch.gtin))


def window(w: Writer, start: str, end: str | None) -> str:
    """A validity from `start` (to `end`, if any), in `w`'s language."""
    if end is None:
        return w.pick(f"từ ngày {w.day(start)}", f"from {w.day(start)}")
    return w.pick(f"từ ngày {w.day(start)} đến ngày {w.day(end)}", f"from {w.day(start)} to {w.day(end)}")


def check_recalls(checks: Checks, batch: Batch, product: Product | None, inputs: list[Input]) -> None:
    """The batch itself recalled makes the verdict `recalled`; a recalled input only a `warning`, because a recall
    speaks of the batch it names: whether what was made from it is affected is for its maker or an authority to
    say, by recalling it too."""
    en_, vi_ = checks.en, checks.vi
    lot, lot_vi = checks.lot(batch, product)
    recall_ = batch.recall
    subject = f"batch:{batch.gtin}/{batch.lot}"
    if recall_ is None:
        checks.add("not-recalled", True, "recalled", f"{lot} has not been recalled", f"{lot_vi} chưa bị thu hồi",
                   entries=[batch.entry], subjects=[subject])
    else:
        checks.add("not-recalled", False, "recalled",
                   f"{lot} was recalled by {en_.name(recall_.issuer)} on {en_.day(recall_.on)}: "
                   f"{en_.quote(recall_.reason)}; a recalled batch should be neither sold nor used",
                   f"{lot_vi} đã bị {vi_.name(recall_.issuer)} thu hồi ngày {vi_.day(recall_.on)}: "
                   f"{vi_.quote(recall_.reason)}; không được bán hoặc sử dụng lô đã bị thu hồi",
                   entries=[recall_.entry], subjects=[subject, f"organisation:{recall_.issuer}"])
    if not inputs:
        return
    recalled = [(i, i.recall) for i in inputs if i.recall is not None]
    if recalled:
        checks.add("inputs-not-recalled", False, "warning",
                   "Input batches: " + "; ".join(f"{en_.lot(i.lot, i.names, i.gtin)}, recalled on {en_.day(r.on)}: "
                                                 f"{en_.quote(r.reason)}" for i, r in recalled)
                   + "; a batch made from a recalled input may be affected by what its recall says",
                   "Các lô đầu vào: " + "; ".join(f"{vi_.lot(i.lot, i.names, i.gtin)}, bị thu hồi ngày "
                                                  f"{vi_.day(r.on)}: {vi_.quote(r.reason)}" for i, r in recalled)
                   + "; lô làm từ lô đầu vào đã bị thu hồi có thể bị ảnh hưởng bởi lý do thu hồi đó",
                   entries=[r.entry for _, r in recalled],
                   subjects=[s for i, r in recalled for s in (f"batch:{i.gtin}/{i.lot}", f"organisation:{r.issuer}")])
    else:
        checks.add("inputs-not-recalled", True, "warning", f"No input batch has been recalled ({len(inputs)} checked)",
                   f"Không lô đầu vào nào bị thu hồi (đã kiểm tra {len(inputs)} lô)",
                   entries=[i.entry for i in inputs], subjects=[f"batch:{i.gtin}/{i.lot}" for i in inputs])


def certification_status(cert: Certification, today: str) -> str:
    """`revoked`, `not-yet-valid`, `expired` or `valid`, on `today`."""
    if cert.revoked:
        return "revoked"
    if today < cert.valid_from:
        return "not-yet-valid"
    return "expired" if today > cert.valid_until else "valid"


def check_expiry(checks: Checks, batch: Batch, product: Product | None, today: str) -> None:
    """Whether the batch is past its expiry date on `today`: goods are expired the day after it (Decree
    43/2017/NĐ-CP Art. 3(11)). A batch without one (ceramics, silk, fresh fruit) is not checked."""
    if batch.expires_on is None:
        return
    lot_en, lot_vi = checks.lot(batch, product)
    until_en, until_vi = day_en(batch.expires_on), day_vi(batch.expires_on)
    entries: list[int | None] = [batch.entry]
    subjects = [f"batch:{batch.gtin}/{batch.lot}"]
    if batch.expiry_derived:
        days = (date.fromisoformat(batch.expires_on) - date.fromisoformat(batch.produced_on)).days
        until_en += f" ({days} days from its production on {day_en(batch.produced_on)})"
        until_vi += f" (tính {days} ngày từ ngày sản xuất {day_vi(batch.produced_on)})"
        if product is not None:
            entries.append(product.entry)
            subjects.append(f"product:{product.gtin}")
    if today <= batch.expires_on:
        checks.add("not-expired", True, "warning", f"{lot_en} may be used until {until_en}; today is "
                   f"{day_en(today)}", f"{lot_vi} còn hạn sử dụng đến hết ngày {until_vi}; hôm nay là ngày "
                   f"{day_vi(today)}", entries=entries, subjects=subjects)
        return
    since = (date.fromisoformat(batch.expires_on) + timedelta(days=1)).isoformat()
    checks.add("not-expired", False, "warning",
               f"Expired since {day_en(since)}: the expiry date of {checks.en.lot(batch.lot, *_named(product, batch))} "
               f"is {until_en}; expired goods should be neither sold nor used",
               f"Đã hết hạn sử dụng từ ngày {day_vi(since)}: {checks.vi.lot(batch.lot, *_named(product, batch))} "
               f"chỉ được dùng đến hết ngày {until_vi}; không được bán hoặc sử dụng hàng đã hết hạn sử dụng",
               entries=entries, subjects=subjects)


def _named(product: Product | None, batch: Batch) -> tuple[Names | None, str]:
    return (None if product is None else product.names), batch.gtin


def check_certifications(checks: Checks, certs: list[Certification], today: str) -> list[tuple[Certification, str]]:
    en_, vi_ = checks.en, checks.vi
    judged = []
    for cert in certs:
        status = certification_status(cert, today)
        judged.append((cert, status))
        subject_en, subject_vi = _SUBJECT[cert.subject]
        certifier = cert.certifier.id
        what_en = f"The {en_.quote(cert.scheme)} certification of the {subject_en} by {en_.name(certifier)}"
        what_vi = f"Chứng nhận {vi_.quote(cert.scheme)} cho {subject_vi} do {vi_.name(certifier)} cấp"
        entries = (cert.entry, cert.revoked_entry)
        subjects = (f"certification:{cert.id}", f"organisation:{certifier}")
        if status == "revoked":
            en, vi = "was revoked", "đã bị thu hồi"
        else:
            en = f"is valid {window(en_, cert.valid_from, cert.valid_until)}; today is {en_.day(today)}"
            vi = f"có hiệu lực {window(vi_, cert.valid_from, cert.valid_until)}; hôm nay là ngày {vi_.day(today)}"
        checks.add("certification-valid", status == "valid", "warning", f"{what_en} {en}", f"{what_vi} {vi}",
                   entries=entries, subjects=subjects)
        passed = cert.result == "pass" or cert.revoked
        if cert.result == "pass":
            en, vi = "records a pass", "ghi nhận kết quả đạt"
        elif cert.revoked:
            en, vi = "recorded a fail but was revoked", "ghi nhận kết quả không đạt nhưng đã bị thu hồi"
        else:
            en, vi = ("records a fail; a genuine product passes its certifications",
                      "ghi nhận kết quả không đạt; sản phẩm chính hãng phải đạt các chứng nhận của mình")
        checks.add("certification-passed", passed, "invalid" if cert.subject == "batch" else "warning",
                   f"{what_en} {en}", f"{what_vi} {vi}", entries=entries, subjects=subjects)
    return judged


def check_registration(checks: Checks, batch: Batch, product: Product | None, retractions: list[Retracted]) -> None:
    en_, vi_ = checks.en, checks.vi
    lot_en, lot_vi = checks.lot(batch, product)
    subject = f"batch:{batch.gtin}/{batch.lot}"
    checks.add("batch-registered", True, "unknown",
               f"{lot_en} is registered: {en_.quantity(batch.quantity, batch.unit)} produced on "
               f"{en_.day(batch.produced_on)}, registered on {en_.day(batch.registered_on)}",
               f"{lot_vi} đã được đăng ký: {vi_.quantity(batch.quantity, batch.unit)}, sản xuất ngày "
               f"{vi_.day(batch.produced_on)}, đăng ký ngày {vi_.day(batch.registered_on)}",
               entries=[batch.entry], subjects=[subject])
    own = next((r for r in retractions if r.entry == batch.entry), None)
    if own is None:
        checks.add("not-corrected", True, "invalid", "The batch registration stands",
                   "Việc đăng ký lô vẫn còn hiệu lực", entries=[batch.entry], subjects=[subject])
        return
    by = own.retracted_by[0]
    checks.add("not-corrected", False, "invalid",
               f"The batch registration was retracted by {en_.name(by.issuer)} on {en_.day(by.on)}: "
               f"{en_.quote(by.reason)}; a genuine batch's registration stands",
               f"Việc đăng ký lô đã bị {vi_.name(by.issuer)} rút lại ngày {vi_.day(by.on)}: {vi_.quote(by.reason)}; "
               "đăng ký của lô chính hãng phải còn hiệu lực",
               entries=[batch.entry, by.entry], subjects=[subject, f"organisation:{by.issuer}"])


def check_parties(checks: Checks, gtin: str, product: Product | None, producer: Organisation) -> None:
    """The batch's product and producer are among the cited entries."""
    en_, vi_ = checks.en, checks.vi
    names = None if product is None else product.names
    checks.add("product-registered", product is not None, "invalid",
               f"{cap(en_.product(names, gtin))} is registered" if product else
               f"The product with GTIN {gtin} is not among the cited entries",
               f"{cap(vi_.product(names, gtin))} đã được đăng ký" if product else
               f"Sản phẩm mang GTIN {gtin} không có trong các mục được dẫn",
               entries=[None if product is None else product.entry], subjects=[f"product:{gtin}"])
    subject = f"organisation:{producer.id}"
    if producer.names is None:
        checks.add("producer-registered", False, "invalid", "The producer of the batch is not among the cited "
                   "entries", "Nhà sản xuất của lô không có trong các mục được dẫn", subjects=[subject])
    else:
        checks.add("producer-registered", True, "invalid", f"The producer, {producer.names.en}, is registered",
                   f"Nhà sản xuất {producer.names.vi} đã được đăng ký", entries=[producer.entry],
                   subjects=[subject])


def check_item(checks: Checks, batch: Batch, product: Product | None, serial: Serial | None,
               scans: ScanStats | None) -> None:
    en_, vi_ = checks.en, checks.vi
    if serial is not None:
        lot_en, lot_vi = en_.lot(batch.lot, *_named(product, batch)), vi_.lot(batch.lot, *_named(product, batch))
        subjects = [f"batch:{batch.gtin}/{batch.lot}"]
        if serial.issued:
            checks.add("serial-issued", True, "invalid", f"Serial {serial.serial} was issued for {lot_en}",
                       f"Số sê-ri {serial.serial} đã được cấp cho {lot_vi}", entries=[serial.entry],
                       subjects=subjects)
        else:
            n = batch.serials_issued
            checks.add("serial-issued", False, "invalid",
                       f"Serial {serial.serial} was never issued for {lot_en}, which has {n} issued serials; a "
                       "genuine item carries a serial its producer issued",
                       f"Số sê-ri {serial.serial} chưa từng được cấp cho {lot_vi} (lô có {n} số sê-ri đã cấp); sản "
                       "phẩm chính hãng mang số sê-ri do nhà sản xuất cấp", entries=[batch.entry], subjects=subjects)
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
    en_, vi_ = checks.en, checks.vi
    names = None if found is None else found.names
    checks.add("batch-registered", False, "unknown",
               f"No {en_.lot(lot, names, gtin)} is registered; a genuine product carries a lot its producer "
               "registered", f"Không có {vi_.lot(lot, names, gtin)} trong sổ đăng ký; sản phẩm chính hãng mang số "
               "lô do nhà sản xuất đã đăng ký", subjects=[f"batch:{gtin}/{lot}"])
    if found is None:
        checks.add("product-registered", False, "unknown", f"No product with GTIN {gtin} is registered",
                   f"Không có sản phẩm nào mang GTIN {gtin} trong sổ đăng ký", subjects=[f"product:{gtin}"])
    else:
        checks.add("product-registered", True, "unknown",
                   f"{cap(en_.product(names, gtin))} is registered by {en_.name(found.producer)}, but not this lot",
                   f"{cap(vi_.product(names, gtin))} đã được {vi_.name(found.producer)} đăng ký, nhưng lô này thì "
                   "chưa", entries=[found.entry], subjects=[f"product:{gtin}", f"organisation:{found.producer}"])
