"""QR codes and label sheets of registered batches and items, read back by a real decoder (zxing-cpp)."""

import base64
import hashlib
import io
import re
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from api.pages.labels import SheetLayout
from api.qr import qr_svg
from api.routes.codes import MAX_LABELS
from tests.api.conftest import GTIN, PRODUCER, PUBLIC_URL, Api, assert_problem, make_batch, make_serials

SVG = re.compile(r"<svg\b")


@pytest.fixture
def codes(api: Api, batch: dict[str, Any]) -> Api:
    """Batch L1 with serials HD0000001–HD0000005, and batch "2026/11" whose lot holds a slash."""
    api.created("/serials", make_serials(count=5, prefix="HD"), as_=PRODUCER)
    api.created("/batches", make_batch(lot="2026/11"), as_=PRODUCER)
    return api


def decoded(png: bytes) -> str:
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), text_mode=zxingcpp.TextMode.Plain)
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    text: str = found.text
    return text


class TestQrCodes:
    """qr.png and qr.svg encode the Digital Link URI on NGUON_PUBLIC_URL."""

    def test_a_batch_png_decodes_to_its_digital_link(self, codes: Api) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/qr.png")
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert decoded(response.content) == f"{PUBLIC_URL}/01/{GTIN}/10/L1"

    def test_an_item_png_decodes_to_its_digital_link(self, codes: Api) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/serials/HD0000002/qr.png")
        assert decoded(response.content) == f"{PUBLIC_URL}/01/{GTIN}/10/L1/21/HD0000002"

    def test_a_lot_with_a_slash_is_percent_encoded_in_the_code(self, codes: Api) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/2026%2F11/qr.png")
        assert decoded(response.content) == f"{PUBLIC_URL}/01/{GTIN}/10/2026%2F11"

    def test_the_svg_is_image_svg_xml(self, codes: Api) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/qr.svg")
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/svg+xml"
        assert SVG.search(response.text)

    def test_an_unknown_batch_is_a_404_problem(self, codes: Api) -> None:
        problem = assert_problem(codes.client.get(f"/api/v1/batches/{GTIN}/NOPE/qr.png"), 404, "unknown-batch")
        assert "NOPE" in problem["detail"]

    def test_an_unknown_serial_is_a_404_problem(self, codes: Api) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/serials/HD0000099/qr.svg")
        problem = assert_problem(response, 404, "unknown-serial")
        assert "HD0000099" in problem["detail"]

    def test_another_format_is_a_404_problem(self, codes: Api) -> None:
        assert_problem(codes.client.get(f"/api/v1/batches/{GTIN}/L1/qr.gif"), 404, "unknown-format")

    def test_an_invalid_gtin_is_refused(self, codes: Api) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN[:-1]}9/L1/qr.png")
        problem = assert_problem(response, 422, "invalid-code")
        assert "check digit" in problem["detail"]


class TestLabelSheets:
    """labels.html holds one inline SVG code per label: copies of the batch code, or one per serial."""

    def test_count_copies_of_the_batch_code(self, codes: Api) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params={"count": 7})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert len(SVG.findall(response.text)) == 7
        assert "Bưởi Hoài Đức" in response.text
        assert f"(01){GTIN}(10)L1" in response.text

    def test_one_label_per_serial_from_offset(self, codes: Api) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html",
                                    params={"serials": "true", "offset": 1, "count": 3})
        assert len(SVG.findall(response.text)) == 3
        shown = re.findall(r"\(21\)(HD\d{7})", response.text)
        assert sorted(set(shown)) == ["HD0000002", "HD0000003", "HD0000004"]

    def test_serials_past_the_last_are_a_404_problem(self, codes: Api) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params={"serials": "true",
                                                                                     "offset": 5})
        assert_problem(response, 404, "no-serials")

    def test_labels_of_an_unknown_batch_are_a_404_problem(self, codes: Api) -> None:
        assert_problem(codes.client.get(f"/api/v1/batches/{GTIN}/NOPE/labels.html"), 404, "unknown-batch")

    def test_a_lot_with_a_slash_has_its_sheet(self, codes: Api) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/2026%2F11/labels.html", params={"count": 2})
        assert len(SVG.findall(response.text)) == 2
        assert f"(01){GTIN}(10)2026/11" in response.text

    @pytest.mark.parametrize("count", ["0", "-1", "２４", "1e3", "9" * 5000])
    def test_a_count_that_is_not_a_positive_ascii_number_is_refused(self, codes: Api, count: str) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params={"count": count})
        assert_problem(response, 422, "invalid-request")


class TestLabelSheetBounds:
    """A sheet is public, so one request is bounded to a print run, and what was rendered is kept."""

    def test_a_print_run_of_ten_a4_pages_is_one_sheet(self, codes: Api) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params={"count": MAX_LABELS})
        assert response.status_code == 200
        assert 10 * SheetLayout().per_page == MAX_LABELS
        assert len(SVG.findall(response.text)) == MAX_LABELS

    @pytest.mark.parametrize("count", [MAX_LABELS + 1, 480, 10**9])
    def test_more_labels_are_refused_in_both_languages(self, codes: Api, count: int) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html",
                                    params={"count": count, "serials": "true"})
        problem = assert_problem(response, 422, "too-many-labels")
        assert f"at most {MAX_LABELS} labels" in problem["message"]["en"]
        assert f"tối đa {MAX_LABELS} nhãn" in problem["message"]["vi"]
        assert str(count) in problem["message"]["vi"]

    def test_copies_of_the_batch_code_make_its_qr_code_once(self, codes: Api) -> None:
        qr_svg.cache_clear()
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params={"count": 24})
        assert response.status_code == 200
        assert (qr_svg.cache_info().misses, qr_svg.cache_info().hits) == (1, 23)

    def test_a_repeated_sheet_is_served_from_the_cache(self, codes: Api) -> None:
        sheets = codes.services.sheets
        params = {"serials": "true", "offset": 1, "count": 3}
        first = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params=params)
        made = qr_svg.cache_info()
        misses, hits = sheets.cache.misses, sheets.cache.hits
        again = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params=params)
        assert again.text == first.text
        assert (sheets.cache.misses, sheets.cache.hits) == (misses, hits + 1)
        assert qr_svg.cache_info() == made, "a cached sheet made or looked up a QR code again"

    def test_a_sheet_shows_serials_issued_since_the_same_request_was_cached(self, codes: Api) -> None:
        params = {"serials": "true", "offset": 3, "count": 10}
        before = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params=params)
        codes.created("/serials", make_serials(count=None, serials=["ZZ1", "ZZ2"]), as_=PRODUCER)
        after = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params=params)
        assert len(SVG.findall(before.text)) == 2
        assert len(SVG.findall(after.text)) == 4

    def test_while_one_sheet_is_rendered_another_new_one_is_refused_and_cached_ones_are_served(
            self, codes: Api) -> None:
        cached = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params={"count": 2})
        with codes.services.sheets.rendering:
            busy = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params={"count": 3})
            again = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params={"count": 2})
        assert_problem(busy, 503, "labels-busy")
        assert busy.headers["retry-after"] == "2"
        assert again.text == cached.text
        assert codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html", params={"count": 3}).status_code == 200


class TestCompression:
    """Answers go gzip-compressed to a client that accepts it, and as they are to one that does not."""

    def test_a_label_sheet_is_compressed_for_a_client_that_accepts_gzip(self, codes: Api) -> None:
        path = f"/api/v1/batches/{GTIN}/L1/labels.html?count=24"
        plain = codes.client.get(path, headers={"Accept-Encoding": "identity"})
        packed = codes.client.get(path, headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in packed.headers["vary"].lower()
        assert packed.text == plain.text, "the client reads the same page"
        sent = int(packed.headers["content-length"])
        assert sent * 10 < len(plain.content), f"{sent} bytes compressed of {len(plain.content)}"

    def test_an_image_is_not_compressed_again(self, codes: Api) -> None:
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/qr.png", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in response.headers

    def test_an_entry_bundle_is_compressed(self, codes: Api) -> None:
        response = codes.client.get("/api/v1/log/tile/entries/000.p/5", headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, response.text
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"

    def test_a_compressed_page_still_allows_its_own_styles(self, codes: Api) -> None:
        """The policy hashes the page's styles from the page as written, not from its compressed bytes."""
        response = codes.client.get(f"/api/v1/batches/{GTIN}/L1/labels.html?count=24",
                                    headers={"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip"
        [css] = re.findall(r"<style>(.*?)</style>", response.text, re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in response.headers["content-security-policy"]
