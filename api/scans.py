"""Counting scans of serialised items: when, and a coarse region if the client gives one.

No IP address is stored: only an HMAC of it under the registry's secret, so that many scans from one
reader can be told from scans by many readers without keeping who scanned.
"""

import hashlib
import hmac
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from api.tables import SerialScan
from ledger.db import write_transaction
from registry.verdict import ScanStats

_scans = SerialScan.__table__  # type: ignore[attr-defined]


def record_scan(engine: Engine, secret: bytes, gtin: str, lot: str, serial: str, region: str | None,
                client_address: str | None) -> None:
    client = None
    if client_address:
        client = hmac.new(secret, client_address.encode(), hashlib.sha256).hexdigest()[:32]
    with write_transaction(engine) as connection:
        connection.execute(_scans.insert().values(gtin=gtin, lot=lot, serial=serial, region=region, client=client,
                                                  scanned_at=datetime.now(UTC).isoformat()))


def scan_stats(connection: Connection, gtin: str, lot: str, serial: str) -> ScanStats:
    where = (_scans.c.gtin == gtin, _scans.c.lot == lot, _scans.c.serial == serial)
    count, regions = connection.execute(
        select(func.count(), func.count(func.distinct(_scans.c.region))).where(*where)).one()
    return ScanStats(count=int(count), regions=int(regions))
