"""`nguon audit` on the demo registry: a clean log passes and pins its key; every way of tampering with the
database is named at its index (exit 1); a history rewritten and re-signed with the real log key passes its
own audit but is a fork of what the inspector saw; a changed log key is an alarm; what cannot be read exits 2.

The attacker writes raw SQL after dropping the append-only triggers, or appends with the log's own key.
"""

import hashlib
import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from sqlalchemy import Engine, delete, text
from typer.testing import CliRunner

from api.audit_cli import audit
from ledger.auditor import AuditState
from ledger.checkpoint import Checkpoint
from ledger.hashing import Hash, leaf_hash
from ledger.log import Log
from ledger.note import NoteSigner
from ledger.sql import SqlStore
from ledger.types import Entry, Signature
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
SIZE = 145  # entries the demo writes
K = 99  # a batch registration, mid-log
REWRITE_FROM = 101  # a checkpoint size: the attacker keeps entries 0..100

app = typer.Typer()
app.command("audit")(audit)


@app.callback()
def _nguon() -> None:
    """Mounts `audit` as a sub-command, as api/cli.py does."""


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture
def demo(engine: Engine, signer: NoteSigner) -> Registry:
    registry = Registry(Log(SqlStore(engine), signer), Custody.from_secret(b"test-secret"))
    assert load_demo(registry).entries == SIZE
    return registry


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


def append_with_log_key(registry: Registry, statement_entry: Entry, signature: Signature | None = None) -> None:
    """Append a statement as the operator can, with the log key and without the registry's rules."""
    with registry.log.store.write() as txn:
        registry.log.append_verified(txn, [(statement_entry.statement, signature or statement_entry.signature)])


def entry_at(engine: Engine, index: int) -> Entry:
    with SqlStore(engine).read() as view:
        return Entry.from_canonical(view.entries(index, index + 1)[0].canonical)


class TestCleanAudit:
    """A registry written only through its rules audits clean, and later audits check it grew consistently."""

    @pytest.mark.parametrize("workers", ["0", "2"])
    def test_first_audit_passes_and_pins_the_key_and_checkpoint(
        self, demo: Registry, auditor: Auditor, signer: NoteSigner, workers: str
    ) -> None:
        code, report = auditor.database("--workers", workers)
        assert (code, report["result"], report["exit_code"]) == (0, "clean", 0)
        assert (report["size"], report["checkpoints"], report["signatures"]) == (SIZE, 34, SIZE)
        assert report["message"].startswith(f"audit clean: {SIZE} entries, 34 checkpoints, {SIZE} statement")
        state = json.loads(auditor.state.read_text())
        assert state["log_key"] == signer.verifier.to_text() == report["log_key"]
        assert (state["origin"], state["size"], state["root"]) == (ORIGIN, SIZE, report["root"])
        assert state["checkpoint"] == report["checkpoint"]

    def test_a_later_audit_proves_the_log_grew_from_the_checkpoint_seen(
        self, demo: Registry, auditor: Auditor
    ) -> None:
        first = auditor.database()[1]
        demo.submit_as(ROOT, [("organisation.registered.v1", {
            "id": "htx-moi", "names": {"vi": "HTX mới", "en": "New co-op"}, "roles": ["producer"]})])
        code, report = auditor.database()
        assert (code, report["size"]) == (0, SIZE + 1)
        assert report["previous"] == {"size": SIZE, "root": first["root"]}
        assert "consistent with the checkpoint of size 145 seen before" in report["message"]
        assert report["projection_digest"] != first["projection_digest"]

    def test_the_log_key_comes_from_the_data_directory_or_the_pinned_state(
        self, demo: Registry, auditor: Auditor, signer: NoteSigner, tmp_path: Path
    ) -> None:
        data = tmp_path / "data"
        data.mkdir()
        (data / "log.key").write_text(signer.to_private_text() + "\n")
        assert auditor.run("--database", auditor.database_url, env={"NGUON_DATA_DIR": str(data)})[0] == 0
        assert auditor.run("--database", auditor.database_url, env={"NGUON_DATA_DIR": str(tmp_path / "none")})[0] == 0

    def test_human_output_is_one_line_on_stdout(self, demo: Registry, auditor: Auditor, signer: NoteSigner) -> None:
        result = CliRunner().invoke(app, ["audit", "--database", auditor.database_url, "--state", str(auditor.state),
                                          "--log-key", signer.verifier.to_text()])
        assert result.exit_code == 0
        assert result.stdout.count("\n") == 1
        assert result.stdout.startswith("audit clean: 145 entries")


class TestTamperedDatabase:
    """Each change to the stored log is named at the first entry it breaks."""

    def test_an_edited_entry_is_named(self, demo: Registry, engine: Engine, auditor: Auditor) -> None:
        with attacker(engine) as conn:
            _, data = entry_row(conn, K)
            changed = data.replace(b'"quantity":"', b'"quantity":"1')
            assert changed != data
            set_entry(conn, K, leaf_hash(changed), changed)
        index, reason = tampered(auditor)
        assert index == K
        assert reason == "stored leaf node differs from the entry hash"

    def test_a_deleted_entry_is_named(self, demo: Registry, engine: Engine, auditor: Auditor) -> None:
        with attacker(engine) as conn:
            conn.execute(text("DELETE FROM ledger_entries WHERE idx = :i"), {"i": K})
        assert tampered(auditor) == (K, "entry is missing from storage")

    def test_an_inserted_entry_is_named(self, demo: Registry, engine: Engine, auditor: Auditor) -> None:
        """The attacker shifts entries K.. up by one and writes a well-formed entry chained at K: a genuine
        statement of another entry, logged again."""
        forged = entry_at(engine, 60)
        with attacker(engine) as conn:
            prev, _ = entry_row(conn, K - 1)
            conn.execute(text("UPDATE ledger_entries SET idx = -idx - 1 WHERE idx >= :k"), {"k": K})
            conn.execute(text("UPDATE ledger_entries SET idx = -idx WHERE idx < 0"))
            inserted = Entry(K, Hash(prev), "2026-11-27T08:00:00.000Z", forged.statement, forged.signature)
            conn.execute(text("INSERT INTO ledger_entries (idx, hash, canonical) VALUES (:i, :h, :c)"),
                         {"i": K, "h": inserted.hash, "c": inserted.canonical})
        assert tampered(auditor)[0] == K

    def test_two_reordered_entries_are_named_at_the_first(self, demo: Registry, engine: Engine,
                                                           auditor: Auditor) -> None:
        with attacker(engine) as conn:
            first, second = entry_row(conn, K), entry_row(conn, K + 1)
            set_entry(conn, K, *second)
            set_entry(conn, K + 1, *first)
        assert tampered(auditor)[0] == K

    def test_a_checkpoint_forged_under_another_key_is_named_at_its_last_entry(
        self, demo: Registry, engine: Engine, auditor: Auditor
    ) -> None:
        forged = Checkpoint(ORIGIN, 110, Hash(hashlib.sha256(b"another history").digest())).sign(
            NoteSigner.generate(ORIGIN))
        with attacker(engine) as conn:
            assert note_at(conn, 110)
            set_note(conn, 110, forged)
        index, reason = tampered(auditor)
        assert index == 109
        assert reason.startswith("checkpoint at size 110 does not verify")

    def test_a_statement_signature_that_fails_is_named(self, demo: Registry, engine: Engine, auditor: Auditor) -> None:
        entry = entry_at(engine, K)
        append_with_log_key(demo, entry, Signature(entry.signature.key_id, bytes(64)))
        index, reason = tampered(auditor)
        assert index == SIZE
        assert reason.endswith(f"by {entry.statement.issuer} with key {entry.signature.key_id} does not verify")

    def test_a_statement_the_rules_refuse_is_named_by_the_replay(
        self, demo: Registry, engine: Engine, auditor: Auditor
    ) -> None:
        append_with_log_key(demo, entry_at(engine, K))  # the same statement again: its nonce is replayed
        index, reason = tampered(auditor)
        assert index == SIZE
        assert reason.startswith("the registry's rules refuse it on replay: nonce ")


def rewrite_history(registry: Registry, engine: Engine, count: int) -> None:
    """Keep entries before REWRITE_FROM, rebuild the projections from them, then write `count` other entries
    through the registry itself: its rules hold and the real log key signs every new checkpoint."""
    with attacker(engine) as conn:
        note = note_at(conn, REWRITE_FROM)
        last, _ = entry_row(conn, REWRITE_FROM - 1)
        conn.execute(text("DELETE FROM ledger_entries WHERE idx >= :k"), {"k": REWRITE_FROM})
        conn.execute(text("DELETE FROM ledger_checkpoints WHERE size > :k"), {"k": REWRITE_FROM})
        for level in range(REWRITE_FROM.bit_length() + 1):  # nodes of the tree of REWRITE_FROM entries stay
            base = level << 48
            conn.execute(text("DELETE FROM ledger_nodes WHERE id >= :low AND id < :high"),
                         {"low": base + (REWRITE_FROM >> level), "high": base + (1 << 48)})
        root = Checkpoint.from_text(note.split("\n\n")[0] + "\n").root
        conn.execute(text("UPDATE ledger_head SET size = :s, root = :r, last_hash = :l"),
                     {"s": REWRITE_FROM, "r": root, "l": last})
        for model in PROJECTIONS:
            conn.execute(delete(table_of(model)))
    with SqlStore(engine).read() as view:
        replay(view, engine)
    registry.submit_as(ROOT, [("organisation.registered.v1", {
        "id": f"gia-mao-{n}", "names": {"vi": f"Giả mạo {n}", "en": f"Forged {n}"}, "roles": ["producer"]})
        for n in range(count)])


class TestFork:
    """History rewritten after entry 100 and re-signed with the real log key: its own audit passes, but it
    does not extend the checkpoint the inspector recorded, and the report carries both signed notes."""

    @pytest.mark.parametrize("extra", [0, 3], ids=["same-size", "grown"])
    def test_rewritten_history_is_a_fork_of_the_checkpoint_seen(
        self, demo: Registry, engine: Engine, auditor: Auditor, tmp_path: Path, extra: int
    ) -> None:
        seen = auditor.database()[1]
        rewrite_history(demo, engine, SIZE - REWRITE_FROM + extra)

        fresh = Auditor(tmp_path / "fresh-inspector", auditor.database_url, auditor.signer)
        (tmp_path / "fresh-inspector").mkdir()
        code, own = fresh.database()
        assert (code, own["result"], own["size"]) == (0, "clean", SIZE + extra)

        code, report = auditor.database()
        assert (code, report["result"]) == (1, "fork")
        assert report["fork"] == {"seen": seen["checkpoint"], "now": own["checkpoint"]}
        if extra:
            assert report["reason"].startswith(f"the log at size {SIZE + extra} does not extend the one seen at size "
                                               f"{SIZE}: the consistency proof fails")
        else:
            assert report["reason"] == (f"two checkpoints of size {SIZE} with different roots: {seen['root']} seen "
                                        f"before, {own['root']} now")
        assert json.loads(auditor.state.read_text())["checkpoint"] == seen["checkpoint"]  # the evidence stays

    def test_human_output_prints_both_notes(self, demo: Registry, engine: Engine, auditor: Auditor) -> None:
        seen = auditor.database()[1]
        rewrite_history(demo, engine, SIZE - REWRITE_FROM)
        result = CliRunner().invoke(app, ["audit", "--database", auditor.database_url, "--state", str(auditor.state),
                                          "--log-key", auditor.signer.verifier.to_text()])
        assert result.exit_code == 1
        assert result.stdout.startswith(f"FORK: two checkpoints of size {SIZE} with different roots")
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
        key = httpx.get(f"{server.base_url}/api/v1/log/key").text.strip()
        auditor = Auditor(tmp_path, "", NoteSigner.generate(ORIGIN))
        code, report = auditor.run(server.base_url)
        assert (code, report["result"], report["size"], report["signatures"]) == (0, "clean", SIZE, SIZE)
        assert report["checkpoints"] == 1  # the API serves the latest checkpoint only
        state = AuditState.load(auditor.state)
        assert state is not None
        assert (state.log_key, state.size, state.origin) == (key, SIZE, "e2e.nguon/log")

        token = server.cli("tokens", "create", "--org", ROOT).strip()
        created = httpx.post(f"{server.base_url}/api/v1/organisations", headers={"Authorization": f"Bearer {token}"},
                             json={"id": "htx-moi", "names": {"vi": "HTX mới", "en": "New co-op"},
                                   "roles": ["producer"]}, timeout=30)
        assert created.status_code == 201, created.text
        code, again = auditor.run(server.base_url)
        assert (code, again["size"], again["previous"]) == (0, SIZE + 1, {"size": SIZE, "root": report["root"]})

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
