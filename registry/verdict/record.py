"""What a verdict states about a batch, as frozen values built from the entries it cites.

`registry.verdict.facts` describes organisations and products, `registry.verdict.rights` GIs, marks, rights of use
and certifications; this module the batch itself and what a verdict holds: the batch, its claims, origin, events,
inputs, outputs, the serial asked about, and the verdict (`Verdict.to_json`). `registry.verdict.judge` decides.
"""

from dataclasses import dataclass
from typing import Any

from registry.kinds import BATCH_REGISTERED
from registry.schemas import BatchEvent, BatchRegistered, BatchRegisteredV2, SerialsIssued, expiry
from registry.verdict.cited import Cited
from registry.verdict.facts import (
    Names,
    Organisation,
    Place,
    Product,
    Recall,
    Retracted,
    batch_registration,
    organisation,
    place,
    plain,
    product,
    recall,
)
from registry.verdict.rights import Certification, Indication, Right, areas


@dataclass(frozen=True)
class ScanStats:
    """Scans of one serialised item's code in the last `window_days` days: how many, by how many distinct
    readers, on how many distinct days; and from how many readers on how many days a code looks copied onto many
    items. Scans are the server's observations, not log entries, so a verdict judged offline has none."""

    scans: int
    readers: int
    days: int
    window_days: int = 30
    warn_readers: int = 25
    warn_days: int = 5

    def __post_init__(self) -> None:
        for name in ("scans", "readers", "days", "window_days", "warn_readers", "warn_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"scan statistic {name} is {value!r}; expected a non-negative integer")

    @property
    def implausible(self) -> bool:
        """Many readers on many days: what one code printed on many items looks like (a shopper, a family, a
        shop's staff scan a genuine item; strangers on day after day scan a copied one)."""
        return self.readers >= self.warn_readers and self.days >= self.warn_days


@dataclass(frozen=True)
class Reason:
    """One check: its code, whether it holds, what its failure makes the verdict, and what it rests on.

    Its message names things as a person would (organisations, products, GIs and places by name, dates as
    people write them); the log entries it rests on (`entries`) and the registry's keys of what it is about
    (`subjects`: `organisation:<id>`, `right:<id>`, `gi:<id>`, `batch:<gtin>/<lot>`, ..., the keys of
    `reg_entries`) are kept beside it for whoever checks it against the log."""

    code: str
    ok: bool
    severity: str
    en: str
    vi: str
    entries: tuple[int, ...] = ()
    """Indices of the log entries the check rests on, in the order the message speaks of them."""
    subjects: tuple[str, ...] = ()
    """What the check is about, as subject keys; each is named by name in the message."""

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "ok": self.ok, "severity": self.severity, "message": {"vi": self.vi, "en": self.en},
                "entries": list(self.entries), "subjects": list(self.subjects)}


@dataclass(frozen=True)
class Batch:
    gtin: str
    lot: str
    quantity: str
    unit: str
    produced_on: str
    registered_on: str
    serials_issued: int
    recalled: bool
    recall: Recall | None
    withdrawn: bool
    """The registration was retracted."""
    entry: int
    serial: str | None
    expires_on: str | None = None
    """Its expiry or best-before date: declared, or derived (`expiry_derived`) from its production date and its
    product's shelf life (`registry.schemas.expiry`)."""
    expiry_derived: bool = False


def expiry_of(body: BatchRegistered, made: Product | None) -> tuple[str | None, bool]:
    """The batch's expiry date and whether it is derived, as `registry.handlers.goods` records it."""
    declared = body.expires_on if isinstance(body, BatchRegisteredV2) else None
    return expiry(body.produced_on, declared, None if made is None else made.shelf_life_days)


@dataclass(frozen=True)
class Claim:
    indication: Indication
    right: Right | None
    status: str
    """At the production date: valid, cancelled, not-in-force, suspended, revoked or no-right."""
    status_at_registration: str


@dataclass(frozen=True)
class AreaCheck:
    gi: str
    inside: bool
    """In the GI's area as it stood when the batch was registered."""
    inside_now: bool
    stage: str | None


@dataclass(frozen=True)
class Origin:
    """The origin commune, named as `registry.verdict.facts.Place` names it, and how it lies in each GI's area."""

    code: str
    version: str
    name: str | None
    province: str | None
    province_name: str | None
    areas: tuple[AreaCheck, ...]


@dataclass(frozen=True)
class EventPlace:
    """Where an event happened: a commune of the administrative list (if named) and the producer's own words."""

    commune: Place | None
    name: str | None


@dataclass(frozen=True)
class Event:
    biz_step: str
    disposition: str | None
    event_time: str
    place: EventPlace | None
    source: str | None
    destination: str | None
    issuer: str
    note: str | None
    entry: int


@dataclass(frozen=True)
class Input:
    gtin: str
    lot: str
    quantity: str
    unit: str | None
    names: Names | None
    produced_on: str | None
    producer: Organisation | None
    recalled: bool
    recall: Recall | None
    withdrawn: bool
    entry: int | None


@dataclass(frozen=True)
class Output:
    gtin: str
    lot: str
    quantity: str
    names: Names | None
    produced_on: str
    producer: str
    entry: int


@dataclass(frozen=True)
class Serial:
    serial: str
    issued: bool
    entry: int | None


@dataclass(frozen=True)
class Verdict:
    verdict: str
    reasons: tuple[Reason, ...]
    as_of: str
    batch: Batch | None
    product: Product | None
    producer: Organisation | None
    origin: Origin | None = None
    claims: tuple[Claim, ...] = ()
    certifications: tuple[tuple[Certification, str], ...] = ()
    """Each certification with its status today."""
    events: tuple[Event, ...] = ()
    inputs: tuple[Input, ...] = ()
    outputs: tuple[Output, ...] = ()
    serial: Serial | None = None
    history: tuple[Retracted, ...] = ()
    organisations: tuple[Organisation, ...] = ()
    """Every organisation whose registration is cited, so that pages name organisations instead of ids."""

    def to_json(self) -> dict[str, Any]:
        """The verdict document without its evidence: what `nguon verify-bundle` recomputes and compares."""
        return {
            "verdict": self.verdict,
            "as_of": self.as_of,
            "reasons": [r.to_json() for r in self.reasons],
            "batch": plain(self.batch),
            "product": plain(self.product),
            "producer": plain(self.producer),
            "origin": plain(self.origin),
            "claims": [{**plain(c.indication), "status": c.status, "status_at_registration": c.status_at_registration,
                        "right": plain(c.right)} for c in self.claims],
            "certifications": [{**plain(c), "status": status} for c, status in self.certifications],
            "events": [{"type": "ObjectEvent", "action": "OBSERVE", **plain(e)} for e in self.events],
            "inputs": plain(self.inputs),
            "outputs": plain(self.outputs),
            "serial": plain(self.serial),
            "history": plain(self.history),
            "organisations": {o.id: plain(o.names) for o in self.organisations if o.names is not None},
        }


def origin_of(cited: Cited, body: BatchRegistered, index: int, claims: list[Indication]) -> Origin:
    checks = []
    for claim in claims:
        if claim.type != "gi":
            continue
        versions = areas(cited, claim.id)
        then = next((area for at, area in reversed(versions) if at < index), ())
        now = versions[-1][1] if versions else ()
        key = (body.origin.code, body.origin.version)
        part = next((p for p in then if (p.code, p.version) == key), None)
        checks.append(AreaCheck(claim.id, part is not None,
                                any((p.code, p.version) == key for p in now), None if part is None else part.stage))
    named = place(body.origin.code, body.origin.version)
    return Origin(named.code, named.version, named.name, named.province, named.province_name, tuple(checks))


def serial_of(cited: Cited, gtin: str, lot: str, serial: str | None) -> tuple[Serial | None, int]:
    """Whether `serial` (when one is asked about) was issued by a statement in effect, and how many serials the
    batch has had (retracted ones too: they stay counted)."""
    count, issued_by = 0, None
    for entry, body in cited.all("serials.issued.v1", SerialsIssued, lambda b: (b.gtin, b.lot) == (gtin, lot)):
        serials = body.expand(count)
        count += len(serials)
        if serial in serials and entry.index not in cited.retracted:
            issued_by = entry.index
    return (None if serial is None else Serial(serial, issued_by is not None, issued_by)), count


def inputs_of(cited: Cited, body: BatchRegistered) -> list[Input]:
    found = []
    for item in body.inputs:
        registered = batch_registration(cited, item.gtin, item.lot)
        made = product(cited, item.gtin)
        recalled = recall(cited, item.gtin, item.lot)
        if registered is None:
            found.append(Input(item.gtin, item.lot, item.quantity, None, None, None, None, recalled is not None,
                               recalled, False, None))
            continue
        entry, source = registered
        found.append(Input(item.gtin, item.lot, item.quantity, source.unit, None if made is None else made.names,
                           source.produced_on, organisation(cited, entry.issuer), recalled is not None,
                           recalled, entry.index in cited.retracted, entry.index))
    return found


def outputs_of(cited: Cited, gtin: str, lot: str) -> list[Output]:
    found = []
    for entry, body in cited.live(BATCH_REGISTERED, BatchRegistered,
                                  lambda b: any((i.gtin, i.lot) == (gtin, lot) for i in b.inputs)):
        made = product(cited, body.gtin)
        used = next(i.quantity for i in body.inputs if (i.gtin, i.lot) == (gtin, lot))
        found.append(Output(body.gtin, body.lot, used, None if made is None else made.names, body.produced_on,
                            entry.issuer, entry.index))
    return found


def events_of(cited: Cited, gtin: str, lot: str) -> list[Event]:
    found = []
    for entry, body in cited.live("batch.event.v1", BatchEvent, lambda b: (b.gtin, b.lot) == (gtin, lot)):
        where = None
        if body.place is not None:
            commune = body.place.commune
            where = EventPlace(None if commune is None else place(commune.code, commune.version), body.place.name)
        found.append(Event(body.biz_step, body.disposition, body.event_time, where, body.source, body.destination,
                           entry.issuer, body.note, entry.index))
    return sorted(found, key=lambda e: (e.event_time, e.entry))
