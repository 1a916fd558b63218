"""Verdicts of batches, kept while nothing they depend on changes.

A batch's verdict is a function of the log (its size and the checkpoint proved against), the code and the
day; so a scan of a popular product answers from memory until the next append. Items (serials) are not
kept: each scan changes their scan counts.
"""

import json
from dataclasses import dataclass, field

from api.lru import Lru
from registry.verdict.document import VerdictDocument

Key = tuple[str, str, int, int | None, str]
"""(GTIN-14, lot, log size, size of the checkpoint proved against, ISO day)."""


@dataclass
class CachedVerdict:
    """A verdict document with its JSON bytes and pages, each made once however often it is served (an item's
    verdict, judged afresh for each scan, is wrapped too but never kept)."""

    document: VerdictDocument
    pages: dict[str, str] = field(default_factory=dict)
    """Rendered consumer pages by language."""
    _json: bytes | None = None

    def json_bytes(self) -> bytes:
        if self._json is None:
            self._json = json.dumps(self.document.to_json(), ensure_ascii=False, separators=(",", ":")).encode()
        return self._json


class VerdictCache:
    """A bounded, thread-safe LRU of verdicts (one per API process)."""

    def __init__(self, capacity: int = 2048) -> None:
        self.items: Lru[Key, CachedVerdict] = Lru(capacity)
        """The verdicts, with `hits` and `misses` counted."""

    def get(self, key: Key) -> CachedVerdict | None:
        return self.items.get(key)

    def put(self, key: Key, document: VerdictDocument) -> CachedVerdict:
        return self.items.put(key, CachedVerdict(document))
