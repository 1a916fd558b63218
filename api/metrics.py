"""What an operator's Prometheus scrapes at GET /metrics: appends, commit groups, verdicts, refusals, requests.

Every figure is counted where it happens, in memory, without a database query: a request adds to two
children of a counter and a histogram, found in a dict. What needs the database (the log's size, how far each
witness is behind) is read when /metrics is scraped, once per scrape.

Several API processes (`nguon serve --workers N`) each count their own requests. `nguon serve` then points
PROMETHEUS_MULTIPROC_DIR at an emptied directory under the data directory before the workers start, and
prometheus-client keeps each process's figures in a memory-mapped file there; a scrape, whichever worker
answers it, adds up every process's files. With one process the figures stay in memory.

Labels are bounded: route templates (`/01/{rest}`, never the path asked for), the HTTP method (GET, HEAD,
POST, OPTIONS, else "other"), the status code, and the family of a statement's kind (`batch` of
`batch.registered.v2`, which the registry's rules bound).
"""

import ipaddress
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from starlette.requests import Request
from starlette.responses import Response

from api.problems import ApiProblem
from ledger.store.sql import SqlView
from ledger.witness.tables import LogCosignature
from registry.unit import Item

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus-client's own variable: where each process keeps its figures when there are several."""

METRICS_DIR = "metrics"
"""The directory, under the data directory, that `nguon serve` empties and names in MULTIPROC_ENV."""

METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS"})
UNMATCHED = "unmatched"
"""The route label of a request no route took (a 404 for a path nobody serves): one label, whatever the path."""

REQUEST_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
VERDICT_SECONDS = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0)
COMMIT_STATEMENTS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 10_000)
COMMIT_SUBMISSIONS = (1, 2, 4, 8, 16, 32, 64, 128)

_cosignatures = LogCosignature.__table__  # type: ignore[attr-defined]  # SQLModel tables are Table objects


def prepare_multiprocess(data_dir: Path) -> Path:
    """Empty `data_dir`/metrics and name it in PROMETHEUS_MULTIPROC_DIR, for the worker processes about to
    start (they inherit the environment): figures of an earlier run would otherwise be added to this one's."""
    directory = Path(data_dir) / METRICS_DIR
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, mode=0o700)
    os.environ[MULTIPROC_ENV] = str(directory)
    return directory


def kind_family(kind: str) -> str:
    """`batch` of `batch.registered.v2`."""
    return kind.split(".", 1)[0]


class LogFigures(Collector):
    """Read at scrape time: the log's size, and for each witness how many entries the latest checkpoint has
    beyond the newest one that witness cosigned (its lag; the whole log when it has cosigned nothing)."""

    def __init__(self, engine: Engine, witnesses: Callable[[], Sequence[str]]) -> None:
        self.engine = engine
        self.witnesses = witnesses

    def collect(self) -> Iterable[Metric]:
        with self.engine.connect() as connection:
            latest = SqlView(connection).latest_checkpoint()
            size = 0 if latest is None else latest.size
            names = list(self.witnesses())
            cosigned: dict[str, int] = {}
            if names:
                rows = connection.execute(select(_cosignatures.c.witness, func.max(_cosignatures.c.size))
                                          .where(_cosignatures.c.witness.in_(names))
                                          .group_by(_cosignatures.c.witness)).all()
                cosigned = {str(witness): int(most) for witness, most in rows}
        yield GaugeMetricFamily("nguon_log_checkpoint_size", "Entries in the latest signed checkpoint", value=size)
        if names:
            lag = GaugeMetricFamily("nguon_witness_lag_entries", "Entries of the latest checkpoint beyond the newest "
                                    "checkpoint each witness cosigned", labels=["witness"])
            for name in names:
                lag.add_metric([name], max(0, size - cosigned.get(name, 0)))
            yield lag


class Metrics:
    """The figures of one app, and the hooks that count them (each cheap: no I/O)."""

    def __init__(self) -> None:
        self.multiprocess_dir = os.environ.get(MULTIPROC_ENV) or None
        self.registry = CollectorRegistry()
        registry = self.registry
        self.requests = Counter("nguon_http_requests", "HTTP requests answered, by method, route template and status",
                                ["method", "route", "status"], registry=registry)
        self.request_seconds = Histogram("nguon_http_request_duration_seconds", "Time to answer an HTTP request, "
                                         "by method and route template", ["method", "route"],
                                         buckets=REQUEST_SECONDS, registry=registry)
        self.appended = Counter("nguon_statements_appended", "Statements appended to the log, by the family of "
                                "their kind", ["family"], registry=registry)
        self.commit_statements = Histogram("nguon_commit_statements", "Statements appended per commit (group commit)",
                                           buckets=COMMIT_STATEMENTS, registry=registry)
        self.commit_submissions = Histogram("nguon_commit_submissions", "Submissions (callers) sharing one commit",
                                            buckets=COMMIT_SUBMISSIONS, registry=registry)
        self.verdict_seconds = Histogram("nguon_verdict_seconds", "Time to judge a verdict afresh (cache misses), "
                                         "by level: batch or item", ["level"], buckets=VERDICT_SECONDS,
                                         registry=registry)
        self.rate_limited = Counter("nguon_rate_limited", "Requests refused by the per-client rate limit",
                                    registry=registry)
        # Children by label values: `labels()` takes a lock and builds a key each time; a dict lookup does not.
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._families: dict[str, Any] = {}
        self._extra: list[Collector] = []

    def add_collector(self, collector: Collector) -> None:
        """Something read at scrape time (LogFigures)."""
        self._extra.append(collector)
        self.registry.register(collector)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._request_children.get(key)
        if children is None:
            label = method if method in METHODS else "other"
            children = (self.requests.labels(label, route, str(status)),
                        self.request_seconds.labels(label, route))
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def observe_commit(self, submissions: int, items: Sequence[Item]) -> None:
        """Registry's `on_appended`: a commit appended `items` for `submissions` callers."""
        self.commit_statements.observe(len(items))
        self.commit_submissions.observe(submissions)
        counts: dict[str, int] = {}
        for statement, _signature in items:
            family = kind_family(statement.kind)
            counts[family] = counts.get(family, 0) + 1
        for family, count in counts.items():
            child = self._families.get(family)
            if child is None:
                child = self._families[family] = self.appended.labels(family)
            child.inc(count)

    def observe_verdict(self, level: str, started: float) -> None:
        """A verdict of `level` judged afresh since `started` (time.perf_counter())."""
        self.verdict_seconds.labels(level).observe(time.perf_counter() - started)

    def refused(self) -> None:
        self.rate_limited.inc()

    def exposition(self) -> bytes:
        """The text format of every figure: of every process's files in multiprocess mode, plus what is read
        at scrape time."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]  # untyped upstream
        for collector in self._extra:
            registry.register(collector)
        return generate_latest(registry)


def allowed(client: str | None, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    """Whether a client address may read /metrics: any, when no networks are named."""
    if not networks:
        return True
    if client is None:
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in network for network in networks)


def install(app: FastAPI, metrics: Metrics, allow: Sequence[str]) -> None:
    """Serve GET /metrics from `metrics` to clients from `allow` (addresses or networks; empty: anyone)."""
    networks = [ipaddress.ip_network(item) for item in allow]

    @app.get("/metrics", include_in_schema=False)
    def scrape(request: Request) -> Response:
        client = request.client.host if request.client else None
        if not allowed(client, networks):
            raise ApiProblem(403, "metrics-not-allowed", "this address may not read the metrics (NGUON_METRICS_ALLOW)",
                             "địa chỉ này không được đọc số liệu vận hành (NGUON_METRICS_ALLOW)")
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST,
                        headers={"Cache-Control": "no-store"})
