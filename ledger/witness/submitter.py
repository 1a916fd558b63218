"""Getting the registry's checkpoints cosigned by witnesses (the client side of C2SP tlog-witness).

Appends never wait for witnesses: they commit their checkpoint first. A `Witnessing` submits the latest
checkpoint afterwards, from a background thread woken by `notify()` (or every `interval` seconds), or on an
explicit `submit()`, to every witness that has not cosigned it yet; a witness that failed is left alone for a
back-off that doubles with each failure. The exchange itself is `ledger.witness.exchange`; what was cosigned
is kept in `ledger.witness.cosignatures`.
"""

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from ledger.core.errors import InvalidValueError, VerificationError
from ledger.store.log import Log
from ledger.store.protocol import ReadView
from ledger.witness import cosignatures
from ledger.witness.exchange import WitnessEndpoint, WitnessExchange, WitnessingError

logger = logging.getLogger("nguon.witnessing")

MAX_BACKOFF = 300.0


@dataclass(frozen=True)
class SubmitResult:
    """What one submission of checkpoint `size` got: cosignature lines by witness name, and failures."""

    size: int
    cosigned: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


class Backoff:
    """When each witness (by URL) may be asked again: after a failure, `first` seconds, doubling up to
    MAX_BACKOFF with each further failure; at once after a success."""

    def __init__(self, first: float) -> None:
        self._first = first
        self._until: dict[str, tuple[float, float]] = {}

    def waiting(self, url: str, now: float) -> bool:
        return self._until.get(url, (0.0, 0.0))[0] > now

    def failed(self, url: str, now: float) -> None:
        delay = min(MAX_BACKOFF, 2 * self._until.get(url, (0.0, self._first / 2))[1])
        self._until[url] = (now + delay, delay)

    def succeeded(self, url: str) -> None:
        self._until.pop(url, None)


class Witnessing:
    """Submits the log's checkpoints to `endpoints` and keeps their cosignatures; `quorum` of them publish one."""

    def __init__(self, log: Log, engine: Engine, endpoints: Sequence[WitnessEndpoint], quorum: int,
                 http: httpx.Client | None = None, timeout: float = 5.0, interval: float = 1.0) -> None:
        names = [e.key.name for e in endpoints]
        if len(set(names)) != len(names):
            raise InvalidValueError(f"witness key names {names} must be distinct")
        if not 0 <= quorum <= len(endpoints):
            raise InvalidValueError(f"witness quorum {quorum} must be between 0 and the {len(endpoints)} witnesses")
        self.log = log
        self.engine = engine
        self.endpoints = tuple(endpoints)
        self.quorum = quorum
        self._http = http or httpx.Client(timeout=timeout, headers={"User-Agent": "nguon-witnessing"})
        self._owns_http = http is None
        self.exchange = WitnessExchange(log, self._http, lambda name: cosignatures.last_cosigned(engine, name))
        self._interval = interval
        self._backoff = Backoff(2 * interval)
        self._submitting = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(cls, log: Log, engine: Engine, witnesses: Sequence[str], quorum: int,
                    timeout: float = 5.0, interval: float = 1.0) -> "Witnessing":
        """From NGUON_WITNESSES entries (`<URL> <verifier key>`) and NGUON_WITNESS_QUORUM."""
        endpoints = [WitnessEndpoint.from_config(w) for w in witnesses]
        return cls(log, engine, endpoints, quorum, timeout=timeout, interval=interval)

    @property
    def witness_names(self) -> tuple[str, ...]:
        return tuple(e.key.name for e in self.endpoints)

    def cosigned_note(self, source: Connection | ReadView, size: int) -> str:
        return cosignatures.cosigned_note(source, size, self.witness_names)

    def is_published(self, source: Connection | ReadView, size: int) -> bool:
        return cosignatures.is_published(source, size, self.witness_names, self.quorum)

    def latest_published(self, source: Connection | ReadView) -> int | None:
        return cosignatures.latest_published(source, self.witness_names, self.quorum)

    def submit(self, force: bool = False) -> SubmitResult | None:
        """Submit the latest checkpoint to every witness that has not cosigned it; None for an empty log.

        Witnesses that failed recently are skipped until their back-off ends, unless `force`. Never raises
        for a witness's failure: it is logged and reported in `failed`. No database transaction stays open
        while a witness is being asked.
        """
        with self._submitting:
            with self.log.store.read() as view:
                latest = view.latest_checkpoint()
                if latest is None:
                    return None
                have = cosignatures.cosigners(view, latest.size)
            result = SubmitResult(latest.size)
            now = time.monotonic()
            for endpoint in self.endpoints:
                name = endpoint.key.name
                if name in have or (not force and self._backoff.waiting(endpoint.url, now)):
                    continue
                try:
                    cosignature = self.exchange.add_checkpoint(endpoint, latest)
                except (WitnessingError, VerificationError, httpx.HTTPError) as exc:
                    self._backoff.failed(endpoint.url, now)
                    logger.warning("witness %s did not cosign checkpoint %d: %s", endpoint.url, latest.size, exc)
                    result.failed[name] = str(exc)
                    continue
                self._backoff.succeeded(endpoint.url)
                if cosignature is not None:
                    cosignatures.store_cosignature(self.engine, latest.size, cosignature)
                    result.cosigned[name] = cosignature.to_line()
            return result

    def notify(self) -> None:
        """Wake the background submitter (after an append committed); never blocks."""
        self._wake.set()

    def start(self) -> None:
        """Start the background submitter thread (idempotent); it first submits what is already there."""
        if self._thread is None or not self._thread.is_alive():
            self._stopping.clear()
            self._wake.set()
            self._thread = threading.Thread(target=self._run, name="nguon-witnessing", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the background submitter and close the HTTP client this object made."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._owns_http:
            self._http.close()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._stopping.is_set():
                break
            try:
                self.submit()
            except Exception:
                # The submitter must outlive any failure (database restart, bug); the next wake retries.
                logger.exception("witness submission failed")
