"""The statement kinds the registry knows, and what each needs of its issuer.

A kind is registered with `@kind(name, Body, roles=...)` on a handler `(state, ctx, body) -> None` that
checks the kind's rules and then writes its projections. A handler raises a DomainError before or after
writing: either way the whole transaction, and so the whole batch, is rolled back.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

from ledger.core.types import Statement
from registry.schemas import Body
from registry.state import State

B = TypeVar("B", bound=Body)
Handler = Callable[[State, "Context", Any], None]

VIETNAM = timezone(timedelta(hours=7), "ICT")
"""Viet Nam's time (UTC+7, no daylight saving since 1975): the calendar in which producers date batches and
authorities date decisions, so the registry's days are Viet Nam's days."""


CLOCK_SKEW = timedelta(minutes=5)
"""How far a statement's issued_at, or a time it reports, may lie after the time the log records it."""
MAX_AGE = timedelta(hours=24)
"""How long a statement may wait between being signed (issued_at) and being logged: an issuer with no network
may sign in the field and submit later that day, but a statement signed long before (to be filed once a right
is gone, say) is refused."""


def vietnam_day(moment: datetime) -> str:
    """The calendar day in Viet Nam at `moment`, as YYYY-MM-DD."""
    return moment.astimezone(VIETNAM).date().isoformat()


def vietnam_today() -> date:
    """Today in Viet Nam: the day verdicts are judged on (a certificate valid from today is valid from 00:00 in
    Hà Nội, not from 07:00)."""
    return datetime.now(VIETNAM).date()


@dataclass(frozen=True)
class Context:
    """What a handler knows besides the body: the statement, its log index, the issuer's roles, and when the
    log recorded it (`logged`, the entry's logged_at: the one clock of every time rule, live and on replay)."""

    statement: Statement
    index: int
    roles: frozenset[str]
    logged: datetime

    @property
    def issuer(self) -> str:
        return self.statement.issuer

    @property
    def day(self) -> str:
        """The day of registration: the calendar day in Viet Nam when the log recorded the statement."""
        return vietnam_day(self.logged)


@dataclass(frozen=True)
class KindSpec:
    name: str
    body: type[Body]
    roles: frozenset[str]
    """The issuer needs one of these roles; empty means any registered organisation."""
    handle: Handler
    subject: Callable[[Any], str] | None
    """What a statement of this kind is about, e.g. "batch:{gtin}/{lot}"; None when the handler says it."""


KINDS: dict[str, KindSpec] = {}

ORGANISATION_REGISTERED = ("organisation.registered.v1", "organisation.registered.v2")
ORGANISATION_UPDATED = ("organisation.updated.v1", "organisation.updated.v2")
PRODUCT_REGISTERED = ("product.registered.v1", "product.registered.v2")
PRODUCT_UPDATED = "product.updated.v2"
"""A product's update: numbered 2 as it amends what the second version of product.registered sets; it has no
first version."""
BATCH_REGISTERED = ("batch.registered.v1", "batch.registered.v2")
VERSIONS = (ORGANISATION_REGISTERED, ORGANISATION_UPDATED, PRODUCT_REGISTERED, BATCH_REGISTERED)
"""The kinds with more than one version, oldest first. A v2 body is its v1 body with optional fields more (an
organisation's street and identifiers, a product's passport data, a batch's expiry), and one handler applies
both, so rules and verdicts read every version alike. A v1 body never changes: a verifier that predates v2 still
reads every v1 entry, and refuses a v2 entry by its kind instead of misreading it."""


def kind(name: str, body: type[B], roles: tuple[str, ...] = (), *, subject: Callable[[B], str] | None = None) \
        -> Callable[[Callable[[State, Context, B], None]], Callable[[State, Context, B], None]]:
    def register(handler: Callable[[State, Context, B], None]) -> Callable[[State, Context, B], None]:
        if name in KINDS:
            raise ValueError(f"statement kind {name} is registered twice")
        KINDS[name] = KindSpec(name, body, frozenset(roles), handler, subject)
        return handler

    return register
