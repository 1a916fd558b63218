"""The statement kinds the registry knows, and what each needs of its issuer.

A kind is registered with `@kind(name, Body, roles=...)` on a handler `(state, ctx, body) -> None` that
checks the kind's rules and then writes its projections. A handler raises a DomainError before or after
writing: either way the whole transaction, and so the whole batch, is rolled back.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from ledger.types import Statement
from registry.schemas import Body
from registry.state import State

B = TypeVar("B", bound=Body)
Handler = Callable[[State, "Context", Any], None]


@dataclass(frozen=True)
class Context:
    """What a handler knows besides the body: the statement, its log index and the issuer's roles."""

    statement: Statement
    index: int
    roles: frozenset[str]
    issued: datetime

    @property
    def issuer(self) -> str:
        return self.statement.issuer

    @property
    def issued_on(self) -> date:
        return self.issued.date()


@dataclass(frozen=True)
class KindSpec:
    name: str
    body: type[Body]
    roles: frozenset[str]
    """The issuer needs one of these roles; empty means any registered organisation."""
    handle: Handler


KINDS: dict[str, KindSpec] = {}


def kind(name: str, body: type[B], roles: tuple[str, ...] = ()) -> Callable[[Callable[[State, Context, B], None]],
                                                                            Callable[[State, Context, B], None]]:
    def register(handler: Callable[[State, Context, B], None]) -> Callable[[State, Context, B], None]:
        if name in KINDS:
            raise ValueError(f"statement kind {name} is registered twice")
        KINDS[name] = KindSpec(name, body, frozenset(roles), handler)
        return handler

    return register
