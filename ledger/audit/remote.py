"""A read-only view of a remote registry's log, over its public log API (`/api/v1/log/...`).

The API serves the log key, the latest signed checkpoint, entries in pages of up to 1,000 and consistency
proofs; no Merkle nodes and no older checkpoints. `RemoteView` gives ledger.audit.store what it reads:
- the head and the one checkpoint come from the latest signed checkpoint, fetched once: the audit covers
  the log at that size, whatever the server appends meanwhile, and verifies that checkpoint's signature and
  root (a database audit verifies every stored checkpoint);
- entries are fetched in pages and turned back into their RFC 8785 bytes;
- the Merkle nodes are those of the leaf hashes the server claims for its entries (each item's `hash`), so
  the audit compares every claimed hash with the hash of the bytes served, and the root with the signed
  checkpoint. Only the nodes of the latest chunk read are held.
Every entry served is also kept in a local SQLite file, and read from there when asked again: a replay then
reads exactly the bytes the audit checked, not a second answer of the server.
"""

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from ledger.core.checkpoint import Checkpoint
from ledger.core.encoding import canonical
from ledger.core.errors import AuditError, LedgerError, MissingDataError
from ledger.core.hashing import ZERO_HASH, Hash, hash_from_hex
from ledger.core.merkle import CompactRange, NodeId
from ledger.core.note import NoteVerifier, split_note
from ledger.core.proof import ConsistencyProof
from ledger.store.protocol import Head, StoredCheckpoint, StoredEntry

PAGE = 1000
"""The largest page /api/v1/log/entries serves."""
API = "/api/v1/log"
RETRIES = 5
"""How often a 429 or 503 answer is retried, after the Retry-After it gives (at most MAX_WAIT seconds)."""
MAX_WAIT = 60.0


class RemoteError(LedgerError):
    """The remote log could not be read: network trouble, an HTTP error, or an answer not in the API's shape."""


class RemoteLog:
    """An HTTP client of one registry's public log API, at `base_url` (such as https://nguon.example)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport,
                                    headers={"Accept": "application/json"})

    def close(self) -> None:
        self._client.close()

    def _get(self, path: str, params: dict[str, int] | None = None) -> httpx.Response:
        url = f"{self.base_url}{API}{path}"
        for attempt in range(RETRIES + 1):
            try:
                response = self._client.get(f"{API}{path}", params=params)
            except httpx.HTTPError as exc:
                raise RemoteError(f"GET {url} failed: {exc or type(exc).__name__}") from exc
            if response.status_code in (429, 503) and attempt < RETRIES:
                time.sleep(_retry_after(response))
                continue
            if response.status_code != 200:
                raise RemoteError(f"GET {url} answered {response.status_code}; expected 200")
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _json(self, path: str, params: dict[str, int] | None = None) -> Any:
        response = self._get(path, params)
        try:
            return response.json()
        except ValueError as exc:
            raise RemoteError(f"GET {response.url} did not answer JSON: {exc}") from exc

    def log_key(self) -> NoteVerifier:
        """The verifier key the log publishes."""
        text = self._get("/key").text
        try:
            return NoteVerifier.from_text(text)
        except LedgerError as exc:
            raise RemoteError(f"the log key {text.strip()!r} served is not a verifier key: {exc}") from exc

    def checkpoint(self) -> str:
        """The latest signed checkpoint, as served (not yet verified)."""
        return self._get("/checkpoint").text

    def entries(self, start: int, stop: int) -> list[StoredEntry]:
        """The entries served from `start` until `stop` (or until the server has no more), in page order."""
        rows: list[StoredEntry] = []
        while start + len(rows) < stop:
            first = start + len(rows)
            doc = self._json("/entries", {"start": first, "limit": min(PAGE, stop - first)})
            items = doc.get("entries") if isinstance(doc, dict) else None
            if not isinstance(items, list):
                raise RemoteError(f"entries page from {first} is not an object with a list of entries")
            rows.extend(_row(item) for item in items)
            if not items:
                break
        return rows[: stop - start]

    def consistency(self, old: int, new: int) -> list[Hash]:
        """The hashes of the RFC 9162 consistency proof the server gives from size `old` to `new`."""
        doc = self._json("/proof/consistency", {"old": old, "new": new})
        try:
            proof = ConsistencyProof.from_json(doc)
        except LedgerError as exc:
            raise RemoteError(f"consistency proof from {old} to {new} is malformed: {exc}") from exc
        if (proof.old, proof.new) != (old, new):
            raise RemoteError(f"asked for a consistency proof from {old} to {new}, got {proof.old} to {proof.new}")
        return list(proof.hashes)


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(MAX_WAIT, max(0.0, float(response.headers.get("Retry-After", "1"))))
    except ValueError:
        return 1.0


def _row(item: Any) -> StoredEntry:
    if not isinstance(item, dict) or not isinstance(item.get("index"), int) or not isinstance(item.get("hash"), str):
        raise RemoteError(f"entry item {str(item)[:200]} is not an object with index, hash and entry")
    index = item["index"]
    try:
        claimed = hash_from_hex(item["hash"], f"hash of entry {index}")
    except LedgerError as exc:
        raise RemoteError(str(exc)) from exc
    try:
        data = canonical(item.get("entry"))
    except LedgerError as exc:
        raise AuditError(index, f"entry served cannot be an entry: {exc}") from exc
    return StoredEntry(index, claimed, data)


class RemoteView:
    """A ledger.store.protocol.ReadView of the remote log at the checkpoint `note` (as served by `log.checkpoint()`),
    keeping the entries read in the SQLite file `copy` (created; its directory must exist)."""

    def __init__(self, log: RemoteLog, note: str, copy: Path) -> None:
        self._log = log
        try:
            self._checkpoint = Checkpoint.from_text(split_note(note)[0])
        except LedgerError as exc:
            raise RemoteError(f"the checkpoint served is not a signed checkpoint: {exc}") from exc
        self._note = note
        self._copy = sqlite3.connect(copy)
        self._copy.execute("CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, hash BLOB, canonical BLOB)")
        self._copied = 0
        self._compact = CompactRange()
        self._nodes: dict[int, Hash] = {}
        self._last_hash: Hash | None = None

    def close(self) -> None:
        self._copy.close()

    @property
    def size(self) -> int:
        return self._checkpoint.size

    def head(self) -> Head:
        size = self.size
        if self._last_hash is None:
            last = self._log.entries(size - 1, size) if size else []
            self._last_hash = last[0].hash if last else ZERO_HASH
        return Head(size, self._checkpoint.root, self._last_hash)

    def entries(self, start: int, stop: int) -> list[StoredEntry]:
        stop = min(stop, self.size)
        if start >= stop:
            return []
        if stop <= self._copied:
            cursor = self._copy.execute("SELECT idx, hash, canonical FROM entries WHERE idx >= ? AND idx < ? "
                                        "ORDER BY idx", (start, stop))
            return [StoredEntry(int(i), Hash(bytes(h)), bytes(c)) for i, h, c in cursor]
        rows = self._log.entries(start, stop)
        if start == self._compact.size:
            self._derive_nodes(rows)
        return rows

    def _derive_nodes(self, rows: Sequence[StoredEntry]) -> None:
        made: list[tuple[NodeId, Hash]] = []
        kept = []
        for row in rows:
            if row.index != self._compact.size:
                break
            self._compact.append(row.hash, made)
            kept.append(row)
        self._nodes = {node.key: h for node, h in made}
        if kept and kept[0].index == self._copied:
            with self._copy:
                self._copy.executemany("INSERT INTO entries (idx, hash, canonical) VALUES (?, ?, ?)", kept)
            self._copied += len(kept)

    def node_hashes(self, keys: Sequence[int]) -> list[Hash]:
        try:
            return [self._nodes[k] for k in keys]
        except KeyError as exc:
            raise MissingDataError(f"node {exc.args[0]} is not among the nodes of the last chunk read") from exc

    def checkpoints(self, after: int, limit: int) -> list[StoredCheckpoint]:
        return [StoredCheckpoint(self.size, self._note)] if self.size > after and limit > 0 else []

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        return StoredCheckpoint(self.size, self._note)

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None:
        return StoredCheckpoint(size, self._note) if size == self.size else None

    def nodes_between(self, low: int, high: int) -> list[tuple[int, Hash]]:
        return sorted((k, h) for k, h in self._nodes.items() if low <= k < high)

    def count_rows(self) -> tuple[int, int]:
        """The remote serves exactly `size` entries and stores no nodes: the tree's own count stands for them."""
        size = self.size
        return size, sum(size >> level for level in range(size.bit_length()))
