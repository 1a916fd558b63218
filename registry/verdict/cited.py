"""The log entries a verdict cites, as typed values: what `registry.verdict.judge` reads instead of a database.

`Logged.from_json` parses one entry as the log serves it (`{"index", "logged_at", "statement", ...}`) and its
body with the statement kind's own schema; `Cited` holds a verdict's entries, answers the lookups the judge
needs, and says which of them are retracted. Retraction follows `registry.handlers.corrections`: an entry is
retracted while at least one correction of it is itself not retracted. The server and `nguon verify-bundle`
both build a `Cited` from entries alone, so both reach the same facts.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError

import registry.handlers  # noqa: F401  (registers the statement kinds and their schemas)
from ledger.core.errors import InvalidValueError
from ledger.core.types import parse_timestamp
from registry.kinds import KINDS, vietnam_day
from registry.schemas import Body

B = TypeVar("B", bound=Body)


class CitedError(ValueError):
    """An entry cited by a verdict is not a well-formed statement of a known kind."""


@dataclass(frozen=True)
class Logged:
    """One log entry: where and when it was logged, who said what."""

    index: int
    logged_at: str
    kind: str
    issuer: str
    body: Body

    @property
    def day(self) -> str:
        """The day in Viet Nam on which the log recorded the entry."""
        return vietnam_day(parse_timestamp(self.logged_at))

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> "Logged":
        """An entry as the log serves it; CitedError if it is not one the registry could have logged."""
        try:
            statement = entry["statement"]
            kind = statement["kind"]
            spec = KINDS.get(kind)
            if spec is None:
                raise CitedError(f"entry {entry.get('index')} has kind {kind!r}, which the registry does not know")
            index, logged_at, issuer = entry["index"], entry["logged_at"], statement["issuer"]
            if not isinstance(index, int) or not isinstance(issuer, str):
                raise CitedError(f"entry {index!r} has a malformed index or issuer")
            parse_timestamp(logged_at, "logged_at")
            return cls(index, logged_at, kind, issuer, spec.body.model_validate(dict(statement["body"])))
        except (KeyError, TypeError, ValidationError, InvalidValueError) as exc:
            raise CitedError(f"entry {entry.get('index') if isinstance(entry, Mapping) else entry!r} is not a "
                             f"statement the registry logs: {exc}") from exc


class Cited:
    """A verdict's entries, by index, with lookups by kind and which of them are retracted."""

    def __init__(self, entries: Iterable[Logged]) -> None:
        self.entries = sorted(entries, key=lambda e: e.index)
        self.by_index = {e.index: e for e in self.entries}
        if len(self.by_index) != len(self.entries):
            raise CitedError("an entry is cited twice")
        self._by_kind: dict[str, list[Logged]] = {}
        for entry in self.entries:
            self._by_kind.setdefault(entry.kind, []).append(entry)
        self.corrections_of: dict[int, list[Logged]] = {}
        for correction in self._by_kind.get("correction.v1", []):
            target: int = correction.body.entry  # type: ignore[attr-defined]
            self.corrections_of.setdefault(target, []).append(correction)
        # A correction always comes after what it corrects: from the last entry down, each correction's own
        # state is known before the state of the entry it corrects.
        self.retracted: set[int] = set()
        for entry in reversed(self.entries):
            if any(c.index not in self.retracted for c in self.corrections_of.get(entry.index, [])):
                self.retracted.add(entry.index)

    def all(self, kind: str | tuple[str, ...], body: type[B],
            where: Callable[[B], bool] = lambda _: True) -> list[tuple[Logged, B]]:
        """Entries of `kind` (or of any of the kinds, such as every version of one: `registry.kinds.VERSIONS`) whose
        body satisfies `where`, retracted ones included, in log order."""
        kinds = (kind,) if isinstance(kind, str) else kind
        entries = [e for name in kinds for e in self._by_kind.get(name, [])]
        found = []
        for entry in sorted(entries, key=lambda e: e.index) if len(kinds) > 1 else entries:
            typed = entry.body
            assert isinstance(typed, body)  # noqa: S101  (Logged.from_json parsed it with the kind's schema)
            if where(typed):
                found.append((entry, typed))
        return found

    def live(self, kind: str | tuple[str, ...], body: type[B],
             where: Callable[[B], bool] = lambda _: True) -> list[tuple[Logged, B]]:
        """Like `all`, without the retracted entries: those in effect."""
        return [(e, b) for e, b in self.all(kind, body, where) if e.index not in self.retracted]

    def first(self, kind: str | tuple[str, ...], body: type[B], where: Callable[[B], bool]) -> tuple[Logged, B] | None:
        found = self.all(kind, body, where)
        return found[0] if found else None
