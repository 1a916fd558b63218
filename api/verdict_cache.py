"""Verdicts of batches, kept while nothing they depend on changes.

A batch's verdict is a function of the log (its size and the checkpoint proved against), the code and the
day; so a scan of a popular product answers from memory until the next append. Items (serials) are not
kept: each scan changes their scan counts.
"""

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

Key = tuple[str, str, int, int | None, str]
"""(GTIN-14, lot, log size, size of the checkpoint proved against, ISO day)."""


@dataclass
class CachedVerdict:
    document: dict[str, Any]
    pages: dict[str, str] = field(default_factory=dict)
    """Rendered consumer pages by language."""
    _json: bytes | None = None

    def json_bytes(self) -> bytes:
        if self._json is None:
            self._json = json.dumps(self.document, ensure_ascii=False, separators=(",", ":")).encode()
        return self._json


class VerdictCache:
    """A bounded, thread-safe LRU of verdicts (one per API process)."""

    def __init__(self, capacity: int = 2048) -> None:
        self._capacity = capacity
        self._items: OrderedDict[Key, CachedVerdict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> CachedVerdict | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: Key, document: dict[str, Any]) -> CachedVerdict:
        item = CachedVerdict(document)
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return item
