"""The figures the charts show, read from the database with bounded queries: counted and summed in SQL, a
limited number of rows out, nothing drawn here (api.charts draws).

What an organisation sees is its scope (`Scope`): a producer its own rights and batches, an authority the rights
of the GIs it manages and the batches that claim them, an association the same for the marks it owns; an
organisation with several roles sees the union. The log's growth and its witnesses' lag are public.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import ColumnElement, and_, case, exists, false, func, literal, or_, select
from sqlalchemy.engine import Connection

from api import explorer
from api.scans import LOOKBACK_DAYS, WARN_CLIENTS, WARN_DAYS
from api.tables import ScanClient, ScanWindow
from ledger.store.sql import SqlView
from ledger.witness.tables import LogCosignature
from registry.kinds import VIETNAM
from registry.places import Province, commune, name_en, provinces
from registry.state import table_of
from registry.tables import RegBatch, RegBatchClaim, RegGi, RegMark, RegOrganisation, RegRight

MAX_RIGHTS = 40
"""Rights a chart shows: the most used first."""
MONTHS = 12
MAX_REGIONS = 40
"""Communes of origin read (then gathered into their provinces)."""
LOG_DAYS = 30
MAX_WITNESSES = 30

_rights, _batches, _claims = table_of(RegRight), table_of(RegBatch), table_of(RegBatchClaim)
_gis, _marks, _orgs = table_of(RegGi), table_of(RegMark), table_of(RegOrganisation)
_windows = ScanWindow.__table__  # type: ignore[attr-defined]
_clients = ScanClient.__table__  # type: ignore[attr-defined]
_cosignatures = LogCosignature.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Scope:
    """An organisation and the roles through which it sees rights and batches."""

    organisation: str
    roles: frozenset[str]

    @property
    def any(self) -> bool:
        return bool(self.roles & {"producer", "authority", "association"})

    def _subjects(self, kind: ColumnElement[str], subject: ColumnElement[str]) -> list[ColumnElement[bool]]:
        """Conditions that a (kind, id) subject is a GI the organisation manages or a mark it owns."""
        found: list[ColumnElement[bool]] = []
        if "authority" in self.roles:
            found.append(and_(kind == "gi", subject.in_(select(_gis.c.id).where(_gis.c.manager == self.organisation))))
        if "association" in self.roles:
            found.append(and_(kind == "mark",
                              subject.in_(select(_marks.c.id).where(_marks.c.owner == self.organisation))))
        return found

    def rights(self) -> ColumnElement[bool]:
        found = self._subjects(_rights.c.subject_type, _rights.c.subject_id)
        if "producer" in self.roles:
            found.append(_rights.c.holder == self.organisation)
        return or_(*found) if found else false()

    def batches(self) -> ColumnElement[bool]:
        """Batches in scope, registration not retracted."""
        found = []
        if "producer" in self.roles:
            found.append(_batches.c.producer == self.organisation)
        claimed = self._subjects(_claims.c.subject_type, _claims.c.subject_id)
        if claimed:
            found.append(exists().where(_claims.c.gtin == _batches.c.gtin, _claims.c.lot == _batches.c.lot,
                                        or_(*claimed)))
        return and_(_batches.c.retracted == false(), or_(*found)) if found else false()


@dataclass(frozen=True)
class RightUse:
    right: str
    holder: tuple[str, str]
    subject: tuple[str, str]
    """The GI's or mark's names (Vietnamese, English)."""
    used: Decimal
    quota: Decimal | None
    unit: str | None
    status: str

    @property
    def percent(self) -> float | None:
        return None if not self.quota else float(self.used * 100 / self.quota)


def _decimal(text: str | None) -> Decimal | None:
    try:
        return None if text is None else Decimal(text)
    except InvalidOperation:
        return None


def quota_use(connection: Connection, scope: Scope) -> list[RightUse]:
    """The rights in scope with what their quota allows and what batches used of it, rights with a quota first,
    at most MAX_RIGHTS."""
    holder = _orgs.alias("holder")
    subject_vi = func.coalesce(_gis.c.name_vi, _marks.c.name_vi, _rights.c.subject_id)
    subject_en = func.coalesce(_gis.c.name_en, _marks.c.name_en, _rights.c.subject_id)
    query = (select(_rights.c.id, holder.c.name_vi, holder.c.name_en, subject_vi, subject_en, _rights.c.quota_used,
                    _rights.c.quota_quantity, _rights.c.quota_unit, _rights.c.status)
             .join(holder, holder.c.id == _rights.c.holder)
             .outerjoin(_gis, and_(_rights.c.subject_type == "gi", _gis.c.id == _rights.c.subject_id))
             .outerjoin(_marks, and_(_rights.c.subject_type == "mark", _marks.c.id == _rights.c.subject_id))
             .where(scope.rights())
             .order_by(case((_rights.c.quota_quantity.is_(None), 1), else_=0), _rights.c.id).limit(MAX_RIGHTS))
    return [RightUse(r[0], (r[1], r[2]), (r[3], r[4]), _decimal(r[5]) or Decimal(0), _decimal(r[6]), r[7], r[8])
            for r in connection.execute(query)]


def _month(value: date, back: int) -> str:
    months = value.year * 12 + value.month - 1 - back
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


def batches_by_month(connection: Connection, scope: Scope) -> list[tuple[str, int]]:
    """(YYYY-MM, batches produced that month) for the MONTHS months up to the latest month a batch in scope was
    produced, every month shown (zero too); none when there is no batch."""
    latest = connection.execute(select(func.max(_batches.c.produced_on)).where(scope.batches())).scalar()
    if latest is None:
        return []
    last = date.fromisoformat(str(latest)[:10])
    first = _month(last, MONTHS - 1)
    month = func.substr(_batches.c.produced_on, 1, 7)
    counted = {str(m): int(n) for m, n in connection.execute(select(month, func.count()).where(
        scope.batches(), _batches.c.produced_on >= f"{first}-01").group_by(month))}
    return [(m, int(counted.get(m, 0))) for m in (_month(last, back) for back in range(MONTHS - 1, -1, -1))]


@dataclass(frozen=True)
class RegionScans:
    province: str
    """Its code (1 July 2025)."""
    name: tuple[str, str]
    scans: int
    items: int
    """Distinct serials scanned."""
    warned: int
    """Serials whose scans the verdict warns about: WARN_CLIENTS readers or more on WARN_DAYS days or more."""


def scans_by_province(connection: Connection, scope: Scope | None, today: date) -> list[RegionScans]:
    """Scans in the last LOOKBACK_DAYS days of serials of batches in scope (all when `scope` is None), by the
    province where the batch was produced, most scanned first. The reader's own region is never stored (anyone
    can name any): the region is the product's."""
    since = (today - timedelta(days=LOOKBACK_DAYS - 1)).isoformat()
    per_serial = (select(_windows.c.gtin, _windows.c.lot, _windows.c.serial, func.sum(_windows.c.scans).label("n"))
                  .where(_windows.c.day >= since).group_by(_windows.c.gtin, _windows.c.lot, _windows.c.serial)
                  .subquery())
    warned = (select(_clients.c.gtin, _clients.c.lot, _clients.c.serial).where(_clients.c.day >= since)
              .group_by(_clients.c.gtin, _clients.c.lot, _clients.c.serial)
              .having(func.count(func.distinct(_clients.c.client)) >= WARN_CLIENTS,
                      func.count(func.distinct(_clients.c.day)) >= WARN_DAYS).subquery())
    is_warned = case((warned.c.serial.is_not(None), 1), else_=0)
    where = [literal(True)] if scope is None else [scope.batches()]
    query = (select(_batches.c.origin_code, _batches.c.origin_version, func.sum(per_serial.c.n), func.count(),
                    func.sum(is_warned))
             .join(per_serial, and_(per_serial.c.gtin == _batches.c.gtin, per_serial.c.lot == _batches.c.lot))
             .outerjoin(warned, and_(warned.c.gtin == per_serial.c.gtin, warned.c.lot == per_serial.c.lot,
                                     warned.c.serial == per_serial.c.serial))
             .where(*where).group_by(_batches.c.origin_code, _batches.c.origin_version)
             .order_by(func.sum(per_serial.c.n).desc()).limit(MAX_REGIONS))
    names = provinces()
    gathered: dict[str, list[int]] = {}
    for code, version, scans, items, warns in connection.execute(query):
        place = commune(code, version)
        key = place.province if place is not None else ""
        total = gathered.setdefault(key, [0, 0, 0])
        total[0] += int(scans or 0)
        total[1] += int(items or 0)
        total[2] += int(warns or 0)
    found = [RegionScans(key, _province_names(names.get(key)), *total) for key, total in gathered.items()]
    return sorted(found, key=lambda r: (-r.scans, r.province))


def _province_names(province: Province | None) -> tuple[str, str]:
    if province is None:
        return ("Không rõ tỉnh", "Province unknown")
    return (province.name, name_en(province.name))


@dataclass(frozen=True)
class LogDay:
    day: str
    """YYYY-MM-DD in Viet Nam."""
    entries: int


def log_growth(view: SqlView, today: date, days: int = LOG_DAYS) -> list[LogDay]:
    """Entries logged on each of the `days` days (Viet Nam's) up to `today`. The log records its entries in time
    order, so each day's first entry is found by bisection (explorer.first_logged_from): about days·log₂(size)
    reads of one row, whatever the log's size."""
    starts = [explorer.first_logged_from(view, today - timedelta(days=back)) for back in range(days - 1, -1, -1)]
    ends = [*starts[1:], view.head().size]
    return [LogDay((today - timedelta(days=days - 1 - i)).isoformat(), end - start)
            for i, (start, end) in enumerate(zip(starts, ends, strict=True))]


@dataclass(frozen=True)
class WitnessLag:
    witness: str
    size: int
    """The largest checkpoint it cosigned."""
    behind: int
    """Entries between that checkpoint and the latest one."""
    at: datetime
    """When it cosigned that checkpoint (its own timestamp, Viet Nam's time)."""


def witness_lag(connection: Connection, latest: int) -> list[WitnessLag]:
    """Every witness that cosigned a checkpoint of this log, by how far its latest cosignature is behind the
    checkpoint of size `latest`, most behind first."""
    query = (select(_cosignatures.c.witness, func.max(_cosignatures.c.size), func.max(_cosignatures.c.timestamp))
             .group_by(_cosignatures.c.witness).order_by(func.max(_cosignatures.c.size), _cosignatures.c.witness)
             .limit(MAX_WITNESSES))
    return [WitnessLag(name, int(size), max(0, latest - int(size)),
                       datetime.fromtimestamp(int(stamp), UTC).astimezone(VIETNAM))
            for name, size, stamp in connection.execute(query)]

