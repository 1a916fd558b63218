"""The tlog-witness protocol against a real witness server (`nguon witness serve` under uvicorn).

One server per module, on a database of its own (an SQLite file, or a fresh PostgreSQL schema with
NGUON_TEST_DATABASE_URL) that it migrates itself. It follows several logs and each test takes one it has
never seen, so the tests share the server's start-up time but not its state.
"""

import base64
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ledger.core.checkpoint import Checkpoint
from ledger.core.cosignature import CosignatureVerifier, open_cosigned_checkpoint
from ledger.core.hashing import Hash
from ledger.core.note import NoteSigner
from ledger.store.engines import make_engine, normalise_url
from ledger.store.log import Log
from ledger.store.protocol import MemoryStore, StoredCheckpoint
from ledger.store.sql import SqlStore
from ledger.witness.protocol import MAX_REQUEST_BYTES, SIZE_CONTENT_TYPE, AddCheckpointRequest
from ledger.witness.server import load_or_create_witness_key
from ledger.witness.submitter import WitnessEndpoint, Witnessing
from tests.conftest import TEST_DATABASE_ENV, Issuer
from tests.databases import migrate
from tests.e2e.conftest import _free_port
from tests.ledger.test_witness import grow, request_for

WITNESS = "witness.e2e.nguon/w1"
LOGS = 12
"""The server follows this many logs; each test takes a fresh one, so tests share one server process."""


@dataclass
class WitnessServer:
    url: str
    key: CosignatureVerifier
    http: httpx.Client
    log_keys: list[NoteSigner]

    def add(self, request: AddCheckpointRequest | bytes) -> httpx.Response:
        body = request if isinstance(request, bytes) else request.to_text().encode()
        return self.http.post(f"{self.url}/add-checkpoint", content=body)

    def stored_size(self, log: Log) -> int:
        """What the witness stores for `log`, asked the protocol's way: `old 0` gets 409 with the stored size."""
        with log.store.read() as view:
            latest = log.checkpoint(view)
        response = self.add(AddCheckpointRequest(0, (), latest.note))
        assert response.status_code == 409, response.text
        assert response.headers["content-type"] == SIZE_CONTENT_TYPE
        return int(response.text)


@pytest.fixture(scope="module")
def witness_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The witness's own empty database for this module: an SQLite file, or a fresh PostgreSQL schema."""
    base = os.environ.get(TEST_DATABASE_ENV)
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('witness') / 'witness.db'}"
        return
    schema = f"w_{secrets.token_hex(6)}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield normalise_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(scope="module")
def server(witness_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WitnessServer]:
    """`nguon witness serve` on its own database, following LOGS logs; it migrates the database itself."""
    data_dir = tmp_path_factory.mktemp("witness-data")
    log_keys = [NoteSigner.generate(f"e2e.nguon/log{i}") for i in range(LOGS)]
    key = load_or_create_witness_key(data_dir, WITNESS).verifier
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    command = [sys.executable, "-c", "from api.cli.witness import witness_app; witness_app()", "serve",
               "--host", "127.0.0.1", "--port", str(port), "--database", witness_database,
               "--data-dir", str(data_dir), "--name", WITNESS]
    for log_key in log_keys:
        command += ["--log-key", log_key.verifier.to_text()]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    http = httpx.Client(timeout=30)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if http.get(f"{url}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"witness did not start: {output}")
            time.sleep(0.1)
        yield WitnessServer(url, key, http, log_keys)
    finally:
        http.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass(frozen=True)
class Followed:
    """A log the witness follows and has never seen, on an in-memory store."""

    witness: WitnessServer
    signer: NoteSigner
    log: Log

    def stored_size(self) -> int:
        return self.witness.stored_size(self.log)


@pytest.fixture
def followed(server: WitnessServer) -> Followed:
    assert server.log_keys, f"every test takes a fresh log; raise LOGS above {LOGS}"
    signer = server.log_keys.pop()
    return Followed(server, signer, Log(MemoryStore(), signer))


def cosigned_by(f: Followed, checkpoint: StoredCheckpoint, response: httpx.Response) -> None:
    """`response` is a 200 whose body is the witness's valid cosignature of `checkpoint`."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    opened = open_cosigned_checkpoint(checkpoint.note + response.text, f.signer.verifier, [f.witness.key])
    assert opened.witnesses == (WITNESS,)


class TestAddCheckpoint:
    """The witness answers add-checkpoint with the statuses and bodies of c2sp.org/tlog-witness."""

    def test_first_checkpoint_then_a_consistency_proof_from_it(self, followed: Followed, issuer: Issuer) -> None:
        first = grow(followed.log, issuer, 3)
        cosigned_by(followed, first, followed.witness.add(request_for(followed.log, 0, first)))
        second = grow(followed.log, issuer, 4)
        cosigned_by(followed, second, followed.witness.add(request_for(followed.log, 3, second)))
        assert followed.stored_size() == 7

    def test_stale_old_size_gets_409_with_the_stored_size(self, followed: Followed, issuer: Issuer) -> None:
        followed.witness.add(request_for(followed.log, 0, grow(followed.log, issuer, 5)))
        response = followed.witness.add(request_for(followed.log, 2, grow(followed.log, issuer, 2)))
        assert response.status_code == 409
        assert (response.headers["content-type"], response.text) == (SIZE_CONTENT_TYPE, "5\n")

    def test_bad_consistency_proof_gets_422(self, followed: Followed, issuer: Issuer) -> None:
        followed.witness.add(request_for(followed.log, 0, grow(followed.log, issuer, 5)))
        good = request_for(followed.log, 5, grow(followed.log, issuer, 3))
        bad = AddCheckpointRequest(5, (Hash(good.proof[0][::-1]), *good.proof[1:]), good.note)
        response = followed.witness.add(bad)
        assert response.status_code == 422
        assert response.json()["code"] == "inconsistent-checkpoint"
        assert followed.stored_size() == 5

    def test_fork_gets_409_with_both_signed_notes(self, followed: Followed, issuer: Issuer) -> None:
        honest = grow(followed.log, issuer, 5)
        followed.witness.add(request_for(followed.log, 0, honest))
        forked = Log(MemoryStore(), followed.signer)
        other = grow(forked, Issuer("coop-van-phuc"), 5)
        response = followed.witness.add(request_for(forked, 5, other))
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert (problem["code"], problem["origin"], problem["size"]) == ("fork", followed.log.origin, 5)
        assert (problem["cosigned_checkpoint"], problem["submitted_checkpoint"]) == (honest.note, other.note)
        assert followed.stored_size() == 5

    def test_unknown_origin_gets_404_and_an_untrusted_signature_403(self, followed: Followed) -> None:
        root = Hash(bytes(32))
        stranger = Checkpoint("stranger.example/log", 1, root).sign(NoteSigner.generate("stranger.example/log"))
        assert followed.witness.add(AddCheckpointRequest(0, (), stranger)).status_code == 404
        impostor = Checkpoint(followed.log.origin, 1, root).sign(NoteSigner.generate(followed.log.origin))
        assert followed.witness.add(AddCheckpointRequest(0, (), impostor)).status_code == 403

    @pytest.mark.parametrize("body", [b"", b"old 1\n", b"old x\n\nnote\n", b"old 0\nAAAA\n\nnote\n",
                                      b"old 0\n\n\xff\xfe\n"], ids=repr)
    def test_malformed_requests_get_400(self, server: WitnessServer, body: bytes) -> None:
        response = server.add(body)
        assert response.status_code == 400
        assert response.json()["code"] == "malformed-request"

    def test_an_oversized_body_gets_413(self, server: WitnessServer) -> None:
        assert server.add(b"old 0\n\n" + b"a" * MAX_REQUEST_BYTES).status_code == 413

    def test_old_size_beyond_the_checkpoint_gets_400(self, followed: Followed, issuer: Issuer) -> None:
        checkpoint = grow(followed.log, issuer, 2)
        hash_line = base64.b64encode(bytes(32)).decode()
        assert followed.witness.add(f"old 3\n{hash_line}\n\n{checkpoint.note}".encode()).status_code == 400


def race(witness: WitnessServer, requests: list[AddCheckpointRequest]) -> list[httpx.Response]:
    """Send `requests` from threads released together; the responses in the same order."""
    barrier = threading.Barrier(len(requests))
    responses: list[httpx.Response | None] = [None] * len(requests)

    def send(i: int) -> None:
        barrier.wait()
        responses[i] = witness.add(requests[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r is not None for r in responses), "a request did not finish in 60 s"
    return [r for r in responses if r is not None]


class TestConcurrentRequests:
    """Concurrent add-checkpoint requests never roll the stored checkpoint back."""

    def test_the_stored_size_is_the_largest_cosigned_and_never_rolls_back(self, followed: Followed,
                                                                          issuer: Issuer) -> None:
        base = grow(followed.log, issuer, 1)
        cosigned_by(followed, base, followed.witness.add(request_for(followed.log, 0, base)))
        stored = base.size
        for _round in range(4):
            smaller, larger = grow(followed.log, issuer, 1), grow(followed.log, issuer, 2)
            # The larger checkpoint is sent twice: from the stored size and from the smaller one, so that it
            # is cosignable whichever of the others wins.
            sent = [(smaller, request_for(followed.log, stored, smaller)),
                    (larger, request_for(followed.log, stored, larger)),
                    (larger, request_for(followed.log, smaller.size, larger))]
            responses = race(followed.witness, [request for _, request in sent])
            assert {r.status_code for r in responses} <= {200, 409}, [r.text for r in responses]
            cosigned = []
            for (checkpoint, _), response in zip(sent, responses, strict=True):
                if response.status_code == 200:
                    cosigned_by(followed, checkpoint, response)
                    cosigned.append(checkpoint.size)
            stored = followed.stored_size()
            assert cosigned
            # Never rolled back: what is stored is the largest size any 200 cosigned, so no 200 was given
            # for a checkpoint older than the one left stored.
            assert stored == max(cosigned)


class TestRegistrySubmission:
    """The registry's submitter gets its checkpoints cosigned by the real witness."""

    def test_submits_stores_and_serves_cosigned_checkpoints(self, server: WitnessServer, tmp_path: Path,
                                                            issuer: Issuer) -> None:
        assert server.log_keys
        signer = server.log_keys.pop()
        url = f"sqlite:///{tmp_path / 'log.db'}"
        migrate(url)
        engine = make_engine(url)
        log = Log(SqlStore(engine), signer)
        followed = Followed(server, signer, log)
        # The witness already cosigned size 2: the submitter, knowing nothing, learns it from a 409.
        server.add(request_for(log, 0, grow(log, issuer, 2)))
        submitter = Witnessing(log, engine, [WitnessEndpoint(server.url, server.key)], quorum=1)
        try:
            for count in (3, 1):
                checkpoint = grow(log, issuer, count)
                result = submitter.submit()
                assert result is not None
                assert (result.size, list(result.cosigned), result.failed) == (checkpoint.size, [WITNESS], {})
                with log.store.read() as view:
                    assert submitter.is_published(view, checkpoint.size)
                    note = submitter.cosigned_note(view, checkpoint.size)
                opened = open_cosigned_checkpoint(note, signer.verifier, [server.key])
                assert (opened.checkpoint.size, opened.witnesses) == (checkpoint.size, (WITNESS,))
            assert followed.stored_size() == 6
        finally:
            submitter.stop()
            engine.dispose()
