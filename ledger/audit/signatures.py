"""Every statement signature of a log, checked against the key history the log itself records, on all cores.

The main process streams entries in order and keeps the key history: which key id belongs to which issuer,
from which entry on, until which entry. It learns it from the few entries that register or revoke keys
(a `KeySource` says which ones and how to read them: that is the registry's knowledge, not the ledger's).
Each chunk of entries goes to a worker process with the spans of the keys its signatures name, so memory
stays flat however long the log is, and no worker needs the history of another chunk.

A key registered by entry `a` signs entries after `a` (entry 0 may be signed by a key it registers itself:
the root authority's bootstrap), until and including the entry that revokes it.

Workers read the signature and the issuer from the entry's RFC 8785 bytes without a full parse (the entry
is `{"index",…,"signature":{"key_id","value"},"statement":<the signed bytes>}` with the statement's own
fields after its body), and verify Ed25519 over the statement bytes exactly as stored. Anything that does
not have that shape takes the slow path, a full parse, whose error names what is wrong.
"""

import base64
import hashlib
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.pool import AsyncResult, Pool
from types import TracebackType
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.core.errors import AuditError, LedgerError
from ledger.core.signing import STATEMENT_DOMAIN
from ledger.core.types import Entry
from ledger.store.protocol import StoredEntry


@dataclass(frozen=True)
class KeyRegistration:
    """Entry registers `public_key` (raw Ed25519, 32 bytes) as a key of `organisation`."""

    organisation: str
    public_key: bytes

    @property
    def key_id(self) -> str:
        # ledger.core.signing.statement_key_id, on raw bytes
        return hashlib.sha256(self.public_key).digest()[:8].hex()


@dataclass(frozen=True)
class KeyRevocation:
    """Entry revokes key `key_id` of `organisation`."""

    organisation: str
    key_id: str


KeyChange = KeyRegistration | KeyRevocation


@dataclass(frozen=True)
class KeySource:
    """How to learn keys from a log: entries holding one of `markers` (bytes of their canonical form, such as
    a kind) are parsed and passed to `read`, which returns the key changes they make (none for others)."""

    markers: tuple[bytes, ...]
    read: Callable[[Entry], Sequence[KeyChange]]


class KeySpan(NamedTuple):
    organisation: str
    public_key: bytes
    added: int
    revoked: int | None


class KeyHistory:
    """Key id -> span, from the key changes of the entries seen so far (the first registration of an id wins;
    revocations of unknown, foreign or revoked keys change nothing: the registry's replay refuses them)."""

    def __init__(self) -> None:
        self._spans: dict[str, KeySpan] = {}

    def apply(self, index: int, change: KeyChange) -> None:
        if isinstance(change, KeyRegistration):
            self._spans.setdefault(change.key_id, KeySpan(change.organisation, change.public_key, index, None))
            return
        span = self._spans.get(change.key_id)
        if span is not None and span.organisation == change.organisation and span.revoked is None:
            self._spans[change.key_id] = span._replace(revoked=index)

    def spans(self, key_ids: Iterable[str]) -> dict[str, KeySpan]:
        return {k: self._spans[k] for k in key_ids if k in self._spans}


# The entry up to its statement, as ledger.core.types.Entry writes it; group 1 the key id, group 2 the signature.
_SIGNED = re.compile(rb'\{"index":(?:0|[1-9][0-9]*),"logged_at":"[^"\\]{1,40}","prev":"[0-9a-f]{64}",'
                     rb'"signature":\{"key_id":"([0-9a-f]{16})","value":"([A-Za-z0-9+/]{86}==)"\},"statement":')
# The statement's fields after its body (RFC 8785 orders them body, issued_at, issuer, kind, nonce). Values
# hold no quote, so the match cannot start inside a string of the body.
_TAIL = re.compile(rb',"issued_at":"[^"\\]{1,40}","issuer":"([a-z0-9-]{1,64})","kind":"[a-z0-9_.]{1,200}",'
                   rb'"nonce":"[A-Za-z0-9_-]{8,64}"\}\}\Z')
_TAIL_SPAN = 400
_KEY_ID_FIELD = b'"key_id":"'

_public_keys: dict[bytes, Ed25519PublicKey] = {}  # per worker process: key objects are reused across chunks


def _key_for(index: int, issuer: str, key_id: str, keys: dict[str, KeySpan]) -> bytes | str:
    """The raw public key that may sign entry `index` for `issuer` under `key_id`, or why there is none."""
    span = keys.get(key_id)
    if span is None:
        return f"signature names key {key_id}, which no entry before {index} registers"
    if span.added > index or (span.added == index and index != 0):
        return f"signature names key {key_id}, which is registered only at entry {span.added}"
    if span.organisation != issuer:
        return f"signature names key {key_id} of {span.organisation}, but the issuer is {issuer}"
    if span.revoked is not None and index > span.revoked:
        return f"signature names key {key_id} of {issuer}, revoked at entry {span.revoked}"
    return span.public_key


def _verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        key = _public_keys.get(public_key)
        if key is None:
            key = _public_keys[public_key] = Ed25519PublicKey.from_public_bytes(public_key)
        key.verify(signature, message)
    except (InvalidSignature, ValueError):  # ValueError: registered bytes that are not an Ed25519 key
        return False
    return True


def _check_parsed(index: int, data: bytes, keys: dict[str, KeySpan]) -> str | None:
    """The slow path: parse the entry fully, so that an entry of another shape is named with the reason."""
    try:
        entry = Entry.from_canonical(data)
    except LedgerError as exc:
        return f"entry bytes are not an entry: {exc}"
    statement, signature = entry.statement, entry.signature
    public = _key_for(index, statement.issuer, signature.key_id, keys)
    if isinstance(public, str):
        return public
    if not _verify(public, signature.value, STATEMENT_DOMAIN + statement.canonical):
        return f"signature of {statement.kind} by {statement.issuer} with key {signature.key_id} does not verify"
    return None


def check_entry(index: int, data: bytes, keys: dict[str, KeySpan]) -> str | None:
    """Why the statement signature of entry `index` (its canonical bytes) fails, or None when it verifies."""
    signed = _SIGNED.match(data)
    tail = _TAIL.search(data, max(signed.end(), len(data) - _TAIL_SPAN)) if signed is not None else None
    if signed is None or tail is None:
        return _check_parsed(index, data, keys)
    encoded = signed.group(2)
    value = base64.b64decode(encoded)
    if base64.b64encode(value) != encoded:  # non-zero padding bits: not the canonical encoding
        return _check_parsed(index, data, keys)
    issuer, key_id = tail.group(1).decode(), signed.group(1).decode()
    public = _key_for(index, issuer, key_id, keys)
    if isinstance(public, str):
        return public
    if not _verify(public, value, STATEMENT_DOMAIN + data[signed.end() : -1]):
        return _check_parsed(index, data, keys)  # names the kind in its message
    return None


Task = tuple[int, list[bytes], dict[str, KeySpan]]
"""(index of the first entry, canonical bytes of the entries in order, spans of the keys they name)."""


def check_chunk(task: Task) -> tuple[int, tuple[int, str] | None]:
    """(entries verified, (index, reason) of the first that fails or None); run in worker processes."""
    start, rows, keys = task
    for offset, data in enumerate(rows):
        problem = check_entry(start + offset, data, keys)
        if problem is not None:
            return offset, (start + offset, problem)
    return len(rows), None


class SignatureCheck:
    """Feed it a log's entries in order; `finish()` raises AuditError for the first statement signature that
    fails. With `workers` > 0 chunks are verified by that many processes (forked where the platform forks: start
    it from a process without other threads), at most 2 chunks per worker in flight; with 0, in this process.
    Use it as a context manager, which stops the workers."""

    def __init__(self, keys: KeySource, workers: int = 0, on_checked: Callable[[int], None] | None = None) -> None:
        if workers < 0:
            raise ValueError(f"workers must be 0 (verify in this process) or more, got {workers}")
        self._keys = keys
        self._history = KeyHistory()
        self._workers = workers
        self._pool: Pool | None = None
        self._pending: deque[tuple[int, AsyncResult[tuple[int, tuple[int, str] | None]]]] = deque()
        self._on_checked = on_checked
        self._next = 0
        self._stopped = False
        self._failures: list[AuditError] = []
        self.checked = 0
        """Entries whose signature verified, in order from entry 0."""

    def __enter__(self) -> "SignatureCheck":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def feed(self, rows: Sequence[StoredEntry]) -> None:
        """Take the next entries of the log; rows that do not continue it (a gap) stop the check there."""
        if self._stopped or self._failures:
            return
        start = self._next
        chunk: list[bytes] = []
        key_ids: set[str] = set()
        for row in rows:
            if row.index != self._next:
                self._stopped = True  # the ledger audit names the gap
                break
            data = row.canonical
            if any(marker in data for marker in self._keys.markers):
                self._learn_keys(row.index, data)
            at = data.find(_KEY_ID_FIELD, 0, 256)
            if at >= 0:
                key_ids.add(data[at + len(_KEY_ID_FIELD) : at + len(_KEY_ID_FIELD) + 16].decode("ascii", "replace"))
            chunk.append(data)
            self._next += 1
        if not chunk:
            return
        task: Task = (start, chunk, self._history.spans(key_ids))
        if self._workers == 0:
            self._record(start, check_chunk(task))
            return
        if self._pool is None:
            # The platform's default start method: fork on Linux, where workers start at once (a spawned worker
            # imports the main module again, a second or more for `nguon`). Workers touch no lock of the parent.
            self._pool = get_context().Pool(self._workers)
        self._pending.append((start, self._pool.apply_async(check_chunk, (task,))))
        while len(self._pending) > 2 * self._workers or (self._pending and self._pending[0][1].ready()):
            first, result = self._pending.popleft()
            self._record(first, result.get())

    def _learn_keys(self, index: int, data: bytes) -> None:
        try:
            entry = Entry.from_canonical(data)
        except LedgerError as exc:
            self._failures.append(AuditError(index, f"entry bytes are not an entry: {exc}"))
            return
        for change in self._keys.read(entry):
            self._history.apply(index, change)

    def _record(self, start: int, result: tuple[int, tuple[int, str] | None]) -> None:
        verified, failure = result
        if failure is not None:
            self._failures.append(AuditError(*failure))
        if not self._failures and start == self.checked:
            self.checked += verified
            if self._on_checked is not None:
                self._on_checked(self.checked)

    def finish(self) -> int:
        """Wait for every chunk fed; the number of signatures verified, or AuditError for the first bad one."""
        while self._pending:
            first, result = self._pending.popleft()
            self._record(first, result.get())
        if self._failures:
            raise min(self._failures, key=lambda e: e.index)
        return self.checked
