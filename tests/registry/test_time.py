"""One clock for every time rule, live and on replay: the entry's logged_at, at millisecond precision.

The registry reads its clock once per commit, writes that time (to the millisecond) as the entries' logged_at,
and judges every rule by exactly that time; replay reads logged_at back. So a statement accepted live is
accepted on replay, however close to a bound it lies: these properties try the bounds of issued_at (5 minutes
ahead, 24 hours behind), of an event's time, and of the Vietnamese day a production date must not pass.
"""

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.core.types import format_timestamp, parse_timestamp
from registry.errors import DomainError
from registry.kinds import CLOCK_SKEW, MAX_AGE, vietnam_day
from tests.registry.conftest import (
    PRODUCER,
    PRODUCER_PREFIXES,
    Clock,
    add_own_key,
    bootstrap,
    entry_at,
    fresh_engine,
    live_digest,
    log_size,
    make_batch,
    make_event,
    make_producer,
    make_product,
    new_registry,
    replayed_digest,
)

MS = timedelta(milliseconds=1)
NEAR = st.integers(-3, 3).map(lambda n: n * MS)
"""A few milliseconds either side of a bound."""


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(micro=st.integers(0, 999_999), hour=st.sampled_from([2, 16, 17]),
       issued=st.sampled_from([CLOCK_SKEW, -MAX_AGE, timedelta(0)]), issued_near=NEAR,
       event=st.sampled_from([CLOCK_SKEW, timedelta(0), -timedelta(hours=10)]), event_near=NEAR,
       day_after=st.booleans())
def test_every_statement_accepted_live_is_accepted_on_replay(
        tmp_path: Path, micro: int, hour: int, issued: timedelta, issued_near: timedelta, event: timedelta,
        event_near: timedelta, day_after: bool) -> None:
    directory = tmp_path / secrets.token_hex(4)
    with fresh_engine(directory) as engine:
        clock = Clock(datetime(2026, 11, 26, hour, 59, 59, micro, tzinfo=UTC))
        registry = new_registry(engine, clock)
        bootstrap(registry)
        make_producer(registry, PRODUCER, *PRODUCER_PREFIXES)
        registry.submit_as(PRODUCER, [make_product()])
        key = add_own_key(registry, PRODUCER)
        now = clock.now
        logged = parse_timestamp(format_timestamp(now))  # what the entries will record
        day = vietnam_day(logged + (timedelta(days=1) if day_after else timedelta(0)))
        event_time = logged + event + event_near
        signed_at = now + issued + issued_near
        statements = [key.sign(make_batch(produced_on=day), issued_at=signed_at),
                      key.sign(make_event(event_time=format_timestamp(event_time)), issued_at=signed_at)]
        size = log_size(registry)
        try:
            registry.submit(statements)
            accepted = True
        except DomainError:
            accepted = False
        issued_at = parse_timestamp(format_timestamp(signed_at))
        expected = (logged - MAX_AGE <= issued_at <= logged + CLOCK_SKEW and event_time <= logged + CLOCK_SKEW
                    and not day_after and vietnam_day(event_time) >= day)
        assert accepted == expected, (now, signed_at, event_time, day)
        if accepted:
            assert entry_at(registry, size).logged_at == format_timestamp(now)
        assert replayed_digest(registry, directory) == live_digest(registry)
