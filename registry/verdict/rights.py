"""The rights a batch relies on, as frozen values built from the entries it cites: the GIs and marks it claims
(`Indication`, with a GI's area as amended over time), the rights of use behind a claim (`Right`, with the
changes in effect), and certifications of the batch, its product or its producer.

Like `registry.verdict.facts`, each builder reads a `Cited` (no database) and every fact names the log index
of the entry it comes from (`entry`).
"""

from dataclasses import dataclass

from registry.schemas import (
    CertificationIssued,
    CertificationRevoked,
    GiAmended,
    GiCancelled,
    GiManagerChanged,
    GiRegistered,
    MarkCancelled,
    MarkRegistered,
    MarkRenewed,
    RightChanged,
    RightGranted,
)
from registry.verdict.cited import Cited
from registry.verdict.facts import Change, Names, Organisation, equals, organisation

RIGHT_CHANGES = ("right.suspended.v1", "right.reinstated.v1", "right.revoked.v1")


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
        # The order they take effect in, as registry.queries.right_status reads them.
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
    """The rule of registry.queries.right_active_on, on a right's facts."""
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
