"""The facts a verdict states about a batch, as frozen values built from the entries it cites.

Each builder reads a `Cited` (no database) and every fact names the log index of the entry it comes from
(`entry`). `plain` turns facts into the JSON the verdict document carries.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from registry.schemas import (
    BatchRecalled,
    BatchRegistered,
    CertificationIssued,
    CertificationRevoked,
    Correction,
    GiAmended,
    GiCancelled,
    GiManagerChanged,
    GiRegistered,
    MarkCancelled,
    MarkRegistered,
    MarkRenewed,
    OrganisationRegistered,
    OrganisationUpdated,
    PrefixLicensed,
    PrefixRevoked,
    ProductRegistered,
    RightChanged,
    RightGranted,
)
from registry.verdict.cited import Cited, Logged

RIGHT_CHANGES = ("right.suspended.v1", "right.reinstated.v1", "right.revoked.v1")


def equals(field: str, value: object) -> Callable[[Any], bool]:
    """A predicate on statement bodies: `field` equals `value`."""
    return lambda body: bool(getattr(body, field) == value)


@cache
def _names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def plain(value: Any) -> Any:
    """Facts as JSON values: dataclasses as objects, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: plain(getattr(value, name)) for name in _names(type(value))}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Names:
    vi: str
    en: str


@dataclass(frozen=True)
class Place:
    code: str
    version: str


@dataclass(frozen=True)
class Change:
    entry: int
    action: str


@dataclass(frozen=True)
class Organisation:
    id: str
    names: Names | None
    """None when the organisation's registration is not among the cited entries."""
    commune: Place | None = None
    entry: int | None = None
    history: tuple[Change, ...] = ()


def organisation(cited: Cited, org_id: str) -> Organisation:
    """An organisation as its registration and later updates describe it."""
    found = cited.first("organisation.registered.v1", OrganisationRegistered, lambda b: b.id == org_id)
    if found is None:
        return Organisation(org_id, None)
    entry, body = found
    names = Names(body.names.vi, body.names.en)
    commune = None if body.commune is None else Place(body.commune.code, body.commune.version)
    history = []
    for update, changes in cited.all("organisation.updated.v1", OrganisationUpdated, lambda b: b.id == org_id):
        if changes.names is not None:
            names = Names(changes.names.vi, changes.names.en)
        if changes.commune is not None:
            commune = Place(changes.commune.code, changes.commune.version)
        history.append(Change(update.index, "updated"))
    return Organisation(org_id, names, commune, entry.index, tuple(history))


@dataclass(frozen=True)
class Licence:
    id: str
    prefix: str
    licensee: str
    agency: Organisation
    valid_from: str
    valid_until: str | None
    revoked_on: str | None
    entry: int


@dataclass(frozen=True)
class Product:
    gtin: str
    names: Names
    unit: str
    producer: str
    entry: int
    licence: Licence | None


def product(cited: Cited, gtin: str) -> Product | None:
    found = cited.first("product.registered.v1", ProductRegistered, lambda b: b.gtin == gtin)
    if found is None:
        return None
    entry, body = found
    licence = None
    for granted, terms in cited.all("prefix.licensed.v1", PrefixLicensed,
                                    lambda b: b.licensee == entry.issuer and gtin[1:].startswith(b.prefix)):
        revoked = cited.first("prefix.revoked.v1", PrefixRevoked, equals("licence", terms.id))
        licence = Licence(terms.id, terms.prefix, terms.licensee, organisation(cited, granted.issuer),
                          terms.valid_from, terms.valid_until, None if revoked is None else revoked[1].effective_on,
                          granted.index)
        break
    return Product(gtin, Names(body.names.vi, body.names.en), body.unit, entry.issuer, entry.index, licence)


@dataclass(frozen=True)
class Recall:
    entry: int
    issuer: str
    reason: str
    on: str


def recall(cited: Cited, gtin: str, lot: str) -> Recall | None:
    """The earliest recall of the batch in effect."""
    for entry, body in cited.live("batch.recalled.v1", BatchRecalled, lambda b: (b.gtin, b.lot) == (gtin, lot)):
        return Recall(entry.index, entry.issuer, body.reason, entry.day)
    return None


@dataclass(frozen=True)
class RightChangeFacts:
    action: str
    effective_on: str
    decided_on: str
    """The day the decision was logged; it may apply from an earlier day (a fraud found late)."""
    reason: str
    issuer: str
    entry: int


@dataclass(frozen=True)
class Quota:
    quantity: str
    unit: str
    text: str | None


@dataclass(frozen=True)
class Right:
    id: str
    holder: str
    valid_from: str
    valid_until: str | None
    status_now: str
    quota: Quota | None
    plot: str | None
    issuer: str
    entry: int
    changes: tuple[RightChangeFacts, ...]
    """The changes in effect (retracted ones are left out; `history` lists them)."""


_STATUS_AFTER = {"right.suspended.v1": "suspended", "right.reinstated.v1": "active", "right.revoked.v1": "revoked"}


def rights(cited: Cited, holder: str, subject_type: str, subject_id: str) -> list[Right]:
    """The holder's rights to use a GI or mark, each with its changes in effect."""
    found = []
    for entry, body in cited.all("right.granted.v1", RightGranted, lambda b: b.holder == holder and
                                 (b.subject.type, b.subject.id) == (subject_type, subject_id)):
        changes = []
        for kind in RIGHT_CHANGES:
            for change, terms in cited.live(kind, RightChanged, equals("right", body.id)):
                changes.append((change.index, kind, terms, change))
        changes.sort(key=lambda c: c[0])
        # The order they take effect in, as registry.handlers.indications.right_status reads them.
        in_effect = sorted(changes, key=lambda c: (c[2].effective_on, c[0]))
        status = _STATUS_AFTER[in_effect[-1][1]] if in_effect else "active"
        quota = None if body.quota is None else Quota(body.quota.quantity, body.quota.unit, body.quota.text)
        found.append(Right(body.id, body.holder, body.valid_from, body.valid_until, status, quota, body.plot,
                           entry.issuer, entry.index,
                           tuple(RightChangeFacts(_STATUS_AFTER[k].replace("active", "reinstated"), t.effective_on,
                                                  c.day, t.reason, c.issuer, i) for i, k, t, c in changes)))
    return found


def in_window(right: Right, day: str) -> bool:
    """Whether `day` lies within the right's validity."""
    return right.valid_from <= day and (right.valid_until is None or day <= right.valid_until)


def change_on(right: Right, day: str) -> RightChangeFacts | None:
    """The change that governs the right on `day`: the last to take effect on or before it, if any."""
    changes = sorted((c for c in right.changes if c.effective_on <= day), key=lambda c: (c.effective_on, c.entry))
    return changes[-1] if changes else None


def right_in_force(right: Right, day: str) -> bool:
    """The rule of registry.handlers.indications.right_active_on, on a right's facts."""
    change = change_on(right, day)
    return in_window(right, day) and (change is None or change.action == "reinstated")


@dataclass(frozen=True)
class AreaPart:
    code: str
    version: str
    name: str | None
    stage: str | None


@dataclass(frozen=True)
class Indication:
    """A GI or mark as the cited entries describe it."""

    type: str
    id: str
    names: Names
    certificate: str
    application: str
    entry: int
    history: tuple[Change, ...]
    cancelled_on: str | None
    # A GI's:
    product: str | None = None
    specification: str | None = None
    manager: Organisation | None = None
    granted_on: str | None = None
    # A mark's:
    mark_type: str | None = None
    goods: str | None = None
    nice_classes: tuple[int, ...] = ()
    owner: Organisation | None = None
    valid_from: str | None = None
    valid_until: str | None = None


def areas(cited: Cited, gi_id: str) -> list[tuple[int, tuple[AreaPart, ...]]]:
    """The GI's area as registered and after each amendment that replaced it: (entry, area) in log order."""
    found = cited.first("gi.registered.v1", GiRegistered, lambda b: b.id == gi_id)
    if found is None:
        return []
    versions = [(found[0].index, found[1].area)]
    versions += [(e.index, b.area) for e, b in cited.all("gi.amended.v1", GiAmended, lambda b: b.gi == gi_id)
                 if b.area is not None]
    return [(index, tuple(AreaPart(p.commune.code, p.commune.version, p.commune.name, p.stage) for p in area))
            for index, area in versions]


def indication(cited: Cited, subject_type: str, subject_id: str) -> Indication | None:
    if subject_type == "gi":
        found = cited.first("gi.registered.v1", GiRegistered, lambda b: b.id == subject_id)
        if found is None:
            return None
        entry, gi = found
        names, specification, manager = Names(gi.names.vi, gi.names.en), gi.specification, gi.manager
        history = []
        for amended, body in cited.all("gi.amended.v1", GiAmended, lambda b: b.gi == subject_id):
            names = Names(body.names.vi, body.names.en) if body.names else names
            specification = body.specification or specification
            history.append(Change(amended.index, "amended"))
        for changed, body_ in cited.all("gi.manager_changed.v1", GiManagerChanged, lambda b: b.gi == subject_id):
            manager = body_.manager
            history.append(Change(changed.index, "manager_changed"))
        cancelled = cited.all("gi.cancelled.v1", GiCancelled, lambda b: b.gi == subject_id)
        history += [Change(e.index, "cancelled") for e, _ in cancelled]
        return Indication("gi", subject_id, names, gi.certificate, gi.application, entry.index,
                          tuple(sorted(history, key=lambda c: c.entry)),
                          cancelled[0][1].effective_on if cancelled else None, product=gi.product,
                          specification=specification, manager=organisation(cited, manager), granted_on=gi.granted_on)
    found_mark = cited.first("mark.registered.v1", MarkRegistered, lambda b: b.id == subject_id)
    if found_mark is None:
        return None
    entry, mark = found_mark
    valid_until = mark.valid_until
    history = []
    for renewed, body__ in cited.all("mark.renewed.v1", MarkRenewed, lambda b: b.mark == subject_id):
        valid_until = body__.valid_until
        history.append(Change(renewed.index, "renewed"))
    cancelled_mark = cited.all("mark.cancelled.v1", MarkCancelled, lambda b: b.mark == subject_id)
    history += [Change(e.index, "cancelled") for e, _ in cancelled_mark]
    return Indication("mark", subject_id, Names(mark.names.vi, mark.names.en), mark.certificate, mark.application,
                      entry.index, tuple(sorted(history, key=lambda c: c.entry)),
                      cancelled_mark[0][1].effective_on if cancelled_mark else None, mark_type=mark.type,
                      goods=mark.goods, nice_classes=tuple(sorted(set(mark.nice_classes))),
                      owner=organisation(cited, mark.owner), valid_from=mark.valid_from, valid_until=valid_until)


@dataclass(frozen=True)
class Certification:
    id: str
    subject: str
    certifier: Organisation
    scheme: str
    result: str
    valid_from: str
    valid_until: str
    revoked: bool
    revoked_entry: int | None
    document_sha256: str
    entry: int


def certifications(cited: Cited, gtin: str, lot: str, producer: str) -> list[Certification]:
    """Certifications in effect of the batch, its product and its producer."""
    def about(body: CertificationIssued) -> bool:
        s = body.subject
        return (s.type == "batch" and (s.gtin, s.lot) == (gtin, lot)) or (s.type == "product" and s.gtin == gtin) \
            or (s.type == "producer" and s.organisation == producer)

    found = []
    for entry, body in cited.live("certification.issued.v1", CertificationIssued, about):
        revocations = cited.live("certification.revoked.v1", CertificationRevoked, equals("certification", body.id))
        revoked = revocations[0][0].index if revocations else None
        found.append(Certification(body.id, body.subject.type, organisation(cited, entry.issuer), body.scheme,
                                   body.result, body.valid_from, body.valid_until, revoked is not None, revoked,
                                   body.document_sha256, entry.index))
    return found


def batch_registration(cited: Cited, gtin: str, lot: str) -> tuple[Logged, BatchRegistered] | None:
    return cited.first("batch.registered.v1", BatchRegistered, lambda b: (b.gtin, b.lot) == (gtin, lot))


@dataclass(frozen=True)
class Retraction:
    entry: int
    issuer: str
    reason: str
    on: str
    authority: bool
    """Made by an authority governing the subject, not by the retracted entry's own issuer."""


@dataclass(frozen=True)
class Retracted:
    """A statement that has no effect, what it was, and the corrections in effect that retract it."""

    entry: int
    kind: str
    issuer: str
    said_on: str
    retracted_by: tuple[Retraction, ...]


def history(cited: Cited) -> list[Retracted]:
    """Every cited statement that is retracted (corrections included: a correction itself retracted is what was
    said and taken back), with who retracted it and why."""
    found = []
    for entry in cited.entries:
        if entry.index not in cited.retracted:
            continue
        by = []
        for correction in cited.corrections_of.get(entry.index, []):
            if correction.index in cited.retracted:
                continue
            body = correction.body
            assert isinstance(body, Correction)  # noqa: S101
            by.append(Retraction(correction.index, correction.issuer, body.reason, correction.day,
                                 correction.issuer != entry.issuer))
        found.append(Retracted(entry.index, entry.kind, entry.issuer, entry.day, tuple(by)))
    return found
