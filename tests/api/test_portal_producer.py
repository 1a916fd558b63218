"""The producer's part of the portal (api/portal/producer.py): its dashboard, products with their image, batches
with claims, origin and inputs, and a batch's events, recall and serials. Each form appends its statement, updates
the projections and records the person; each refusal (a viewer, an organisation without the producer role, ids of
another organisation in the fields, a suspended right, a forged form, a bad image) appends nothing, changes no
projection and keeps no image, and shows the API's own words."""

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from api.portal.tables import PortalSubmission, PortalUser
from api.scans import WARN_CLIENTS, WARN_DAYS
from api.tables import ScanClient, ScanWindow
from ledger.store.engines import write_transaction
from registry.demo_images import picture
from registry.held import RegImage
from registry.images import MAX_BYTES
from registry.state import table_of
from registry.tables import RegBatch, RegBatchClaim, RegEvent, RegProduct, RegRight, RegSerial
from tests.api.conftest import (
    Api,
    days_from_today,
    make_batch,
    make_gi,
    make_product,
    make_right,
    make_right_change,
    make_serials,
)
from tests.api.portal_client import ORIGIN, Browser, add_user, form_token
from tests.factories import COMMUNE, GTIN, OTHER_PRODUCER, PRODUCER, PRODUCER_PREFIXES, RIGHT, ROOT, gtin

ADMIN, CLERK, VIEWER = "admin@coop-hoai-duc", "clerk@coop-hoai-duc", "viewer@coop-hoai-duc"
OTHER_ADMIN, ROOT_ADMIN = "admin@coop-dien", "admin@ipvietnam"
OTHER_PREFIX = "893999"
THEIR_GTIN = gtin(1, "0893999")
NEW_GTIN = gtin(77)
THEIR_NEXT = gtin(5, "0893999")
THEIR_RIGHT = "right-dien"
PNG = picture("circle", "#fbf7e3", "#9bbf3c")


@pytest.fixture
def cast(api: Api) -> Api:
    """PRODUCER with its product GTIN, batch L1 and RIGHT to the GI (a quota of 2,500 pieces, "2.500 quả" on its
    papers); OTHER_PRODUCER with its own product, batch and right; the people of both and an admin of ROOT (an
    authority, not a producer)."""
    api.register_producer(PRODUCER, *PRODUCER_PREFIXES)
    api.register_producer(OTHER_PRODUCER, OTHER_PREFIX)
    api.created("/products", make_product(), as_=PRODUCER)
    api.created("/products", make_product(gtin=THEIR_GTIN), as_=OTHER_PRODUCER)
    api.created("/batches", make_batch(), as_=PRODUCER)
    api.created("/batches", make_batch(gtin=THEIR_GTIN), as_=OTHER_PRODUCER)
    api.created("/gis", make_gi())
    api.created("/rights", make_right(quota={"quantity": "2500", "unit": "H87", "text": "2.500 quả"}))
    api.created("/rights", make_right(id=THEIR_RIGHT, holder=OTHER_PRODUCER))
    add_user(api.engine, PRODUCER, ADMIN)
    add_user(api.engine, PRODUCER, CLERK, "clerk")
    add_user(api.engine, PRODUCER, VIEWER, "viewer")
    add_user(api.engine, OTHER_PRODUCER, OTHER_ADMIN)
    add_user(api.engine, ROOT, ROOT_ADMIN)
    return api


def _images(api: Api) -> int:
    with api.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(RegImage))).scalar_one())


@contextmanager
def nothing_recorded(api: Api) -> Iterator[None]:
    """Nothing appended, no projection changed, no image kept, nobody recorded as a submitter."""
    before = (_images(api), _submissions(api))
    with api.nothing_appended():
        yield
    assert (_images(api), _submissions(api)) == before, "a refusal kept an image or recorded a submitter"


def _submissions(api: Api) -> list[tuple[int, str]]:
    with api.engine.connect() as connection:
        table, users = table_of(PortalSubmission), table_of(PortalUser)
        rows = connection.execute(select(table.c.entry, users.c.login).join(users, users.c.id == table.c.user_id)
                                  .order_by(table.c.entry))
        return [(int(entry), str(login)) for entry, login in rows]


def _row(api: Api, model: Any, **key: Any) -> Any:
    with api.engine.connect() as connection:
        table = table_of(model)
        return connection.execute(select(table).filter_by(**key)).first()


def _last(api: Api) -> tuple[int, dict[str, Any]]:
    size = api.size()
    return size - 1, api.get(f"/log/entries/{size - 1}")["entry"]


def _recorded_by(api: Api, login: str) -> dict[str, Any]:
    """The last entry, which the portal recorded as submitted by `login`; its statement."""
    index, entry = _last(api)
    assert (index, login) in _submissions(api)
    statement: dict[str, Any] = entry["statement"]
    return statement


def _multipart(browser: Browser, page: str, action: str, fields: dict[str, str],
               image: tuple[str, bytes, str] | None, headers: dict[str, str] | None = None) -> httpx.Response:
    token = form_token(browser.get(page).text)
    files = {"image": image} if image else {"image": ("", b"", "application/octet-stream")}
    response: httpx.Response = browser.client.post(action, data={"csrf": token, **fields}, files=files,
                                                   headers={"Origin": ORIGIN, **(headers or {})})
    return response


def _product_fields(**overrides: str) -> dict[str, str]:
    return {"gtin": NEW_GTIN, "names.vi": "Bưởi đỏ Hoài Đức", "names.en": "Hoai Duc red pomelo", "unit": "H87",
            "shelf_life_days": "30", "standards": "TCVN 11041-2:2017", "usage.vi": "Bóc vỏ rồi ăn.",
            "usage.en": "Peel and eat.", **overrides}


def _batch_fields(**overrides: str) -> dict[str, str]:
    return {"province": "01", "gtin": GTIN, "lot": "L2", "quantity": "700", "produced_on": days_from_today(-2),
            "commune": COMMUNE["code"], **overrides}


def _post_batch(browser: Browser, fields: dict[str, str], claims: tuple[str, ...] = (),
                headers: dict[str, str] | None = None) -> httpx.Response:
    token = form_token(browser.get("/portal/batches/new?province=01").text)
    data: dict[str, Any] = {"csrf": token, **fields}
    if claims:
        data["claims"] = list(claims)
    response: httpx.Response = browser.client.post("/portal/batches/new", data=data,
                                                   headers={"Origin": ORIGIN, **(headers or {})})
    return response


def _batch_action(browser: Browser, gtin_: str, lot: str, action: str, **fields: str) -> httpx.Response:
    path = f"/portal/batches/{gtin_}/{lot}"
    return browser.post(path, {"csrf": form_token(browser.get("/portal").text), "action": action, **fields})


class TestDashboard:
    def test_the_home_page_shows_products_batches_rights_with_quota_left_in_words(self, app: FastAPI,
                                                                                 cast: Api) -> None:
        cast.created("/batches", make_batch(lot="L9", quantity="1800", claims=[{"type": "gi", "id": "buoi-hoai-duc"}],
                                            produced_on=days_from_today(-1)), as_=PRODUCER)
        home = Browser(app).signed_in(VIEWER).get("/portal").text
        assert "Quyền sử dụng còn hiệu lực" in home
        assert 'href="/portal/products"' in home
        assert "Bưởi Hoài Đức" in home
        assert 'href="/portal/batches/08934567890120/L9"' in home
        assert "còn 700 trên 2.500 quả" in home
        english = Browser(app).signed_in(VIEWER).get("/portal?lang=en").text
        assert "700 of 2,500 pieces left" in english
        assert "Đăng ký sản phẩm mới" not in home, "a viewer is offered no form"

    def test_scans_of_its_batches_and_a_copied_code_are_shown(self, app: FastAPI, cast: Api) -> None:
        """Scans counted today of serial S0000001 of L1, and readers on WARN_DAYS days: a warning."""
        cast.created("/serials", make_serials(count=2), as_=PRODUCER)
        days = [(date.today() - timedelta(days=n)).isoformat() for n in range(WARN_DAYS)]
        with write_transaction(cast.engine) as connection:
            connection.execute(table_of(ScanWindow).insert(), [
                {"gtin": GTIN, "lot": "L1", "serial": "S0000001", "day": day, "scans": 40} for day in days])
            connection.execute(table_of(ScanClient).insert(), [
                {"gtin": GTIN, "lot": "L1", "serial": "S0000001", "day": days[n % WARN_DAYS], "client": f"c{n}"}
                for n in range(WARN_CLIENTS)])
        home = Browser(app).signed_in(VIEWER).get("/portal").text
        assert "200 lượt quét, 1 mã" in home
        assert f"Mã S0000001 của lô L1 được {WARN_CLIENTS} người quét vào {WARN_DAYS} ngày khác nhau" in home
        other = Browser(app).signed_in(OTHER_ADMIN).get("/portal").text
        assert "S0000001" not in other
        assert "Chưa có lượt quét nào." in other

    def test_an_organisation_without_the_producer_role_has_no_producer_part(self, app: FastAPI, cast: Api) -> None:
        browser = Browser(app).signed_in(ROOT_ADMIN)
        assert "Quyền sử dụng còn hiệu lực" not in browser.get("/portal").text
        assert browser.get("/portal/products").status_code == 403
        assert browser.get("/portal/batches/new").status_code == 403


class TestProduct:
    def test_registers_a_product_with_its_image(self, app: FastAPI, cast: Api) -> None:
        clerk = Browser(app).signed_in(CLERK)
        done = _multipart(clerk, "/portal/products/new", "/portal/products/new", _product_fields(),
                          ("pomelo.png", PNG, "image/png"))
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"/portal/products/{NEW_GTIN}?done=prd_done_product"
        statement = _recorded_by(cast, CLERK)
        assert statement["kind"] == "product.registered.v2"
        assert statement["body"]["image"] == hashlib.sha256(PNG).hexdigest()
        assert statement["issuer"] == PRODUCER
        assert _row(cast, RegProduct, gtin=NEW_GTIN).producer == PRODUCER
        page = clerk.get(done.headers["location"]).text
        assert "Đã đăng ký sản phẩm vào sổ." in page
        assert "Bưởi đỏ Hoài Đức" in page
        assert f"/api/v1/images/{hashlib.sha256(PNG).hexdigest()}" in page

    def test_a_gtin_outside_the_prefixes_is_refused_at_its_field_its_image_not_kept_the_form_as_typed(
            self, app: FastAPI, cast: Api) -> None:
        clerk = Browser(app).signed_in(CLERK)
        with nothing_recorded(cast):
            refused = _multipart(clerk, "/portal/products/new", "/portal/products/new",
                                 _product_fields(gtin=THEIR_NEXT), ("pomelo.png", PNG, "image/png"))
        assert refused.status_code == 400
        assert re.search(rf'id="gtin-error">GTIN {THEIR_NEXT} không thuộc mã doanh nghiệp GS1', refused.text)
        assert 'value="Bưởi đỏ Hoài Đức"' in refused.text
        assert "Peel and eat." in refused.text

    def test_a_bad_check_digit_is_refused_in_the_apis_words(self, app: FastAPI, cast: Api) -> None:
        clerk = Browser(app).signed_in(CLERK)
        with nothing_recorded(cast):
            refused = _multipart(clerk, "/portal/products/new?lang=en", "/portal/products/new?lang=en",
                                 _product_fields(gtin="08934560000771"), None)
        assert refused.status_code == 400
        assert 'id="gtin-error">GTIN 08934560000771 has check digit 1; the GS1 check digit is' in refused.text

    @pytest.mark.parametrize(("data", "said"), [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_BYTES, "tối đa 524288 byte"),
        (b"just some text, not a picture", "không phải"),
    ])
    def test_an_image_too_large_or_not_an_image_is_refused_and_nothing_kept(self, app: FastAPI, cast: Api,
                                                                          data: bytes, said: str) -> None:
        clerk = Browser(app).signed_in(CLERK)
        with nothing_recorded(cast):
            refused = _multipart(clerk, "/portal/products/new", "/portal/products/new", _product_fields(),
                                 ("pomelo.png", data, "image/png"))
        assert refused.status_code == 400
        shown = re.search(r'id="image-error">([^<]+)<', refused.text)
        assert shown is not None, refused.text
        assert said in shown.group(1)

    def test_a_viewer_and_a_forged_form_are_refused(self, app: FastAPI, cast: Api) -> None:
        viewer = Browser(app).signed_in(VIEWER)
        clerk = Browser(app).signed_in(CLERK)
        with nothing_recorded(cast):
            assert _multipart(viewer, "/portal/products", "/portal/products/new", _product_fields(),
                              ("p.png", PNG, "image/png")).status_code == 403
            assert _multipart(clerk, "/portal/products/new", "/portal/products/new", _product_fields(),
                              ("p.png", PNG, "image/png"), {"Origin": "https://evil.example"}).status_code == 403
            forged = clerk.client.post("/portal/products/new", data={"csrf": "forged", **_product_fields()},
                                       files={"image": ("p.png", PNG, "image/png")}, headers={"Origin": ORIGIN})
            assert forged.status_code == 403
        assert "Đăng ký sản phẩm" not in viewer.get("/portal/products/new").text.split("</h1>")[1]

    def test_an_organisation_without_the_producer_role_is_refused(self, app: FastAPI, cast: Api) -> None:
        root = Browser(app).signed_in(ROOT_ADMIN)
        with nothing_recorded(cast):
            refused = _multipart(root, "/portal", "/portal/products/new", _product_fields(),
                                 ("p.png", PNG, "image/png"))
        assert refused.status_code == 403


class TestBatch:
    def test_logs_a_batch_with_a_claim_and_an_input(self, app: FastAPI, cast: Api) -> None:
        clerk = Browser(app).signed_in(CLERK)
        form = clerk.get("/portal/batches/new?province=01").text
        assert "Bưởi Hoài Đức" in form
        assert f'value="{RIGHT}"' in form
        assert THEIR_RIGHT not in form
        assert "Xã An Khánh" in form
        assert "Phú Quốc" not in form, "the communes of the province chosen only"
        done = _post_batch(clerk, {**_batch_fields(), f"input:{GTIN}/L1": "40"}, (RIGHT,))
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"/portal/batches/{GTIN}/L2?done=prd_done_batch"
        statement = _recorded_by(cast, CLERK)
        assert statement["body"]["claims"] == [{"type": "gi", "id": "buoi-hoai-duc"}]
        assert statement["body"]["inputs"] == [{"gtin": GTIN, "lot": "L1", "quantity": "40"}]
        assert statement["body"]["origin"] == COMMUNE
        assert _row(cast, RegBatch, gtin=GTIN, lot="L1").used == "40"
        assert _row(cast, RegBatchClaim, gtin=GTIN, lot="L2").right == RIGHT
        assert _row(cast, RegRight, id=RIGHT).quota_used == "700"
        page = clerk.get(done.headers["location"]).text
        assert "Đã ghi lô hàng vào sổ." in page
        assert "Xã An Khánh" in page
        assert f'href="/page/01/{GTIN}/10/L2"' in page
        assert f'href="/portal/labels?gtin={GTIN}&amp;lot=L2"' in page

    def test_the_province_comes_first_without_script(self, app: FastAPI, cast: Api) -> None:
        form = Browser(app).signed_in(CLERK).get("/portal/batches/new").text
        assert 'name="province"' in form
        assert 'name="commune"' not in form
        assert form.count("<option") == 34, "the provinces, not 3,321 communes"
        assert '<option value="01" selected>Thành phố Hà Nội</option>' in form, "the organisation's own first"

    def test_a_quantity_beyond_the_quota_is_refused_at_the_claims(self, app: FastAPI, cast: Api) -> None:
        clerk = Browser(app).signed_in(CLERK)
        with nothing_recorded(cast):
            refused = _post_batch(clerk, _batch_fields(quantity="2600", lot="L3"), (RIGHT,))
        assert refused.status_code == 400
        assert re.search(r'id="claims-error">các lô theo .* sẽ đạt 2.600 cái; hạn mức là 2.500 cái', refused.text)
        assert 'value="L3"' in refused.text
        assert 'value="2600"' in refused.text

    def test_a_suspended_right_is_not_offered_and_its_claim_is_refused(self, app: FastAPI, cast: Api) -> None:
        cast.created("/rights/suspensions", make_right_change(effective_on=days_from_today(-10)))
        clerk = Browser(app).signed_in(CLERK)
        assert f'value="{RIGHT}"' not in clerk.get("/portal/batches/new?province=01").text
        with nothing_recorded(cast):
            refused = _post_batch(clerk, _batch_fields(), (RIGHT,))
        assert refused.status_code == 400
        assert re.search(r'id="claims-error">[^<]*không có quyền sử dụng', refused.text), refused.text

    def test_another_producers_product_right_or_input_is_refused(self, app: FastAPI, cast: Api) -> None:
        clerk = Browser(app).signed_in(CLERK)
        with nothing_recorded(cast):
            product = _post_batch(clerk, _batch_fields(gtin=THEIR_GTIN))
            right = _post_batch(clerk, _batch_fields(), (THEIR_RIGHT,))
            held = _post_batch(clerk, {**_batch_fields(), f"input:{THEIR_GTIN}/L1": "5"})
        assert product.status_code == right.status_code == held.status_code == 400
        assert re.search(rf'id="gtin-error">sản phẩm {THEIR_GTIN} thuộc về', product.text)
        assert 'id="claims-error">quyền sử dụng được chọn không phải của tổ chức bạn' in right.text
        assert re.search(r'id="inputs-error">[^<]* không nắm giữ lô đầu vào L1', held.text), held.text

    def test_a_viewer_a_non_producer_and_forged_forms_are_refused(self, app: FastAPI, cast: Api) -> None:
        viewer, root = Browser(app).signed_in(VIEWER), Browser(app).signed_in(ROOT_ADMIN)
        clerk = Browser(app).signed_in(CLERK)
        with nothing_recorded(cast):
            assert viewer.post("/portal/batches/new", {"csrf": form_token(viewer.get("/portal").text),
                                                       **_batch_fields()}).status_code == 403
            assert root.post("/portal/batches/new", {"csrf": form_token(root.get("/portal").text),
                                                     **_batch_fields()}).status_code == 403
            assert _post_batch(clerk, _batch_fields(), headers={"Origin": "https://evil.example"}).status_code == 403
            assert clerk.post("/portal/batches/new", {"csrf": "forged", **_batch_fields()}).status_code == 403
        assert 'name="lot"' not in viewer.get("/portal/batches/new?province=01").text


class TestBatchPage:
    def test_ships_to_a_partner_chosen_by_name(self, app: FastAPI, cast: Api) -> None:
        clerk = Browser(app).signed_in(CLERK)
        page = clerk.get(f"/portal/batches/{GTIN}/L1").text
        assert f'<option value="{OTHER_PRODUCER}">Tổ chức {OTHER_PRODUCER}</option>' in page
        done = _batch_action(clerk, GTIN, "L1", "event", step="shipping", partner=OTHER_PRODUCER,
                             event_time=days_from_today(0) + "T00:30", note="Xe tải 29C")
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"/portal/batches/{GTIN}/L1?done=prd_done_event"
        body = _recorded_by(cast, CLERK)["body"]
        assert body == {"gtin": GTIN, "lot": "L1", "biz_step": "shipping", "disposition": "in_transit",
                        "destination": OTHER_PRODUCER, "note": "Xe tải 29C",
                        "event_time": f"{days_from_today(-1)}T17:30:00Z"}
        with cast.engine.connect() as connection:
            [event] = connection.execute(select(table_of(RegEvent))).all()
        assert event.destination == OTHER_PRODUCER
        shown = clerk.get(done.headers["location"]).text
        assert "Đã ghi sự kiện vào sổ." in shown
        assert f"cho Tổ chức {OTHER_PRODUCER}" in shown

    def test_a_lot_with_a_slash_has_its_page_and_its_forms(self, app: FastAPI, cast: Api) -> None:
        cast.created("/batches", make_batch(lot="2026/11"), as_=PRODUCER)
        clerk = Browser(app).signed_in(CLERK)
        assert clerk.get(f"/portal/batches/{GTIN}/2026%2F11").status_code == 200
        done = _batch_action(clerk, GTIN, "2026%2F11", "serials", count="2", prefix="HD")
        assert done.status_code == 303, done.text
        assert _recorded_by(cast, CLERK)["body"]["lot"] == "2026/11"

    def test_an_inspection_records_its_result(self, app: FastAPI, cast: Api) -> None:
        clerk = Browser(app).signed_in(CLERK)
        done = _batch_action(clerk, GTIN, "L1", "event", step="inspecting", result="non_conformant",
                             event_time=days_from_today(-1) + "T09:00")
        assert done.status_code == 303, done.text
        assert _recorded_by(cast, CLERK)["body"]["disposition"] == "non_conformant"

    def test_issues_serials_and_recalls(self, app: FastAPI, cast: Api) -> None:
        admin = Browser(app).signed_in(ADMIN)
        serials = _batch_action(admin, GTIN, "L1", "serials", count="3", prefix="HD")
        assert serials.headers["location"] == f"/portal/batches/{GTIN}/L1?done=prd_done_serials"
        assert _recorded_by(cast, ADMIN)["kind"] == "serials.issued.v1"
        with cast.engine.connect() as connection:
            issued = [row.serial for row in connection.execute(select(table_of(RegSerial)).order_by("serial"))]
        assert issued == ["HD0000001", "HD0000002", "HD0000003"]
        recall = _batch_action(admin, GTIN, "L1", "recall", reason="Dư lượng thuốc bảo vệ thực vật vượt mức.")
        assert recall.headers["location"] == f"/portal/batches/{GTIN}/L1?done=prd_done_recall"
        assert _recorded_by(cast, ADMIN)["body"]["reason"] == "Dư lượng thuốc bảo vệ thực vật vượt mức."
        assert _row(cast, RegBatch, gtin=GTIN, lot="L1").recalled_entry is not None
        assert "Lô đã bị thu hồi: Dư lượng" in admin.get(f"/portal/batches/{GTIN}/L1").text

    def test_refusals_show_the_apis_words_at_their_field(self, app: FastAPI, cast: Api) -> None:
        clerk = Browser(app).signed_in(CLERK)
        with nothing_recorded(cast):
            unnamed = _batch_action(clerk, GTIN, "L1", "event", step="shipping", partner="",
                                    event_time=days_from_today(-1) + "T09:00")
            too_many = _batch_action(clerk, GTIN, "L1", "serials", count="101")
            future = _batch_action(clerk, GTIN, "L1", "event", step="storing",
                                   event_time=days_from_today(2) + "T09:00")
        assert 'id="partner-error">hãy chọn tổ chức nhận hàng' in unnamed.text
        assert 'id="count-error">101 số sê-ri vượt quá số lượng của lô 100' in too_many.text
        assert re.search(r'id="event-time-error">thời điểm sự kiện', future.text), future.text

    def test_another_producers_batch_is_not_found_and_nothing_recorded(self, app: FastAPI, cast: Api) -> None:
        clerk = Browser(app).signed_in(CLERK)
        assert clerk.get(f"/portal/batches/{THEIR_GTIN}/L1").status_code == 404
        with nothing_recorded(cast):
            for action, fields in (("recall", {"reason": "Không phải lô của tôi."}), ("serials", {"count": "1"}),
                                   ("event", {"step": "storing", "event_time": days_from_today(-1) + "T09:00"})):
                assert _batch_action(clerk, THEIR_GTIN, "L1", action, **fields).status_code == 404

    def test_a_viewer_sees_the_page_without_forms_and_is_refused(self, app: FastAPI, cast: Api) -> None:
        viewer = Browser(app).signed_in(VIEWER)
        page = viewer.get(f"/portal/batches/{GTIN}/L1").text
        assert 'name="action"' not in page
        assert "Bạn chỉ có quyền xem" in page
        with nothing_recorded(cast):
            assert _batch_action(viewer, GTIN, "L1", "recall", reason="Thử.").status_code == 403
            other = Browser(app).signed_in(OTHER_ADMIN)
            assert _batch_action(other, GTIN, "L1", "recall", reason="Thử.").status_code == 404
            clerk = Browser(app).signed_in(CLERK)
            assert clerk.post(f"/portal/batches/{GTIN}/L1", {"csrf": form_token(clerk.get("/portal").text),
                                                             "action": "recall", "reason": "Thử."},
                              headers={"Origin": "https://evil.example"}).status_code == 403
