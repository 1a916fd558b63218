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
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.table import Table


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
