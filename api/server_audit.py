"""The server's audit of its own log for the public page /log/audit: an audit costs a few seconds of CPU, so it
runs at most once per size of the log, one at a time, on its own thread; a request waits for it a bounded time
and otherwise shows the last result with the time it was made.
"""

import logging
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.audit_report import pdf
from ledger.core.types import format_timestamp

logger = logging.getLogger(__name__)
UNREADABLE = "the server could not read its own log; its operator has the details"


@dataclass(frozen=True)
class Done:
    result: Mapping[str, Any]
    size: int
    """The log's size the audit was asked for (the audited size may be larger: the log grew meanwhile)."""


class ServerAudit:
    """The audit of the server's own log, computed at most once per size of the log and one at a time.

    `audit()` runs the audit (api.cli.audit.run on the server's engine, its state file kept here so that each
    audit also proves the log extends the one audited before). `latest(size)` answers at once when the last
    audit covered `size`; otherwise it starts the audit unless one runs already, and waits for it at most
    `wait` seconds: then the last result, possibly older, or None when there is none yet."""

    def __init__(self, audit: Callable[[Path], dict[str, Any]], wait: float) -> None:
        self._audit, self._wait = audit, wait
        self._changed = threading.Condition()
        self._last: Done | None = None
        self._running: int | None = None
        self._pdfs_of: Done | None = None
        self._pdfs: dict[str, bytes] = {}
        self._workdir = tempfile.TemporaryDirectory(prefix="nguon-server-audit-")
        self.runs = 0
        """Audits started: what tests count."""

    def _covers(self, size: int) -> bool:
        return self._last is not None and self._last.size >= size

    def latest(self, size: int, wait: float | None = None) -> Done | None:
        with self._changed:
            if not self._covers(size) and self._running is None:
                self._running = size
                self.runs += 1
                threading.Thread(target=self._run, args=(size,), name="nguon-server-audit", daemon=True).start()
            self._changed.wait_for(lambda: self._covers(size), timeout=self._wait if wait is None else wait)
            return self._last

    def pdf(self, done: Done, lang: str) -> bytes:
        """The report of `done` as a PDF, made once per language for the latest audit."""
        with self._changed:
            made = self._pdfs.get(lang) if self._pdfs_of is done else None
        if made is None:
            made = pdf({**done.result, "source": None}, lang)
            with self._changed:
                if self._last is done:
                    if self._pdfs_of is not done:
                        self._pdfs_of, self._pdfs = done, {}
                    self._pdfs[lang] = made
        return made

    def _run(self, size: int) -> None:
        try:
            result = self._audit(Path(self._workdir.name) / "state.json")
        except Exception as exc:
            logger.exception("the server's audit of its own log failed")
            result = {"result": "unreadable", "exit_code": 2, "reason": str(exc), "message": str(exc)}
        if result.get("result") == "unreadable":
            # Why the database could not be read (a driver's error names hosts, users, SQL) is the operator's, in
            # the server's log; the public page says only that it could not be read.
            logger.error("the server's audit could not read its log: %s", result.get("reason"))
            result = {**result, "reason": UNREADABLE, "message": UNREADABLE}
        result["audited_at"] = format_timestamp(datetime.now(UTC))
        audited = result.get("size")
        with self._changed:
            self._last = Done(result, max(size, int(audited)) if isinstance(audited, int) else size)
            self._running = None
            self._changed.notify_all()
