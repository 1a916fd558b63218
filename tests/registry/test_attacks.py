"""The attacks of issue 10, tried as producers, authorities and outsiders would: each now fails (refused with
nothing appended and the projections unchanged, or the verdict stays right), and after all of them together
the log still audits and replays clean.

The world: the root authority (the IP office) delegates Hà Nội (province 01) to one department and An Giang (91)
to another; each department registers its producers and governs its province's GI; GS1 Viet Nam licenses each
producer a company prefix.
"""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli.main import app as nguon
from ledger.files.keys import load_or_create_log_key
from ledger.store.log import Log
from ledger.store.sql import SqlStore, SqlView
from registry.custody import Custody
from registry.kinds import vietnam_day
from registry.service import Registry
from registry.tables import RegRight
from registry.verdict.batch import verify_batch
from tests.registry.conftest import (
    AN_GIANG,
    FAR_COMMUNE,
    GI_CLAIM,
    GTIN,
    HANOI,
    NOW,
    PRODUCER,
    PRODUCER_PREFIXES,
    RIGHT,
    ROOT,
    SECRET,
    Clock,
    bootstrap,
    gtin,
    license_prefixes,
    live_digest,
    make_batch,
    make_correction,
    make_delegation,
    make_event,
    make_gi,
    make_licence,
    make_org,
    make_organisation,
    make_product,
    make_recall,
    make_right,
    make_right_change,
    numbering_agency,
    one,
    refused,
)

HA_NOI = "so-khcn-ha-noi"
AN_GIANG_DOST = "so-khcn-an-giang"
PHU_QUOC = "nuoc-mam-phu-quoc"
PHU_QUOC_CLAIM = {"type": "gi", "id": PHU_QUOC}
BARREL_HOUSE = "nha-thung-bien-ngoc"
BARREL_RIGHT = "right-bien-ngoc"
BARREL_PREFIX = "893910"
FISH_SAUCE = gtin(1, prefix="0893910")
CUSTOMER = "cua-hang-mut"
CUSTOMER_PREFIX = "893920"
CANDIED = gtin(1, prefix="0893920")
ORIGIN = "test.nguon/attacks"


def at(clock: Clock, day: str, hour: int = 2) -> None:
    """Move the registry's clock to `day` (a Vietnamese day) at `hour`:00 UTC."""
    clock.now = datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class World:
    registry: Registry
    clock: Clock

    def today(self) -> str:
        """The day in Viet Nam by the registry's clock."""
        return vietnam_day(self.clock.now)

    def verdict(self, gtin_: str, lot: str, today: date | None = None) -> dict[str, Any]:
        log = self.registry.log
        with log.store.read() as view:
            assert isinstance(view, SqlView)
            document = verify_batch(view, log, gtin_, lot, today=today or self.clock.now.date()).to_json()
        return json.loads(json.dumps(document, ensure_ascii=False))


def failing(document: dict[str, Any]) -> dict[str, str]:
    return {r["code"]: r["severity"] for r in document["reasons"] if not r["ok"]}


def build(registry: Registry, clock: Clock) -> World:
    """Two provinces' departments with their delegations, each with a producer, a GI and a right."""
    make_org(registry, HA_NOI, ["authority"], commune=None)
    make_org(registry, AN_GIANG_DOST, ["authority"], commune=None)
    registry.submit_as(ROOT, [make_delegation(HA_NOI, [HANOI]), make_delegation(AN_GIANG_DOST, [AN_GIANG])])
    make_org(registry, PRODUCER, ["producer"], issuer=HA_NOI)
    make_org(registry, CUSTOMER, ["producer"], issuer=HA_NOI)
    make_org(registry, BARREL_HOUSE, ["producer"], issuer=AN_GIANG_DOST, commune=FAR_COMMUNE)
    numbering_agency(registry)
    license_prefixes(registry, PRODUCER, *PRODUCER_PREFIXES)
    license_prefixes(registry, BARREL_HOUSE, BARREL_PREFIX)
    license_prefixes(registry, CUSTOMER, CUSTOMER_PREFIX)
    registry.submit_as(ROOT, [make_gi(manager=HA_NOI),
                              make_gi(id=PHU_QUOC, certificate="00001", manager=AN_GIANG_DOST,
                                      names={"vi": "Nước mắm Phú Quốc", "en": "Phu Quoc fish sauce"},
                                      area=[{"commune": FAR_COMMUNE, "stage": "processing"}])])
    registry.submit_as(HA_NOI, [make_right(quota={"quantity": "1000", "unit": "H87", "text": "1.000 quả"})])
    registry.submit_as(AN_GIANG_DOST, [make_right(id=BARREL_RIGHT, holder=BARREL_HOUSE, subject=PHU_QUOC_CLAIM)])
    registry.submit_as(PRODUCER, [make_product()])
    registry.submit_as(BARREL_HOUSE, [make_product(gtin=FISH_SAUCE, names={"vi": "Nước mắm", "en": "Fish sauce"})])
    registry.submit_as(CUSTOMER, [make_product(gtin=CANDIED, names={"vi": "Mứt bưởi", "en": "Candied pomelo"})])
    return World(registry, clock)


@pytest.fixture
def world(registry: Registry, clock: Clock) -> World:
    return build(registry, clock)


def genuine_fish_sauce(world: World, lot: str = "BN-1") -> None:
    world.registry.submit_as(BARREL_HOUSE, [make_batch(gtin=FISH_SAUCE, lot=lot, origin=FAR_COMMUNE,
                                                      claims=[PHU_QUOC_CLAIM], produced_on=world.today())])


# The attacks, each as a function so that the last test can run them all on one registry.

def another_provinces_authority_acts(world: World) -> None:
    """Hà Nội's department tries to govern An Giang's GI, producer and batch."""
    registry = world.registry
    genuine_fish_sauce(world)
    backdated = make_right_change("suspended", right=BARREL_RIGHT, effective_on="2026-10-01",
                                  reason="Nguyên liệu ngoài vùng.")
    error = refused(registry, HA_NOI, [backdated], "out-of-scope")
    assert "provinces 01" in error.en
    assert "thẩm quyền" in error.vi
    refused(registry, HA_NOI, [make_right_change("revoked", right=BARREL_RIGHT)], "out-of-scope")
    refused(registry, HA_NOI, [make_right(id="right-ha-noi-pq", holder=PRODUCER, subject=PHU_QUOC_CLAIM)],
            "out-of-scope")
    refused(registry, HA_NOI, [make_organisation("nha-thung-gia", commune=FAR_COMMUNE)], "out-of-scope")
    refused(registry, HA_NOI, [make_recall(gtin=FISH_SAUCE, lot="BN-1")], "out-of-scope")
    registration = _index_of(world, "batch.registered.v1", lot="BN-1")
    refused(registry, HA_NOI, [make_correction(registration, reason="Hàng giả.")], "not-your-entry")
    # Nor may it make itself root-like: confer authority, or take over another authority's keys.
    refused(registry, HA_NOI, [make_organisation("so-gia", ["authority"])], "root-only")
    refused(registry, HA_NOI, [("organisation.updated.v1", {"id": AN_GIANG_DOST, "names": {"vi": "x", "en": "x"}})],
            "root-only")
    refused(registry, HA_NOI, [("delegation.granted.v1", {"id": "tu-uy-quyen", "authority": HA_NOI,
                                                          "provinces": [AN_GIANG], "valid_from": "2026-01-01"})],
            "root-only")
    assert world.verdict(FISH_SAUCE, "BN-1")["verdict"] == "authentic"


def wrongful_suspension_is_retracted(world: World) -> None:
    """An Giang suspends its own producer's right by mistake, backdated, then retracts the suspension: the batch
    is invalid while the suspension stands and authentic again after, with the history on record."""
    registry = world.registry
    genuine_fish_sauce(world, "BN-2")
    [suspension] = registry.submit_as(AN_GIANG_DOST, [make_right_change(
        "suspended", right=BARREL_RIGHT, effective_on="2026-10-01", reason="Nhầm cơ sở.")])
    assert world.verdict(FISH_SAUCE, "BN-2")["verdict"] == "invalid"
    world.clock.now += timedelta(days=1)
    [reinstated] = registry.submit_as(AN_GIANG_DOST, [make_right_change(
        "reinstated", right=BARREL_RIGHT, effective_on=world.today(), reason="Kiểm tra lại.")])
    # A reinstatement from today does not undo a suspension of the past: the batch stays invalid.
    assert world.verdict(FISH_SAUCE, "BN-2")["verdict"] == "invalid"
    [retraction] = registry.submit_as(AN_GIANG_DOST, [make_correction(suspension.index,
                                                                      reason="Đình chỉ nhầm cơ sở khác.")])
    document = world.verdict(FISH_SAUCE, "BN-2")
    assert document["verdict"] == "authentic", failing(document)
    assert [(h["entry"], [r["entry"] for r in h["retracted_by"]]) for h in document["history"]] == [
        (suspension.index, [retraction.index])]
    assert [c["entry"] for c in document["claims"][0]["right"]["changes"]] == [reinstated.index]


def suspended_producer_backdates(world: World) -> None:
    """A producer whose right is suspended registers batches dated before the suspension."""
    registry, clock = world.registry, world.clock
    before = world.today()
    registry.submit_as(PRODUCER, [make_batch(lot="BEFORE", produced_on=before, claims=[GI_CLAIM])])
    clock.now += timedelta(days=1)
    registry.submit_as(HA_NOI, [make_right_change("suspended", effective_on=world.today(), reason="Kiểm tra.")])
    error = refused(registry, PRODUCER, [make_batch(lot="BACKDATED", produced_on=before, claims=[GI_CLAIM])],
                    "no-right-of-use")
    assert "when the batch is registered" in error.en
    refused(registry, PRODUCER, [make_batch(lot="OLD", produced_on="2025-11-25", claims=[GI_CLAIM])],
            "production-too-early")
    assert world.verdict(GTIN, "BEFORE")["verdict"] == "authentic"
    clock.now += timedelta(days=1)
    registry.submit_as(HA_NOI, [make_right_change("reinstated", effective_on=world.today(), reason="Đạt.")])
    registry.submit_as(PRODUCER, [make_batch(lot="AFTER", produced_on=world.today(), claims=[GI_CLAIM])])


def quota_bypassed_through_a_tiny_input(world: World) -> None:
    """1,000,000 pomelos claimed from 0.000001 of a claimed batch, under a quota of 1,000."""
    registry = world.registry
    registry.submit_as(PRODUCER, [make_batch(lot="TINY", quantity="0.000001", claims=[GI_CLAIM],
                                             produced_on=world.today())])
    before = one(registry, RegRight, id=RIGHT)["quota_used"]
    huge = make_batch(lot="HUGE", quantity="1000000", claims=[GI_CLAIM], produced_on=world.today(),
                      inputs=[{"gtin": GTIN, "lot": "TINY", "quantity": "0.000001"}])
    error = refused(registry, PRODUCER, [huge], "quota-exceeded")
    assert "the quota is 1,000" in error.en
    assert one(registry, RegRight, id=RIGHT)["quota_used"] == before


def rival_takes_a_gtin(world: World) -> None:
    """A producer registers a GTIN inside another company's prefix, under that company's product name."""
    registry = world.registry
    theirs = gtin(77, prefix="0893456")
    refused(registry, BARREL_HOUSE, [make_product(gtin=theirs)], "gtin-not-licensed")
    refused(registry, BARREL_HOUSE, [make_licence(BARREL_HOUSE, "8934560")], "role-not-allowed")
    refused(registry, numbering_agency(registry), [make_licence(BARREL_HOUSE, "8934560")], "prefix-overlaps")
    registry.submit_as(PRODUCER, [make_product(gtin=theirs)])


def corrections_overridden_and_contained(world: World) -> None:
    """A producer corrects its batch and then the correction; the governing authority still decides. A customer
    retracting its own output does not touch its supplier's batch."""
    registry = world.registry
    day = world.today()
    [registered] = registry.submit_as(PRODUCER, [make_batch(lot="C-1", produced_on=day)])
    [first] = registry.submit_as(PRODUCER, [make_correction(registered.index, reason="Nhầm.")])
    registry.submit_as(PRODUCER, [make_correction(first.index, reason="Không nhầm.")])
    assert world.verdict(GTIN, "C-1")["verdict"] == "authentic"
    [decision] = registry.submit_as(HA_NOI, [make_correction(registered.index, reason="Lô không có thật.")])
    assert failing(world.verdict(GTIN, "C-1")) == {"not-corrected": "invalid"}
    refused(registry, PRODUCER, [make_correction(registered.index, reason="Lại nữa.")], "decided-by-authority")
    refused(registry, PRODUCER, [make_correction(decision.index, reason="Không phục.")], "not-your-entry")

    [supplied, _] = registry.submit_as(PRODUCER, [make_batch(lot="S-1", produced_on=day),
                                                  make_event(lot="S-1", destination=CUSTOMER,
                                                             event_time=f"{day}T00:00:00Z")])
    [output] = registry.submit_as(CUSTOMER, [make_batch(gtin=CANDIED, lot="O-1", produced_on=day,
                                                        inputs=[{"gtin": GTIN, "lot": "S-1", "quantity": "10"}])])
    assert [o["lot"] for o in world.verdict(GTIN, "S-1")["outputs"]] == ["O-1"]
    registry.submit_as(CUSTOMER, [make_correction(output.index, reason="Chúng tôi ghi nhầm.")])
    supplier = world.verdict(GTIN, "S-1")
    assert supplier["verdict"] == "authentic", failing(supplier)
    assert (supplier["outputs"], failing(supplier)) == ([], {})
    assert supplied.index == supplier["batch"]["entry"]


def _index_of(world: World, kind: str, **body: str) -> int:
    with world.registry.log.store.read() as view:
        for stored in reversed(view.entries(0, view.head().size)):
            entry = json.loads(stored.canonical)
            statement = entry["statement"]
            if statement["kind"] == kind and all(statement["body"].get(k) == v for k, v in body.items()):
                return int(entry["index"])
    raise AssertionError(f"no {kind} entry with {body}")


ATTACKS = [another_provinces_authority_acts, wrongful_suspension_is_retracted, suspended_producer_backdates,
           quota_bypassed_through_a_tiny_input, rival_takes_a_gtin, corrections_overridden_and_contained]


class TestAttacks:
    """Each attack of issue 10 fails."""

    def test_an_authority_of_another_province_cannot_touch_a_gi_producer_or_batch(self, world: World) -> None:
        another_provinces_authority_acts(world)

    def test_a_wrongful_suspension_retracted_leaves_the_batch_authentic_with_its_history(self, world: World) -> None:
        wrongful_suspension_is_retracted(world)

    def test_a_suspended_producer_cannot_backdate_batches(self, world: World) -> None:
        suspended_producer_backdates(world)

    def test_a_tiny_claimed_input_does_not_bypass_the_quota(self, world: World) -> None:
        quota_bypassed_through_a_tiny_input(world)

    def test_a_gtin_inside_another_companys_prefix_is_refused(self, world: World) -> None:
        rival_takes_a_gtin(world)

    def test_the_authority_overrides_and_a_customers_retraction_stays_its_own(self, world: World) -> None:
        corrections_overridden_and_contained(world)


def test_after_every_attack_the_log_audits_and_replays_clean(database_url: str, engine: Engine,
                                                             tmp_path: Path) -> None:
    """`nguon log audit`, `nguon replay` and `nguon audit` on the registry every attack was tried on."""
    data = tmp_path / "data"
    clock = Clock(NOW)
    log = Log(SqlStore(engine), load_or_create_log_key(data, ORIGIN), clock)
    registry = Registry(log, Custody.from_secret(SECRET), clock)
    bootstrap(registry)
    world = build(registry, clock)
    digest = live_digest(registry)
    for attack in ATTACKS:
        attack(world)
    assert live_digest(registry) != digest
    env = {"NGUON_DATA_DIR": str(data), "NGUON_LOG_ORIGIN": ORIGIN, "NGUON_DATABASE_URL": database_url}
    runner = CliRunner()
    result = runner.invoke(nguon, ["log", "audit"], env=env)
    assert result.exit_code == 0, result.output
    assert "audit clean" in result.output
    result = runner.invoke(nguon, ["replay"], env=env)
    assert result.exit_code == 0, result.output
    assert f"replay matches: projection digest {live_digest(registry)}" in result.output
    key = log.verifier.to_text()
    result = runner.invoke(nguon, ["audit", "--database", database_url, "--state", str(tmp_path / "state.json"),
                                   "--log-key", key, "--json"], env=env)
    assert result.exit_code == 0, result.output
