"""What the public log explorer reads: the entries a filter selects, newest first and a page at a time; one entry
with its key and its inclusion proof against the published checkpoint; and every entry about one batch.

Every filter is served by an index: kind and issuer by `ix_reg_entries_kind` and `ix_reg_entries_issuer` (kind or
issuer, then entry: a page is a range scan), a GTIN, lot, GI or mark by `ix_reg_entries_subject` (what an entry is
about, "batch:{gtin}/{lot}", "product:{gtin}", "gi:{id}", "mark:{id}"; a GTIN's batches and certifications are
found first by the batches' primary key and `ix_reg_certifications_subject`), and days by the log's own order: the log
records `logged_at` from its clock as it appends, so the first entry of a day is found by bisecting the ledger's
primary key. A page is keyset-paged by entry index (`before`), never by offset.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, literal, or_, select

from ledger.core.checkpoint import open_checkpoint
from ledger.core.cosignature import Cosignature
from ledger.core.encoding import parse
from ledger.core.errors import LedgerError
from ledger.core.hashing import leaf_hash
from ledger.core.note import NoteSignature
from ledger.core.proof import verify_inclusion
from ledger.core.types import format_timestamp
from ledger.store.log import Log
from ledger.store.protocol import StoredCheckpoint
from ledger.store.sql import SqlView
from ledger.store.tables import LedgerEntry
from registry.kinds import VIETNAM
from registry.state import table_of
from registry.tables import RegBatch, RegCertification, RegEntry

PAGE = 50
"""Entries on one page of results."""
MAX_HISTORY = 500
"""Entries a batch's history lists; a batch with more (thousands of events) says the list is cut."""

_entries, _ledger = table_of(RegEntry), LedgerEntry.__table__  # type: ignore[attr-defined]
_certifications, _batches = table_of(RegCertification), table_of(RegBatch)


@dataclass(frozen=True)
class Filters:
    """What a reader asked for; every field optional. `before` is the keyset cursor: entries below that index."""

    kind: str | None = None
    """A family of kinds ("batch.registered": its every version)."""
    kinds: tuple[str, ...] = ()
    organisation: str | None = None
    gtin: str | None = None
    lot: str | None = None
    gi: str | None = None
    mark: str | None = None
    since: date | None = None
    until: date | None = None
    before: int | None = None

    def query(self) -> dict[str, str]:
        """The filters as the form's parameters (without the cursor), for the link to the next page."""
        found = {"kind": self.kind, "organisation": self.organisation, "gtin": self.gtin, "lot": self.lot,
                 "gi": self.gi, "mark": self.mark, "since": self.since and self.since.isoformat(),
                 "until": self.until and self.until.isoformat()}
        return {k: v for k, v in found.items() if v}


@dataclass(frozen=True)
class Line:
    """One entry as a list shows it: index, when the log recorded it, kind, issuer, subject and its statement."""

    index: int
    logged_at: str
    kind: str
    issuer: str
    subject: str
    retracted: bool
    entry: dict[str, Any]


@dataclass(frozen=True)
class Witnessed:
    """A cosignature of the checkpoint: the witness's key name and when it signed (RFC 3339 UTC)."""

    name: str
    at: str


@dataclass(frozen=True)
class Published:
    size: int
    root: str
    at: str | None
    """When the log signed it: the time of its last entry."""
    note: str
    witnesses: tuple[Witnessed, ...]


def published_checkpoint(view: SqlView, log: Log, stored: StoredCheckpoint | None) -> Published | None:
    """The checkpoint to show (`stored`, as the JSON API serves it), opened with the log's key, and who cosigned it."""
    if stored is None:
        return None
    checkpoint, _ = open_checkpoint(stored.note, log.verifier)
    witnesses = []
    for line in stored.note.split("\n\n", 1)[1].splitlines():
        try:
            signature = NoteSignature.from_line(line)
            if signature.name == log.verifier.name:
                continue
            cosigned = Cosignature.from_note_signature(signature)
        except LedgerError:
            continue  # not a cosignature (the log's own signature, or an algorithm this page does not read)
        witnesses.append(Witnessed(cosigned.name, format_timestamp(datetime.fromtimestamp(cosigned.timestamp,
                                                                                          VIETNAM))))
    last = view.entries(checkpoint.size - 1, checkpoint.size) if checkpoint.size else []
    at = parse(last[0].canonical)["logged_at"] if last else None
    return Published(checkpoint.size, checkpoint.root.hex(), at, stored.note, tuple(witnesses))


def _logged_at(view: SqlView, index: int) -> str:
    return str(parse(view.entries(index, index + 1)[0].canonical)["logged_at"])


def first_logged_from(view: SqlView, day: date) -> int:
    """The index of the first entry the log recorded on or after `day` (Viet Nam's day); the log's size if none.
    A bisection of the ledger's primary key: the log records entries in time order."""
    start = format_timestamp(datetime.combine(day, time(), VIETNAM))
    low, high = 0, view.head().size
    while low < high:
        middle = (low + high) // 2
        if _logged_at(view, middle) < start:
            low = middle + 1
        else:
            high = middle
    return low


def _about(filters: Filters) -> ColumnElement[bool] | None:
    """The subjects a GTIN or lot filter selects: a product and its batches (a lot needs its GTIN: lots are
    numbered per product), and the certifications of them (by `ix_reg_certifications_subject`)."""
    subject, cert = _entries.c.subject, _certifications.c
    if not filters.gtin:
        return None
    about = cert.subject_gtin == filters.gtin
    if filters.lot:
        about = and_(about, cert.subject_lot == filters.lot)
    certified = subject.in_(select(literal("certification:") + cert.id).where(about))
    if filters.lot:
        return or_(subject == f"batch:{filters.gtin}/{filters.lot}", certified)
    # Its batches by the batches' primary key, compared whole: a range of subject strings would follow the
    # database's collation, which on PostgreSQL may ignore the punctuation that separates GTIN and lot.
    b = _batches.c
    batches = subject.in_(select(literal("batch:") + b.gtin + literal("/") + b.lot).where(b.gtin == filters.gtin))
    return or_(subject == f"product:{filters.gtin}", batches, certified)


def search(view: SqlView, filters: Filters) -> tuple[list[Line], int | None]:
    """The entries `filters` select, newest first, at most PAGE; and the cursor of the next (older) page, or None."""
    c = _entries.c
    where: list[ColumnElement[bool]] = []
    if filters.kinds:
        where.append(c.kind.in_(filters.kinds))
    if filters.organisation:
        where.append(c.issuer == filters.organisation)
    about = _about(filters)
    if about is not None:
        where.append(about)
    if filters.gi:
        where.append(c.subject == f"gi:{filters.gi}")
    if filters.mark:
        where.append(c.subject == f"mark:{filters.mark}")
    if filters.since:
        where.append(c.entry >= first_logged_from(view, filters.since))
    if filters.until:
        where.append(c.entry < first_logged_from(view, filters.until + timedelta(days=1)))
    if filters.before is not None:
        where.append(c.entry < filters.before)
    rows = view.connection.execute(select(_entries).where(*where).order_by(c.entry.desc())
                                   .limit(PAGE + 1)).mappings().all()
    lines = _lines(view, rows[:PAGE])
    return lines, (rows[PAGE - 1]["entry"] if len(rows) > PAGE else None)


def _lines(view: SqlView, rows: Sequence[Any]) -> list[Line]:
    """The entries of projection rows `rows`, in their order, their statements read in one query."""
    indices = [int(r["entry"]) for r in rows]
    found = {int(i): parse(data) for i, data in view.connection.execute(
        select(_ledger.c.idx, _ledger.c.canonical).where(_ledger.c.idx.in_(indices)))} if indices else {}
    return [Line(int(r["entry"]), found[int(r["entry"])]["logged_at"], r["kind"], r["issuer"], r["subject"],
                 bool(r["retracted"]), found[int(r["entry"])]) for r in rows]


def line(view: SqlView, index: int) -> Line | None:
    rows = view.connection.execute(select(_entries).where(_entries.c.entry == index)).mappings().all()
    return _lines(view, rows)[0] if rows else None


def batch_history(view: SqlView, gtin: str, lot: str) -> tuple[list[Line], bool]:
    """Every entry about batch `gtin`/`lot`, oldest first (at most MAX_HISTORY; the flag says whether more were
    cut): its registration, events, serials, recall, the certifications of it, and the corrections of any of
    them (a correction takes the subject of the entry it corrects)."""
    cert = _certifications.c
    certifications = [f"certification:{i}" for i in view.connection.execute(
        select(cert.id).where(cert.subject_gtin == gtin, cert.subject_lot == lot)).scalars()]
    c = _entries.c
    rows = view.connection.execute(select(_entries).where(c.subject.in_([f"batch:{gtin}/{lot}", *certifications]))
                                   .order_by(c.entry).limit(MAX_HISTORY + 1)).mappings().all()
    return _lines(view, rows[:MAX_HISTORY]), len(rows) > MAX_HISTORY


@dataclass(frozen=True)
class Proven:
    """An entry's inclusion proof in the published checkpoint, checked here with the ledger's own verification."""

    size: int
    hashes: tuple[str, ...]
    verified: bool


def prove(view: SqlView, log: Log, index: int, published: Published | None) -> Proven | None:
    """The proof of entry `index` against `published`; None when that checkpoint does not include it yet."""
    if published is None or index >= published.size:
        return None
    proof = log.inclusion(view, index, published.size)
    stored = view.entries(index, index + 1)[0]
    try:
        verify_inclusion(leaf_hash(stored.canonical), index, published.size, proof.hashes,
                         bytes.fromhex(published.root))
        verified = True
    except LedgerError:
        verified = False
    return Proven(published.size, tuple(h.hex() for h in proof.hashes), verified)
