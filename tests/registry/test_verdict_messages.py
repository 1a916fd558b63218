"""Every check of every demo verdict speaks as a person would: names instead of ids, days as people write them,
units in words, and no English inside the Vietnamese; the ids and entries it rests on are beside the message."""

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from ledger.core.note import NoteSigner
from ledger.store.log import Log
from ledger.store.sql import SqlStore, SqlView
from registry.custody import Custody
from registry.demo import DemoSummary, load_demo
from registry.service import Registry
from registry.tables import RegBatch, RegSerial
from registry.values import UNITS
from registry.verdict.batch import ScanStats, verify_batch
from tests.checks import VIETNAMESE, english_in
from tests.registry.conftest import one, rows

TODAY = date(2026, 12, 7)
ISO_DAY = re.compile(r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b")
UNIT_CODE = re.compile(r"\b(?:" + "|".join(UNITS) + r")\b")
ENTRY = re.compile(r"\b(?:entry|entries|mục)\s+(?:số\s+)?[0-9]", re.IGNORECASE)
SUBJECT = re.compile(r"^(?:organisation|right|gi|mark|certification|product|batch):\S+$")


@pytest.fixture
def demo(engine: Engine) -> tuple[Registry, DemoSummary]:
    registry = Registry(Log(SqlStore(engine), NoteSigner.generate("demo.nguon/log")), Custody.from_secret(b"t"))
    return registry, load_demo(registry)


def judged(registry: Registry, gtin: str, lot: str, **options: Any) -> dict[str, Any]:
    with registry.log.store.read() as view:
        assert isinstance(view, SqlView)
        return verify_batch(view, registry.log, gtin, lot, today=TODAY, **options).to_json()


def ids_of(document: dict[str, Any]) -> set[str]:
    """The ids a verdict's facts carry that mean nothing to a reader: organisations, GIs and marks, rights,
    certifications."""
    found = set(document["organisations"])
    for claim in document["claims"]:
        found.add(claim["id"])
        if claim["right"] is not None:
            found.add(claim["right"]["id"])
    found |= {c["id"] for c in document["certifications"]}
    return found


def ids_in(text: str, ids: set[str]) -> list[str]:
    return [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)]


def check_messages(document: dict[str, Any]) -> None:
    ids = ids_of(document)
    entries = {item["index"] for item in document["evidence"]["entries"]}
    for reason in document["reasons"]:
        vi, en = reason["message"]["vi"], reason["message"]["en"]
        where = f"{reason['code']}: {vi!r} / {en!r}"
        assert VIETNAMESE.search(vi), where
        assert not english_in(vi), where
        for text in (vi, en):
            assert not ids_in(text, ids), where
            assert not ISO_DAY.search(text), where
            assert not ENTRY.search(text), where
        assert not UNIT_CODE.search(vi), where
        assert set(reason["entries"]) <= entries, f"{where} rests on entries the verdict does not cite"
        assert all(SUBJECT.match(s) for s in reason["subjects"]), where


def test_every_demo_verdict_names_things_in_both_languages(demo: tuple[Registry, DemoSummary]) -> None:
    registry, summary = demo
    verdicts = {judged(registry, key.gtin, key.lot)["verdict"] for key in summary.batches}
    for key in summary.batches:
        check_messages(judged(registry, key.gtin, key.lot))
    assert verdicts == {"authentic", "warning", "recalled", "invalid"}
    [serialised] = [k for k in summary.batches if one(registry, RegBatch, gtin=k.gtin, lot=k.lot)["serials"]]
    serial = rows(registry, RegSerial, gtin=serialised.gtin, lot=serialised.lot)[0]["serial"]
    copied = ScanStats(scans=900, readers=300, days=30)
    for options in ({"serial": serial, "scans": ScanStats(scans=2, readers=1, days=1)},
                    {"serial": serial, "scans": copied}, {"serial": "NEVER-ISSUED"}):
        check_messages(judged(registry, serialised.gtin, serialised.lot, **options))
    key = summary.batches[0]
    for gtin, lot in ((key.gtin, "NO-SUCH-LOT"), ("08930000000007", "NO-SUCH-LOT")):
        document = judged(registry, gtin, lot)
        assert document["verdict"] == "unknown"
        check_messages(document)


def test_a_check_keeps_its_entries_and_subjects_beside_its_message(demo: tuple[Registry, DemoSummary]) -> None:
    registry, summary = demo
    key = summary.recalled[0]
    document = judged(registry, key.gtin, key.lot)
    [recall] = [r for r in document["reasons"] if r["code"] == "not-recalled"]
    issuer = document["batch"]["recall"]["issuer"]
    assert recall["entries"] == [document["batch"]["recall"]["entry"]]
    assert recall["subjects"] == [f"batch:{key.gtin}/{key.lot}", f"organisation:{issuer}"]
    assert document["organisations"][issuer]["vi"] in recall["message"]["vi"]
    assert document["organisations"][issuer]["en"] in recall["message"]["en"]
