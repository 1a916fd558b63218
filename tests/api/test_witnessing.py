"""The registry side of witnessing: submit checkpoints to witnesses, keep verified cosignatures, publish on quorum.

The witnesses are real `Witness` objects, each on its own SQLite file, behind a fake HTTP transport that
speaks the tlog-witness statuses; tests/e2e/test_witness_server.py does the same against a real server.
"""

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import SQLModel

from ledger.core.cosignature import CosignatureSigner, open_cosigned_checkpoint
from ledger.core.errors import InvalidValueError, StoreError
from ledger.core.note import NoteSigner
from ledger.store.engines import make_engine
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from ledger.store.tables import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerNode
from ledger.witness.cosignatures import cosigned_note, is_published, latest_published, stored_cosignatures
from ledger.witness.exchange import WitnessEndpoint
from ledger.witness.protocol import (
    SIZE_CONTENT_TYPE,
    AddCheckpointRequest,
    SizeConflictError,
    WitnessError,
    size_response,
)
from ledger.witness.server import Witness
from ledger.witness.submitter import Witnessing
from ledger.witness.tables import LogCosignature, WitnessFork, WitnessLog
from tests.conftest import Issuer
from tests.ledger.test_witness import ORIGIN, grow, request_for


def witness_database(path: Path) -> Engine:
    """A witness's own SQLite database with just its tables (each witness keeps its own state)."""
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine, tables=[WitnessLog.__table__, WitnessFork.__table__])  # type: ignore[attr-defined]
    return engine


class FakeWitnesses:
    """Witnesses reachable at http://<host>, answering add-checkpoint as the protocol says; counts requests."""

    def __init__(self, directory: Path, log_key: NoteSigner, hosts: list[str]) -> None:
        self.keys = {host: CosignatureSigner.generate(f"{host}/w") for host in hosts}
        self.engines = {host: witness_database(directory / f"{host}.db") for host in hosts}
        self.witnesses = {host: Witness(self.engines[host], key, [log_key.verifier]) for host, key in self.keys.items()}
        self.requests: list[tuple[str, int]] = []
        self.down: set[str] = set()
        self.rewrite: dict[str, Callable[[str], str]] = {}
        """Per host, what its answer's cosignature lines become on the way (a dishonest or broken witness)."""

    def endpoint(self, host: str) -> WitnessEndpoint:
        return WitnessEndpoint(f"http://{host}", self.keys[host].verifier)

    def handle(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        assert request.url.path == "/add-checkpoint"
        parsed = AddCheckpointRequest.from_bytes(request.content)
        self.requests.append((host, parsed.old))
        try:
            lines = self.witnesses[host].add_checkpoint(parsed)
            rewrite = self.rewrite.get(host)
            return httpx.Response(200, text=lines if rewrite is None else rewrite(lines))
        except SizeConflictError as exc:
            return httpx.Response(409, text=size_response(exc.size), headers={"Content-Type": SIZE_CONTENT_TYPE})
        except WitnessError as exc:
            return httpx.Response(422, text=str(exc))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The registry's database with just the tables witnessing reads and writes (migrating the whole schema
    per test costs most of this module's time on PostgreSQL; tests/test_migrations.py checks the real one)."""
    engine = make_engine(database_url)
    tables = [LedgerEntry, LedgerNode, LedgerCheckpoint, LedgerHead, LogCosignature]
    SQLModel.metadata.create_all(engine, tables=[t.__table__ for t in tables])  # type: ignore[attr-defined]
    yield engine
    engine.dispose()


@pytest.fixture
def log_signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture
def log(sql_store: SqlStore, log_signer: NoteSigner) -> Log:
    return Log(sql_store, log_signer)


@pytest.fixture
def fakes(tmp_path: Path, log_signer: NoteSigner) -> Iterator[FakeWitnesses]:
    fakes = FakeWitnesses(tmp_path, log_signer, ["w1.test", "w2.test", "w3.test"])
    yield fakes
    for engine in fakes.engines.values():
        engine.dispose()


@pytest.fixture
def witnessing(log: Log, engine: Engine, fakes: FakeWitnesses) -> Iterator[Witnessing]:
    http = httpx.Client(transport=httpx.MockTransport(fakes.handle))
    witnessing = Witnessing(log, engine, [fakes.endpoint(h) for h in ("w1.test", "w2.test", "w3.test")], quorum=2,
                            http=http, interval=0.05)
    yield witnessing
    witnessing.stop()
    http.close()


def published(witnessing: Witnessing, size: int) -> bool:
    with witnessing.log.store.read() as view:
        return witnessing.is_published(view, size)


def note_of(witnessing: Witnessing, size: int) -> str:
    with witnessing.log.store.read() as view:
        return witnessing.cosigned_note(view, size)


class TestSubmit:
    """Each new checkpoint gets every witness's cosignature, checked and stored."""

    def test_an_empty_log_has_nothing_to_submit(self, witnessing: Witnessing) -> None:
        assert witnessing.submit() is None

    def test_cosignatures_are_stored_and_served_with_the_note(self, witnessing: Witnessing, log: Log,
                                                              log_signer: NoteSigner, fakes: FakeWitnesses,
                                                              issuer: Issuer) -> None:
        checkpoint = grow(log, issuer, 3)
        assert not published(witnessing, 3)
        result = witnessing.submit()
        assert result is not None
        assert (result.size, sorted(result.cosigned), result.failed) == (3, ["w1.test/w", "w2.test/w", "w3.test/w"],
                                                                         {})
        note = note_of(witnessing, 3)
        assert note.startswith(checkpoint.note)
        opened = open_cosigned_checkpoint(note, log_signer.verifier, [k.verifier for k in fakes.keys.values()])
        assert opened.witnesses == ("w1.test/w", "w2.test/w", "w3.test/w")
        assert published(witnessing, 3)
        with log.store.read() as view:
            assert latest_published(view, witnessing.witness_names, 2) == 3

    def test_later_checkpoints_are_proven_consistent_from_the_last_cosigned(
        self, witnessing: Witnessing, log: Log, fakes: FakeWitnesses, issuer: Issuer
    ) -> None:
        for count in (2, 3, 1):
            grow(log, issuer, count)
            witnessing.submit()
        assert [old for host, old in fakes.requests if host == "w1.test"] == [0, 2, 5]
        for witness in fakes.witnesses.values():
            latest = witness.latest(ORIGIN)
            assert latest is not None
            assert latest.size == 6
        assert published(witnessing, 6)

    def test_a_checkpoint_already_cosigned_is_not_sent_again(self, witnessing: Witnessing, log: Log,
                                                             fakes: FakeWitnesses, issuer: Issuer) -> None:
        grow(log, issuer, 2)
        witnessing.submit()
        sent = len(fakes.requests)
        result = witnessing.submit()
        assert result is not None
        assert (result.cosigned, len(fakes.requests)) == ({}, sent)

    def test_a_witness_that_knows_a_larger_size_is_asked_again_from_it(
        self, witnessing: Witnessing, log: Log, fakes: FakeWitnesses, issuer: Issuer
    ) -> None:
        fakes.witnesses["w1.test"].add_checkpoint(request_for(log, 0, grow(log, issuer, 4)))
        grow(log, issuer, 2)
        result = witnessing.submit()
        assert result is not None
        assert "w1.test/w" in result.cosigned
        assert [old for host, old in fakes.requests if host == "w1.test"] == [0, 4]

    def test_a_new_process_starts_from_the_stored_cosignatures(self, witnessing: Witnessing, log: Log,
                                                               engine: Engine, fakes: FakeWitnesses,
                                                               issuer: Issuer) -> None:
        grow(log, issuer, 3)
        witnessing.submit()
        grow(log, issuer, 1)
        with httpx.Client(transport=httpx.MockTransport(fakes.handle)) as http:
            fresh = Witnessing(log, engine, witnessing.endpoints, 2, http=http)
            fresh.submit()
        assert [old for host, old in fakes.requests if host == "w2.test"] == [0, 3]


class TestFailures:
    """A witness that fails never fails an append or a submission; it is reported and retried later."""

    def test_an_unreachable_witness_is_reported_and_backed_off(self, witnessing: Witnessing, log: Log,
                                                               fakes: FakeWitnesses, issuer: Issuer) -> None:
        fakes.down = {"w1.test", "w2.test"}
        grow(log, issuer, 2)
        result = witnessing.submit()
        assert result is not None
        assert sorted(result.failed) == ["w1.test/w", "w2.test/w"]
        assert "connection refused" in result.failed["w1.test/w"]
        assert not published(witnessing, 2)
        fakes.down = set()
        skipped = witnessing.submit()
        assert skipped is not None
        assert skipped.cosigned == skipped.failed == {}
        assert sorted(witnessing.submit(force=True).cosigned) == ["w1.test/w", "w2.test/w"]  # type: ignore[union-attr]
        assert published(witnessing, 2)

    def test_a_cosignature_by_another_key_is_refused(self, witnessing: Witnessing, log: Log, log_signer: NoteSigner,
                                                     fakes: FakeWitnesses, issuer: Issuer) -> None:
        impostor = CosignatureSigner.generate("w1.test/w")
        fakes.witnesses["w1.test"] = Witness(fakes.engines["w1.test"], impostor, [log_signer.verifier])
        grow(log, issuer, 1)
        result = witnessing.submit()
        assert result is not None
        assert "no cosignature from its configured key" in result.failed["w1.test/w"]
        assert "w1.test/w" not in note_of(witnessing, 1)

    def test_a_refusal_is_reported_with_the_witness_answer(self, witnessing: Witnessing, log: Log,
                                                           fakes: FakeWitnesses, issuer: Issuer) -> None:
        stranger = NoteSigner.generate(ORIGIN).verifier
        fakes.witnesses["w1.test"] = Witness(fakes.engines["w1.test"], fakes.keys["w1.test"], [stranger])
        grow(log, issuer, 1)
        result = witnessing.submit()
        assert result is not None
        assert "answered 422" in result.failed["w1.test/w"]
        assert "not signed by a trusted key" in result.failed["w1.test/w"]

    def test_a_witness_beyond_the_whole_log_is_reported(self, witnessing: Witnessing, log: Log,
                                                        fakes: FakeWitnesses, issuer: Issuer) -> None:
        grow(log, issuer, 1)
        witnessing.exchange.known["http://w1.test"] = 99
        result = witnessing.submit()
        assert result is not None
        assert "beyond this log's size 1" in result.failed["w1.test/w"]


class TestWhatIsKept:
    """Of a witness's answer only its own cosignature that verifies over the checkpoint is stored; every other
    line is dropped and logged by what it is, not quoted."""

    def test_lines_that_are_not_the_witness_s_verified_cosignature_are_dropped(
            self, witnessing: Witnessing, log: Log, fakes: FakeWitnesses, issuer: Issuer,
            caplog: pytest.LogCaptureFixture) -> None:
        checkpoint = grow(log, issuer, 2)
        text = checkpoint.note[: checkpoint.note.rfind("\n\n") + 1]
        own = fakes.keys["w1.test"]
        junk = [
            "— w1.test/w not-base64!",
            CosignatureSigner.generate("w9.test/w").sign_line(text, 1767225600).rstrip("\n"),
            own.sign_line("other.nguon/log\n7\n" + text.split("\n", 3)[2] + "\n", 1767225600).rstrip("\n"),
        ]
        second = own.sign_line(text, 1767225601).rstrip("\n")
        fakes.rewrite["w1.test"] = lambda lines: "\n".join(junk) + "\n" + lines + second + "\n"
        with caplog.at_level(logging.WARNING, logger="nguon.witnessing"):
            result = witnessing.submit()
        assert result is not None
        assert result.failed == {}
        kept = result.cosigned["w1.test/w"]
        assert kept.rstrip("\n") not in junk
        assert kept.rstrip("\n") != second
        assert open_cosigned_checkpoint(note_of(witnessing, 2), log.verifier, [own.verifier]).witnesses == (
            "w1.test/w",)
        assert [line for line in note_of(witnessing, 2).splitlines() if line.startswith("— w1.test/w ")] == [
            kept.rstrip("\n")]
        assert "dropped 4 line(s)" in caplog.text
        assert "line 1 malformed" in caplog.text
        assert "from w9.test/w+" in caplog.text
        assert "does not verify over checkpoint 2" in caplog.text
        assert "a further cosignature" in caplog.text
        for line in [*junk[1:], second]:
            assert line.split(" ")[-1] not in caplog.text, "a dropped line was logged whole"

    def test_an_answer_whose_own_line_does_not_verify_stores_nothing(self, witnessing: Witnessing, log: Log,
                                                                     fakes: FakeWitnesses, issuer: Issuer) -> None:
        grow(log, issuer, 1)
        own = fakes.keys["w1.test"]
        fakes.rewrite["w1.test"] = lambda _lines: own.sign_line("other.nguon/log\n1\nAAAA\n", 1767225600)
        result = witnessing.submit()
        assert result is not None
        assert "that verifies over checkpoint 1" in result.failed["w1.test/w"]
        assert "w1.test/w" not in note_of(witnessing, 1)
        with witnessing.engine.connect() as connection:
            assert stored_cosignatures(connection, 1, ["w1.test/w"]) == []


class TestBackground:
    """The background submitter publishes checkpoints after appends without the append waiting."""

    def test_notify_after_append_gets_the_checkpoint_published(self, witnessing: Witnessing, log: Log,
                                                               issuer: Issuer) -> None:
        witnessing.start()
        grow(log, issuer, 2)
        witnessing.notify()
        deadline = time.monotonic() + 20
        while not published(witnessing, 2):
            assert time.monotonic() < deadline, "checkpoint 2 was not published in 20 s"
            time.sleep(0.05)
        witnessing.stop()


class TestConfiguration:
    """Witness lists and quorums are checked when read."""

    def test_reads_url_and_verifier_key(self) -> None:
        key = CosignatureSigner.generate("witness.example/w1").verifier
        endpoint = WitnessEndpoint.from_config(f"https://witness.example/submit/ {key.to_text()}")
        assert endpoint == WitnessEndpoint("https://witness.example/submit", key)

    @pytest.mark.parametrize("text", ["https://w.example", "ftp://w.example w+00000000+BAAA",
                                      "https://w.example w.example/w1+3b2a1c0d+AQID"])
    def test_refuses_malformed_entries(self, text: str) -> None:
        with pytest.raises(InvalidValueError):
            WitnessEndpoint.from_config(text)

    def test_refuses_a_quorum_larger_than_the_witnesses(self, log: Log, engine: Engine,
                                                        fakes: FakeWitnesses) -> None:
        with pytest.raises(InvalidValueError, match="quorum 2 must be between 0 and the 1 witnesses"):
            Witnessing(log, engine, [fakes.endpoint("w1.test")], 2)

    def test_quorum_zero_publishes_every_checkpoint(self, log: Log, engine: Engine, issuer: Issuer) -> None:
        grow(log, issuer, 2)
        with log.store.read() as view:
            assert is_published(view, 2, [], 0)
            assert latest_published(view, [], 0) == 2

    def test_a_size_without_checkpoint_has_no_note(self, log: Log, issuer: Issuer) -> None:
        grow(log, issuer, 2)
        with log.store.read() as view, pytest.raises(StoreError, match="no checkpoint of size 1"):
            cosigned_note(view, 1)
