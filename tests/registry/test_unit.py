"""The registry's unit of work (registry.unit): what one write transaction checked, projected and appended
commits together, or nothing of it does."""

import dataclasses
import secrets
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from ledger.core.note import NoteSigner
from ledger.core.signing import sign_statement
from ledger.core.types import Statement
from ledger.store.log import Log
from ledger.store.protocol import MemoryStore
from registry.custody import Custody
from registry.errors import UnknownReferenceError
from registry.kinds import KINDS
from registry.service import Draft, Registry
from registry.state import State
from registry.tables import RegBatch
from registry.unit import Item, UnitOfWork, open_unit
from tests.registry.conftest import (
    PRODUCER,
    SECRET,
    Clock,
    gtin,
    live_digest,
    log_size,
    make_batch,
    rows,
)


def _signed(registry: Registry, unit: UnitOfWork, drafts: Sequence[Draft]) -> list[Item]:
    """`drafts` signed by PRODUCER's custodial key, issued at the unit's time."""
    key = registry.custody.signing_key(unit.connection, PRODUCER)
    items = []
    for kind, body in drafts:
        statement = Statement(kind, PRODUCER, unit.logged_at, secrets.token_urlsafe(16), body)
        items.append((statement, sign_statement(statement, key)))
    return items


def _open(registry: Registry, clock: Clock) -> Any:
    return open_unit(registry.log.store, clock)


def _in_unit(registry: Registry, clock: Clock, work: Callable[[UnitOfWork], None]) -> None:
    with _open(registry, clock) as unit:
        work(unit)


class TestAllOrNothing:
    """A unit that ends by an exception leaves the log and the projections as they were."""

    def test_a_refusal_inside_a_unit_leaves_nothing_appended_and_the_projections_unchanged(
        self, registry: Registry, producer: str, clock: Clock
    ) -> None:
        def work(unit: UnitOfWork) -> None:
            unit.apply(_signed(registry, unit, [make_batch(lot="A")]), signature_checked=True)
            unit.apply(_signed(registry, unit, [make_batch(lot="B"), make_batch(lot="C", gtin=gtin(999))]),
                       signature_checked=True)

        size, digest = log_size(registry), live_digest(registry)
        with pytest.raises(UnknownReferenceError) as caught:
            _in_unit(registry, clock, work)
        assert caught.value.position == 1
        assert (log_size(registry), live_digest(registry)) == (size, digest)

    def test_an_exception_after_the_append_rolls_back_the_entries_and_the_projections(
        self, registry: Registry, producer: str, clock: Clock
    ) -> None:
        def work(unit: UnitOfWork) -> None:
            unit.apply(_signed(registry, unit, [make_batch(lot="A")]), signature_checked=True)
            assert [r.index for r in unit.append(registry.log)] == [size]
            raise RuntimeError("after the append")

        size, digest = log_size(registry), live_digest(registry)
        with pytest.raises(RuntimeError, match="after the append"):
            _in_unit(registry, clock, work)
        assert (log_size(registry), live_digest(registry)) == (size, digest)

    def test_a_handler_exception_rolls_back_the_log_and_the_projections(
        self, registry: Registry, producer: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        spec = KINDS["batch.registered.v1"]

        def write_then_fail(state: State, ctx: Any, body: Any) -> None:
            spec.handle(state, ctx, body)
            raise RuntimeError("the handler broke after writing")

        registry.submit_as(PRODUCER, [make_batch(lot="A")])
        size, digest = log_size(registry), live_digest(registry)
        monkeypatch.setitem(KINDS, spec.name, dataclasses.replace(spec, handle=write_then_fail))
        with pytest.raises(RuntimeError, match="broke after writing"):
            registry.submit_as(PRODUCER, [make_batch(lot="B")])
        assert (log_size(registry), live_digest(registry)) == (size, digest)


class TestSavepoint:
    """A savepoint undoes its own statements, projections and cached reads; the rest of the unit stands."""

    def test_a_refused_savepoint_keeps_the_statements_before_it(self, registry: Registry, producer: str,
                                                                 clock: Clock) -> None:
        size = log_size(registry)
        with _open(registry, clock) as unit:
            unit.apply(_signed(registry, unit, [make_batch(lot="A")]), signature_checked=True)
            with pytest.raises(UnknownReferenceError), unit.savepoint():
                unit.apply(_signed(registry, unit, [make_batch(lot="B"), make_batch(lot="C", gtin=gtin(999))]),
                           signature_checked=True)
            assert unit.index == size + 1
            assert unit.state.get(RegBatch, gtin=make_batch()[1]["gtin"], lot="B") is None, "a stale cached read"
            receipts = unit.append(registry.log)
        assert [r.index for r in receipts] == [size]
        assert log_size(registry) == size + 1
        assert [r["lot"] for r in rows(registry, RegBatch)] == ["A"]


class TestIsolation:
    """A unit's writes are seen by no one before it commits, and by no one at all when it rolls back."""

    def test_uncommitted_writes_are_invisible_to_readers(self, registry: Registry, producer: str,
                                                         clock: Clock) -> None:
        size = log_size(registry)
        with _open(registry, clock) as unit:
            unit.apply(_signed(registry, unit, [make_batch(lot="A")]), signature_checked=True)
            unit.append(registry.log)
            assert log_size(registry) == size
            assert rows(registry, RegBatch) == []
        assert log_size(registry) == size + 1
        assert [r["lot"] for r in rows(registry, RegBatch)] == ["A"]

    def test_the_next_unit_waits_and_sees_nothing_of_a_unit_rolled_back(self, registry: Registry, producer: str,
                                                                        clock: Clock) -> None:
        events: list[str] = []
        seen: list[object] = []
        waiting = threading.Event()

        def second() -> None:
            waiting.set()
            with _open(registry, clock) as unit:
                events.append("second began")
                seen.append(unit.state.get(RegBatch, gtin=make_batch()[1]["gtin"], lot="A"))

        def first(unit: UnitOfWork) -> None:
            unit.apply(_signed(registry, unit, [make_batch(lot="A")]), signature_checked=True)
            thread.start()
            assert waiting.wait(30)
            events.append("first rolled back")
            raise RuntimeError("roll back")

        thread = threading.Thread(target=second)
        with pytest.raises(RuntimeError, match="roll back"):
            _in_unit(registry, clock, first)
        thread.join(30)
        assert events == ["first rolled back", "second began"]
        assert seen == [None]


class TestStores:
    """The registry needs a store whose write transaction has an SQL connection (registry.unit.ProjectionTxn)."""

    def test_a_store_without_a_connection_is_refused_by_name(self, clock: Clock) -> None:
        log = Log(MemoryStore(), NoteSigner.generate("test.nguon/log"), clock)
        registry = Registry(log, Custody.from_secret(SECRET), clock)
        with pytest.raises(TypeError, match="_MemoryTxn has none"):
            registry.bootstrap("root", {"vi": "Gốc", "en": "Root"})
