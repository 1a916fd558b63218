"""What a browser gets from the resolver: pages in Vietnamese (English on request) for a wrong check digit, a path
that is not a GS1 Digital Link, an unknown batch and a GTIN alone; and the headers that make answers safe to
cache and to show: Vary, Cache-Control, a Content-Security-Policy that allows each page's own styles and no inline
script, nosniff, a referrer policy."""

import base64
import hashlib
import re

import httpx
import pytest

from registry.demo import BatchKey
from tests.api.conftest import PUBLIC_URL, Api
from tests.api.resolving import HTML, JSON, UNKNOWN_GTIN, genuine, item, path, wrong_check_digit
from tests.checks import varies_by

EN = {**HTML, "Accept-Language": "en-GB,en;q=0.9"}


def page(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def styles_allowed(response: httpx.Response) -> bool:
    """Whether every <style> of the page is allowed by the page's policy, by its SHA-256."""
    policy = response.headers["content-security-policy"]
    hashes = [base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
              for css in re.findall(r"<style>(.*?)</style>", response.text, re.DOTALL)]
    return bool(hashes) and all(f"'sha256-{h}'" in policy for h in hashes)


class TestRefusalPages:
    """A code the resolver refuses gets a page saying why, in the reader's language."""

    def test_a_wrong_check_digit_names_the_right_one(self, resolver: Api) -> None:
        gtin = genuine().gtin
        text = page(resolver.client.get(f"/01/{wrong_check_digit(gtin)}/10/L1", headers=HTML), 400)
        assert '<html lang="vi">' in text
        assert "Mã GTIN sai số kiểm tra" in text
        assert f"phải là {gtin[-1]}: mã đúng sẽ là {gtin}" in text
        english = page(resolver.client.get(f"/01/{wrong_check_digit(gtin)}/10/L1", headers=EN), 400)
        assert f"should be {gtin[-1]}: the right code would be {gtin}" in english

    @pytest.mark.parametrize(("tail", "vi", "en"), [
        ("/21/S1/10/L1", "thứ tự các AI định danh bổ sung", "orders the GTIN key qualifiers"),
        ("/10/L1/17/261231", "phải nằm trong chuỗi truy vấn", "go in the query string"),
    ])
    def test_a_malformed_link_says_what_is_wrong(self, resolver: Api, tail: str, vi: str, en: str) -> None:
        url = f"/01/{genuine().gtin}{tail}"
        text = page(resolver.client.get(url, headers=HTML), 400)
        assert "Đường dẫn không hợp lệ" in text
        assert vi in text
        assert "/01/{GTIN}/10/{số lô}" in text
        assert en in page(resolver.client.get(url, params={"lang": "en"}, headers=HTML), 400)

    def test_a_gtin_no_product_has_is_a_404_page(self, resolver: Api) -> None:
        text = page(resolver.client.get(f"/01/{UNKNOWN_GTIN}", headers=HTML), 404)
        assert "Không tìm thấy sản phẩm" in text
        assert "hàng giả" in text
        assert "báo cho đội Quản lý thị trường" in text
        with_lot = page(resolver.client.get(f"/01/{UNKNOWN_GTIN}/10/FAKE-0001", headers=HTML), 404)
        assert "Không tìm thấy mã" in with_lot
        assert 'class="verdict unknown"' in with_lot

    def test_a_link_type_not_offered_lists_those_that_are(self, resolver: Api) -> None:
        text = page(resolver.client.get(path(genuine()), params={"linkType": "gs1:recipeInfo"}, headers=HTML), 404)
        assert "Không có liên kết loại này" in text
        assert f'href="{PUBLIC_URL}/api/v1/batches/{genuine().gtin}/{genuine().lot}/epcis"' in text


class TestProductPages:
    """The product level: the GTIN's page, and what an unknown lot walks up to."""

    def test_the_gtin_lists_the_product_and_its_recent_batches(self, resolver: Api) -> None:
        key = genuine()
        text = page(resolver.client.get(f"/01/{key.gtin}", headers=HTML), 200)
        assert "Sản phẩm đã được đăng ký" in text
        assert f'href="{PUBLIC_URL}{path(key)}?lang=vi"' in text
        assert re.search(r"sản xuất ngày \d{2}/\d{2}/20\d{2}", text)
        assert "Không tìm thấy lô hàng" not in text

    def test_an_unknown_batch_says_so_and_links_to_its_product(self, resolver: Api) -> None:
        key = BatchKey(genuine().gtin, "NO-SUCH-LOT")
        text = page(resolver.client.get(path(key), headers=HTML), 200)
        assert 'class="badge unknown"' in text
        assert "Không tìm thấy lô hàng" in text
        assert "Không có lô NO-SUCH-LOT nào" in text
        assert "báo cho đội Quản lý thị trường" in text
        assert f'href="{PUBLIC_URL}/01/{key.gtin}?lang=vi"' in text
        english = page(resolver.client.get(path(key), params={"lang": "en"}, headers=HTML), 200)
        assert "No batch NO-SUCH-LOT of GTIN" in english


class TestHeaders:
    """Vary and Cache-Control fit each answer; every page carries its security policy."""

    @pytest.mark.parametrize(("url", "headers", "cache"), [
        (path(genuine()), HTML, "public, max-age=60"),
        (path(genuine()), JSON, "public, max-age=60"),
        (path(item(), "BT260000004"), JSON, "no-cache"),
        (f"/01/{genuine().gtin}", JSON, "public, max-age=60"),
        (f"{path(genuine())}?linkType=linkset", {}, "public, max-age=300"),
        (f"/01/{wrong_check_digit(genuine().gtin)}", HTML, "public, max-age=86400"),
        (f"/01/{UNKNOWN_GTIN}/10/L1", JSON, "no-cache"),
    ])
    def test_answers_vary_by_accept_and_language_and_say_how_long_they_keep(
            self, resolver: Api, url: str, headers: dict[str, str], cache: str) -> None:
        response = resolver.client.get(url, headers=headers)
        assert varies_by(response) == {"Accept", "Accept-Language"}
        assert response.headers["cache-control"] == cache

    def test_redirects_keep_longer_and_do_not_vary(self, resolver: Api) -> None:
        key = genuine()
        moved = resolver.client.get(f"/01/{key.gtin[1:]}/10/{key.lot}", follow_redirects=False)
        link = resolver.client.get(path(key), params={"linkType": "gs1:epcis"}, follow_redirects=False)
        assert (moved.headers["cache-control"], "vary" in moved.headers) == ("public, max-age=86400", False)
        assert link.headers["cache-control"] == "public, max-age=300"

    @pytest.mark.parametrize("url", [path(genuine()), path(item(), "BT260000004"), f"/01/{genuine().gtin}",
                                     path(BatchKey(genuine().gtin, "NO-SUCH-LOT")), f"/01/{UNKNOWN_GTIN}",
                                     f"/01/{UNKNOWN_GTIN}/10/L1", f"/01/{wrong_check_digit(genuine().gtin)}",
                                     f"/api/v1/batches/{genuine().gtin}/{genuine().lot}/labels.html"])
    def test_every_page_allows_its_own_styles_and_no_inline_script(self, resolver: Api, url: str) -> None:
        response = resolver.client.get(url, headers=HTML)
        policy = response.headers["content-security-policy"]
        assert policy.startswith("default-src 'self'; script-src 'self';")
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert styles_allowed(response)
        assert "<script" not in response.text
        assert (response.headers["x-content-type-options"], response.headers["referrer-policy"]) == \
            ("nosniff", "same-origin")

    def test_json_is_never_sniffed_as_a_page(self, resolver: Api) -> None:
        for url in (path(genuine()), "/api/v1/log/checkpoint", "/.well-known/gs1resolver"):
            response = resolver.client.get(url, headers=JSON)
            assert response.headers["x-content-type-options"] == "nosniff"
            assert "content-security-policy" not in response.headers
