"""The witness's check-and-store over SQL: cosign consistent checkpoints, refuse the rest, record forks."""

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import SQLModel

from ledger.core.checkpoint import Checkpoint
from ledger.core.cosignature import CosignatureSigner, open_cosigned_checkpoint
from ledger.core.errors import NoteError
from ledger.core.note import NoteSigner
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.protocol import MemoryStore, StoredCheckpoint
from ledger.witness.protocol import (
    AddCheckpointRequest,
    InconsistentError,
    MalformedRequestError,
    SizeConflictError,
    UnknownLogError,
    UntrustedCheckpointError,
    WitnessError,
    WitnessForkError,
)
from ledger.witness.server import Witness, load_or_create_witness_key
from ledger.witness.tables import WitnessFork, WitnessLog
from tests.conftest import Issuer

ORIGIN = "test.nguon/log"
NOW = 1767225600


def grow(log: Log, issuer: Issuer, count: int) -> StoredCheckpoint:
    """Append `count` statements in one batch; the checkpoint that append signed."""
    log.append([issuer.statement() for _ in range(count)], issuer.lookup)
    with log.store.read() as view:
        return log.checkpoint(view)


def request_for(log: Log, old: int, checkpoint: StoredCheckpoint) -> AddCheckpointRequest:
    """The add-checkpoint request a log sends: `checkpoint` with the consistency proof from `old`."""
    if old in (0, checkpoint.size):
        return AddCheckpointRequest(old, (), checkpoint.note)
    with log.store.read() as view:
        return AddCheckpointRequest(old, log.consistency(view, old, checkpoint.size).hashes, checkpoint.note)


@pytest.fixture
def log_signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture
def log(log_signer: NoteSigner) -> Log:
    """The log side needs no database here: the witness's database is the one under test."""
    return Log(MemoryStore(), log_signer)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The witness's own database with just its tables (cheaper than migrating the whole schema per test)."""
    engine = make_engine(database_url)
    SQLModel.metadata.create_all(engine, tables=[WitnessLog.__table__, WitnessFork.__table__])  # type: ignore[attr-defined]
    yield engine
    engine.dispose()


@pytest.fixture
def witness_key() -> CosignatureSigner:
    return CosignatureSigner.generate("witness.test/w1")


@pytest.fixture
def witness(engine: Engine, witness_key: CosignatureSigner, log_signer: NoteSigner) -> Witness:
    return Witness(engine, witness_key, [log_signer.verifier], clock=lambda: NOW)


def stored_size(witness: Witness) -> int | None:
    latest = witness.latest(ORIGIN)
    return None if latest is None else latest.size


class TestCosigning:
    """Consistent checkpoints are cosigned and become the stored one."""

    def test_first_checkpoint_with_old_zero_is_cosigned_and_stored(
        self, witness: Witness, witness_key: CosignatureSigner, log: Log, log_signer: NoteSigner, issuer: Issuer
    ) -> None:
        checkpoint = grow(log, issuer, 3)
        line = witness.add_checkpoint(request_for(log, 0, checkpoint))
        opened = open_cosigned_checkpoint(checkpoint.note + line, log_signer.verifier, [witness_key.verifier])
        assert opened.witnesses == ("witness.test/w1",)
        assert opened.cosignatures[0][1].timestamp == NOW
        latest = witness.latest(ORIGIN)
        assert latest is not None
        assert (latest.size, latest.note, latest.cosigned_at) == (3, checkpoint.note, NOW)

    def test_consistent_checkpoints_move_the_stored_one_forward(self, witness: Witness, log: Log,
                                                                issuer: Issuer) -> None:
        old = 0
        for count in (1, 2, 5, 1, 8):
            checkpoint = grow(log, issuer, count)
            witness.add_checkpoint(request_for(log, old, checkpoint))
            assert stored_size(witness) == checkpoint.size
            old = checkpoint.size

    def test_the_stored_checkpoint_is_cosigned_again_without_a_proof(self, witness: Witness, log: Log,
                                                                     issuer: Issuer) -> None:
        checkpoint = grow(log, issuer, 4)
        first = witness.add_checkpoint(request_for(log, 0, checkpoint))
        assert witness.add_checkpoint(request_for(log, 4, checkpoint)) == first
        assert stored_size(witness) == 4

    def test_several_keys_may_sign_for_one_origin(self, engine: Engine, witness_key: CosignatureSigner,
                                                  log: Log, log_signer: NoteSigner, issuer: Issuer) -> None:
        retired = NoteSigner.generate(ORIGIN)
        witness = Witness(engine, witness_key, [retired.verifier, log_signer.verifier])
        witness.add_checkpoint(request_for(log, 0, grow(log, issuer, 2)))
        assert stored_size(witness) == 2


class TestRefusals:
    """Anything but a consistent checkpoint from a followed log is refused, and nothing is stored."""

    @pytest.fixture
    def stored(self, witness: Witness, log: Log, issuer: Issuer) -> StoredCheckpoint:
        checkpoint = grow(log, issuer, 5)
        witness.add_checkpoint(request_for(log, 0, checkpoint))
        return checkpoint

    def test_stale_old_size_gets_the_stored_size(self, witness: Witness, log: Log, issuer: Issuer,
                                                 stored: StoredCheckpoint) -> None:
        newer = grow(log, issuer, 3)
        for old in (0, 3, 6):
            with pytest.raises(SizeConflictError) as refused:
                witness.add_checkpoint(request_for(log, old, newer))
            assert refused.value.size == 5
        assert stored_size(witness) == 5

    def test_refuses_a_proof_that_does_not_verify(self, witness: Witness, log: Log, issuer: Issuer,
                                                  stored: StoredCheckpoint) -> None:
        good = request_for(log, 5, grow(log, issuer, 3))
        bad_hash = AddCheckpointRequest(5, (bytes(32), *good.proof[1:]), good.note)  # type: ignore[arg-type]
        short = AddCheckpointRequest(5, good.proof[:-1], good.note)
        for request in (bad_hash, short):
            with pytest.raises(InconsistentError, match="from size 5 to 8 does not verify"):
                witness.add_checkpoint(request)
        assert stored_size(witness) == 5

    def test_refuses_a_proof_between_equal_sizes(self, witness: Witness, log: Log, issuer: Issuer,
                                                 stored: StoredCheckpoint) -> None:
        with pytest.raises(InconsistentError, match="must be empty"):
            witness.add_checkpoint(AddCheckpointRequest(5, (bytes(32),), stored.note))  # type: ignore[arg-type]

    def test_refuses_an_old_size_beyond_the_checkpoint(self, witness: Witness, log: Log, issuer: Issuer,
                                                       stored: StoredCheckpoint) -> None:
        with log.store.read() as view:
            older = view.checkpoint_at(5)
        grow(log, issuer, 2)
        assert older is not None
        with pytest.raises(MalformedRequestError, match="old size 7 is larger than the checkpoint size 5"):
            witness.add_checkpoint(AddCheckpointRequest(7, (), older.note))

    def test_refuses_an_unknown_origin(self, witness: Witness) -> None:
        stranger = NoteSigner.generate("stranger.example/log")
        note = Checkpoint("stranger.example/log", 1, bytes(32)).sign(stranger)  # type: ignore[arg-type]
        with pytest.raises(UnknownLogError, match=r"'stranger\.example/log' is not a log this witness follows"):
            witness.add_checkpoint(AddCheckpointRequest(0, (), note))

    def test_refuses_a_checkpoint_signed_by_another_key_of_the_same_name(self, witness: Witness) -> None:
        impostor = NoteSigner.generate(ORIGIN)
        note = Checkpoint(ORIGIN, 1, bytes(32)).sign(impostor)  # type: ignore[arg-type]
        with pytest.raises(UntrustedCheckpointError, match="not signed by a trusted key"):
            witness.add_checkpoint(AddCheckpointRequest(0, (), note))
        assert stored_size(witness) is None

    def test_refuses_a_checkpoint_whose_signature_fails(self, witness: Witness, log: Log, issuer: Issuer) -> None:
        note = grow(log, issuer, 2).note.replace(f"{ORIGIN}\n2\n", f"{ORIGIN}\n3\n")
        with pytest.raises(UntrustedCheckpointError):
            witness.add_checkpoint(AddCheckpointRequest(0, (), note))

    def test_refuses_a_malformed_checkpoint_body(self, witness: Witness, log_signer: NoteSigner) -> None:
        text = f"{ORIGIN}\nnot a size\nAAAA\n"
        with pytest.raises(MalformedRequestError, match="checkpoint size 'not a size'"):
            witness.add_checkpoint(AddCheckpointRequest(0, (), f"{text}\n{log_signer.sign_line(text)}"))


class TestForks:
    """Two checkpoints of one size with different roots are refused and kept as evidence."""

    def test_same_size_other_root_is_a_recorded_fork(self, witness: Witness, log: Log, log_signer: NoteSigner,
                                                     issuer: Issuer) -> None:
        honest = grow(log, issuer, 4)
        witness.add_checkpoint(request_for(log, 0, honest))
        forked = Log(MemoryStore(), log_signer)
        other = grow(forked, Issuer("coop-van-phuc"), 4)
        for old in (4, 0):
            with pytest.raises(WitnessForkError) as refused:
                witness.add_checkpoint(request_for(forked, old, other))
            assert (refused.value.stored, refused.value.submitted) == (honest.note, other.note)
        forks = witness.forks(ORIGIN)
        assert [(f.size, f.stored_note, f.submitted_note, f.detected_at) for f in forks] == [
            (4, honest.note, other.note, NOW), (4, honest.note, other.note, NOW)]
        latest = witness.latest(ORIGIN)
        assert latest is not None
        assert latest.note == honest.note

    def test_a_larger_forked_checkpoint_fails_its_proof(self, witness: Witness, log: Log, log_signer: NoteSigner,
                                                        issuer: Issuer) -> None:
        witness.add_checkpoint(request_for(log, 0, grow(log, issuer, 4)))
        forked = Log(MemoryStore(), log_signer)
        fork_issuer = Issuer("coop-van-phuc")
        grow(forked, fork_issuer, 4)
        with pytest.raises(InconsistentError):
            witness.add_checkpoint(request_for(forked, 4, grow(forked, fork_issuer, 3)))
        assert witness.forks() == []


class TestStoredNote:
    """The witness keeps of a submitted note only the signature lines it verified: other witnesses'
    cosignatures and lines of unknown keys are dropped, and logged by name and key id alone."""

    def extra_lines(self, text: str) -> tuple[str, str]:
        """A cosignature by another witness over `text`, and a note signature by a key nobody trusts."""
        other_witness = CosignatureSigner.generate("witness.elsewhere/w9").sign_line(text, NOW)
        stranger = NoteSigner.generate("stranger.example/k").sign_line(text)
        return other_witness, stranger

    def test_a_note_with_lines_of_other_keys_is_stored_without_them(
            self, witness: Witness, log: Log, issuer: Issuer, caplog: pytest.LogCaptureFixture) -> None:
        checkpoint = grow(log, issuer, 3)
        text = checkpoint.note[: checkpoint.note.rfind("\n\n") + 1]
        extra = self.extra_lines(text)
        with caplog.at_level(logging.INFO, logger="nguon.witness"):
            witness.add_checkpoint(AddCheckpointRequest(0, (), checkpoint.note + "".join(extra)))
        latest = witness.latest(ORIGIN)
        assert latest is not None
        assert latest.note == checkpoint.note
        assert "dropped 2 signature lines" in caplog.text
        assert "witness.elsewhere/w9+" in caplog.text
        assert "stranger.example/k+" in caplog.text
        for line in extra:
            assert line.split(" ")[-1].strip() not in caplog.text, "a dropped line was logged whole"

    def test_a_fork_is_recorded_with_the_log_s_signature_only(self, witness: Witness, log: Log,
                                                              log_signer: NoteSigner, issuer: Issuer) -> None:
        honest = grow(log, issuer, 4)
        witness.add_checkpoint(request_for(log, 0, honest))
        other = grow(Log(MemoryStore(), log_signer), Issuer("coop-van-phuc"), 4)
        text = other.note[: other.note.rfind("\n\n") + 1]
        with pytest.raises(WitnessForkError) as refused:
            witness.add_checkpoint(AddCheckpointRequest(4, (), other.note + "".join(self.extra_lines(text))))
        assert refused.value.submitted == other.note
        assert [f.submitted_note for f in witness.forks(ORIGIN)] == [other.note]


def race(witness: Witness, requests: list[AddCheckpointRequest]) -> list[str]:
    """Send `requests` from threads released together; per request "cosigned" or the refusal's name."""
    barrier = threading.Barrier(len(requests))
    outcomes = [""] * len(requests)

    def submit(i: int) -> None:
        barrier.wait()
        try:
            witness.add_checkpoint(requests[i])
            outcomes[i] = "cosigned"
        except WitnessError as exc:
            outcomes[i] = type(exc).__name__

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


class TestConcurrency:
    """Concurrent requests from one stored size: exactly one wins and the stored checkpoint never rolls back."""

    def test_only_one_of_several_requests_from_the_same_old_size_is_cosigned(self, witness: Witness, log: Log,
                                                                            issuer: Issuer) -> None:
        base = grow(log, issuer, 2)
        witness.add_checkpoint(request_for(log, 0, base))
        old = base.size
        for _round in range(3):
            checkpoints = [grow(log, issuer, 1) for _ in range(4)]
            outcomes = race(witness, [request_for(log, old, c) for c in checkpoints])
            winners = [c.size for c, outcome in zip(checkpoints, outcomes, strict=True) if outcome == "cosigned"]
            assert len(winners) == 1, outcomes
            assert outcomes.count("SizeConflictError") == len(checkpoints) - 1
            assert stored_size(witness) == winners[0]
            old = winners[0]

    def test_a_smaller_checkpoint_racing_a_larger_one_never_rolls_back(self, witness: Witness, log: Log,
                                                                       issuer: Issuer) -> None:
        base = grow(log, issuer, 1)
        witness.add_checkpoint(request_for(log, 0, base))
        smaller, larger = grow(log, issuer, 2), grow(log, issuer, 2)
        # The larger one also comes with a proof from the smaller size. Whatever order the witness sees them
        # in, it ends at the largest size it cosigned: a stored checkpoint is never replaced by a smaller one.
        requests = [(smaller, request_for(log, 1, smaller)), (larger, request_for(log, 1, larger)),
                    (larger, request_for(log, smaller.size, larger))]
        outcomes = race(witness, [r for _, r in requests])
        cosigned = [c.size for (c, _), outcome in zip(requests, outcomes, strict=True) if outcome == "cosigned"]
        assert cosigned
        assert stored_size(witness) == max(cosigned)
        assert set(outcomes) <= {"cosigned", "SizeConflictError"}


class TestWitnessKey:
    """The witness key is created once into the data directory and loaded afterwards."""

    def test_creates_then_loads_the_same_key(self, tmp_path: Path) -> None:
        first = load_or_create_witness_key(tmp_path / "w", "witness.test/w1")
        again = load_or_create_witness_key(tmp_path / "w", "witness.test/w1")
        assert first.verifier == again.verifier
        assert (tmp_path / "w" / "witness.key").stat().st_mode & 0o777 == 0o600

    def test_refuses_a_key_of_another_name(self, tmp_path: Path) -> None:
        load_or_create_witness_key(tmp_path / "w", "witness.test/w1")
        with pytest.raises(NoteError, match=r"not 'witness\.test/w2'"):
            load_or_create_witness_key(tmp_path / "w", "witness.test/w2")
