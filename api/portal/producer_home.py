"""The producer's part of the portal's home page: its products, latest batches, rights of use in force with
their quota left, and the scans and warnings of its batches; and what the producer's pages share with it."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from api.portal import producer_forms as forms
from api.portal.sessions import Signed
from api.portal.web import HOME_PARTS
from api.scans import LOOKBACK_DAYS, WARN_CLIENTS, WARN_DAYS
from api.tables import ScanClient, ScanWindow
from registry import words as registry_words
from registry.tables import RegBatch, RegProduct

_batches = RegBatch.__table__  # type: ignore[attr-defined]
_products = RegProduct.__table__  # type: ignore[attr-defined]
_windows = ScanWindow.__table__  # type: ignore[attr-defined]
_clients = ScanClient.__table__  # type: ignore[attr-defined]

SHOWN = 5
"""Rows of each list on the dashboard."""

WORDS: dict[str, Any] = {"quantity": registry_words.quantity, "number": registry_words.number,
                         "day": registry_words.day}
"""What templates write quantities and days with, in the page's language."""


def may_write(signed: Signed) -> bool:
    return signed.writes and "producer" in signed.roles


def batch_path(gtin: str, lot: str) -> str:
    return f"/portal/batches/{gtin}/{quote(lot, safe='')}"


def latest_batches(connection: Connection, organisation: str, limit: int,
                    gtin: str | None = None) -> list[Any]:
    query = (select(_batches, _products.c.name_vi, _products.c.name_en)
             .join(_products, _products.c.gtin == _batches.c.gtin)
             .where(_batches.c.producer == organisation).order_by(_batches.c.entry.desc()).limit(limit))
    if gtin is not None:
        query = query.where(_batches.c.gtin == gtin)
    return list(connection.execute(query))


def _scans(connection: Connection, organisation: str) -> tuple[list[Any], list[Any]]:
    """The organisation's batches most scanned in the scans' look-back (scans, serials scanned), and the serials
    whose readers make an implausible pattern for one genuine item (a copied code)."""
    start = (datetime.now(UTC).date() - timedelta(days=LOOKBACK_DAYS - 1)).isoformat()  # scans count UTC days
    mine = (_batches.c.producer == organisation)
    scanned = connection.execute(
        select(_windows.c.gtin, _windows.c.lot, func.sum(_windows.c.scans).label("scans"),
               func.count(func.distinct(_windows.c.serial)).label("serials"))
        .join(_batches, (_batches.c.gtin == _windows.c.gtin) & (_batches.c.lot == _windows.c.lot))
        .where(mine, _windows.c.day >= start).group_by(_windows.c.gtin, _windows.c.lot)
        .order_by(func.sum(_windows.c.scans).desc()).limit(SHOWN)).all()
    warned = connection.execute(
        select(_clients.c.gtin, _clients.c.lot, _clients.c.serial,
               func.count(func.distinct(_clients.c.client)).label("readers"),
               func.count(func.distinct(_clients.c.day)).label("days"))
        .join(_batches, (_batches.c.gtin == _clients.c.gtin) & (_batches.c.lot == _clients.c.lot))
        .where(mine, _clients.c.day >= start).group_by(_clients.c.gtin, _clients.c.lot, _clients.c.serial)
        .having((func.count(func.distinct(_clients.c.client)) >= WARN_CLIENTS)
                & (func.count(func.distinct(_clients.c.day)) >= WARN_DAYS))
        .order_by(_clients.c.gtin, _clients.c.lot, _clients.c.serial).limit(SHOWN)).all()
    return list(scanned), list(warned)


def dashboard(connection: Connection, signed: Signed) -> Mapping[str, Any] | None:
    """The producer's part of the home page: products, latest batches, rights in force with their quota left,
    scans and warnings of its batches; None for an organisation that is not a producer."""
    if "producer" not in signed.roles:
        return None
    organisation = signed.user.organisation
    products = forms.products(connection, organisation)
    scanned, warned = _scans(connection, organisation)
    return {"products": products[:SHOWN], "product_count": len(products),
            "batches": latest_batches(connection, organisation, SHOWN),
            "rights": [r for r in forms.rights(connection, organisation) if r.in_force],
            "scanned": scanned, "warned": warned, "writes": may_write(signed), "days": LOOKBACK_DAYS,
            "batch_path": batch_path, **WORDS}


HOME_PARTS.append(("portal/producer_home.html", dashboard))
