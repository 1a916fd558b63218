"""Getting the registry's checkpoints cosigned by witnesses (the client side of C2SP tlog-witness).

Appends never wait for witnesses: they commit their checkpoint first. A `Witnessing` submits the latest
checkpoint afterwards, from a background thread woken by `notify()` (or every `interval` seconds), or on an
explicit `submit()`. For each witness it sends `old <size the witness last cosigned>` with the consistency
proof from that size; on 409 with `text/x.tlog.size` it retries from the size the witness reports. Every
returned line from the witness's configured key is verified before it is stored in `log_cosignatures`,
keyed by (checkpoint size, witness key name). A checkpoint is published once `quorum` configured witnesses
have cosigned it; `cosigned_note` is its note with the stored cosignature lines appended.
"""

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ledger.core.cosignature import Cosignature, CosignatureVerifier
from ledger.core.errors import (
    BrokenInvariantError,
    InvalidValueError,
    LedgerError,
    NoteError,
    StoreError,
    VerificationError,
)
from ledger.core.hashing import Hash
from ledger.core.note import MAX_SIGNATURES
from ledger.store.engines import write_transaction
from ledger.store.log import Log
from ledger.store.protocol import ReadView, StoredCheckpoint
from ledger.store.sql import SqlView
from ledger.witness.protocol import ADD_CHECKPOINT, SIZE_CONTENT_TYPE, AddCheckpointRequest, parse_size_response
from ledger.witness.tables import LogCosignature

logger = logging.getLogger("nguon.witnessing")

_cosignatures = LogCosignature.__table__  # type: ignore[attr-defined]
_MAX_CONFLICTS = 3
_MAX_BACKOFF = 300.0


class WitnessingError(LedgerError):
    """A witness did not cosign: unreachable, refused, or answered something that does not verify."""


@dataclass(frozen=True)
class WitnessEndpoint:
    """A witness: its submission prefix (`…/add-checkpoint` is appended) and its cosigner key."""

    url: str
    key: CosignatureVerifier

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise InvalidValueError(f"witness URL {self.url!r} must start with http:// or https://")

    @classmethod
    def from_config(cls, text: str) -> "WitnessEndpoint":
        """Parse `<submission URL> <verifier key>` (NGUON_WITNESSES); InvalidValueError otherwise."""
        fields = text.split()
        if len(fields) != 2:
            raise InvalidValueError(f"witness {text!r} must be '<submission URL> <verifier key>'")
        try:
            return cls(fields[0].rstrip("/"), CosignatureVerifier.from_text(fields[1]))
        except NoteError as exc:
            raise InvalidValueError(f"witness {text!r}: {exc}") from exc


@dataclass(frozen=True)
class SubmitResult:
    """What one submission of checkpoint `size` got: cosignature lines by witness name, and failures."""

    size: int
    cosigned: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def _connection(source: Connection | ReadView) -> Connection:
    """The SQL connection of a connection or of a read view of the SQL store."""
    if isinstance(source, Connection):
        return source
    if isinstance(source, SqlView):
        return source.connection
    raise BrokenInvariantError(f"witnessing keeps cosignatures in SQL; got a {type(source).__name__}, not an SQL view")


def stored_cosignatures(source: Connection | ReadView, size: int,
                        witnesses: Iterable[str] | None = None) -> list[str]:
    """The stored cosignature lines of checkpoint `size`, by witness name; only of `witnesses` if given."""
    query = select(_cosignatures.c.line).where(_cosignatures.c.size == size).order_by(_cosignatures.c.witness)
    if witnesses is not None:
        query = query.where(_cosignatures.c.witness.in_(list(witnesses)))
    return [str(line) for line in _connection(source).execute(query).scalars()]


def cosigned_note(source: Connection | ReadView, size: int, witnesses: Iterable[str] | None = None) -> str:
    """The signed note of checkpoint `size` with the stored cosignature lines appended.

    Raises StoreError when the log has no checkpoint of that size.
    """
    connection = _connection(source)
    stored = SqlView(connection).checkpoint_at(size)
    if stored is None:
        raise StoreError(f"the log has no checkpoint of size {size}")
    return stored.note + "".join(stored_cosignatures(connection, size, witnesses))


def is_published(source: Connection | ReadView, size: int, witnesses: Iterable[str], quorum: int) -> bool:
    """Whether at least `quorum` of `witnesses` (key names) have a stored cosignature of checkpoint `size`."""
    return len(stored_cosignatures(source, size, witnesses)) >= quorum


def latest_published(source: Connection | ReadView, witnesses: Iterable[str], quorum: int) -> int | None:
    """The largest checkpoint size that `quorum` of `witnesses` cosigned; with quorum 0, the latest checkpoint."""
    connection = _connection(source)
    if quorum <= 0:
        latest = SqlView(connection).latest_checkpoint()
        return None if latest is None else latest.size
    query = (select(_cosignatures.c.size).where(_cosignatures.c.witness.in_(list(witnesses)))
             .group_by(_cosignatures.c.size).having(func.count() >= quorum)
             .order_by(_cosignatures.c.size.desc()).limit(1))
    size = connection.execute(query).scalar()
    return None if size is None else int(size)


def store_cosignature(engine: Engine, size: int, cosignature: Cosignature) -> None:
    """Keep a verified cosignature of checkpoint `size`; the first one stored per witness wins."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_cosignatures).values(size=size, witness=cosignature.name, line=cosignature.to_line(),
                                                     timestamp=cosignature.timestamp)
    with write_transaction(engine) as connection:
        connection.execute(statement.on_conflict_do_nothing(index_elements=["size", "witness"]))


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
        self._interval = interval
        self._known: dict[str, int] = {}
        self._retry_at: dict[str, tuple[float, float]] = {}
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
        return cosigned_note(source, size, self.witness_names)

    def is_published(self, source: Connection | ReadView, size: int) -> bool:
        return is_published(source, size, self.witness_names, self.quorum)

    def latest_published(self, source: Connection | ReadView) -> int | None:
        return latest_published(source, self.witness_names, self.quorum)

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
                have = set(_connection(view).execute(
                    select(_cosignatures.c.witness).where(_cosignatures.c.size == latest.size)).scalars())
            result = SubmitResult(latest.size)
            now = time.monotonic()
            for endpoint in self.endpoints:
                name = endpoint.key.name
                if name in have or (not force and self._retry_at.get(endpoint.url, (0.0, 0.0))[0] > now):
                    continue
                try:
                    cosignature = self._submit_one(endpoint, latest)
                except (WitnessingError, VerificationError, httpx.HTTPError) as exc:
                    delay = min(_MAX_BACKOFF, 2 * self._retry_at.get(endpoint.url, (0.0, self._interval))[1])
                    self._retry_at[endpoint.url] = (now + delay, delay)
                    logger.warning("witness %s did not cosign checkpoint %d: %s", endpoint.url, latest.size, exc)
                    result.failed[name] = str(exc)
                    continue
                self._retry_at.pop(endpoint.url, None)
                if cosignature is not None:
                    store_cosignature(self.engine, latest.size, cosignature)
                    result.cosigned[name] = cosignature.to_line()
            return result

    def _last_cosigned(self, endpoint: WitnessEndpoint) -> int:
        """The size this witness last cosigned as far as this process knows: remembered, else the largest
        stored cosignature, else 0 (the witness corrects it with 409)."""
        if endpoint.url not in self._known:
            query = select(func.max(_cosignatures.c.size)).where(_cosignatures.c.witness == endpoint.key.name)
            with self.engine.connect() as connection:
                self._known[endpoint.url] = int(connection.execute(query).scalar() or 0)
        return self._known[endpoint.url]

    def _check_within_log(self, old: int) -> None:
        with self.log.store.read() as view:
            size = view.head().size
        if old > size:
            raise WitnessingError(f"a witness cosigned size {old} of {self.log.origin}, beyond this log's size {size}: "
                                  "is it following another log with this origin?")

    def _request(self, old: int, checkpoint: StoredCheckpoint) -> bytes:
        """The add-checkpoint body for `checkpoint` with the consistency proof from `old` (at most its size)."""
        proof: tuple[Hash, ...] = ()
        if old not in (0, checkpoint.size):
            with self.log.store.read() as view:
                proof = self.log.consistency(view, old, checkpoint.size).hashes
        return AddCheckpointRequest(old, proof, checkpoint.note).to_text().encode()

    def _submit_one(self, endpoint: WitnessEndpoint, checkpoint: StoredCheckpoint) -> Cosignature | None:
        """The witness's verified cosignature of `checkpoint`; None when it already cosigned a larger one."""
        old = self._last_cosigned(endpoint)
        for _ in range(_MAX_CONFLICTS):
            if old > checkpoint.size:
                self._check_within_log(old)
                return None
            response = self._http.post(f"{endpoint.url}/{ADD_CHECKPOINT}", content=self._request(old, checkpoint),
                                       headers={"Content-Type": "text/plain; charset=utf-8"})
            if response.status_code == 409 and response.headers.get("content-type", "").startswith(SIZE_CONTENT_TYPE):
                old = parse_size_response(response.text)
                self._known[endpoint.url] = old
                continue
            if response.status_code != 200:
                raise WitnessingError(f"witness {endpoint.url} answered {response.status_code} to checkpoint "
                                      f"{checkpoint.size} from old size {old}: {response.text[:500]!r}")
            cosignature = self._verified(endpoint, checkpoint, response.text)
            self._known[endpoint.url] = checkpoint.size
            return cosignature
        raise WitnessingError(f"witness {endpoint.url} answered 409 Conflict {_MAX_CONFLICTS} times for checkpoint "
                              f"{checkpoint.size}; last reported size {old}")

    def _verified(self, endpoint: WitnessEndpoint, checkpoint: StoredCheckpoint, body: str) -> Cosignature:
        """The first cosignature in a 200 body that verifies with the witness's configured key. Every other line
        (malformed, from another key, or from this key but not over this checkpoint) is dropped and logged by
        what it is, never kept."""
        if not body.endswith("\n") or not body.strip():
            raise WitnessingError(f"witness {endpoint.url} answered 200 with {body[:200]!r}; expected "
                                  "cosignature lines each ending in a newline")
        text = checkpoint.note[: checkpoint.note.rfind("\n\n") + 1]
        mine = None
        dropped: list[str] = []
        lines = body[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            dropped.append(f"{len(lines) - MAX_SIGNATURES} lines past the first {MAX_SIGNATURES}, unread")
        for number, line in enumerate(lines[:MAX_SIGNATURES], start=1):
            try:
                cosignature = Cosignature.from_line(line)
            except (NoteError, InvalidValueError) as exc:
                dropped.append(f"line {number} malformed ({str(exc)[:80]})")
                continue
            who = f"{cosignature.name[:100]}+{cosignature.key_id.hex()}"
            if not endpoint.key.matches(cosignature.name, cosignature.key_id):
                dropped.append(f"line {number} from {who}, not the configured key")
                continue
            try:
                endpoint.key.verify(text, cosignature)
            except VerificationError:
                dropped.append(f"line {number} from {who} does not verify over checkpoint {checkpoint.size}")
                continue
            if mine is None:
                mine = cosignature
            else:
                dropped.append(f"line {number}, a further cosignature from {who}")
        if dropped:
            logger.warning("witness %s: dropped %d line(s) of its answer: %s", endpoint.url, len(dropped),
                           "; ".join(dropped[:10]))
        if mine is None:
            raise WitnessingError(f"witness {endpoint.url} returned no cosignature from its configured key "
                                  f"{endpoint.key.to_text()} that verifies over checkpoint {checkpoint.size}")
        return mine

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
