"""The inspector's log audit: the state file, the key pin, consistency and forks, and every statement signature
checked against the key history the log records, in this process or on worker processes."""

import base64
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from ledger.audit.auditor import (
    AuditForkError,
    AuditState,
    KeyChangedError,
    StateFileError,
    audit_log,
    check_consistency,
    check_log_key,
    store_consistency,
)
from ledger.audit.signatures import (
    KeyChange,
    KeyRegistration,
    KeyRevocation,
    KeySource,
    KeySpan,
    SignatureCheck,
    check_entry,
)
from ledger.core.checkpoint import Checkpoint
from ledger.core.errors import AuditError
from ledger.core.hashing import ZERO_HASH, Hash
from ledger.core.note import NoteSigner
from ledger.core.signing import public_key_bytes, sign_statement, statement_key_id
from ledger.core.types import Entry, Signature, Statement
from ledger.store.log import Log
from ledger.store.protocol import StoredEntry
from ledger.store.sql import SqlStore
from tests.ledger.test_audit import attacker

ORIGIN = "test.nguon/log"
LOGGED_AT = "2026-11-26T09:30:00.000Z"


class Org:
    """An organisation with one Ed25519 key that signs its statements."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.key = Ed25519PrivateKey.generate()

    @property
    def key_id(self) -> str:
        return statement_key_id(self.key.public_key())

    @property
    def public_key(self) -> str:
        return base64.b64encode(public_key_bytes(self.key.public_key())).decode()

    def sign(self, kind: str, body: dict[str, object]) -> tuple[Statement, Signature]:
        statement = Statement(kind, self.name, "2026-11-26T09:30:00Z", f"n{secrets.token_hex(8)}", body)
        return statement, sign_statement(statement, self.key)

    def registers(self, org: "Org") -> tuple[Statement, Signature]:
        return self.sign("key.registered", {"organisation": org.name, "public_key": org.public_key})

    def revokes(self, org: "Org") -> tuple[Statement, Signature]:
        return self.sign("key.revoked", {"organisation": org.name, "key_id": org.key_id})

    def batch(self, n: int = 0) -> tuple[Statement, Signature]:
        return self.sign("batch.registered", {"lot": f"LOT-{n}", "quantity": "12.5"})


def read_keys(entry: Entry) -> list[KeyChange]:
    body = entry.statement.body
    if entry.statement.kind == "key.registered":
        return [KeyRegistration(body["organisation"], base64.b64decode(body["public_key"]))]
    if entry.statement.kind == "key.revoked":
        return [KeyRevocation(body["organisation"], body["key_id"])]
    return []


KEYS = KeySource((b'"kind":"key.registered"', b'"kind":"key.revoked"'), read_keys)

ROOT, COOP, OTHER = Org("root"), Org("coop-bat-trang"), Org("coop-van-phuc")


def history(batches: int = 20) -> list[tuple[Statement, Signature]]:
    """Entry 0: the root registers its own key; 1, 2: the co-operatives' keys; then batches of both."""
    return [ROOT.registers(ROOT), ROOT.registers(COOP), ROOT.registers(OTHER),
            *((COOP if n % 2 else OTHER).batch(n) for n in range(batches))]


def chained(items: Sequence[tuple[Statement, Signature]]) -> list[StoredEntry]:
    rows, prev = [], ZERO_HASH
    for index, (statement, signature) in enumerate(items):
        entry = Entry(index, prev, LOGGED_AT, statement, signature)
        rows.append(StoredEntry(index, entry.hash, entry.canonical))
        prev = entry.hash
    return rows


def first_bad(rows: Sequence[StoredEntry], workers: int = 0, chunk: int = 7) -> AuditError | None:
    with SignatureCheck(KEYS, workers) as check:
        for start in range(0, len(rows), chunk):
            check.feed(rows[start : start + chunk])
        try:
            assert check.finish() == len(rows)
        except AuditError as exc:
            return exc
    return None


def keyed_log(store: SqlStore, signer: NoteSigner, batches: Sequence[int] = (3, 5, 1, 12, 7)) -> Log:
    """A log of `history` appended in batches of the given sizes, one checkpoint per append."""
    log = Log(store, signer)
    items = history(sum(batches) - 3)
    at = 0
    for count in batches:
        with store.write() as txn:
            log.append_verified(txn, items[at : at + count])
        at += count
    return log


class TestSignatureCheck:
    """Statement signatures verify against keys registered earlier in the log, and the first that does not is named."""

    @pytest.mark.parametrize("workers", [0, 2])
    def test_a_log_of_registered_keys_verifies_whole(self, workers: int) -> None:
        rows = chained(history(60))
        assert first_bad(rows, workers) is None

    def test_entry_0_may_be_signed_by_the_key_it_registers(self) -> None:
        assert first_bad(chained([ROOT.registers(ROOT)])) is None

    def test_a_key_signs_only_after_the_entry_that_registers_it(self) -> None:
        late = Org("coop-late")
        error = first_bad(chained([ROOT.registers(ROOT), late.batch(), ROOT.registers(late)]))
        assert error is not None
        assert (error.index, error.reason) == (1, f"signature names key {late.key_id}, which is registered only "
                                                  "at entry 2")

    def test_a_key_nobody_registered_is_named_at_its_first_signature(self) -> None:
        stranger = Org("coop-bat-trang")  # the co-operative's name, another key
        items = history(10)
        items[8] = stranger.batch()
        error = first_bad(chained(items), workers=2, chunk=3)
        assert error is not None
        assert (error.index, error.reason) == (8, f"signature names key {stranger.key_id}, which no entry before 8 "
                                                  "registers")

    def test_a_key_signs_only_for_its_own_organisation(self) -> None:
        items = history(4)
        statement = Statement("batch.registered", OTHER.name, "2026-11-26T09:30:00Z", "nonce-stolen", {"lot": "X"})
        items.append((statement, sign_statement(statement, COOP.key)))
        error = first_bad(chained(items))
        assert error is not None
        assert error.index == 7
        assert error.reason == (f"signature names key {COOP.key_id} of {COOP.name}, but the issuer is {OTHER.name}")

    def test_a_revoked_key_signs_until_the_entry_that_revokes_it(self) -> None:
        items = [*history(2), COOP.batch(1), ROOT.revokes(COOP), COOP.batch(2)]
        error = first_bad(chained(items))
        assert error is not None
        assert (error.index, error.reason) == (7, f"signature names key {COOP.key_id} of {COOP.name}, revoked at "
                                                  "entry 6")

    def test_a_changed_statement_is_named_with_its_kind(self) -> None:
        rows = chained(history(30))
        data = rows[17].canonical.replace(b'"quantity":"12.5"', b'"quantity":"99.5"')
        rows[17] = StoredEntry(17, rows[17].hash, data)
        for workers in (0, 2):
            error = first_bad(rows, workers)
            assert error is not None
            assert error.index == 17
            assert error.reason.startswith("signature of batch.registered by ")
            assert error.reason.endswith("does not verify")

    def test_the_first_of_several_failures_is_named(self) -> None:
        rows = chained(history(40))
        for index in (31, 12, 25):
            rows[index] = StoredEntry(index, rows[index].hash, rows[index].canonical.replace(b"12.5", b"13.5"))
        error = first_bad(rows, workers=2, chunk=5)
        assert error is not None
        assert error.index == 12

    def test_bytes_that_are_not_an_entry_are_named(self) -> None:
        rows = chained(history(5))
        rows[4] = StoredEntry(4, rows[4].hash, b'{"index":4,"oops"}')
        error = first_bad(rows)
        assert error is not None
        assert error.index == 4
        assert error.reason.startswith("entry bytes are not an entry: ")

    def test_a_signature_in_non_canonical_base64_is_not_canonical(self) -> None:
        rows = chained(history(2))
        value = base64.b64encode(Entry.from_canonical(rows[4].canonical).signature.value)
        assert value.endswith(b"==")
        last = value[-3:-2]
        alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        sloppy = value[:-3] + bytes([alphabet[alphabet.index(last) ^ 1]]) + b"=="  # same bytes, padding bits set
        assert base64.b64decode(sloppy) == base64.b64decode(value)
        rows[4] = StoredEntry(4, rows[4].hash, rows[4].canonical.replace(value, sloppy))
        error = first_bad(rows)
        assert error is not None
        assert error.index == 4
        assert "canonical" in error.reason

    def test_a_gap_stops_the_check_where_the_log_stops_being_contiguous(self) -> None:
        rows = chained(history(10))
        with SignatureCheck(KEYS) as check:
            check.feed(rows[:5])
            check.feed(rows[6:])
            assert check.finish() == 5


JSON_TEXT = st.text(alphabet=st.sampled_from('ab"\\,:{}' + "issuerkindnoncẻ\u2028 "), max_size=30)
BODIES = st.dictionaries(st.sampled_from(["issuer", "kind", "nonce", "issued_at", "body", "x"]),
                         st.one_of(JSON_TEXT, st.dictionaries(st.sampled_from(["issuer", "kind"]), JSON_TEXT)),
                         max_size=5)


class TestFastPath:
    """Reading issuer and signature from the bytes decides as a full parse does, whatever the body holds."""

    @settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
    @given(body=BODIES)
    def test_a_body_cannot_pass_for_the_statement_fields(self, body: dict[str, object]) -> None:
        statement = Statement("batch.registered", COOP.name, "2026-11-26T09:30:00Z", "nonce-0001", body)
        entry = Entry(5, ZERO_HASH, LOGGED_AT, statement, sign_statement(statement, COOP.key))
        public = public_key_bytes(COOP.key.public_key())
        assert check_entry(5, entry.canonical, {COOP.key_id: KeySpan(COOP.name, public, 1, None)}) is None
        foreign = {COOP.key_id: KeySpan(OTHER.name, public, 1, None)}
        assert check_entry(5, entry.canonical, foreign) == (
            f"signature names key {COOP.key_id} of {OTHER.name}, but the issuer is {COOP.name}")


def signed_state(signer: NoteSigner, size: int, root: Hash) -> AuditState:
    return AuditState.of(signer.verifier, Checkpoint(signer.name, size, root).sign(signer))


class TestAuditState:
    """The state file holds a pinned key and a checkpoint it signed, and refuses anything else."""

    def test_saved_state_loads_equal(self, tmp_path: Path) -> None:
        state = signed_state(NoteSigner.generate(ORIGIN), 42, Hash(hashlib.sha256(b"root").digest()))
        path = tmp_path / "state.json"
        state.save(path)
        assert AuditState.load(path) == state
        assert json.loads(path.read_text())["size"] == 42

    def test_no_file_is_a_first_audit(self, tmp_path: Path) -> None:
        assert AuditState.load(tmp_path / "absent.json") is None

    def test_a_root_that_is_not_the_checkpoint_s_is_refused(self, tmp_path: Path) -> None:
        state = signed_state(NoteSigner.generate(ORIGIN), 42, Hash(hashlib.sha256(b"root").digest()))
        path = tmp_path / "state.json"
        path.write_text(json.dumps({**state.to_json(), "root": "00" * 32}))
        with pytest.raises(StateFileError, match="its checkpoint says"):
            AuditState.load(path)

    def test_a_checkpoint_the_pinned_key_did_not_sign_is_refused(self, tmp_path: Path) -> None:
        state = signed_state(NoteSigner.generate(ORIGIN), 42, Hash(hashlib.sha256(b"root").digest()))
        other = NoteSigner.generate(ORIGIN).verifier.to_text()
        path = tmp_path / "state.json"
        path.write_text(json.dumps({**state.to_json(), "log_key": other}))
        with pytest.raises(StateFileError, match="state does not verify"):
            AuditState.load(path)

    def test_text_that_is_not_json_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "state.json"
        path.write_text("size: 3\n")
        with pytest.raises(StateFileError, match="is not JSON"):
            AuditState.load(path)


class TestKeyPin:
    """A log that presents another key than the pinned one raises the alarm."""

    def test_the_pinned_key_passes_and_another_raises(self) -> None:
        signer = NoteSigner.generate(ORIGIN)
        pinned = signed_state(signer, 1, Hash(bytes(32)))
        check_log_key(None, signer.verifier)
        check_log_key(pinned, signer.verifier)
        other = NoteSigner.generate(ORIGIN).verifier
        with pytest.raises(KeyChangedError) as caught:
            check_log_key(pinned, other)
        assert (caught.value.pinned, caught.value.presented) == (signer.verifier.to_text(), other.to_text())


class TestConsistency:
    """A log that extends the checkpoint seen last passes; two histories under one key are a fork."""

    def test_a_grown_log_extends_what_was_seen(self, sql_store: SqlStore) -> None:
        signer = NoteSigner.generate(ORIGIN)
        log = keyed_log(sql_store, signer, (3, 5))
        with sql_store.read() as view:
            seen = AuditState.of(signer.verifier, log.checkpoint(view).note)
        with sql_store.write() as txn:
            log.append_verified(txn, [COOP.batch(n) for n in range(9)])
        with sql_store.read() as view:
            now = AuditState.of(signer.verifier, log.checkpoint(view).note)
            check_consistency(seen, now, store_consistency(view))
            check_consistency(now, now, store_consistency(view))

    def test_same_size_with_another_root_is_a_fork_with_both_notes(self) -> None:
        signer = NoteSigner.generate(ORIGIN)
        seen = signed_state(signer, 8, Hash(hashlib.sha256(b"one history").digest()))
        now = signed_state(signer, 8, Hash(hashlib.sha256(b"another").digest()))
        with pytest.raises(AuditForkError, match="two checkpoints of size 8 with different roots") as caught:
            check_consistency(seen, now, lambda old, new: [])
        assert (caught.value.seen, caught.value.now) == (seen.checkpoint, now.checkpoint)

    def test_a_proof_that_fails_is_a_fork(self, sql_store: SqlStore) -> None:
        signer = NoteSigner.generate(ORIGIN)
        log = keyed_log(sql_store, signer, (3, 5, 4))
        seen = signed_state(signer, 8, Hash(hashlib.sha256(b"not this log").digest()))
        with sql_store.read() as view:
            now = AuditState.of(signer.verifier, log.checkpoint(view).note)
            with pytest.raises(AuditForkError, match="does not extend the one seen at size 8"):
                check_consistency(seen, now, store_consistency(view))

    def test_a_shorter_log_is_a_fork(self) -> None:
        signer = NoteSigner.generate(ORIGIN)
        seen = signed_state(signer, 9, Hash(bytes(32)))
        now = signed_state(signer, 4, Hash(bytes(32)))
        with pytest.raises(AuditForkError, match="the log has 4 entries; it had 9 when last audited"):
            check_consistency(seen, now, lambda old, new: [])


class TestAuditLog:
    """The ledger audit and the signature check run in one pass; the first bad index of either is reported."""

    @pytest.mark.parametrize("workers", [0, 2])
    def test_a_clean_log_reports_what_it_verified(self, sql_store: SqlStore, workers: int) -> None:
        signer = NoteSigner.generate(ORIGIN)
        log = keyed_log(sql_store, signer)
        calls: list[tuple[int, int]] = []
        with sql_store.read() as view:
            result = audit_log(view, signer.verifier, KEYS, workers=workers, chunk=4,
                               progress=lambda done, total: calls.append((done, total)))
            head = view.head()
        assert (result.size, result.root, result.checkpoints, result.signatures) == (28, head.root, 5, 28)
        assert result.state == AuditState.of(signer.verifier, log.checkpoint(view).note)
        assert calls[-1] == (28, 28)
        assert [done for done, _ in calls] == sorted(done for done, _ in calls)

    def test_without_keys_signatures_are_not_checked(self, sql_store: SqlStore) -> None:
        signer = NoteSigner.generate(ORIGIN)
        keyed_log(sql_store, signer)
        with sql_store.read() as view:
            assert audit_log(view, signer.verifier).signatures == 0

    def test_a_bad_signature_before_a_broken_chain_is_named_first(self, sql_store: SqlStore, engine: Engine) -> None:
        signer = NoteSigner.generate(ORIGIN)
        log = Log(sql_store, signer)
        items = history(25)
        items[9] = (replace(items[9][0], body={"lot": "LOT-forged"}), items[9][1])
        with sql_store.write() as txn:
            log.append_verified(txn, items)
        with attacker(engine) as conn:
            conn.execute(text("DELETE FROM ledger_entries WHERE idx = 20"))
        with sql_store.read() as view, pytest.raises(AuditError) as caught:
            audit_log(view, signer.verifier, KEYS, workers=2, chunk=4)
        assert caught.value.index == 9
        with sql_store.read() as view, pytest.raises(AuditError) as caught:
            audit_log(view, signer.verifier, chunk=4)
        assert (caught.value.index, caught.value.reason) == (20, "entry is missing from storage")
