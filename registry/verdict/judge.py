"""The verdict on a batch or one item of it: a pure function of the log entries it cites.

`judge(cited, gtin, lot, today=...)` reads only the entries (`registry.verdict.cited.Cited`), never a database, so the
server (`registry.verdict.batch.verify_batch`) and an offline verifier (`nguon verify-bundle`) given the same entries
reach the same verdict. The verdict is the gravest outcome among the checks that fail:

    unknown    no such batch is registered;
    recalled   the batch was recalled (a recall in effect, not retracted): it should be neither sold nor used;
    invalid    a GI or mark claim was not valid on the production date or on the day the batch was registered,
               the batch registration was retracted, the serial was never issued for this batch, or a
               certification of the batch failed;
    warning    one of its inputs was recalled (the recall names that input, not this batch), a certification is
               revoked, failed (for the product or producer) or is not valid today, the origin lies outside a GI
               area as amended since, the batch is past its expiry date (declared, or its production date plus
               the product's shelf life), or the scans look like a copied code;
    authentic  every check holds.

`reasons` lists every check made (`registry.verdict.checks`), passing ones too, with a stable code, what its
failure means (`severity`), a message in Vietnamese and English giving value and expectation in words a person
reads (names, not ids), and the log entries and subjects it rests on (`entries`, `subjects`). A retracted
statement has no effect on any check, as if it had never been made; `history` lists it with who retracted it.
Scan statistics are not log entries: the server passes them for items, and an offline verifier judges without
them.
"""

from registry.kinds import ORGANISATION_REGISTERED
from registry.schemas import BatchRegistered, OrganisationRegistered
from registry.verdict.checks import (
    Checks,
    check_certifications,
    check_expiry,
    check_item,
    check_parties,
    check_recalls,
    check_registration,
    check_unknown,
)
from registry.verdict.cited import Cited
from registry.verdict.claims import check_claims, claim_status
from registry.verdict.facts import Organisation, batch_registration, history, organisation, product, recall
from registry.verdict.record import (
    Batch,
    Claim,
    ScanStats,
    Verdict,
    events_of,
    expiry_of,
    inputs_of,
    origin_of,
    outputs_of,
    serial_of,
)
from registry.verdict.rights import certifications, indication, right_in_force, rights


def _claims(cited: Cited, body: BatchRegistered, producer: str, produced_on: str, registered_on: str) -> list[Claim]:
    """Each claim with the producer's right that was in force on both days (or, if none was, its first right)."""
    found = []
    for subject in body.claims:
        facts = indication(cited, subject.type, subject.id)
        if facts is None:
            continue
        held = rights(cited, producer, subject.type, subject.id)
        both = [r for r in held if right_in_force(r, produced_on) and right_in_force(r, registered_on)]
        right = both[0] if both else (held[0] if held else None)
        found.append(Claim(facts, right, claim_status(facts, right, produced_on),
                           claim_status(facts, right, registered_on)))
    return found


def judge(cited: Cited, gtin: str, lot: str, *, today: str, serial: str | None = None,
          scans: ScanStats | None = None) -> Verdict:
    """The verdict on batch `lot` of `gtin` (and on item `serial` of it, if given) on day `today` (YYYY-MM-DD),
    from the cited entries alone."""
    parties = _parties(cited)
    checks = Checks({o.id: o.names for o in parties if o.names is not None})
    made = product(cited, gtin)
    registered = batch_registration(cited, gtin, lot)
    if registered is None:
        check_unknown(checks, gtin, lot, made)
        producer = None if made is None else organisation(cited, made.producer)
        return Verdict(checks.verdict(), tuple(checks.reasons), today, None, made, producer, organisations=parties)
    entry, body = registered
    retractions = history(cited)
    item, issued = serial_of(cited, gtin, lot, serial)
    recalled = recall(cited, gtin, lot)
    batch = Batch(gtin, lot, body.quantity, body.unit, body.produced_on, entry.day, issued, recalled is not None,
                  recalled, entry.index in cited.retracted, entry.index, serial,
                  # A derived expiry counts the shelf life the batch's label was printed with, as the handler did.
                  *expiry_of(body, product(cited, gtin, before=entry.index)))
    producer = organisation(cited, entry.issuer)
    check_registration(checks, batch, made, retractions)
    check_parties(checks, gtin, made, producer)
    claims = _claims(cited, body, entry.issuer, body.produced_on, entry.day)
    origin = origin_of(cited, body, entry.index, [c.indication for c in claims])
    check_claims(checks, claims, origin, batch, entry.issuer)
    inputs = inputs_of(cited, body)
    check_recalls(checks, batch, made, inputs)
    check_expiry(checks, batch, made, today)
    judged = check_certifications(checks, certifications(cited, gtin, lot, entry.issuer), today)
    check_item(checks, batch, made, item, scans)
    return Verdict(checks.verdict(), tuple(checks.reasons), today, batch, made, producer, origin, tuple(claims),
                   tuple(judged), tuple(events_of(cited, gtin, lot)), tuple(inputs),
                   tuple(outputs_of(cited, gtin, lot)), item, tuple(retractions), parties)


def _parties(cited: Cited) -> tuple[Organisation, ...]:
    return tuple(organisation(cited, body.id)
                 for _, body in cited.all(ORGANISATION_REGISTERED, OrganisationRegistered))
