"""The remote view: a log audited over the public log API reads like a stored one, and a lying server is caught.

The server is a fake of the API's documented shapes over a real log, with hooks to make it lie.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.audit.auditor import AuditState, audit_log, check_consistency
from ledger.audit.remote import RemoteError, RemoteLog, RemoteView
from ledger.core.encoding import canonical
from ledger.core.errors import AuditError
from ledger.core.hashing import leaf_hash
from ledger.core.note import NoteSigner
from ledger.store.log import Log
from ledger.store.sql import SqlStore
from tests.ledger.test_auditor import COOP, KEYS, ORIGIN, keyed_log

Item = dict[str, Any]


class FakeApi:
    """The public log API of `log`, serving at most `page` entries per request; `lie` may rewrite any item."""

    def __init__(self, log: Log, page: int = 6) -> None:
        self.log = log
        self.page = page
        self.lie: Callable[[Item], Item] = lambda item: item
        self.requests: list[str] = []
        self.refuse: list[int] = []  # statuses to answer before serving, one per request

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path)
        if self.refuse:
            return httpx.Response(self.refuse.pop(0), headers={"Retry-After": "0"})
        path = request.url.path.removeprefix("/api/v1/log")
        query = {k: int(v) for k, v in request.url.params.items()}
        with self.log.store.read() as view:
            if path == "/key":
                return httpx.Response(200, text=self.log.verifier.to_text() + "\n")
            if path == "/checkpoint":
                return httpx.Response(200, text=self.log.checkpoint(view).note)
            if path == "/entries":
                size = view.head().size
                rows = view.entries(query["start"], min(query["start"] + min(query["limit"], self.page), size))
                items = [self.lie({"index": r.index, "hash": r.hash.hex(), "entry": json.loads(r.canonical)})
                         for r in rows]
                following = query["start"] + len(rows)
                return httpx.Response(200, json={"entries": items, "next": following if following < size else None})
            if path == "/proof/consistency":
                return httpx.Response(200, json=self.log.consistency(view, query["old"], query["new"]).to_json())
        return httpx.Response(404)


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture
def api(sql_store: SqlStore, signer: NoteSigner) -> FakeApi:
    return FakeApi(keyed_log(sql_store, signer))


def remote_view(api: FakeApi, tmp_path: Path) -> tuple[RemoteLog, RemoteView]:
    remote = RemoteLog("https://nguon.example/", transport=httpx.MockTransport(api))
    return remote, RemoteView(remote, remote.checkpoint(), tmp_path / "entries.db")


class TestRemoteAudit:
    """The audit over the API verifies what a database audit verifies, from the latest checkpoint."""

    def test_a_clean_remote_log_audits_clean_in_pages(self, api: FakeApi, signer: NoteSigner, tmp_path: Path) -> None:
        remote, view = remote_view(api, tmp_path)
        assert remote.log_key() == signer.verifier
        result = audit_log(view, remote.log_key(), KEYS, chunk=10)
        assert (result.size, result.checkpoints, result.signatures) == (28, 1, 28)
        with api.log.store.read() as stored:
            assert result.root == stored.head().root
        assert api.requests.count("/api/v1/log/entries") >= 28 // api.page

    def test_entries_read_again_come_from_the_copy_of_what_was_audited(self, api: FakeApi, tmp_path: Path) -> None:
        remote, view = remote_view(api, tmp_path)
        audit_log(view, remote.log_key(), chunk=10)
        audited = view.entries(0, 28)
        api.lie = lambda item: {**item, "hash": "00" * 32}
        served = len(api.requests)
        assert view.entries(0, 28) == audited
        assert len(api.requests) == served

    def test_a_claimed_hash_that_is_not_the_hash_of_the_bytes_is_named(self, api: FakeApi, tmp_path: Path) -> None:
        api.lie = lambda item: {**item, "hash": "ab" * 32} if item["index"] == 13 else item
        remote, view = remote_view(api, tmp_path)
        with pytest.raises(AuditError, match="is not the hash of its bytes") as caught:
            audit_log(view, remote.log_key(), chunk=10)
        assert caught.value.index == 13

    def test_a_changed_entry_is_named_by_its_signature(self, api: FakeApi, tmp_path: Path) -> None:
        def lie(item: Item) -> Item:
            if item["index"] != 15:
                return item
            item["entry"]["statement"]["body"]["quantity"] = "999"
            return {**item, "hash": leaf_hash(canonical(item["entry"])).hex()}  # a consistent lie, up to the chain

        api.lie = lie
        remote, view = remote_view(api, tmp_path)
        with pytest.raises(AuditError, match="does not verify") as caught:
            audit_log(view, remote.log_key(), KEYS, chunk=10)
        assert caught.value.index == 15

    def test_the_checkpoint_must_be_signed_by_the_log_key(self, api: FakeApi, tmp_path: Path) -> None:
        _, view = remote_view(api, tmp_path)
        with pytest.raises(AuditError, match="checkpoint at size 28 does not verify") as caught:
            audit_log(view, NoteSigner.generate(ORIGIN).verifier, chunk=10)
        assert caught.value.index == 27

    def test_consistency_proofs_come_from_the_server(self, api: FakeApi, signer: NoteSigner, tmp_path: Path) -> None:
        remote, view = remote_view(api, tmp_path)
        seen = audit_log(view, signer.verifier).state
        with api.log.store.write() as txn:
            api.log.append_verified(txn, [COOP.batch(n) for n in range(11)])
        (tmp_path / "later").mkdir()
        remote, view = remote_view(api, tmp_path / "later")
        now = audit_log(view, signer.verifier).state
        assert (seen.size, now.size) == (28, 39)
        check_consistency(seen, now, remote.consistency)
        assert AuditState.of(signer.verifier, now.checkpoint) == now


class TestRemoteErrors:
    """What cannot be read is a RemoteError that names the request; busy servers are waited for."""

    def test_an_http_error_names_the_request_and_status(self, api: FakeApi) -> None:
        api.refuse = [500]
        remote = RemoteLog("https://nguon.example", transport=httpx.MockTransport(api))
        with pytest.raises(RemoteError, match=r"GET https://nguon.example/api/v1/log/key answered 500; expected 200"):
            remote.log_key()

    def test_429_and_503_are_retried_after_their_retry_after(self, api: FakeApi, signer: NoteSigner) -> None:
        api.refuse = [429, 503]
        remote = RemoteLog("https://nguon.example", transport=httpx.MockTransport(api))
        assert remote.log_key() == signer.verifier
        assert len(api.requests) == 3

    def test_a_connection_failure_is_a_remote_error(self) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        remote = RemoteLog("https://nguon.example", transport=httpx.MockTransport(refuse))
        with pytest.raises(RemoteError, match=r"GET https://nguon\.example/api/v1/log/checkpoint failed"):
            remote.checkpoint()

    def test_a_page_that_is_not_the_api_s_shape_is_a_remote_error(self, api: FakeApi, tmp_path: Path) -> None:
        api.lie = lambda item: {"index": item["index"]}
        _, view = remote_view(api, tmp_path)
        with pytest.raises(RemoteError, match="is not an object with index, hash and entry"):
            view.entries(0, 5)
