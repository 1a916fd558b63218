"""What every benchmark reports beside its figures (the machine it ran on), and the plain figures table.

The benchmarks import this module from their own folder, which Python puts first on sys.path when one runs
as a script; their names end in `_bench` so that none hides a package of the project.
"""

import json
import os
import platform
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.table import Table

from registry.service import Draft, Registry
from registry.values import gtin_check_digit

AREA = {"code": "09877", "version": "2025-07-01"}
"""The commune of the benchmark GI's area (and of every benchmark batch): An Khánh, Hà Nội, as the
administrative list of 1 July 2025 numbers it."""
GTIN = "0893456789012" + str(gtin_check_digit("0893456789012"))
PRODUCER = "bench-coop"
NUMBERING = "bench-gs1"
"""The numbering agency, which licenses PRODUCER the GS1 company prefix PREFIX."""
PREFIX = "893456"
"""PRODUCER's GS1 company prefix, which holds GTIN."""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """The CPU, its cores, Python's and SQLite's versions, and the load average (1, 5, 15 minutes) now."""
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "load_average": [round(x, 2) for x in os.getloadavg()]}


def print_figures(title: str, figures: dict[str, Any], as_json: bool = False) -> None:
    """One JSON object on stdout (`as_json`), or a two-column table of every figure, in order."""
    if as_json:
        print(json.dumps(figures))
        return
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, str(value))
    Console().print(table)


@contextmanager
def workdir(path: Path | None) -> Iterator[Path]:
    """`path` (created, kept) or a temporary directory on local disk, removed at the end."""
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="nguon-bench-") as tmp:
        yield Path(tmp)


def ed25519_verify_rate(seconds: float = 3.0) -> float:
    """Ed25519 verifications per second in this process, of a statement-sized (800-byte) message."""
    key = Ed25519PrivateKey.generate()
    message = os.urandom(800)
    signature = key.sign(message)
    public = key.public_key()
    count = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(500):
            public.verify(signature, message)
        count += 500
    return count / elapsed


def set_up_registry(registry: Registry) -> int:
    """The root authority, PRODUCER with a custodial key, the numbering agency NUMBERING and PRODUCER's licence
    of PREFIX, a GI over AREA with PRODUCER's right to use it, and PRODUCER's product GTIN; the entries written."""
    registry.bootstrap("ipvietnam", {"vi": "Cục Sở hữu trí tuệ", "en": "IP Office of Viet Nam"})
    key = registry.create_custodial_key(PRODUCER)
    agency_key = registry.create_custodial_key(NUMBERING)
    registry.submit_as("ipvietnam", [
        ("organisation.registered.v1", {"id": PRODUCER, "names": {"vi": "HTX thử", "en": "Bench coop"},
                                        "roles": ["producer"], "commune": AREA,
                                        "keys": [{"public_key": key, "custodial": True}]}),
        ("organisation.registered.v1", {"id": NUMBERING, "names": {"vi": "Tổ chức mã số thử", "en": "Bench GS1"},
                                        "roles": ["numbering_agency"],
                                        "keys": [{"public_key": agency_key, "custodial": True}]}),
        ("gi.registered.v1", {"id": "bench-gi", "certificate": "00999", "application": "6-2020-00001",
                              "names": {"vi": "Chỉ dẫn thử", "en": "Bench GI"}, "product": "pomelo",
                              "manager": "ipvietnam", "specification": "benchmark data", "granted_on": "2020-01-01",
                              "area": [{"commune": AREA, "stage": "raw_material"}]}),
        ("right.granted.v1", {"id": "bench-right", "holder": PRODUCER,
                              "subject": {"type": "gi", "id": "bench-gi"}, "valid_from": "2020-01-01"}),
    ])
    registry.submit_as(NUMBERING, [("prefix.licensed.v1", {"id": "bench-licence", "prefix": PREFIX,
                                                            "licensee": PRODUCER, "valid_from": "2020-01-01"})])
    registry.submit_as(PRODUCER, [("product.registered.v1", {"gtin": GTIN, "names": {"vi": "Bưởi", "en": "Pomelo"},
                                                             "unit": "KGM"})])
    with registry.log.store.read() as view:
        return view.head().size


def produced_on() -> str:
    """The production date of benchmark batches: yesterday, within the days before registration in which a
    batch claiming a GI is registered."""
    return (datetime.now(UTC).date() - timedelta(days=1)).isoformat()


def batch_drafts(start: int, count: int) -> list[Draft]:
    """Batch registrations B<start>… claiming the GI: product, lot, right, area and nonce rules all run."""
    day = produced_on()
    return [("batch.registered.v1", {"gtin": GTIN, "lot": f"B{start + i}", "quantity": "120.5", "unit": "KGM",
                                     "produced_on": day, "origin": AREA,
                                     "claims": [{"type": "gi", "id": "bench-gi"}]}) for i in range(count)]
