"""`nguon audit` on the demo registry: a clean log passes and pins its key; every way of tampering with the
database is named at its index (exit 1); a history rewritten and re-signed with the real log key passes its
own audit but is a fork of what the inspector saw; a changed log key is an alarm; what cannot be read exits 2.

The attacker writes raw SQL after dropping the append-only triggers, or appends with the log's own key.
"""

import hashlib
import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from sqlalchemy import Engine, delete, text
from typer.testing import CliRunner

from api.cli.audit import audit
from ledger.audit.auditor import AuditState
from ledger.core.checkpoint import Checkpoint
from ledger.core.hashing import Hash, leaf_hash
from ledger.core.note import NoteSigner
from ledger.core.types import Entry, Signature
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from registry.custody import Custody
from registry.demo import ROOT, load_demo
from registry.replay import replay
from registry.service import Registry
from registry.state import table_of
from registry.tables import PROJECTIONS
from tests.e2e.conftest import Server, server
from tests.ledger.test_audit import attacker, entry_row, note_at, set_entry, set_note

__all__ = ["server"]  # the fixture, imported for the remote audit

ORIGIN = "audit.nguon/log"

app = typer.Typer()
app.command("audit")(audit)


@app.callback()
def _nguon() -> None:
    """Mounts `audit` as a sub-command, as api/cli/main.py does."""


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@dataclass(frozen=True)
class DemoLog:
    """Where the tests tamper with the demo's log, found in the log itself (the demo's size is its own)."""

    size: int
    """Entries the demo wrote."""
    checkpoints: int
    """Checkpoints stored (one per commit)."""
    batch: int
    """A batch registration, mid-log, followed by another entry."""
    earlier: int
    """An entry before `batch`, whose statement the attacker logs again."""
    checkpoint: int
    """A checkpoint size after `batch`."""
    rewrite_from: int
    """A checkpoint size after `checkpoint`: the attacker keeps the entries before it and rewrites the rest."""


def logged_size(database_url: str) -> int:
    """The size of the log in the database at `database_url`, read from its head."""
    engine = make_engine(database_url)
    try:
        with SqlStore(engine).read() as view:
            return view.head().size
    finally:
        engine.dispose()


@pytest.fixture
def demo(engine: Engine, signer: NoteSigner) -> Registry:
    registry = Registry(Log(SqlStore(engine), signer), Custody.from_secret(b"test-secret"))
    load_demo(registry)
    return registry


@pytest.fixture
def layout(demo: Registry, engine: Engine) -> DemoLog:
    """Where things are in the demo's log."""
    with SqlStore(engine).read() as view:
        size = view.head().size
        kinds = [Entry.from_canonical(e.canonical).statement.kind for e in view.entries(0, size)]
    with engine.connect() as conn:
        sizes = [int(s) for s in conn.execute(text("SELECT size FROM ledger_checkpoints ORDER BY size")).scalars()]
    batch = next(i for i in range(size // 2, size - 1) if kinds[i] == "batch.registered.v1")
    checkpoint = next(s for s in sizes if s > batch + 1)
    rewrite_from = next(s for s in sizes if s > checkpoint)
    assert rewrite_from < size, "the demo commits often enough to leave checkpoints after its middle"
    return DemoLog(size, len(sizes), batch, batch // 2, checkpoint, rewrite_from)


class Auditor:
    """Runs `nguon audit --json` with its own state file."""

    def __init__(self, tmp_path: Path, database_url: str, signer: NoteSigner) -> None:
        self.state = tmp_path / "state.json"
        self.database_url = database_url
        self.signer = signer

    def run(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        result = CliRunner().invoke(app, ["audit", *args, "--state", str(self.state), "--json"], env=env)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        return result.exit_code, json.loads(result.stdout)

    def database(self, *args: str, key: NoteSigner | None = None) -> tuple[int, dict[str, Any]]:
        return self.run("--database", self.database_url, "--log-key", (key or self.signer).verifier.to_text(), *args)


@pytest.fixture
def auditor(tmp_path: Path, database_url: str, signer: NoteSigner) -> Auditor:
    return Auditor(tmp_path, database_url, signer)


def tampered(auditor: Auditor) -> tuple[int, str]:
    code, report = auditor.database()
    assert (code, report["result"]) == (1, "tampered"), report
    assert report["message"].startswith(f"tampered or inconsistent at entry {report['first_bad_index']}: ")
    assert not report["state_updated"]
    assert not auditor.state.exists()
    return report["first_bad_index"], report["reason"]


def append_with_log_key(registry: Registry, statement_entry: Entry, signature: Signature | None = None,
                        logged_at: str | None = None) -> None:
    """Append a statement as the operator can, with the log key and without the registry's rules (logged now,
    or at `logged_at`)."""
    with registry.log.store.write() as txn:
        registry.log.append_verified(txn, [(statement_entry.statement, signature or statement_entry.signature)],
                                     logged_at)


def entry_at(engine: Engine, index: int) -> Entry:
    with SqlStore(engine).read() as view:
        return Entry.from_canonical(view.entries(index, index + 1)[0].canonical)


class TestCleanAudit:
    """A registry written only through its rules audits clean, and later audits check it grew consistently."""

    @pytest.mark.parametrize("workers", ["0", "2"])
    def test_first_audit_passes_and_pins_the_key_and_checkpoint(
        self, layout: DemoLog, auditor: Auditor, signer: NoteSigner, workers: str
    ) -> None:
        size, checkpoints = layout.size, layout.checkpoints
        code, report = auditor.database("--workers", workers)
        assert (code, report["result"], report["exit_code"]) == (0, "clean", 0)
        assert (report["size"], report["checkpoints"], report["signatures"]) == (size, checkpoints, size)
        assert report["message"].startswith(f"audit clean: {size} entries, {checkpoints} checkpoints, {size} statement")
        state = json.loads(auditor.state.read_text())
        assert state["log_key"] == signer.verifier.to_text() == report["log_key"]
        assert (state["origin"], state["size"], state["root"]) == (ORIGIN, size, report["root"])
        assert state["checkpoint"] == report["checkpoint"]

    def test_a_later_audit_proves_the_log_grew_from_the_checkpoint_seen(
        self, demo: Registry, layout: DemoLog, auditor: Auditor
    ) -> None:
        first = auditor.database()[1]
        demo.submit_as(ROOT, [("organisation.registered.v1", {
            "id": "htx-moi", "names": {"vi": "HTX mới", "en": "New co-op"}, "roles": ["producer"]})])
        code, report = auditor.database()
        assert (code, report["size"]) == (0, layout.size + 1)
        assert report["previous"] == {"size": layout.size, "root": first["root"]}
        assert f"consistent with the checkpoint of size {layout.size} seen before" in report["message"]
        assert report["projection_digest"] != first["projection_digest"]

    def test_the_log_key_comes_from_the_data_directory_or_the_pinned_state(
        self, demo: Registry, auditor: Auditor, signer: NoteSigner, tmp_path: Path
    ) -> None:
        data = tmp_path / "data"
        data.mkdir()
        (data / "log.key").write_text(signer.to_private_text() + "\n")
        assert auditor.run("--database", auditor.database_url, env={"NGUON_DATA_DIR": str(data)})[0] == 0
        assert auditor.run("--database", auditor.database_url, env={"NGUON_DATA_DIR": str(tmp_path / "none")})[0] == 0

    def test_human_output_is_one_line_on_stdout(self, layout: DemoLog, auditor: Auditor,
                                                 signer: NoteSigner) -> None:
        result = CliRunner().invoke(app, ["audit", "--database", auditor.database_url, "--state", str(auditor.state),
                                          "--log-key", signer.verifier.to_text()])
        assert result.exit_code == 0
        assert result.stdout.count("\n") == 1
        assert result.stdout.startswith(f"audit clean: {layout.size} entries")


class TestTamperedDatabase:
    """Each change to the stored log is named at the first entry it breaks."""

    def test_an_edited_entry_is_named(self, layout: DemoLog, engine: Engine, auditor: Auditor) -> None:
        k = layout.batch
        with attacker(engine) as conn:
            _, data = entry_row(conn, k)
            changed = data.replace(b'"quantity":"', b'"quantity":"1')
            assert changed != data
            set_entry(conn, k, leaf_hash(changed), changed)
        index, reason = tampered(auditor)
        assert index == k
        assert reason == "stored leaf node differs from the entry hash"

    def test_a_deleted_entry_is_named(self, layout: DemoLog, engine: Engine, auditor: Auditor) -> None:
        with attacker(engine) as conn:
            conn.execute(text("DELETE FROM ledger_entries WHERE idx = :i"), {"i": layout.batch})
        assert tampered(auditor) == (layout.batch, "entry is missing from storage")

    def test_an_inserted_entry_is_named(self, layout: DemoLog, engine: Engine, auditor: Auditor) -> None:
        """The attacker shifts entries k.. up by one and writes a well-formed entry chained at k: a genuine
        statement of another entry, logged again."""
        k = layout.batch
        forged = entry_at(engine, layout.earlier)
        with attacker(engine) as conn:
            prev, _ = entry_row(conn, k - 1)
            conn.execute(text("UPDATE ledger_entries SET idx = -idx - 1 WHERE idx >= :k"), {"k": k})
            conn.execute(text("UPDATE ledger_entries SET idx = -idx WHERE idx < 0"))
            inserted = Entry(k, Hash(prev), "2026-11-27T08:00:00.000Z", forged.statement, forged.signature)
            conn.execute(text("INSERT INTO ledger_entries (idx, hash, canonical) VALUES (:i, :h, :c)"),
                         {"i": k, "h": inserted.hash, "c": inserted.canonical})
        assert tampered(auditor)[0] == k

    def test_two_reordered_entries_are_named_at_the_first(self, layout: DemoLog, engine: Engine,
                                                           auditor: Auditor) -> None:
        k = layout.batch
        with attacker(engine) as conn:
            first, second = entry_row(conn, k), entry_row(conn, k + 1)
            set_entry(conn, k, *second)
            set_entry(conn, k + 1, *first)
        assert tampered(auditor)[0] == k

    def test_a_checkpoint_forged_under_another_key_is_named_at_its_last_entry(
        self, layout: DemoLog, engine: Engine, auditor: Auditor
    ) -> None:
        size = layout.checkpoint
        forged = Checkpoint(ORIGIN, size, Hash(hashlib.sha256(b"another history").digest())).sign(
            NoteSigner.generate(ORIGIN))
        with attacker(engine) as conn:
            assert note_at(conn, size)
            set_note(conn, size, forged)
        index, reason = tampered(auditor)
        assert index == size - 1
        assert reason.startswith(f"checkpoint at size {size} does not verify")

    def test_a_statement_signature_that_fails_is_named(self, demo: Registry, layout: DemoLog, engine: Engine,
                                                       auditor: Auditor) -> None:
        entry = entry_at(engine, layout.batch)
        append_with_log_key(demo, entry, Signature(entry.signature.key_id, bytes(64)))
        index, reason = tampered(auditor)
        assert index == layout.size
        assert reason.endswith(f"by {entry.statement.issuer} with key {entry.signature.key_id} does not verify")

    def test_a_statement_the_rules_refuse_is_named_by_the_replay(
        self, demo: Registry, layout: DemoLog, engine: Engine, auditor: Auditor
    ) -> None:
        # The same statement again, logged at the time of the first (so that its time holds): its nonce is replayed.
        entry = entry_at(engine, layout.batch)
        append_with_log_key(demo, entry, logged_at=entry.logged_at)
        index, reason = tampered(auditor)
        assert index == layout.size
        assert reason.startswith("the registry's rules refuse it on replay: nonce ")


def rewrite_history(registry: Registry, engine: Engine, keep: int, count: int) -> None:
    """Keep the `keep` entries before a checkpoint of that size, rebuild the projections from them, then write
    `count` other entries through the registry itself: its rules hold and the real log key signs every new
    checkpoint."""
    with attacker(engine) as conn:
        note = note_at(conn, keep)
        last, _ = entry_row(conn, keep - 1)
        conn.execute(text("DELETE FROM ledger_entries WHERE idx >= :k"), {"k": keep})
        conn.execute(text("DELETE FROM ledger_checkpoints WHERE size > :k"), {"k": keep})
        for level in range(keep.bit_length() + 1):  # nodes of the tree of `keep` entries stay
            base = level << 48
            conn.execute(text("DELETE FROM ledger_nodes WHERE id >= :low AND id < :high"),
                         {"low": base + (keep >> level), "high": base + (1 << 48)})
        root = Checkpoint.from_text(note.split("\n\n")[0] + "\n").root
        conn.execute(text("UPDATE ledger_head SET size = :s, root = :r, last_hash = :l"),
                     {"s": keep, "r": root, "l": last})
        for model in PROJECTIONS:
            conn.execute(delete(table_of(model)))
    with SqlStore(engine).read() as view:
        replay(view, engine)
    registry.submit_as(ROOT, [("organisation.registered.v1", {
        "id": f"gia-mao-{n}", "names": {"vi": f"Giả mạo {n}", "en": f"Forged {n}"}, "roles": ["producer"]})
        for n in range(count)])


class TestFork:
    """History rewritten after a checkpoint past the log's middle and re-signed with the real log key: its own
    audit passes, but it does not extend the checkpoint the inspector recorded, and the report carries both
    signed notes."""

    @pytest.mark.parametrize("extra", [0, 3], ids=["same-size", "grown"])
    def test_rewritten_history_is_a_fork_of_the_checkpoint_seen(
        self, demo: Registry, layout: DemoLog, engine: Engine, auditor: Auditor, tmp_path: Path, extra: int
    ) -> None:
        size = layout.size
        seen = auditor.database()[1]
        rewrite_history(demo, engine, layout.rewrite_from, size - layout.rewrite_from + extra)

        fresh = Auditor(tmp_path / "fresh-inspector", auditor.database_url, auditor.signer)
        (tmp_path / "fresh-inspector").mkdir()
        code, own = fresh.database()
        assert (code, own["result"], own["size"]) == (0, "clean", size + extra)

        code, report = auditor.database()
        assert (code, report["result"]) == (1, "fork")
        assert report["fork"] == {"seen": seen["checkpoint"], "now": own["checkpoint"]}
        if extra:
            assert report["reason"].startswith(f"the log at size {size + extra} does not extend the one seen at size "
                                               f"{size}: the consistency proof fails")
        else:
            assert report["reason"] == (f"two checkpoints of size {size} with different roots: {seen['root']} seen "
                                        f"before, {own['root']} now")
        assert json.loads(auditor.state.read_text())["checkpoint"] == seen["checkpoint"]  # the evidence stays

    def test_human_output_prints_both_notes(self, demo: Registry, layout: DemoLog, engine: Engine,
                                            auditor: Auditor) -> None:
        seen = auditor.database()[1]
        rewrite_history(demo, engine, layout.rewrite_from, layout.size - layout.rewrite_from)
        result = CliRunner().invoke(app, ["audit", "--database", auditor.database_url, "--state", str(auditor.state),
                                          "--log-key", auditor.signer.verifier.to_text()])
        assert result.exit_code == 1
        assert result.stdout.startswith(f"FORK: two checkpoints of size {layout.size} with different roots")
        assert f"--- checkpoint seen before ---\n{seen['checkpoint']}--- checkpoint now ---\n" in result.stdout


class TestAlarmsAndReadErrors:
    """Another log key than the pinned one is an alarm (1); what cannot be read is exit 2."""

    def test_a_changed_log_key_is_an_alarm(self, demo: Registry, auditor: Auditor, signer: NoteSigner) -> None:
        assert auditor.database()[0] == 0
        other = NoteSigner.generate(ORIGIN)
        code, report = auditor.database(key=other)
        assert (code, report["result"]) == (1, "key-changed")
        assert report["key"] == {"pinned": signer.verifier.to_text(), "presented": other.verifier.to_text()}
        assert report["message"].startswith("ALARM: the log key is ")
        assert "the log key changed" in report["message"]

    def test_an_unreachable_url_exits_2(self, auditor: Auditor) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        code, report = auditor.run(f"http://127.0.0.1:{port}")
        assert (code, report["result"]) == (2, "unreadable")
        assert report["message"].startswith(f"could not read: GET http://127.0.0.1:{port}/api/v1/log/key failed")

    def test_a_database_that_cannot_be_opened_exits_2(self, auditor: Auditor, tmp_path: Path) -> None:
        code, report = auditor.run("--database", f"sqlite:///{tmp_path / 'no' / 'such.db'}", "--log-key",
                                   auditor.signer.verifier.to_text())
        assert (code, report["result"]) == (2, "unreadable")

    def test_a_damaged_state_file_exits_2(self, demo: Registry, auditor: Auditor) -> None:
        auditor.state.write_text("{}")
        code, report = auditor.database()
        assert (code, report["result"]) == (2, "unreadable")
        assert "state must be an object with origin" in report["reason"]

    def test_a_url_and_a_database_together_are_refused(self, auditor: Auditor) -> None:
        result = CliRunner().invoke(app, ["audit", "http://127.0.0.1:1", "--database", auditor.database_url])
        assert result.exit_code == 2


class TestRemoteAudit:
    """`nguon audit URL` audits a running registry over its public log API."""

    def test_a_live_registry_audits_clean_and_its_state_is_recorded(self, server: Server, tmp_path: Path) -> None:
        server.cli("demo", "--if-empty")
        size = logged_size(server.env["NGUON_DATABASE_URL"])
        key = httpx.get(f"{server.base_url}/api/v1/log/key").text.strip()
        auditor = Auditor(tmp_path, "", NoteSigner.generate(ORIGIN))
        code, report = auditor.run(server.base_url)
        assert (code, report["result"], report["size"], report["signatures"]) == (0, "clean", size, size)
        assert report["checkpoints"] == 1  # the API serves the latest checkpoint only
        state = AuditState.load(auditor.state)
        assert state is not None
        assert (state.log_key, state.size, state.origin) == (key, size, "e2e.nguon/log")

        token = server.cli("tokens", "create", "--org", ROOT).strip()
        created = httpx.post(f"{server.base_url}/api/v1/organisations", headers={"Authorization": f"Bearer {token}"},
                             json={"id": "htx-moi", "names": {"vi": "HTX mới", "en": "New co-op"},
                                   "roles": ["producer"]}, timeout=30)
        assert created.status_code == 201, created.text
        code, again = auditor.run(server.base_url)
        assert (code, again["size"], again["previous"]) == (0, size + 1, {"size": size, "root": report["root"]})

    def test_a_live_registry_with_another_key_than_pinned_is_an_alarm(self, server: Server, tmp_path: Path) -> None:
        server.cli("demo", "--if-empty")
        other = NoteSigner.generate("e2e.nguon/log")
        pinned = AuditState.of(other.verifier, Checkpoint("e2e.nguon/log", 1, Hash(bytes(32))).sign(other))
        auditor = Auditor(tmp_path, "", other)
        pinned.save(auditor.state)
        code, report = auditor.run(server.base_url)
        assert (code, report["result"]) == (1, "key-changed")
        served = httpx.get(f"{server.base_url}/api/v1/log/key").text.strip()
        assert report["key"] == {"pinned": other.verifier.to_text(), "presented": served}
