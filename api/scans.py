"""Counting scans of issued serials: bounded daily aggregates, written off the request's path.

What is stored, per issued serial (gtin, lot, serial) and UTC day, and nothing for a batch that does not
exist or a serial never issued:
- `api_scan_windows`: how many times the item was resolved that day;
- `api_scan_clients`: up to CLIENTS_PER_WINDOW distinct readers that day, each as `client_id`: HMAC-SHA256 of
  the item and the reader's network address (an IPv4 address, or the /64 of an IPv6 one) under a key derived
  from the registry's secret by HKDF-SHA256 with its own info, cut to 128 bits. Never the address; with the
  item in the HMAC, one reader's scans of different items cannot be linked.
Days older than RETENTION_DAYS are deleted. A region the client names is not stored: anyone can name any.

Requests only queue a scan (`ScanCounter.record`, which never blocks: a full queue drops the scan and counts
it); a background thread writes the queue in one transaction per second (`flush`), so that several API
processes can count at once: window rows are upserted in key order, and each window's row is locked before
its readers are counted, so the cap holds on PostgreSQL as on SQLite (BEGIN IMMEDIATE).

The evidence a verdict may rely on (`registry.verdict.record.ScanStats`) is independent readers over time: how
many distinct readers scanned the item in the last LOOKBACK_DAYS days, and on how many distinct days. One reader
is one reader however many times it scans; readers seen on one day only are a crowd, not a copied code.
"""

import hashlib
import hmac
import ipaddress
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, Table, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from api.tables import ScanClient, ScanWindow
from ledger.store.engines import write_transaction
from registry.tables import RegSerial
from registry.verdict.batch import ScanStats

logger = logging.getLogger("nguon.scans")

CLIENTS_PER_WINDOW = 64
"""Readers kept per serial and day: past the warning threshold already, so more would add no evidence."""
LOOKBACK_DAYS = 30
"""Days (today included) whose scans a verdict reads."""
RETENTION_DAYS = LOOKBACK_DAYS
"""Days kept: nothing reads older ones."""
WARN_CLIENTS = 25
"""Distinct readers in the look-back from which a scan pattern is implausible for one genuine item..."""
WARN_DAYS = 5
"""...when they scanned on at least this many distinct days."""
QUEUE_CAPACITY = 10_000
CLIENT_KEY_INFO = b"nguon scan client v1"

_windows = ScanWindow.__table__  # type: ignore[attr-defined]
_clients = ScanClient.__table__  # type: ignore[attr-defined]
_serials = RegSerial.__table__  # type: ignore[attr-defined]

WindowKey = tuple[str, str, str, str]
"""(gtin, lot, serial, day)"""


def client_key(secret: bytes) -> bytes:
    """The HMAC key of readers, derived for that purpose alone: never the secret that seals custodial keys."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=CLIENT_KEY_INFO).derive(secret)


def reader_of(address: str) -> str:
    """The network identity of a reader: an IPv4 address, or the /64 of an IPv6 one (one subscriber's usual
    allocation, inside which a device may pick any address); anything else as given."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def client_id(key: bytes, gtin: str, lot: str, serial: str, address: str) -> str:
    """What is stored of a reader of one item: 128 bits of HMAC-SHA256 under `client_key`, in hex."""
    message = "\n".join((gtin, lot, serial, reader_of(address))).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Scan:
    """One resolution of an issued serial on a UTC day, by a reader (None when the address is unknown)."""

    gtin: str
    lot: str
    serial: str
    day: str
    client: str | None


def is_issued(connection: Connection, gtin: str, lot: str, serial: str) -> bool:
    """Whether `serial` was issued for batch `lot` of `gtin` (so the batch exists too)."""
    query = select(_serials.c.entry).where(_serials.c.gtin == gtin, _serials.c.lot == lot, _serials.c.serial == serial)
    return connection.execute(query).first() is not None


def scan_evidence(connection: Connection, gtin: str, lot: str, serial: str, today: date) -> ScanStats:
    """The item's scans in the LOOKBACK_DAYS days up to `today`, with the thresholds the verdict warns at."""
    since = (today - timedelta(days=LOOKBACK_DAYS - 1)).isoformat()
    where = (_windows.c.gtin == gtin, _windows.c.lot == lot, _windows.c.serial == serial, _windows.c.day >= since)
    days, scans = connection.execute(select(func.count(), func.coalesce(func.sum(_windows.c.scans), 0))
                                     .where(*where)).one()
    clients = connection.execute(select(func.count(func.distinct(_clients.c.client))).where(
        _clients.c.gtin == gtin, _clients.c.lot == lot, _clients.c.serial == serial, _clients.c.day >= since)).scalar()
    return ScanStats(scans=int(scans), readers=int(clients or 0), days=int(days), window_days=LOOKBACK_DAYS,
                     warn_readers=WARN_CLIENTS, warn_days=WARN_DAYS)


def _insert(connection: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def write_scans(engine: Engine, scans: Iterable[Scan]) -> None:
    """Add `scans` to their windows in one transaction; safe beside other processes doing the same."""
    counts: dict[WindowKey, int] = {}
    readers: dict[WindowKey, set[str]] = {}
    for scan in scans:
        key = (scan.gtin, scan.lot, scan.serial, scan.day)
        counts[key] = counts.get(key, 0) + 1
        if scan.client is not None:
            readers.setdefault(key, set()).add(scan.client)
    with write_transaction(engine) as connection:
        for key in sorted(counts):  # one lock order for every process, so two flushes cannot deadlock
            gtin, lot, serial, day = key
            upsert = _insert(connection, _windows).values(gtin=gtin, lot=lot, serial=serial, day=day,
                                                          scans=counts[key])
            # The upsert locks the window's row until commit: its readers below are counted by one flush at a time.
            connection.execute(upsert.on_conflict_do_update(
                index_elements=["gtin", "lot", "serial", "day"], set_={"scans": _windows.c.scans + counts[key]}))
            if key not in readers:
                continue
            known = set(connection.execute(select(_clients.c.client).where(
                _clients.c.gtin == gtin, _clients.c.lot == lot, _clients.c.serial == serial, _clients.c.day == day))
                .scalars())
            fresh = sorted(readers[key] - known)[:max(0, CLIENTS_PER_WINDOW - len(known))]
            if fresh:
                connection.execute(_insert(connection, _clients).on_conflict_do_nothing(), [
                    {"gtin": gtin, "lot": lot, "serial": serial, "day": day, "client": client} for client in fresh])


def prune(engine: Engine, today: date) -> int:
    """Delete the days past RETENTION_DAYS; how many day rows went."""
    before = (today - timedelta(days=RETENTION_DAYS - 1)).isoformat()
    with write_transaction(engine) as connection:
        connection.execute(delete(_clients).where(_clients.c.day < before))
        return int(connection.execute(delete(_windows).where(_windows.c.day < before)).rowcount)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ScanCounter:
    """Takes scans from requests without blocking and writes them in batches: from its thread between `start`
    and `stop`, or on `flush()`. `clock` gives the day a scan counts for."""

    def __init__(self, engine: Engine, secret: bytes, *, capacity: int = QUEUE_CAPACITY, interval: float = 1.0,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self._key = client_key(secret)
        self._queue: queue.Queue[Scan] = queue.Queue(capacity)
        self._interval = interval
        self._dropped = 0
        self._reported = 0
        self._counting = threading.Lock()
        self._flushing = threading.Lock()
        self._pruned_on: date | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"ScanCounter(queued={self._queue.qsize()}, dropped={self.dropped})"

    @property
    def dropped(self) -> int:
        """Scans dropped because the queue was full, since this counter was made."""
        return self._dropped

    def today(self) -> date:
        return self.clock().astimezone(UTC).date()

    def record(self, gtin: str, lot: str, serial: str, address: str | None) -> bool:
        """Queue a scan of an issued serial (the caller checked); False if the queue was full and it was dropped."""
        client = None if address is None else client_id(self._key, gtin, lot, serial, address)
        try:
            self._queue.put_nowait(Scan(gtin, lot, serial, self.today().isoformat(), client))
        except queue.Full:
            with self._counting:
                self._dropped += 1
            return False
        if self._queue.qsize() >= self._queue.maxsize // 2:
            self._wake.set()
        return True

    def flush(self) -> int:
        """Write what is queued in one transaction, and once a day delete the days past retention; the number of
        scans written. A database error is raised, and the scans taken for this write are lost."""
        with self._flushing:
            taken: list[Scan] = []
            for _ in range(self._queue.maxsize):
                try:
                    taken.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if taken:
                write_scans(self.engine, taken)
            today = self.today()
            if self._pruned_on != today:
                prune(self.engine, today)
                self._pruned_on = today
            if self._dropped != self._reported:
                logger.warning("scan queue full: %d scans dropped so far", self._dropped)
                self._reported = self._dropped
            return len(taken)

    def start(self) -> None:
        """Start the background writer (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="nguon-scans", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the background writer and write what is still queued."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._flush_logged()

    def _flush_logged(self) -> None:
        try:
            self.flush()
        except Exception:
            # Scans are observations, not records: losing a batch must not take the writer (or shutdown) down.
            logger.exception("writing scans failed")

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if not self._stopping.is_set():
                self._flush_logged()
