"""Replay: the projections rebuilt from the log alone equal the live ones; mass balance holds on any graph."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from typer.testing import CliRunner

import registry.replay as replay_module
from api.cli.main import app as nguon
from registry.kinds import KINDS
from registry.replay import ReplayError, replay
from registry.service import Draft, Registry
from registry.values import decimal_text
from tests.registry.conftest import (
    ASSOCIATION,
    CERTIFIER,
    COMMUNE,
    GI,
    GI_CLAIM,
    GTIN,
    HANOI,
    INSPECTOR,
    MARK,
    MARK_CLAIM,
    MARK_RIGHT,
    NUMBERING,
    OTHER_COMMUNE,
    OTHER_GTIN,
    OTHER_PRODUCER,
    PRODUCER,
    PRODUCER_PREFIXES,
    ROOT,
    Clock,
    OwnKey,
    add_own_key,
    bootstrap,
    engine_of,
    entry_at,
    fresh_engine,
    grant,
    gtin,
    license_prefixes,
    live_digest,
    log_size,
    make_accreditation,
    make_batch,
    make_certification,
    make_correction,
    make_delegation,
    make_event,
    make_gi,
    make_licence,
    make_mark,
    make_org,
    make_organisation,
    make_product,
    make_recall,
    make_right,
    make_right_change,
    make_serials,
    new_registry,
    refused,
    replayed_digest,
    v2,
)

PASSPORT_GTIN = gtin(7)
THEIR_PREFIX = "893900"
THEIR_GTIN = gtin(900, prefix="0893900")
AUTHORITY = "so-khcn-ha-noi"


def at(clock: Clock, moment: str) -> None:
    clock.now = datetime.fromisoformat(moment.replace("Z", "+00:00"))


def varied_history(registry: Registry, clock: Clock) -> None:
    """Every kind of statement, self-signed and custodial, in single and multi-statement submissions, each at a
    time the rules accept (the registry's clock moves on through 2027)."""
    at(clock, "2027-01-05T02:00:00Z")
    for org, roles in [(PRODUCER, ["producer"]), (OTHER_PRODUCER, ["producer"]), (ASSOCIATION, ["association"]),
                       (INSPECTOR, ["inspector"]), (CERTIFIER, ["certifier"]), (NUMBERING, ["numbering_agency"]),
                       (AUTHORITY, ["authority"])]:
        make_org(registry, org, roles)
    registry.submit_as(ROOT, [make_delegation(AUTHORITY, [HANOI]), make_accreditation(CERTIFIER)])
    registry.submit_as(NUMBERING, [make_licence(PRODUCER, p) for p in PRODUCER_PREFIXES]
                       + [make_licence(OTHER_PRODUCER, THEIR_PREFIX)])
    own, moi = OwnKey(OTHER_PRODUCER), OwnKey("htx-moi")
    registry.submit_as(OTHER_PRODUCER, [("key.added.v1", {"organisation": OTHER_PRODUCER,
                                                          "public_key": own.public_key})])
    yields = [{"input_unit": "H87", "output_unit": "KGM", "per_input": "0.8", "text": "1 quả cho 0,8 kg"}]
    registry.submit_as(ROOT, [
        ("organisation.updated.v1", {"id": INSPECTOR, "roles": ["inspector", "witness"]}),
        ("organisation.updated.v2", {"id": PRODUCER, "commune": COMMUNE, "street": "Số 1 thôn La Tinh",
                                     "tax_code": "9901000001", "business_registration": "01B8000001"}),
        v2(make_organisation("htx-moi", keys=[{"public_key": moi.public_key}]), street="Xóm Chợ",
           tax_code="9901000001-001"),
        make_gi(area=[{"commune": COMMUNE}, {"commune": OTHER_COMMUNE}], yields=yields),
        ("gi.amended.v1", {"gi": GI, "specification": "Amended."}),
        make_gi(id="vai-thieu", certificate="00133", manager=ASSOCIATION),
        ("gi.manager_changed.v1", {"gi": "vai-thieu", "manager": ROOT}),
        ("gi.cancelled.v1", {"gi": "vai-thieu", "effective_on": "2026-01-01", "reason": "Not used."}),
        make_mark(users=[PRODUCER]),
        ("mark.renewed.v1", {"mark": MARK, "valid_until": "2035-06-01"}),
        make_right(quota={"quantity": "5000", "unit": "H87", "text": "5.000 quả"}),
    ])
    grant(registry, ASSOCIATION, id=MARK_RIGHT, subject=MARK_CLAIM, valid_from="2020-06-01")
    registry.submit_as(AUTHORITY, [make_right_change("suspended", effective_on="2027-01-06")])
    registry.submit_as(AUTHORITY, [make_right_change("reinstated", effective_on="2027-01-20")])
    registry.submit_as(PRODUCER, [make_product(), make_product(gtin=OTHER_GTIN, unit="KGM"),
                                  v2(make_product(gtin=PASSPORT_GTIN), shelf_life_days=30, image="ab" * 32,
                                     standards=["TCVN 5107:2018"], usage={"vi": "Lắc đều.", "en": "Shake well."},
                                     warnings={"vi": "Chứa cá.", "en": "Contains fish."})])
    registry.submit([own.sign(make_product(gtin=THEIR_GTIN, unit="KGM"), issued_at=clock.now)])
    registry.submit_as(PRODUCER, [("product.updated.v2", {"gtin": OTHER_GTIN, "shelf_life_days": 14, "standards": [
        "TCVN 5107:2018"], "usage": {"vi": "Ăn trong ngày.", "en": "Eat the same day."}}),
        ("product.updated.v2", {"gtin": PASSPORT_GTIN, "image": "cd" * 32, "standards": []})])
    registry.submit([own.sign(("product.updated.v2", {"gtin": THEIR_GTIN, "names": {
        "vi": "Vải thiều sấy", "en": "Dried lychee"}}), issued_at=clock.now)])
    at(clock, "2027-02-02T16:00:00Z")
    registry.submit_as(PRODUCER, [
        make_batch(lot="A", quantity="1000", produced_on="2027-02-01", claims=[GI_CLAIM, MARK_CLAIM]),
        make_batch(lot="B", quantity="500.5", produced_on="2027-02-02", claims=[GI_CLAIM]),
        make_batch(gtin=OTHER_GTIN, unit="KGM", lot="J1", quantity="12.5", produced_on="2027-02-02",
                   inputs=[{"gtin": GTIN, "lot": "A", "quantity": "600"},
                           {"gtin": GTIN, "lot": "B", "quantity": "0.5"}], claims=[GI_CLAIM]),
        make_event(lot="A", destination=OTHER_PRODUCER, event_time="2027-02-02T01:00:00Z"),
        v2(make_batch(gtin=PASSPORT_GTIN, lot="P1", quantity="10", produced_on="2027-02-01")),
        v2(make_batch(gtin=PASSPORT_GTIN, lot="P2", quantity="10", produced_on="2027-02-01"),
           expires_on="2027-12-31"),
        make_serials(lot="B", count=10, prefix="HD"),
        make_serials(lot="B", count=None, serials=["QR-1", "QR-2"]),
    ])
    at(clock, "2027-02-03T16:00:00Z")
    registry.submit([own.sign(make_event(lot="A", biz_step="receiving", event_time="2027-02-03T01:00:00Z"),
                              issued_at=clock.now),
                     own.sign(make_batch(gtin=THEIR_GTIN, unit="KGM", lot="T1", quantity="3", produced_on="2027-02-03",
                                         inputs=[{"gtin": GTIN, "lot": "A", "quantity": "400"}]),
                              issued_at=clock.now)])
    # A key that a second version of organisation.registered registers signs too: auditors must find it there.
    registry.submit([moi.sign(("key.added.v1", {"organisation": "htx-moi", "public_key": OwnKey("htx-moi").public_key}),
                              issued_at=clock.now)])
    registry.submit_as(INSPECTOR, [make_event(lot="B", biz_step="inspecting", disposition="conformant",
                                              event_time="2027-02-03T10:00:00Z")])
    registry.submit_as(CERTIFIER, [make_certification(subject={"type": "batch", "gtin": GTIN, "lot": "B"}),
                                   make_certification(id="cert-2", subject={"type": "producer",
                                                                            "organisation": PRODUCER})])
    registry.submit_as(CERTIFIER, [("certification.revoked.v1", {"certification": "cert-2", "reason": "Lapsed."})])
    registry.submit_as(PRODUCER, [make_recall(lot="B")])
    size = log_size(registry)
    registry.submit_as(PRODUCER, [make_batch(lot="C", quantity="7", produced_on="2027-02-03"),
                                  make_correction(size, replacement=None)])
    registry.submit_as(PRODUCER, [make_correction(size + 1, reason="It was right after all.")])
    suspension = next(i for i in range(log_size(registry)) if entry_at(registry, i).statement.kind
                      == "right.suspended.v1")
    registry.submit_as(ROOT, [make_correction(suspension, reason="Suspended in error."),
                              make_correction(size + 2, reason="The office decides."),
                              make_right_change("revoked", right=MARK_RIGHT, effective_on="2027-02-03")])
    registry.submit([own.sign(("key.revoked.v1", {"organisation": OTHER_PRODUCER, "key_id": own.key_id,
                                                  "reason": "Rotated."}), issued_at=clock.now)])
    registry.submit_as(ROOT, [("mark.cancelled.v1", {"mark": MARK, "effective_on": "2027-02-01", "reason": "x"}),
                              ("delegation.withdrawn.v1", {"id": f"delegation-{AUTHORITY}", "reason": "Ended."}),
                              ("accreditation.withdrawn.v1", {"id": f"accreditation-{CERTIFIER}", "reason": "Ended."})])
    registry.submit_as(NUMBERING, [("prefix.revoked.v1", {"licence": f"licence-{THEIR_PREFIX}",
                                                          "effective_on": "2027-02-04", "reason": "Not renewed."})])


class TestReplay:
    """An auditor's replay re-runs every rule and rebuilds exactly the live projections."""

    def test_a_varied_history_replays_to_the_live_digest(self, registry: Registry, clock: Clock,
                                                         tmp_path: Path) -> None:
        varied_history(registry, clock)
        kinds = {entry_at(registry, i).statement.kind for i in range(log_size(registry))}
        assert kinds == set(KINDS), f"the history leaves out {sorted(set(KINDS) - kinds)}"
        assert replayed_digest(registry, tmp_path) == live_digest(registry)

    def test_nguon_replay_and_the_inspectors_audit_read_every_version_of_a_kind(
            self, registry: Registry, clock: Clock, database_url: str, tmp_path: Path) -> None:
        varied_history(registry, clock)
        runner = CliRunner()
        result = runner.invoke(nguon, ["replay", "--database", database_url])
        assert result.exit_code == 0, result.output
        assert f"replay matches: projection digest {live_digest(registry)}" in result.output
        result = runner.invoke(nguon, ["audit", "--database", database_url, "--state", str(tmp_path / "state.json"),
                                       "--log-key", registry.log.verifier.to_text(), "--json"])
        assert result.exit_code == 0, result.output

    def test_replay_in_small_chunks_gives_the_same_digest(self, registry: Registry, clock: Clock, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
        varied_history(registry, clock)
        monkeypatch.setattr(replay_module, "CHUNK", 3)
        seen: list[tuple[int, int]] = []
        with fresh_engine(tmp_path / "target") as target, registry.log.store.read() as view:
            digest = replay(view, target, lambda done, total: seen.append((done, total)))
        size = log_size(registry)
        assert digest == live_digest(registry)
        assert seen == [(min(done, size), size) for done in range(3, size + 3, 3)]

    def test_the_digest_sees_any_change_to_a_projection(self, registry: Registry, clock: Clock,
                                                        tmp_path: Path) -> None:
        varied_history(registry, clock)
        with engine_of(registry).begin() as connection:
            connection.execute(text("UPDATE reg_batches SET used = '0' WHERE lot = 'A'"))
        assert replayed_digest(registry, tmp_path) != live_digest(registry)

    def test_replay_names_the_first_entry_the_rules_refuse(self, registry: Registry, producer: str,
                                                           tmp_path: Path) -> None:
        registry.submit_as(producer, [make_batch()])
        key = add_own_key(registry, producer)
        # A duplicate lot written past the registry's rules, as a tampered or buggy log would hold it.
        with registry.log.store.write() as txn:
            registry.log.append_verified(txn, [key.sign(make_batch(quantity="5"))])
        with pytest.raises(ReplayError) as caught:
            replayed_digest(registry, tmp_path)
        assert (caught.value.index, caught.value.error.code) == (log_size(registry) - 1, "duplicate-lot")
        assert f"entry {caught.value.index} is refused on replay" in str(caught.value)

    def test_replay_checks_every_signature(self, registry: Registry, producer: str, tmp_path: Path) -> None:
        registry.submit_as(producer, [make_batch()])
        key = add_own_key(registry, producer)
        statement, _ = key.sign(make_batch(lot="L2"))
        _, other = key.sign(make_batch(lot="L3"))
        with registry.log.store.write() as txn:
            registry.log.append_verified(txn, [(statement, other)])
        with pytest.raises(ReplayError) as caught:
            replayed_digest(registry, tmp_path)
        assert caught.value.error.code == "bad-signature"

    def test_an_empty_log_replays_to_empty_projections(self, empty_registry: Registry, tmp_path: Path) -> None:
        assert replayed_digest(empty_registry, tmp_path) == live_digest(empty_registry)


# A model of the registry, to draw only statements it accepts.

PRODUCTS = {PRODUCER: [(GTIN, "H87"), (OTHER_GTIN, "KGM")], OTHER_PRODUCER: [(THEIR_GTIN, "KGM")]}
START = date(2026, 12, 1)
"""After the world is set up (at NOW), so the log's times only move on."""
QUANTITIES = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3)


@dataclass
class Lot:
    producer: str
    quantity: Decimal
    produced_on: str
    used: Decimal = Decimal(0)
    serials: int = 0
    recalled: bool = False
    holders: set[str] = field(default_factory=set)

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.used


@dataclass
class History:
    """What the registry holds after the statements drawn so far."""

    lots: dict[tuple[str, str], Lot] = field(default_factory=dict)
    right_active: bool = True
    steps: int = 0

    def day(self) -> str:
        return (START + timedelta(days=self.steps)).isoformat()

    def held_by(self, org: str) -> list[tuple[str, str]]:
        return [key for key, lot in self.lots.items() if org in lot.holders and not lot.recalled and lot.remaining]

    def raw(self, data: st.DataObject, producer: str) -> Draft:
        product, unit = data.draw(st.sampled_from(PRODUCTS[producer]))
        quantity = data.draw(QUANTITIES)
        claims = [GI_CLAIM] if producer == PRODUCER and self.right_active and data.draw(st.booleans()) else []
        lot = f"L{self.steps}"
        self.lots[product, lot] = Lot(producer, quantity, self.day(), holders={producer})
        return make_batch(gtin=product, unit=unit, lot=lot, quantity=decimal_text(quantity), produced_on=self.day(),
                          claims=claims)

    def transform(self, data: st.DataObject, producer: str) -> Draft:
        held = self.held_by(producer)
        if not held:
            return self.raw(data, producer)
        inputs = data.draw(st.lists(st.sampled_from(held), min_size=1, max_size=3, unique=True))
        consumed = []
        for key in inputs:
            lot = self.lots[key]
            amount = data.draw(st.one_of(st.just(lot.remaining), st.decimals(
                min_value=Decimal("0.001"), max_value=lot.remaining, places=3)))
            lot.used += amount
            consumed.append({"gtin": key[0], "lot": key[1], "quantity": decimal_text(amount)})
        kind, body = self.raw(data, producer)
        return kind, {**body, "claims": [], "inputs": consumed}

    def ship(self, data: st.DataObject, producer: str) -> Draft:
        held = [key for key, lot in self.lots.items() if producer in lot.holders]
        if not held:
            return self.raw(data, producer)
        key = data.draw(st.sampled_from(held))
        to = OTHER_PRODUCER if producer == PRODUCER else PRODUCER
        self.lots[key].holders.add(to)
        return make_event(gtin=key[0], lot=key[1], destination=to, event_time=f"{self.day()}T12:00:00Z")

    def other(self, data: st.DataObject, producer: str) -> tuple[str, Draft]:
        """A recall, serials, an inspection or a change of the right; as (issuer, draft)."""
        own = [key for key, lot in self.lots.items() if lot.producer == producer]
        choice = data.draw(st.sampled_from(["recall", "serials", "inspect", "right"]))
        if choice == "right":
            self.right_active = not self.right_active
            action = "reinstated" if self.right_active else "suspended"
            return ROOT, make_right_change(action, effective_on=self.day())
        if not own:
            return producer, self.raw(data, producer)
        key = data.draw(st.sampled_from(own))
        lot = self.lots[key]
        if choice == "inspect":
            return INSPECTOR, make_event(gtin=key[0], lot=key[1], biz_step="inspecting", disposition="conformant",
                                         event_time=f"{self.day()}T12:00:00Z")
        if choice == "recall" and not lot.recalled:
            lot.recalled = True
            return producer, make_recall(gtin=key[0], lot=key[1])
        room = int(lot.quantity) - lot.serials
        if room < 1:
            return producer, self.raw(data, producer)
        count = data.draw(st.integers(1, min(room, 20)))
        lot.serials += count
        return producer, make_serials(gtin=key[0], lot=key[1], count=count)

    def draw(self, data: st.DataObject, actions: list[str]) -> tuple[str, Draft]:
        self.steps += 1
        producer = data.draw(st.sampled_from([PRODUCER, OTHER_PRODUCER]))
        action = data.draw(st.sampled_from(actions))
        if action == "other":
            return self.other(data, producer)
        return producer, getattr(self, action)(data, producer)


@contextmanager
def world(directory: Path) -> Iterator[tuple[Registry, Clock]]:
    """A bootstrapped registry on a database of its own: two producers with products under their own prefixes, an
    inspector, a GI right; and its clock."""
    with fresh_engine(directory) as engine:
        clock = Clock()
        registry = new_registry(engine, clock)
        bootstrap(registry)
        for org, roles in [(PRODUCER, ["producer"]), (OTHER_PRODUCER, ["producer"]), (INSPECTOR, ["inspector"])]:
            make_org(registry, org, roles)
        license_prefixes(registry, PRODUCER, *PRODUCER_PREFIXES)
        license_prefixes(registry, OTHER_PRODUCER, THEIR_PREFIX)
        registry.submit_as(ROOT, [make_gi(), make_right()])
        for producer, products in PRODUCTS.items():
            registry.submit_as(producer, [make_product(gtin=g, unit=u) for g, u in products])
        yield registry, clock


def play(registry: Registry, clock: Clock, data: st.DataObject, history: History, actions: list[str]) -> None:
    """Draw 1 to 15 statements and submit them, consecutive ones of one issuer sometimes together, each
    submission late on the day of its last statement (so production days and event times precede it)."""
    pending: tuple[str, list[Draft]] | None = None

    def submit(issuer: str, drafts: list[Draft]) -> None:
        at(clock, f"{history.day()}T16:00:00Z")
        registry.submit_as(issuer, drafts)

    for _ in range(data.draw(st.integers(1, 15), label="statements")):
        issuer, draft = history.draw(data, actions)
        if pending and pending[0] == issuer and data.draw(st.booleans(), label="same submission"):
            pending[1].append(draft)
            continue
        if pending:
            submit(*pending)
        pending = (issuer, [draft])
    if pending:
        submit(*pending)


PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class TestReplayProperties:
    """Properties over random valid histories and random transformation graphs."""

    @PROPERTY
    @given(data=st.data())
    def test_random_valid_histories_replay_to_the_live_digest(self, tmp_path: Path, data: st.DataObject) -> None:
        directory = tmp_path / secrets.token_hex(4)
        with world(directory) as (registry, clock):
            play(registry, clock, data, History(), ["raw", "transform", "ship", "other"])
            assert replayed_digest(registry, directory) == live_digest(registry)

    @PROPERTY
    @given(data=st.data())
    def test_random_transformation_graphs_conserve_mass(self, tmp_path: Path, data: st.DataObject) -> None:
        directory = tmp_path / secrets.token_hex(4)
        with world(directory) as (registry, clock):
            history = History()
            play(registry, clock, data, history, ["raw", "transform", "transform", "ship"])
            consumed: dict[tuple[str, str], Decimal] = {}
            for item in rows_of_inputs(registry):
                key = (item["input_gtin"], item["input_lot"])
                consumed[key] = consumed.get(key, Decimal(0)) + Decimal(item["quantity"])
            batches = {(b["gtin"], b["lot"]): b for b in all_batches(registry)}
            assert set(batches) == set(history.lots)
            for key, batch in batches.items():
                used = Decimal(batch["used"])
                assert used <= Decimal(batch["quantity"]), key
                assert used == consumed.get(key, Decimal(0)) == history.lots[key].used, key

            history.steps += 1
            key = data.draw(st.sampled_from(sorted(history.lots)), label="over-consumed")
            lot = history.lots[key]
            excess = data.draw(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(100), places=3))
            product, unit = PRODUCTS[lot.producer][0]
            over = make_batch(gtin=product, unit=unit, lot="OVER", produced_on=history.day(), inputs=[
                {"gtin": key[0], "lot": key[1], "quantity": decimal_text(lot.remaining + excess)}])
            at(clock, f"{history.day()}T16:00:00Z")
            refused(registry, lot.producer, [over], "mass-balance")


def rows_of_inputs(registry: Registry) -> list[dict[str, str]]:
    with engine_of(registry).connect() as connection:
        return [dict(r) for r in connection.execute(
            text("SELECT input_gtin, input_lot, quantity FROM reg_batch_inputs")).mappings()]


def all_batches(registry: Registry) -> list[dict[str, str]]:
    with engine_of(registry).connect() as connection:
        return [dict(r) for r in connection.execute(
            text("SELECT gtin, lot, quantity, used FROM reg_batches")).mappings()]

