"""The verdict a consumer sees on scanning the QR code of a batch or of one item.

`verify_batch` reads what the registry records about the batch (`registry.evidence.gather`), checks it and
returns the verdict document. The verdict is the gravest outcome among the checks that fail:

    unknown    no such batch is registered;
    invalid    a GI or mark claim was not valid on the production date, the batch registration was declared
               in error, the serial was never issued for this batch, or a certification of the batch failed;
    warning    the batch or one of its inputs was recalled, a certification is revoked, failed (for the
               product or producer) or is not valid today, the origin lies outside a GI area as amended
               since, another entry relied on was declared in error, or the scans look like a copied code;
    authentic  every check holds.

`reasons` lists every check made, passing ones too, with a stable code, what its failure means
(`severity`) and a message in Vietnamese and English giving value and expectation. The facts follow, and
`evidence` proves every entry they come from against the latest signed checkpoint.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from ledger.log import Log
from ledger.store import ReadView, StoredCheckpoint
from registry.evidence import Doc, Record, gather
from registry.state import State

VERDICTS = ("unknown", "invalid", "warning")
"""Failing severities, gravest first; with none failing the verdict is `authentic`."""

_ACTION = {"suspended": ("suspended", "bị đình chỉ"), "revoked": ("revoked", "bị thu hồi")}
_SUBJECT = {"batch": ("batch", "lô hàng"), "product": ("product", "sản phẩm"), "producer": ("producer", "nhà sản xuất")}


@dataclass(frozen=True)
class ScanStats:
    """How often, and in how many distinct coarse regions, a code has been scanned; and what is plausible."""

    count: int
    regions: int
    max_scans: int = 50
    max_regions: int = 3

    def __post_init__(self) -> None:
        for name in ("count", "regions", "max_scans", "max_regions"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"scan statistic {name} is {value!r}; expected a non-negative integer")


@dataclass(frozen=True)
class Reason:
    """One check: its code, whether it holds, and what its failure makes the verdict."""

    code: str
    ok: bool
    severity: str
    en: str
    vi: str

    def to_json(self) -> Doc:
        return {"code": self.code, "ok": self.ok, "severity": self.severity, "message": {"vi": self.vi, "en": self.en}}


class _Checks:
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


def _kind(claim: Doc) -> tuple[str, str]:
    if claim["type"] == "gi":
        return "GI", "chỉ dẫn địa lý"
    if claim["mark_type"] == "collective":
        return "collective mark", "nhãn hiệu tập thể"
    return "certification mark", "nhãn hiệu chứng nhận"


def claim_status(claim: Doc, day: str) -> tuple[str, str, str]:
    """The status of a claim on `day` and why, in English and Vietnamese.

    `valid`, or the first reason it is not: the GI or mark `cancelled` on or before `day`; the mark or the
    right `not-in-force` (its validity does not cover `day`); the right `suspended` or `revoked` by its
    latest change effective on or before `day` (the rule of registry.handlers.indications.right_active_on).
    """
    gi = claim["type"] == "gi"
    kind_en, kind_vi = _kind(claim)
    right = claim["right"]
    need_en = f"; a batch may carry the {kind_en} only if it and the right to use it are in force on that date"
    need_vi = f"; lô hàng chỉ được mang {kind_vi} khi {kind_vi} và quyền sử dụng còn hiệu lực vào ngày đó"
    cancelled = claim["cancelled_on"]
    if cancelled is not None and cancelled <= day:
        return ("cancelled", f"it was cancelled on {cancelled}, on or before the production date {day}{need_en}",
                f"đã bị hủy ngày {cancelled}, không muộn hơn ngày sản xuất {day}{need_vi}")
    if not gi and not claim["valid_from"] <= day <= claim["valid_until"]:
        en, vi = _window(claim["valid_from"], claim["valid_until"])
        return ("not-in-force", f"the mark is valid {en}, which does not cover the production date {day}{need_en}",
                f"nhãn hiệu có hiệu lực {vi}, không bao gồm ngày sản xuất {day}{need_vi}")
    if day < right["valid_from"] or (right["valid_until"] is not None and day > right["valid_until"]):
        en, vi = _window(right["valid_from"], right["valid_until"])
        return ("not-in-force", f"right of use {right['id']} is valid {en}, which does not cover the production "
                f"date {day}{need_en}", f"quyền sử dụng {right['id']} có hiệu lực {vi}, không bao gồm ngày sản xuất "
                f"{day}{need_vi}")
    changes = sorted((c for c in right["changes"] if c["effective_on"] <= day),
                     key=lambda c: (c["effective_on"], c["entry"]))
    if changes and changes[-1]["action"] != "reinstated":
        last = changes[-1]
        action_en, action_vi = _ACTION[last["action"]]
        return (last["action"], f"right of use {right['id']} was {action_en} from {last['effective_on']} (entry "
                f"{last['entry']}: {last['reason']}), on or before the production date {day}{need_en}",
                f"quyền sử dụng {right['id']} {action_vi} từ ngày {last['effective_on']} (mục {last['entry']}: "
                f"{last['reason']}), không muộn hơn ngày sản xuất {day}{need_vi}")
    return ("valid", f"right of use {right['id']} held by {right['holder']} was in force on the production date {day}",
            f"quyền sử dụng {right['id']} của {right['holder']} còn hiệu lực vào ngày sản xuất {day}")


def certification_status(cert: Doc, today: str) -> str:
    """`revoked`, `not-yet-valid`, `expired` or `valid`, on `today`."""
    if cert["revoked"]:
        return "revoked"
    if today < cert["valid_from"]:
        return "not-yet-valid"
    return "expired" if today > cert["valid_until"] else "valid"


def _check_claims(checks: _Checks, record: Record, day: str) -> None:
    for claim in record.claims:
        status, en, vi = claim_status(claim, day)
        claim["status"] = status
        kind_en, kind_vi = _kind(claim)
        checks.add("claim-valid-at-production", status == "valid", "invalid",
                   f"{kind_en[0].upper()}{kind_en[1:]} {claim['id']} ({claim['names']['en']}): {en}",
                   f"{kind_vi[0].upper()}{kind_vi[1:]} {claim['id']} ({claim['names']['vi']}): {vi}")
    origin = record.origin or {}
    for area in origin.get("areas", []):
        where = f"{origin['code']} ({origin['version']})"
        if not area["inside"]:
            checks.add("origin-in-area", False, "invalid",
                       f"Origin commune {where} was not in the area of GI {area['gi']} when the batch was registered",
                       f"Xã xuất xứ {where} không nằm trong vùng của chỉ dẫn địa lý {area['gi']} khi lô được đăng ký")
        elif area["inside_now"]:
            stage = "" if area["stage"] is None else f" ({area['stage']})"
            checks.add("origin-in-area", True, "warning", f"Origin commune {where} lies in the area of GI {area['gi']}"
                       f"{stage}", f"Xã xuất xứ {where} nằm trong vùng của chỉ dẫn địa lý {area['gi']}{stage}")
        else:
            checks.add("origin-in-area", False, "warning",
                       f"Origin commune {where} is not in the area of GI {area['gi']} as amended since the batch was "
                       "registered; the area then included it",
                       f"Xã xuất xứ {where} không còn nằm trong vùng của chỉ dẫn địa lý {area['gi']} sau khi vùng được "
                       "sửa đổi; khi đăng ký lô, vùng vẫn bao gồm xã này")


def _check_recalls(checks: _Checks, record: Record, batch: Doc) -> None:
    lot, lot_vi = _lot(batch["gtin"], batch["lot"])
    recall = batch["recall"]
    if recall is None:
        checks.add("not-recalled", True, "warning", f"Batch {lot} has not been recalled",
                   f"Lô {lot_vi} chưa bị thu hồi")
    else:
        checks.add("not-recalled", False, "warning",
                   f"Batch {lot} was recalled by {recall['issuer']} at entry {recall['entry']}: {recall['reason']}; "
                   "a recalled batch should be neither sold nor used",
                   f"Lô {lot_vi} đã bị {recall['issuer']} thu hồi tại mục {recall['entry']}: {recall['reason']}; "
                   "không được bán hoặc sử dụng lô đã bị thu hồi")
    if record.inputs:
        recalled = [f"{i['lot']} ({i['gtin']}, entry {i['recalled_entry']})" for i in record.inputs if i["recalled"]]
        recalled_vi = [f"{i['lot']} ({i['gtin']}, mục {i['recalled_entry']})" for i in record.inputs if i["recalled"]]
        if recalled:
            checks.add("inputs-not-recalled", False, "warning",
                       f"Input batches {', '.join(recalled)} were recalled after this batch was made from them; "
                       "none of its inputs should be recalled",
                       f"Các lô đầu vào {', '.join(recalled_vi)} đã bị thu hồi sau khi được dùng để làm lô này; "
                       "không lô đầu vào nào được phép bị thu hồi")
        else:
            checks.add("inputs-not-recalled", True, "warning",
                       f"No input batch has been recalled ({len(record.inputs)} checked)",
                       f"Không lô đầu vào nào bị thu hồi (đã kiểm tra {len(record.inputs)} lô)")


def _check_certifications(checks: _Checks, record: Record, today: str) -> None:
    for cert in record.certifications:
        status = certification_status(cert, today)
        cert["status"] = status
        subject_en, subject_vi = _SUBJECT[cert["subject"]]
        what_en = f"Certification {cert['id']} ({cert['scheme']}) of the {subject_en} by {cert['certifier']['id']}"
        what_vi = f"Chứng nhận {cert['id']} ({cert['scheme']}) cho {subject_vi} do {cert['certifier']['id']} cấp"
        en, vi = _window(cert["valid_from"], cert["valid_until"])
        if status == "revoked":
            en, vi = f"was revoked at entry {cert['revoked_entry']}", f"đã bị thu hồi tại mục {cert['revoked_entry']}"
        else:
            en, vi = f"is valid {en}; today is {today}", f"có hiệu lực {vi}; hôm nay là ngày {today}"
        checks.add("certification-valid", status == "valid", "warning", f"{what_en} {en}", f"{what_vi} {vi}")
        passed = cert["result"] == "pass" or cert["revoked"]
        severity = "invalid" if cert["subject"] == "batch" else "warning"
        if cert["result"] == "pass":
            en, vi = "records a pass", "ghi nhận kết quả đạt"
        elif cert["revoked"]:
            en, vi = "recorded a fail but was revoked", "ghi nhận kết quả không đạt nhưng đã bị thu hồi"
        else:
            en, vi = "records a fail; a genuine product passes its certifications", \
                "ghi nhận kết quả không đạt; sản phẩm chính hãng phải đạt các chứng nhận của mình"
        checks.add("certification-passed", passed, severity, f"{what_en} {en}", f"{what_vi} {vi}")


def _check_corrections(checks: _Checks, record: Record, batch: Doc, *, own: bool) -> None:
    """`own`: whether the batch registration was declared in error; else whether any other entry relied on was."""
    standing = [c for c in record.corrections if c["retracted_by"] is None]
    if own:
        mine = [c for c in standing if c["corrected_entry"] == batch["entry"]]
        if not mine:
            checks.add("not-corrected", True, "invalid",
                       f"The batch registration (entry {batch['entry']}) has not been declared in error",
                       f"Việc đăng ký lô (mục {batch['entry']}) không bị đính chính là sai")
            return
        c = mine[0]
        checks.add("not-corrected", False, "invalid",
                   f"The batch registration (entry {batch['entry']}) was declared in error by {c['issuer']} at entry "
                   f"{c['entry']}: {c['reason']}; a genuine batch's registration stands",
                   f"Việc đăng ký lô (mục {batch['entry']}) đã bị {c['issuer']} đính chính là sai tại mục "
                   f"{c['entry']}: {c['reason']}; đăng ký của lô chính hãng phải còn nguyên giá trị")
        return
    others = [c for c in standing if c["corrected_entry"] != batch["entry"]]
    if not others:
        relied = len(record.entries) - 1
        checks.add("sources-not-corrected", True, "warning",
                   f"None of the other {relied} entries this verdict relies on was declared in error",
                   f"Không mục nào trong {relied} mục khác mà kết quả này dựa vào bị đính chính là sai")
        return
    kinds = {i: e["statement"]["kind"] for i, e in record.entries.items()}
    en = "; ".join(f"entry {c['corrected_entry']} ({kinds[c['corrected_entry']]}) by entry {c['entry']}: "
                   f"{c['reason']}" for c in others)
    vi = "; ".join(f"mục {c['corrected_entry']} ({kinds[c['corrected_entry']]}) bởi mục {c['entry']}: "
                   f"{c['reason']}" for c in others)
    checks.add("sources-not-corrected", False, "warning",
               f"Entries this verdict relies on were declared in error: {en}; the facts shown are as recorded",
               f"Một số mục mà kết quả này dựa vào đã bị đính chính là sai: {vi}; thông tin hiển thị theo sổ ghi")


def _check_item(checks: _Checks, record: Record, batch: Doc, scans: ScanStats | None) -> None:
    lot, lot_vi = _lot(batch["gtin"], batch["lot"])
    if record.serial is not None:
        serial = record.serial["serial"]
        if record.serial["issued"]:
            checks.add("serial-issued", True, "invalid",
                       f"Serial {serial} was issued for batch {lot} at entry {record.serial['entry']}",
                       f"Số sê-ri {serial} đã được cấp cho lô {lot_vi} tại mục {record.serial['entry']}")
        else:
            n = batch["serials_issued"]
            checks.add("serial-issued", False, "invalid",
                       f"Serial {serial} was never issued for batch {lot}, which has {n} issued serials; a genuine "
                       "item carries a serial its producer issued",
                       f"Số sê-ri {serial} chưa từng được cấp cho lô {lot_vi} (lô có {n} số sê-ri đã cấp); sản phẩm "
                       "chính hãng mang số sê-ri do nhà sản xuất cấp")
    if scans is None:
        return
    if scans.count <= scans.max_scans and scans.regions <= scans.max_regions:
        checks.add("scans-plausible", True, "warning",
                   f"This code was scanned {scans.count} times in {scans.regions} regions, within the expected "
                   f"{scans.max_scans} scans and {scans.max_regions} regions",
                   f"Mã này đã được quét {scans.count} lần ở {scans.regions} khu vực, trong giới hạn dự kiến "
                   f"{scans.max_scans} lần và {scans.max_regions} khu vực")
        return
    en, vi = [], []
    if scans.count > scans.max_scans:
        en.append(f"{scans.count} times, more than the {scans.max_scans} expected")
        vi.append(f"{scans.count} lần, nhiều hơn mức dự kiến {scans.max_scans} lần")
    if scans.regions > scans.max_regions:
        en.append(f"in {scans.regions} regions, more than the {scans.max_regions} expected")
        vi.append(f"ở {scans.regions} khu vực, nhiều hơn mức dự kiến {scans.max_regions} khu vực")
    checks.add("scans-plausible", False, "warning",
               f"This code was scanned {' and '.join(en)}; a copied code is scanned far more often and in many places",
               f"Mã này đã được quét {' và '.join(vi)}; mã bị sao chép thường bị quét rất nhiều lần ở nhiều nơi")


def _judge(checks: _Checks, record: Record, batch: Doc, scans: ScanStats | None, today: str) -> None:
    lot, lot_vi = _lot(batch["gtin"], batch["lot"])
    checks.add("batch-registered", True, "unknown",
               f"Batch {lot} is registered at entry {batch['entry']}: {batch['quantity']} {batch['unit']} "
               f"produced on {batch['produced_on']}",
               f"Lô {lot_vi} đã được đăng ký tại mục {batch['entry']}: {batch['quantity']} {batch['unit']}, "
               f"sản xuất ngày {batch['produced_on']}")
    _check_corrections(checks, record, batch, own=True)
    # A batch's product and producer exist by the rules it was registered under (evidence.gather checks).
    product, producer = record.product or {}, record.producer or {}
    checks.add("product-registered", True, "invalid",
               f"Product {product['gtin']} ({product['names']['en']}) is registered at entry {product['entry']}",
               f"Sản phẩm {product['gtin']} ({product['names']['vi']}) đã được đăng ký tại mục {product['entry']}")
    checks.add("producer-registered", True, "invalid",
               f"Producer {producer['id']} ({producer['names']['en']}) is registered at entry {producer['entry']}",
               f"Nhà sản xuất {producer['id']} ({producer['names']['vi']}) đã được đăng ký tại mục "
               f"{producer['entry']}")
    _check_claims(checks, record, batch["produced_on"])
    _check_recalls(checks, record, batch)
    _check_certifications(checks, record, today)
    _check_item(checks, record, batch, scans)
    _check_corrections(checks, record, batch, own=False)


def _unknown(checks: _Checks, record: Record) -> None:
    lot, lot_vi = _lot(record.gtin, record.lot)
    checks.add("batch-registered", False, "unknown",
               f"No batch {lot} is registered; a genuine product carries a lot its producer registered",
               f"Không có lô {lot_vi} trong sổ đăng ký; sản phẩm chính hãng mang số lô do nhà sản xuất đã đăng ký")
    product = record.product
    if product is None:
        checks.add("product-registered", False, "unknown", f"No product with GTIN {record.gtin} is registered",
                   f"Không có sản phẩm nào mang GTIN {record.gtin} trong sổ đăng ký")
    else:
        checks.add("product-registered", True, "unknown",
                   f"Product {record.gtin} ({product['names']['en']}) is registered by {product['producer']} at entry "
                   f"{product['entry']}, but not this lot",
                   f"Sản phẩm {record.gtin} ({product['names']['vi']}) đã được {product['producer']} đăng ký tại mục "
                   f"{product['entry']}, nhưng lô này thì chưa")


def verify_batch(view: ReadView, log: Log, connection: Connection, gtin: str, lot: str, *,
                 serial: str | None = None, scans: ScanStats | None = None, today: date,
                 checkpoint: StoredCheckpoint | None = None) -> dict[str, Any]:
    """The verdict document for batch `lot` of `gtin` (and item `serial` of it, if given) on `today`.

    `view` and `connection` must belong to the same read transaction, so that the projections read and the
    checkpoint proved against describe the same log. Raises ledger StoreError (or RootMismatchError) only
    when the stored log or projections are damaged. `checkpoint` (e.g. the latest witnessed one, its
    cosignatures appended) is what the evidence proves against when it covers every entry relied on.
    """
    record = gather(view, log, State(connection), gtin, lot, serial, checkpoint)
    checks = _Checks()
    batch = record.batch
    if batch is None:
        _unknown(checks, record)
    else:
        if serial is not None:
            batch["serial"] = serial
        _judge(checks, record, batch, scans, today.isoformat())
    return {
        "verdict": checks.verdict(),
        "reasons": [r.to_json() for r in checks.reasons],
        "batch": batch,
        "product": record.product,
        "producer": record.producer,
        "origin": record.origin,
        "claims": record.claims,
        "certifications": record.certifications,
        "events": record.events,
        "inputs": record.inputs,
        "outputs": record.outputs,
        "outputs_truncated": record.outputs_truncated,
        "corrections": record.corrections,
        "evidence": record.evidence,
    }
