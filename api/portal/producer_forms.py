"""What the producer's forms read and make: the choices a form offers (the organisation's own products, rights
of use in force, batches it holds, communes of a province, partners by name), and the statements its fields make.

A choice the page offered is never believed when it comes back: the organisation is the signed-in person's,
products, batches and rights are looked up as the organisation's own, and what the registry's rules decide
(a right in force, a batch held, a quantity left) is left to them, so that the form refuses with the API's words.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.engine import Connection

from api.portal.statements import FormRefused, draft
from registry import places
from registry import schemas as s
from registry.kinds import VIETNAM
from registry.queries import right_status
from registry.service import Draft
from registry.state import State
from registry.tables import RegBatch, RegEvent, RegGi, RegMark, RegOrganisation, RegProduct, RegRight
from registry.values import decimal_text
from registry.words import alphabetical

_products = RegProduct.__table__  # type: ignore[attr-defined]
_batches = RegBatch.__table__  # type: ignore[attr-defined]
_events = RegEvent.__table__  # type: ignore[attr-defined]
_rights = RegRight.__table__  # type: ignore[attr-defined]
_organisations = RegOrganisation.__table__  # type: ignore[attr-defined]

HELD_SHOWN = 50
"""Input batches a batch form offers: the latest the organisation holds with something left."""
EVENT_STEPS = ("shipping", "receiving", "packing", "repackaging", "storing", "inspecting")
"""The events a producer records from its batch's page: ship, receive, transform (pack or repack), store, inspect."""
RESULTS = ("conformant", "non_conformant")
_DISPOSITION = {"shipping": "in_transit", "receiving": "in_progress", "packing": "in_progress",
                "repackaging": "in_progress", "storing": "active"}


def today() -> str:
    """Today in Viet Nam, the day the registry judges statements by."""
    return datetime.now(VIETNAM).date().isoformat()


def pick(lang: str, vi: str, en: str) -> str:
    return vi if lang == "vi" else en


# Choices.

@dataclass(frozen=True)
class Right:
    """A right of use of the organisation, named by what it lets it use."""

    id: str
    subject_type: str
    subject_id: str
    name_vi: str
    name_en: str
    status: str
    in_force: bool
    quota: str | None
    quota_used: str
    quota_unit: str | None
    quota_text: str | None
    """How the holder's papers write the quota ("2.500 quả"): what Vietnamese pages show, as the public one does."""

    def name(self, lang: str) -> str:
        return pick(lang, self.name_vi, self.name_en)

    @property
    def left(self) -> str | None:
        """What the quota still allows, or None for a right without one."""
        if self.quota is None:
            return None
        return str(max(Decimal(self.quota) - Decimal(self.quota_used), Decimal(0)).normalize())


def rights(connection: Connection, organisation: str) -> list[Right]:
    """The organisation's rights of use, with whether each is in force today (active and inside its window)."""
    state, day, found = State(connection), today(), []
    for row in connection.execute(select(_rights).where(_rights.c.holder == organisation).order_by(_rights.c.id)):
        table = RegGi if row.subject_type == "gi" else RegMark
        subject = state.get(table, id=row.subject_id)
        status = right_status(state, row.id)
        window = row.valid_from <= day and (row.valid_until is None or day <= row.valid_until)
        found.append(Right(row.id, row.subject_type, row.subject_id,
                           subject["name_vi"] if subject else row.subject_id,
                           subject["name_en"] if subject else row.subject_id, status,
                           status == "active" and window, row.quota_quantity, row.quota_used, row.quota_unit,
                           row.quota_text))
    return found


def products(connection: Connection, organisation: str) -> list[Any]:
    """The organisation's products, newest first."""
    return list(connection.execute(select(_products).where(_products.c.producer == organisation)
                                   .order_by(_products.c.entry.desc())))


def held(connection: Connection, organisation: str, limit: int = HELD_SHOWN) -> list[Any]:
    """Batches the organisation holds (made, or handed to it by an event in force) that could still be an input:
    not withdrawn, not recalled, with some quantity left; the latest first."""
    received = select(_events.c.gtin, _events.c.lot).where(_events.c.destination == organisation,
                                                           _events.c.retracted.is_(False))
    query = (select(_batches, _products.c.name_vi, _products.c.name_en)
             .join(_products, _products.c.gtin == _batches.c.gtin)
             .where(or_(_batches.c.producer == organisation, tuple_(_batches.c.gtin, _batches.c.lot).in_(received)),
                    _batches.c.retracted.is_(False), _batches.c.recalled_entry.is_(None))
             .order_by(_batches.c.entry.desc()).limit(limit * 2))
    return [row for row in connection.execute(query) if Decimal(row.quantity) > Decimal(row.used)][:limit]


def remaining(row: Any) -> str:
    """What is left of a batch to use as an input."""
    return decimal_text(Decimal(row.quantity) - Decimal(row.used))


def holds(connection: Connection, organisation: str, gtin: str, lot: str) -> bool:
    """Whether the organisation made the batch or was handed it by an event in force."""
    made = connection.execute(select(_batches.c.producer).where(_batches.c.gtin == gtin, _batches.c.lot == lot)
                              ).scalar_one_or_none()
    if made is None:
        return False
    return made == organisation or connection.execute(
        select(_events.c.entry).where(and_(_events.c.gtin == gtin, _events.c.lot == lot,
                                           _events.c.destination == organisation, _events.c.retracted.is_(False)))
        .limit(1)).first() is not None


def partners(connection: Connection, organisation: str, lang: str) -> list[tuple[str, str]]:
    """Every other registered organisation as (id, name in `lang`), by name."""
    rows = connection.execute(select(_organisations.c.id, _organisations.c.name_vi, _organisations.c.name_en)
                              .where(_organisations.c.id != organisation))
    return sorted(((row.id, pick(lang, row.name_vi, row.name_en)) for row in rows), key=lambda p: alphabetical(p[1]))


def home_province(connection: Connection, organisation: str) -> str:
    """The province of the organisation's own commune (what its batch form offers first), or ""."""
    row = connection.execute(select(_organisations.c.commune_code, _organisations.c.commune_version)
                             .where(_organisations.c.id == organisation)).first()
    if row is None or row.commune_code is None:
        return ""
    found = places.commune(row.commune_code, row.commune_version or places.REFORM)
    return "" if found is None else found.province


def province_of(code: str) -> str:
    """The province of a commune of today's list, or "" for a code it does not have."""
    found = places.commune(code, places.REFORM)
    return "" if found is None else found.province


# Statements from the fields.

def _texts(fields: dict[str, str], name: str) -> dict[str, str] | None:
    vi, en = fields.get(f"{name}.vi", "").strip(), fields.get(f"{name}.en", "").strip()
    return {"vi": vi, "en": en} if vi or en else None


def _whole(value: str) -> int | str:
    """A count typed in a form: an int when it is one, else as typed, for the API's model to refuse in its words."""
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else value


def product(fields: dict[str, str], image: str | None) -> Draft:
    names = {"vi": fields.get("names.vi", "").strip(), "en": fields.get("names.en", "").strip()}
    data: dict[str, Any] = {"gtin": fields.get("gtin", "").strip(), "names": names, "unit": fields.get("unit", "")}
    if fields.get("shelf_life_days", "").strip():
        data["shelf_life_days"] = _whole(fields["shelf_life_days"])
    standards = [line.strip() for line in fields.get("standards", "").replace(";", "\n").splitlines() if line.strip()]
    if standards:
        data["standards"] = standards
    for name in ("usage", "warnings"):
        text = _texts(fields, name)
        if text is not None:
            data[name] = text
    if image is not None:
        data["image"] = image
    return draft("product.registered.v2", s.ProductRegisteredV2, data)


def _quantity(value: str) -> str:
    """A quantity as typed (a comma as the decimal mark, as Vietnamese writes it)."""
    value = value.strip().replace(" ", "")
    return value.replace(",", ".") if value.count(",") == 1 and "." not in value else value


def batch(connection: Connection, organisation: str, fields: dict[str, str], claims: list[str],
          inputs: dict[str, str]) -> Draft:
    """A batch of one of the organisation's products; `claims` are ids of its rights, `inputs` quantities by
    "gtin/lot". The unit is the product's; a right that is not the organisation's is refused here, one it holds
    is left to the registry's rules (in force, quota)."""
    gtin = fields.get("gtin", "").strip()
    unit = connection.execute(select(_products.c.unit).where(_products.c.gtin == gtin)).scalar_one_or_none()
    own = {right.id: right for right in rights(connection, organisation)}
    foreign = [claim for claim in claims if claim not in own]
    if foreign:
        raise FormRefused({"claims": ("quyền sử dụng được chọn không phải của tổ chức bạn",
                                      "the right of use chosen is not your organisation's")})
    data: dict[str, Any] = {
        "gtin": gtin, "lot": fields.get("lot", "").strip(), "quantity": _quantity(fields.get("quantity", "")),
        "unit": unit or "", "produced_on": fields.get("produced_on", "").strip(),
        "origin": {"code": fields.get("commune", "").strip(), "version": places.REFORM},
        "claims": [{"type": own[c].subject_type, "id": own[c].subject_id} for c in claims],
        "inputs": [{"gtin": key.partition("/")[0], "lot": key.partition("/")[2], "quantity": _quantity(amount)}
                   for key, amount in inputs.items() if amount.strip()],
    }
    if fields.get("expires_on", "").strip():
        data["expires_on"] = fields["expires_on"].strip()
    return draft("batch.registered.v2", s.BatchRegisteredV2, data)


def utc_time(local: str) -> str:
    """A datetime-local value (Viet Nam's time, to the minute) as the UTC time a statement carries; anything else
    as typed, for the API's model to refuse in its words."""
    try:
        moment = datetime.strptime(local.strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        return local.strip()
    return (moment - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:00Z")


def local_now() -> str:
    return datetime.now(VIETNAM).strftime("%Y-%m-%dT%H:%M")


def event(gtin: str, lot: str, fields: dict[str, str]) -> Draft:
    step, partner = fields.get("step", ""), fields.get("partner", "").strip()
    if step == "shipping" and not partner:
        raise FormRefused({"partner": ("hãy chọn tổ chức nhận hàng", "choose who the goods are shipped to")})
    data: dict[str, Any] = {"gtin": gtin, "lot": lot, "biz_step": step,
                            "event_time": utc_time(fields.get("event_time", ""))}
    disposition = fields.get("result", "") if step == "inspecting" else _DISPOSITION.get(step)
    if disposition:
        data["disposition"] = disposition
    if partner and step == "shipping":
        data["destination"] = partner
    elif partner and step == "receiving":
        data["source"] = partner
    if fields.get("note", "").strip():
        data["note"] = fields["note"].strip()
    return draft("batch.event.v1", s.BatchEvent, data)


def recall(gtin: str, lot: str, fields: dict[str, str]) -> Draft:
    return draft("batch.recalled.v1", s.BatchRecalled, {"gtin": gtin, "lot": lot,
                                                        "reason": fields.get("reason", "").strip()})


def serials(gtin: str, lot: str, fields: dict[str, str]) -> Draft:
    data: dict[str, Any] = {"gtin": gtin, "lot": lot, "count": _whole(fields.get("count", ""))}
    if fields.get("prefix", "").strip():
        data["prefix"] = fields["prefix"].strip()
    return draft("serials.issued.v1", s.SerialsIssued, data)


# Where a refusal is shown.

BATCH_FIELDS = {"gtin", "lot", "quantity", "produced_on", "expires_on", "commune", "claims", "inputs"}
PRODUCT_FIELDS = {"gtin", "names.vi", "names.en", "unit", "shelf_life_days", "standards", "usage.vi", "usage.en",
                  "warnings.vi", "warnings.en", "image"}
EVENT_FIELDS = {"step", "partner", "result", "event_time", "note"}
_RENAMED = {"origin": "commune", "unit": "gtin", "biz_step": "step", "destination": "partner", "source": "partner",
            "disposition": "result", "place": "note"}
_CODES: dict[str, tuple[str, ...]] = {
    "gtin-not-licensed": ("gtin",), "duplicate-product": ("gtin",), "not-your-product": ("gtin",),
    "unit-mismatch": ("gtin",), "unknown-product": ("gtin",), "duplicate-lot": ("lot",),
    "production-too-early": ("produced_on",), "date-in-future": ("produced_on", "event_time"),
    "date-too-old": ("produced_on", "event_time"), "dates-out-of-order": ("produced_on", "event_time"),
    "expiry-before-production": ("expires_on",), "origin-outside-area": ("commune",),
    "unknown-commune": ("commune",), "no-right-of-use": ("claims",), "quota-exceeded": ("claims",),
    "quota-unit": ("claims",), "mark-not-in-force": ("claims",), "repeated-claim": ("claims",),
    "unknown-gi": ("claims",), "unknown-mark": ("claims",), "input-not-held": ("inputs",),
    "input-withdrawn": ("inputs",), "input-recalled": ("inputs",), "mass-balance": ("inputs",),
    "repeated-input": ("inputs",), "unknown-organisation": ("partner",), "unknown-image": ("image",),
    "image-too-large": ("image",), "image-type-unsupported": ("image",), "image-type-mismatch": ("image",),
    "image-malformed": ("image",), "serials-exceed-quantity": ("count",), "duplicate-serial": ("count",),
}


def field_of(path: str, known: set[str]) -> str:
    """The form field a refusal at body `path` is shown at ("" for the top of the form)."""
    if path in known:
        return path
    head = path.split(".")[0]
    head = _RENAMED.get(head, head)
    return head if head in known else ""


def field_of_code(code: str, known: set[str]) -> str:
    """The form field a registry refusal with `code` is about, if the form has it."""
    return next((field for field in _CODES.get(code, ()) if field in known), "")


def placed(errors: dict[str, str], known: set[str]) -> dict[str, str]:
    """FormRefused.said's messages by form field; several at one field are joined."""
    shown: dict[str, str] = {}
    for path, said in errors.items():
        message = said.removeprefix("Value error, ")  # pydantic's label of a validator's words, not the words
        field = field_of(path, known)
        shown[field] = f"{shown[field]}; {message}" if field in shown else message
    return shown
