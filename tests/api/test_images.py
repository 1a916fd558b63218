"""Product images over HTTP: a producer uploads the bytes with its token, anyone fetches them by their SHA-256,
and a product names the hash; every refusal stores nothing and appends nothing."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import func, select

from registry.demo_images import picture
from registry.held import RegImage
from registry.images import MAX_BYTES
from registry.state import table_of
from tests.api.conftest import (
    GTIN,
    OTHER_PRODUCER,
    PRODUCER,
    ROOT,
    Api,
    assert_problem,
    gtin,
    make_batch,
    make_product,
)

PNG = picture("circle", "#fbf7e3", "#9bbf3c")
SHA256 = hashlib.sha256(PNG).hexdigest()


def upload(api: Api, data: bytes, content_type: str = "image/png", as_: str | None = PRODUCER) -> httpx.Response:
    headers = {"Content-Type": content_type, **(api.auth(as_) if as_ else {})}
    response: httpx.Response = api.client.post("/api/v1/images", content=data, headers=headers)
    return response


def kept(api: Api) -> int:
    with api.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(RegImage))).scalar_one())


@contextmanager
def nothing_kept(api: Api) -> Iterator[None]:
    """No image is kept and no entry appended by what happens inside."""
    before = kept(api)
    with api.nothing_appended():
        yield
    assert kept(api) == before, "a refused upload kept an image"


class TestUpload:
    """A producer uploads an image with its token; its type is what the bytes say."""

    def test_keeps_the_image_by_its_sha256(self, api: Api, producer: str) -> None:
        response = upload(api, PNG)
        assert response.status_code == 201, response.text
        assert response.json() == {"sha256": SHA256, "media_type": "image/png", "width": 96, "height": 96,
                                   "url": f"/api/v1/images/{SHA256}"}

    def test_the_same_image_again_is_kept_once(self, api: Api, producer: str) -> None:
        upload(api, PNG)
        again = upload(api, PNG)
        assert (again.status_code, again.json()["sha256"], kept(api)) == (200, SHA256, 1)

    def test_refuses_an_image_over_the_size_bound(self, api: Api, producer: str) -> None:
        with nothing_kept(api):
            assert_problem(upload(api, PNG + b"\0" * MAX_BYTES), 413, "image-too-large")

    def test_refuses_a_body_over_the_request_bound_before_reading_it_all(self, api: Api, producer: str) -> None:
        with nothing_kept(api):
            assert_problem(upload(api, PNG + b"\0" * (api.services.settings.max_body_bytes + 1)), 413)

    def test_refuses_a_type_it_does_not_keep(self, api: Api, producer: str) -> None:
        with nothing_kept(api):
            problem = assert_problem(upload(api, b"GIF89a" + b"\0" * 64, "image/gif"), 415, "image-type-unsupported")
        assert "không phải ảnh PNG, JPEG hay WebP" in problem["message"]["vi"]

    def test_refuses_bytes_that_lie_about_their_type(self, api: Api, producer: str) -> None:
        with nothing_kept(api):
            problem = assert_problem(upload(api, PNG, "image/jpeg"), 415, "image-type-mismatch")
        assert problem["detail"] == "the request says image/jpeg, but the bytes are image/png"

    def test_refuses_an_upload_without_a_token(self, api: Api, producer: str) -> None:
        with nothing_kept(api):
            response = upload(api, PNG, as_=None)
            assert_problem(response, 401, "token-required")
        assert response.headers["connection"] == "close"

    def test_refuses_an_unknown_token(self, api: Api, producer: str) -> None:
        with nothing_kept(api):
            response = api.client.post("/api/v1/images", content=PNG,
                                       headers={"Content-Type": "image/png", "Authorization": "Bearer ngn_nope"})
            assert_problem(response, 401, "token-invalid")

    def test_refuses_an_organisation_that_is_not_a_producer(self, api: Api) -> None:
        with nothing_kept(api):
            assert_problem(upload(api, PNG, as_=ROOT), 403, "role-not-allowed")


class TestFetch:
    """Anyone fetches an image by its SHA-256, to be cached for good and never sniffed."""

    def test_serves_the_bytes_with_their_type(self, api: Api, producer: str) -> None:
        upload(api, PNG)
        response = api.client.get(f"/api/v1/images/{SHA256}")
        assert (response.status_code, response.content) == (200, PNG)
        assert response.headers["content-type"] == "image/png"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["etag"] == f'"{SHA256}"'
        assert "sandbox" in response.headers["content-security-policy"]

    def test_an_unknown_hash_is_not_found(self, api: Api) -> None:
        assert_problem(api.client.get(f"/api/v1/images/{SHA256}"), 404, "unknown-image")

    def test_a_malformed_hash_is_not_found(self, api: Api, producer: str) -> None:
        upload(api, PNG)
        for name in (SHA256.upper(), SHA256[:-1], f"{SHA256}.png", "x" * 5000):
            assert_problem(api.client.get(f"/api/v1/images/{name}"), 404)


class TestProductImage:
    """A product names an uploaded image by its hash, and its page shows it."""

    def test_a_product_with_its_passport_is_recorded_as_v2_and_without_as_v1(self, api: Api, producer: str) -> None:
        upload(api, PNG)
        plain = api.created("/products", make_product(gtin=gtin(8)), as_=PRODUCER)
        passport = api.created("/products", make_product(gtin=gtin(9), image=SHA256, shelf_life_days=30),
                               as_=PRODUCER)
        assert api.entry(plain["index"])["kind"] == "product.registered.v1"
        assert "standards" not in api.entry(plain["index"])["body"]
        assert api.entry(passport["index"])["kind"] == "product.registered.v2"
        assert api.entry(passport["index"])["body"]["image"] == SHA256

    def test_refuses_a_product_naming_an_image_never_uploaded(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.post("/products", make_product(gtin=gtin(8), image=SHA256), as_=PRODUCER)
            assert_problem(response, 422, "unknown-image")

    def test_the_verdict_and_the_page_show_the_image(self, api: Api, producer: str) -> None:
        upload(api, PNG)
        api.created("/products", make_product(gtin=gtin(8), image=SHA256, shelf_life_days=30), as_=PRODUCER)
        api.created("/batches", make_batch(gtin=gtin(8)), as_=PRODUCER)
        code = f"/01/{gtin(8)}/10/L1"
        document = api.client.get(code, headers={"Accept": "application/json"}).json()
        assert document["product"]["image"] == {"sha256": SHA256, "url": f"/api/v1/images/{SHA256}"}
        assert document["batch"]["expiry_derived"] is True
        page = api.client.get(code).text
        assert f'<img class="product-image" src="/api/v1/images/{SHA256}"' in page
        assert api.client.get(document["product"]["image"]["url"]).content == PNG


class TestProductUpdate:
    """POST /api/v1/products/updates: the producer changes its product's passport; the page shows it now."""

    def test_the_producer_gives_its_product_an_image_and_a_unit(self, api: Api, producer: str) -> None:
        upload(api, PNG)
        receipt = api.created("/products/updates", {"gtin": GTIN, "image": SHA256, "unit": "XBO"}, as_=PRODUCER)
        assert api.entry(receipt["index"])["kind"] == "product.updated.v2"
        api.created("/batches", make_batch(unit="XBO"), as_=PRODUCER)
        document = api.client.get(f"/01/{GTIN}/10/L1", headers={"Accept": "application/json"}).json()
        assert (document["product"]["image"]["sha256"], document["product"]["updated_on"]) == (
            SHA256, document["batch"]["registered_on"])
        page = api.client.get(f"/01/{GTIN}/10/L1").text
        assert "Thông tin sản phẩm cập nhật ngày" in page
        assert "100 chai" in page

    def test_an_update_is_no_epcis_event(self, api: Api, producer: str) -> None:
        api.created("/batches", make_batch(), as_=PRODUCER)
        before = api.client.get(f"/api/v1/batches/{GTIN}/L1/epcis").json()["epcisBody"]
        api.created("/products/updates", {"gtin": GTIN, "shelf_life_days": 20}, as_=PRODUCER)
        assert api.client.get(f"/api/v1/batches/{GTIN}/L1/epcis").json()["epcisBody"] == before

    def test_refuses_an_image_never_uploaded(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            response = api.post("/products/updates", {"gtin": GTIN, "image": SHA256}, as_=PRODUCER)
            assert_problem(response, 422, "unknown-image")

    def test_refuses_a_rival_producer(self, api: Api, producer: str) -> None:
        api.register_producer(OTHER_PRODUCER, "893900")
        with api.nothing_appended():
            response = api.post("/products/updates", {"gtin": GTIN, "shelf_life_days": 1}, as_=OTHER_PRODUCER)
            assert_problem(response, 403, "not-your-product")

    def test_refuses_an_empty_update_and_an_unknown_gtin(self, api: Api, producer: str) -> None:
        with api.nothing_appended():
            assert_problem(api.post("/products/updates", {"gtin": GTIN}, as_=PRODUCER), 422, "empty-update")
            assert_problem(api.post("/products/updates", {"gtin": gtin(999), "shelf_life_days": 5}, as_=PRODUCER),
                           422, "unknown-product")
