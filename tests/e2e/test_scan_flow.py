"""From an empty registry to a phone's scan: write through the API, print the QR, decode it, resolve it,
and check the evidence offline with the ledger's own functions."""

import io

import httpx
import zxingcpp
from PIL import Image

from ledger.core.checkpoint import open_checkpoint
from ledger.core.encoding import canonical
from ledger.core.hashing import leaf_hash
from ledger.core.note import NoteVerifier
from ledger.core.proof import InclusionProof
from registry.values import gtin_check_digit
from tests.e2e.conftest import Server, license_prefix

GTIN = "0893600000001" + str(gtin_check_digit("0893600000001"))
PREFIX = "893600"
"""The GS1 company prefix the producer of each test is licensed, which holds GTIN."""


def _created(response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


class TestScanFlow:
    """A producer's batch becomes a QR code that a consumer resolves to an authentic, provable verdict."""

    def test_batch_written_through_the_api_resolves_authentic_from_its_decoded_qr(self, server: Server) -> None:
        root_token = server.cli("bootstrap", "--id", "ipvietnam", "--name-vi", "Cục Sở hữu trí tuệ",
                                "--name-en", "IP Office of Viet Nam").strip()
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            _created(client.post("/api/v1/organisations", headers={"Authorization": f"Bearer {root_token}"}, json={
                "id": "htx-bat-trang", "names": {"vi": "HTX gốm Bát Tràng", "en": "Bat Trang pottery co-op"},
                "roles": ["producer"], "commune": {"code": "00577", "version": "2025-07-01"}}))
            license_prefix(client, root_token, lambda org: server.cli("tokens", "create", "--org", org).strip(),
                           "htx-bat-trang", PREFIX)
            token = server.cli("tokens", "create", "--org", "htx-bat-trang").strip()
            auth = {"Authorization": f"Bearer {token}"}
            _created(client.post("/api/v1/products", headers=auth, json={
                "gtin": GTIN, "names": {"vi": "Bình gốm men lam", "en": "Blue-glazed vase"}, "unit": "H87"}))
            receipt = _created(client.post("/api/v1/batches", headers=auth, json={
                "gtin": GTIN, "lot": "BT-2026/11", "quantity": "120", "unit": "H87", "produced_on": "2026-11-20",
                "origin": {"code": "00577", "version": "2025-07-01"}}))

            png = client.get(f"/api/v1/batches/{GTIN}/BT-2026%2F11/qr.png")
            assert png.status_code == 200
            assert png.headers["content-type"] == "image/png"
            decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
            assert len(decoded) == 1
            assert decoded[0].format == zxingcpp.BarcodeFormat.QRCode
            uri = decoded[0].text
            assert uri == f"{server.base_url}/01/{GTIN}/10/BT-2026%2F11"

            answer = httpx.get(uri, headers={"Accept": "application/json"}, timeout=30)
            assert answer.status_code == 200
            document = answer.json()
            key_text = client.get("/api/v1/log/key").text

        assert document["verdict"] == "authentic"
        assert document["batch"]["lot"] == "BT-2026/11"
        # Offline: nothing below talks to the server.
        log_key = NoteVerifier.from_text(key_text)
        checkpoint, _ = open_checkpoint(document["evidence"]["checkpoint"], log_key)
        indices = set()
        for item in document["evidence"]["entries"]:
            assert leaf_hash(canonical(item["entry"])).hex() == item["hash"]
            proof = InclusionProof.from_json(item["proof"])
            assert proof.leaf_hash.hex() == item["hash"]
            assert proof.root == checkpoint.root
            assert proof.size == checkpoint.size
            proof.verify()
            indices.add(item["index"])
        assert receipt["index"] in indices

    def test_browser_gets_the_consumer_page_in_vietnamese_and_english(self, server: Server) -> None:
        root_token = server.cli("bootstrap", "--id", "ipvietnam", "--name-vi", "Cục Sở hữu trí tuệ",
                                "--name-en", "IP Office of Viet Nam").strip()
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            _created(client.post("/api/v1/organisations", headers={"Authorization": f"Bearer {root_token}"}, json={
                "id": "htx-van-phuc", "names": {"vi": "HTX lụa Vạn Phúc", "en": "Van Phuc silk co-op"},
                "roles": ["producer"]}))
            license_prefix(client, root_token, lambda org: server.cli("tokens", "create", "--org", org).strip(),
                           "htx-van-phuc", PREFIX)
            auth = {"Authorization": f"Bearer {server.cli('tokens', 'create', '--org', 'htx-van-phuc').strip()}"}
            _created(client.post("/api/v1/products", headers=auth, json={
                "gtin": GTIN, "names": {"vi": "Khăn lụa tơ tằm", "en": "Mulberry silk scarf"}, "unit": "H87"}))
            _created(client.post("/api/v1/batches", headers=auth, json={
                "gtin": GTIN, "lot": "VP-1", "quantity": "40", "unit": "H87", "produced_on": "2026-11-02",
                "origin": {"code": "09556", "version": "2025-07-01"}}))
            # A phone follows the resolver's redirect to the code's page (its default link).
            vi = client.get(f"/01/{GTIN}/10/VP-1", headers={"Accept": "text/html"}, follow_redirects=True)
            en = client.get(f"/01/{GTIN}/10/VP-1", headers={"Accept": "text/html", "Accept-Language": "en-GB,en"},
                            follow_redirects=True)
            unknown = client.get(f"/01/{GTIN}/10/NOPE", headers={"Accept": "text/html"}, follow_redirects=True)
        assert vi.status_code == 200
        assert [r.status_code for r in vi.history] == [307]
        assert str(vi.url) == f"{server.base_url}/page/01/{GTIN}/10/VP-1"
        assert "Chính hãng" in vi.text
        assert "Khăn lụa tơ tằm" in vi.text
        assert "Authentic" in en.text
        assert "Mulberry silk scarf" in en.text
        assert unknown.status_code == 200, "an unknown lot of a registered product walks up to the product"
        assert "Không tìm thấy lô hàng" in unknown.text
        assert 'class="badge unknown"' in unknown.text
        assert "<script" not in vi.text
