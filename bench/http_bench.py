"""Benchmark of the HTTP edge: the resolver's verdict JSON for one batch of a 10^5-entry registry under
concurrency 32, beside a trivial endpoint of the same app; a tlog-tiles tile and entry bundle; and bulk
appends through the CSV import.

    python bench/http_bench.py [--entries N] [--seconds S] [--connections C] [--workers W] [--json]

The load comes from wrk (Debian package `wrk`), a C load generator that needs a fraction of a core for
these rates, so the server and not the generator is measured. SQLite file in a temporary directory.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from common import AREA, GTIN, PRODUCER, batch_drafts, machine, print_figures, produced_on, set_up_registry
from rich.console import Console

from api.migrations import upgrade
from api.tokens import create_token
from ledger.core.tiles import encode_index
from ledger.files.keys import load_or_create_log_key
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from registry.custody import Custody
from registry.service import Registry

console = Console(stderr=True)


def _fill(url: str, data_dir: Path, entries: int) -> str:
    """A registry of about `entries` entries: one GI, one producer, many batches claiming the GI."""
    upgrade(url)
    engine = make_engine(url)
    secret = b"bench-http-secret"
    registry = Registry(Log(SqlStore(engine), load_or_create_log_key(data_dir, "bench.nguon/log")),
                        Custody.from_secret(secret))
    done = set_up_registry(registry)
    while done < entries:
        count = min(1000, entries - done)
        registry.submit_as(PRODUCER, batch_drafts(done, count))
        done += count
    with engine.begin() as connection:
        token = create_token(connection, PRODUCER)
    engine.dispose()
    return token


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict[str, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        raise SystemExit(f"{url} answered {non2xx.group(1)} errors under load:\n{out}")

    def latency(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "p50_ms": latency("50"), "p99_ms": latency("99")}


def run(entries: int, seconds: int, connections: int, workers: int) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'http.db'}"
        data_dir = Path(tmp) / "data"
        console.print(f"filling a registry of {entries} entries…")
        token = _fill(url, data_dir, entries)
        port = _port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "NGUON_DATABASE_URL": url, "NGUON_DATA_DIR": str(data_dir), "NGUON_PUBLIC_URL": base,
               "NGUON_LOG_ORIGIN": "bench.nguon/log", "NGUON_SECRET_KEY": "bench-http-secret",
               "NGUON_RATE_LIMIT": ""}  # measure the server, not the per-client limit
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.app:app_from_environment", "--factory",
                                   "--port", str(port), "--workers", str(workers), "--log-level", "warning",
                                   "--no-access-log"], env=env)
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            batch_url = f"{base}/01/{GTIN}/10/B{entries // 2}"
            check = httpx.get(batch_url, headers={"Accept": "application/json"}, timeout=10).json()
            assert check["verdict"] == "authentic", check["verdict"]
            console.print("measuring…")
            trivial = _wrk(f"{base}/api/v1/health", seconds, connections, {})
            verdict = _wrk(batch_url, seconds, connections, {"Accept": "application/json"})
            middle = encode_index(entries // 2 // 256)
            tile = _wrk(f"{base}/api/v1/log/tile/0/{middle}", seconds, connections, {})
            bundle = _wrk(f"{base}/api/v1/log/tile/entries/{middle}", seconds, connections, {})
            bulk = _bulk(base, token)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {
        "verdict_rps": round(verdict["rps"], 1), "verdict_p50_ms": verdict["p50_ms"],
        "verdict_p99_ms": verdict["p99_ms"], "trivial_rps": round(trivial["rps"], 1),
        "verdict_share_of_trivial": round(verdict["rps"] / trivial["rps"], 3),
        "tile_rps": round(tile["rps"], 1), "entry_bundle_rps": round(bundle["rps"], 1),
        "bulk_append_per_s": bulk, "entries": entries, "connections": connections, "workers": workers,
        "machine": machine(), "date": datetime.now(UTC).date().isoformat(),
    }


def _bulk(base: str, token: str, rows: int = 2000, rounds: int = 5) -> float:
    """Statements per second through POST /api/v1/batches/import (CSV, one transaction per request)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    header = "gtin,lot,quantity,unit,produced_on,origin_code,origin_version,claims,inputs\n"
    total = 0
    day = produced_on()
    started = time.perf_counter()
    with httpx.Client(timeout=120) as client:
        for r in range(rounds):
            body = header + "".join(f"{GTIN},CSV-{r}-{i},12.5,KGM,{day},{AREA['code']},{AREA['version']},"
                                    "gi:bench-gi,\n" for i in range(rows))
            response = client.post(f"{base}/api/v1/batches/import", content=body, headers=headers)
            assert response.status_code == 201, response.text[:500]
            total += rows
    return round(total / (time.perf_counter() - started), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.entries, args.seconds, args.connections, args.workers)
    print_figures("HTTP: verdict JSON vs a trivial endpoint, and bulk CSV appends", result, args.json)


if __name__ == "__main__":
    main()
