"""The portal of authorities, associations, certifiers and the numbering agency (api/portal/authority*.py): each
form appends its statement, signed by the organisation and recorded with the person, and shows it on /portal/manage;
every refusal (a viewer, a producer, an authority of another province, ids smuggled in fields, a forged form)
shows the API's words, appends nothing and leaves the projections as they were."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.portal.tables import PortalSubmission
from registry.state import State
from registry.tables import (
    RegCertification,
    RegDelegation,
    RegGi,
    RegGiArea,
    RegKey,
    RegMark,
    RegMarkUser,
    RegOrganisation,
    RegPrefixLicence,
    RegRight,
)
from tests.api.conftest import Api, days_from_today, make_gi, make_mark, make_right
from tests.api.portal_client import Browser, add_user, form_token, portal_state
from tests.factories import (
    AN_GIANG,
    ASSOCIATION,
    COMMUNE,
    FAR_COMMUNE,
    GI,
    HANOI,
    MARK,
    PRODUCER,
    RIGHT,
    ROOT,
    body,
    make_delegation,
)

HANOI_AUTHORITY, AN_GIANG_AUTHORITY, NUMBERING, CERTIFIER = "so-ha-noi", "so-an-giang", "gs1-vn", "chung-nhan"
FAR_PRODUCER = "nha-thung-phu-quoc"
ROOT_ADMIN, ROOT_VIEWER = "admin@ipvietnam", "viewer@ipvietnam"
HANOI_ADMIN, AN_GIANG_ADMIN = "admin@so-ha-noi", "admin@so-an-giang"
PRODUCER_ADMIN, NUMBERING_ADMIN, CERTIFIER_ADMIN = "admin@coop", "admin@gs1", "admin@cert"
AN_KHANH = f"{COMMUNE['code']}@{COMMUNE['version']}"
PHU_QUOC = f"{FAR_COMMUNE['code']}@{FAR_COMMUNE['version']}"


@pytest.fixture
def cast(api: Api) -> dict[str, str]:
    """ROOT with the GI (area An Khánh, Hà Nội) and RIGHT of PRODUCER; the authorities of Hà Nội and An Giang,
    each delegated its province; a producer in An Giang; a numbering agency, a certifier accredited everywhere;
    and their people, by login."""
    api.register(PRODUCER)
    api.register(FAR_PRODUCER, commune=FAR_COMMUNE)
    api.register(ASSOCIATION, ["association"])
    for authority, province in ((HANOI_AUTHORITY, HANOI), (AN_GIANG_AUTHORITY, AN_GIANG)):
        api.register(authority, ["authority"])
        api.created("/delegations", body(make_delegation(authority, [province])))
    api.register(NUMBERING, ["numbering_agency"])
    api.register(CERTIFIER, ["certifier"])
    api.created("/accreditations", {"id": "cong-nhan", "certifier": CERTIFIER, "schemes": ["VietGAP"],
                                    "valid_from": "2020-01-01", "valid_until": "2035-12-31"})
    api.created("/gis", make_gi())
    api.created("/rights", make_right())
    people = [add_user(api.engine, ROOT, ROOT_ADMIN), add_user(api.engine, ROOT, ROOT_VIEWER, "viewer"),
              add_user(api.engine, HANOI_AUTHORITY, HANOI_ADMIN),
              add_user(api.engine, AN_GIANG_AUTHORITY, AN_GIANG_ADMIN),
              add_user(api.engine, PRODUCER, PRODUCER_ADMIN), add_user(api.engine, NUMBERING, NUMBERING_ADMIN),
              add_user(api.engine, CERTIFIER, CERTIFIER_ADMIN)]
    return {user.login: user.id for user in people}


def send(browser: Browser, page: str, action: str, fields: dict[str, Any],
         headers: dict[str, str] | None = None) -> httpx.Response:
    """Open `page` and POST `fields` (lists for multiple choices) to `action` with its form token."""
    token = form_token(browser.get(page).text)
    response: httpx.Response = browser.client.post(action, data={"csrf": token, **fields},
                                                   headers={"Origin": browser.origin, **(headers or {})})
    return response


def row(api: Api, model: Any, **key: Any) -> dict[str, Any] | None:
    with api.engine.connect() as connection:
        return State(connection).get(model, **key)


def submitted_by(api: Api, user_id: str) -> list[int]:
    table = PortalSubmission.__table__  # type: ignore[attr-defined]
    with api.engine.connect() as connection:
        return [int(e) for (e,) in connection.execute(select(table.c.entry).where(table.c.user_id == user_id))]


def last_entry(api: Api) -> dict[str, Any]:
    return api.entry(api.head_size() - 1)


@contextmanager
def nothing_changed(api: Api) -> Iterator[None]:
    before = portal_state(api.engine)
    with api.nothing_appended():
        yield
    assert portal_state(api.engine) == before


def error_at(html: str, field: str) -> str:
    found = re.search(rf'<p class="error field-error" id="err-{field}">([^<]*)</p>', html)
    assert found is not None, f"no error at {field}"
    return found.group(1)


class TestManage:
    def test_manage_lists_gis_rights_with_status_and_organisations(self, app: FastAPI, api: Api,
                                                                  cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(HANOI_ADMIN)
        home = browser.get("/portal").text
        assert 'href="/portal/manage"' in home
        assert "Quyền sử dụng: 1" in home
        html = browser.get("/portal/manage").text
        assert "Bưởi Hoài Đức" in html
        assert f'href="/gis/{GI}"' in html
        assert "đang có hiệu lực" in html
        assert "Tổ chức coop-hoai-duc" in html
        english = browser.get("/portal/manage?lang=en").text
        assert "in force" in english
        assert "Hoai Duc pomelo" in english

    def test_an_authority_of_another_province_sees_neither_the_gi_nor_its_rights(
            self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        html = Browser(app).signed_in(AN_GIANG_ADMIN).get("/portal/manage").text
        assert "Bưởi Hoài Đức" not in html
        assert "Tổ chức coop-hoai-duc" not in html

    def test_a_producer_has_no_manage_page(self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(PRODUCER_ADMIN)
        assert 'href="/portal/manage"' not in browser.get("/portal").text
        assert browser.get("/portal/manage").status_code == 403


class TestOrganisations:
    def test_an_authority_registers_a_producer_of_its_province_with_a_custodial_key(
            self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(HANOI_ADMIN)
        shown = send(browser, "/portal/manage/organisations/new", "/portal/manage/organisations/new",
                     {"name_vi": "Hợp tác xã Đông La", "name_en": "Dong La cooperative", "roles": ["producer"],
                      "province": HANOI, "_show": "province"})
        assert shown.status_code == 200
        assert "Xã An Khánh" in shown.text
        assert "Hợp tác xã Đông La" in shown.text
        done = send(browser, "/portal/manage/organisations/new", "/portal/manage/organisations/new",
                    {"name_vi": "Hợp tác xã Đông La", "name_en": "Dong La cooperative", "roles": ["producer"],
                     "province": HANOI, "commune": AN_KHANH, "tax_code": "0101234567"})
        assert done.status_code == 303
        assert done.headers["location"] == "/portal/manage/organisations/dong-la-cooperative?done=auth_done_org"
        made = row(api, RegOrganisation, id="dong-la-cooperative")
        assert made is not None
        assert made["commune_code"] == COMMUNE["code"]
        assert made["tax_code"] == "0101234567"
        with api.engine.connect() as connection:
            keys = State(connection).find(RegKey, organisation="dong-la-cooperative")
        assert [key["custodial"] for key in keys] == [True]
        assert api.head_size() - 1 in submitted_by(api, cast[HANOI_ADMIN])
        assert "Dong La cooperative" in browser.get("/portal/manage?lang=en").text
        assert "Mời quản trị viên đầu tiên" in browser.get(done.headers["location"] + "&lang=vi").text

    def test_a_commune_of_another_province_smuggled_is_refused_at_the_commune(
            self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(HANOI_ADMIN)
        with nothing_changed(api):
            refused = send(browser, "/portal/manage/organisations/new", "/portal/manage/organisations/new",
                           {"name_vi": "Nhà thùng Xa", "name_en": "Far fish sauce", "roles": ["producer"],
                            "province": HANOI, "commune": PHU_QUOC})
        assert refused.status_code == 403
        assert "nằm ngoài thẩm quyền" in error_at(refused.text, "commune")
        assert 'value="Nhà thùng Xa"' in refused.text

    def test_a_name_missing_is_refused_at_its_field_with_the_api_words(self, app: FastAPI, api: Api,
                                                                        cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(ROOT_ADMIN)
        with nothing_changed(api):
            refused = send(browser, "/portal/manage/organisations/new", "/portal/manage/organisations/new",
                           {"name_vi": "", "name_en": "Nameless", "roles": ["producer"]})
        assert refused.status_code == 400
        assert error_at(refused.text, "name_vi")
        assert 'value="Nameless"' in refused.text

    def test_keys_are_added_and_revoked(self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(HANOI_ADMIN)
        page = f"/portal/manage/organisations/{PRODUCER}"
        added = browser.post(f"{page}/keys", {"csrf": form_token(browser.get(page).text)})
        assert added.status_code == 303
        with api.engine.connect() as connection:
            keys = State(connection).find(RegKey, organisation=PRODUCER)
        assert len(keys) == 2
        assert api.head_size() - 1 in submitted_by(api, cast[HANOI_ADMIN])
        key_id = keys[0]["key_id"]
        revoked = send(browser, f"{page}/keys/{key_id}/revoke", f"{page}/keys/{key_id}/revoke",
                       {"reason": "Khóa cũ bị lộ"})
        assert revoked.status_code == 303
        assert not row(api, RegKey, key_id=key_id)["active"]  # type: ignore[index]

    def test_an_authority_of_another_province_cannot_open_nor_change_its_keys(
            self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(AN_GIANG_ADMIN)
        page = f"/portal/manage/organisations/{PRODUCER}"
        assert browser.get(page).status_code == 404
        token = form_token(browser.get("/portal/manage").text)
        with nothing_changed(api):
            assert browser.post(f"{page}/keys", {"csrf": token}).status_code == 404


class TestFirstAdministrator:
    """The authority that governs an organisation invites its first administrator; never into one that has people."""

    def test_the_link_shown_once_lets_the_first_admin_set_a_password_and_sign_in(
            self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        api.register("xuong-moi")
        browser = Browser(app).signed_in(HANOI_ADMIN)
        page = "/portal/manage/organisations/xuong-moi"
        invited = send(browser, page, f"{page}/first-admin", {"login": "lan@dongla.vn"})
        assert invited.status_code == 201, invited.text
        link = re.search(r'id="first-admin-link">([^<]+)<', invited.text)
        assert link is not None
        assert invited.text.count('id="first-admin-link"') == 1, "shown once on the page"
        title = re.search(r"<title>(.*?)</title>", invited.text, re.S)
        assert title is not None
        assert "<" not in title.group(1), title.group(1)
        assert "Tổ chức đã có 1 người" in browser.get(page).text, "the link is shown once"
        newcomer = Browser(app)
        path = link.group(1).removeprefix(newcomer.origin)
        token = form_token(newcomer.get(path).text)
        set_ = newcomer.post(path, {"csrf": token, "new": "mật khẩu mới đủ dài", "repeat": "mật khẩu mới đủ dài"})
        assert set_.status_code == 303, set_.text
        newcomer.signed_in("lan@dongla.vn", "mật khẩu mới đủ dài")
        assert "Quản trị viên" in newcomer.get("/portal").text

    def test_an_organisation_with_people_gets_nobody_from_an_authority(self, app: FastAPI, api: Api,
                                                                     cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(HANOI_ADMIN)
        page = f"/portal/manage/organisations/{PRODUCER}"  # its admin is in the portal already
        assert "Tổ chức đã có 1 người" in browser.get(page).text
        with nothing_changed(api):
            refused = send(browser, page, f"{page}/first-admin", {"login": "takeover@coop"})
        assert refused.status_code == 409
        assert "chỉ quản trị viên của tổ chức được mời thêm người" in refused.text

    def test_a_clerk_another_province_a_viewer_or_a_producer_invites_nobody(self, app: FastAPI, api: Api,
                                                                   cast: dict[str, str]) -> None:
        page = f"/portal/manage/organisations/{FAR_PRODUCER}"
        add_user(api.engine, AN_GIANG_AUTHORITY, "clerk@so-an-giang", "clerk")
        clerk = Browser(app).signed_in("clerk@so-an-giang")  # of the authority that governs it, not its admin
        hanoi = Browser(app).signed_in(HANOI_ADMIN)
        viewer = Browser(app).signed_in(ROOT_VIEWER)
        producer = Browser(app).signed_in(PRODUCER_ADMIN)
        with nothing_changed(api):
            token = form_token(clerk.get(page).text)
            assert clerk.post(f"{page}/first-admin", {"csrf": token, "login": "x@far"}).status_code == 403
            token = form_token(hanoi.get("/portal/manage").text)
            assert hanoi.post(f"{page}/first-admin", {"csrf": token, "login": "x@far"}).status_code == 404
            token = form_token(viewer.get("/portal/manage").text)
            assert viewer.post(f"{page}/first-admin", {"csrf": token, "login": "x@far"}).status_code == 403
            token = form_token(producer.get("/portal").text)
            assert producer.post(f"{page}/first-admin", {"csrf": token, "login": "x@far"}).status_code == 403

    def test_a_bad_login_is_said_in_the_registrys_words(self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        api.register("xuong-moi")
        browser = Browser(app).signed_in(ROOT_ADMIN)
        page = "/portal/manage/organisations/xuong-moi"
        with nothing_changed(api):
            refused = send(browser, page, f"{page}/first-admin", {"login": "Tên Có Dấu"})
        assert refused.status_code == 400
        assert 'id="first-admin-error"' in refused.text


class TestGisAndMarks:
    def test_the_root_registers_a_gi_with_communes_of_a_province(self, app: FastAPI, api: Api,
                                                                  cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(ROOT_ADMIN)
        fields = {"name_vi": "Cam Cao Phong", "name_en": "Cao Phong orange", "product": "cam",
                  "certificate": "00200", "application": "6-2020-00001", "granted_on": "2024-05-02",
                  "manager": ASSOCIATION, "specification": "Cam trồng trên đất đồi.", "province": HANOI,
                  "area": [AN_KHANH]}
        done = send(browser, "/portal/manage/gis/new", "/portal/manage/gis/new", fields)
        assert done.status_code == 303, done.text
        gi = row(api, RegGi, id="cao-phong-orange")
        assert gi is not None
        assert gi["manager"] == ASSOCIATION
        assert gi["granted_on"] == "2024-05-02"
        assert row(api, RegGiArea, gi="cao-phong-orange", commune_code=COMMUNE["code"],
                   commune_version=COMMUNE["version"], added_entry=gi["entry"]) is not None
        assert api.head_size() - 1 in submitted_by(api, cast[ROOT_ADMIN])
        amend = "/portal/manage/gis/cao-phong-orange/amend"
        amended = send(browser, amend, amend,
                       {"name_vi": "Cam Cao Phong Hòa Bình", "name_en": "Cao Phong orange", "specification": "",
                        "province": HANOI, "area": [AN_KHANH], "manager": ROOT})
        assert amended.status_code == 303
        changed = row(api, RegGi, id="cao-phong-orange")
        assert changed is not None
        assert (changed["name_vi"], changed["manager"]) == ("Cam Cao Phong Hòa Bình", ROOT)
        assert [api.entry(api.head_size() - n)["kind"] for n in (2, 1)] == ["gi.amended.v1", "gi.manager_changed.v1"]

    def test_the_province_step_offers_the_communes_of_that_province_only(self, app: FastAPI, api: Api,
                                                                        cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(ROOT_ADMIN)
        with nothing_changed(api):
            shown = send(browser, "/portal/manage/gis/new", "/portal/manage/gis/new",
                         {"name_vi": "Cam", "province": HANOI, "area": [PHU_QUOC], "_show": "province"})
        assert shown.status_code == 200
        assert f'value="{AN_KHANH}"' in shown.text
        assert f'value="{PHU_QUOC}" checked' in shown.text, "a commune chosen in another province is kept"
        assert 100 < shown.text.count('type="checkbox" name="area"') < 200
        assert 'value="Cam"' in shown.text

    def test_a_bad_certificate_is_refused_at_its_field_keeping_the_communes(self, app: FastAPI, api: Api,
                                                                             cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(ROOT_ADMIN)
        with nothing_changed(api):
            refused = send(browser, "/portal/manage/gis/new", "/portal/manage/gis/new",
                           {"name_vi": "Cam", "name_en": "Orange", "product": "cam", "certificate": "12",
                            "application": "6-2020-00001", "granted_on": "2024-05-02", "manager": ASSOCIATION,
                            "specification": "Cam.", "province": HANOI, "area": [AN_KHANH]})
        assert refused.status_code == 400
        assert error_at(refused.text, "certificate")
        assert f'value="{AN_KHANH}" checked' in refused.text

    def test_a_provincial_authority_may_not_register_gis_nor_marks(self, app: FastAPI, api: Api,
                                                                   cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(HANOI_ADMIN)
        assert browser.get("/portal/manage/gis/new").status_code == 403
        token = form_token(browser.get("/portal/manage").text)
        with nothing_changed(api):
            assert browser.post("/portal/manage/marks/new", {"csrf": token, "name_vi": "X"}).status_code == 403

    def test_the_root_registers_a_mark_and_its_members(self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(ROOT_ADMIN)
        done = send(browser, "/portal/manage/marks/new", "/portal/manage/marks/new",
                    {"name_vi": "Gốm Bát Tràng", "name_en": "Bat Trang ceramics", "type": "collective",
                     "certificate": "312345", "application": "4-2019-12345", "owner": ASSOCIATION,
                     "goods": "Gốm", "nice_classes": "21, 30", "valid_from": "2020-06-01",
                     "valid_until": "2030-05-31", "users": [PRODUCER]})
        assert done.status_code == 303, done.text
        mark = row(api, RegMark, id="bat-trang-ceramics")
        assert mark is not None
        assert mark["nice_classes"] == "21,30"
        assert row(api, RegMarkUser, mark="bat-trang-ceramics", organisation=PRODUCER) is not None


class TestRights:
    def test_an_association_grants_a_right_to_use_its_own_mark(self, app: FastAPI, api: Api,
                                                               cast: dict[str, str]) -> None:
        api.created("/marks", make_mark())
        user = add_user(api.engine, ASSOCIATION, "admin@hiep-hoi")
        browser = Browser(app).signed_in("admin@hiep-hoi")
        form = browser.get("/portal/manage/rights/new").text
        assert f'value="mark:{MARK}"' in form
        assert f'value="gi:{GI}"' not in form
        done = send(browser, "/portal/manage/rights/new", "/portal/manage/rights/new",
                    {"subject": f"mark:{MARK}", "holder": PRODUCER, "valid_from": "2024-01-01"})
        assert done.status_code == 303, done.text
        assert row(api, RegRight, id=f"{MARK}-{PRODUCER}")["status"] == "active"  # type: ignore[index]
        assert api.head_size() - 1 in submitted_by(api, user.id)
        assert "Gốm Bát Tràng" in browser.get("/portal/manage").text

    def test_fields_left_empty_are_said_missing_at_each(self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(HANOI_ADMIN)
        with nothing_changed(api):
            refused = send(browser, "/portal/manage/rights/new", "/portal/manage/rights/new",
                           {"subject": "", "holder": "", "valid_from": ""})
        assert refused.status_code == 400
        for field in ("subject", "holder", "valid_from"):
            assert error_at(refused.text, field) == "thiếu trường này"

    def test_an_authority_grants_a_right_in_its_province(self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(HANOI_ADMIN)
        form = browser.get("/portal/manage/rights/new").text
        assert "Bưởi Hoài Đức" in form
        assert f'value="gi:{GI}"' in form
        done = send(browser, "/portal/manage/rights/new", "/portal/manage/rights/new",
                    {"subject": f"gi:{GI}", "holder": PRODUCER, "valid_from": days_from_today(-1),
                     "valid_until": "", "plot": "Vườn số 3"})
        assert done.status_code == 303, done.text
        made = row(api, RegRight, id=f"{GI}-{PRODUCER}")
        assert made is not None
        assert made["plot"] == "Vườn số 3"
        assert made["status"] == "active"
        assert api.head_size() - 1 in submitted_by(api, cast[HANOI_ADMIN])

    def test_an_authority_of_another_province_offers_no_gi_and_a_smuggled_one_is_refused(
            self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(AN_GIANG_ADMIN)
        assert f'value="gi:{GI}"' not in browser.get("/portal/manage/rights/new").text
        with nothing_changed(api):
            refused = send(browser, "/portal/manage/rights/new", "/portal/manage/rights/new",
                           {"subject": f"gi:{GI}", "holder": FAR_PRODUCER, "valid_from": days_from_today(-1)})
        assert refused.status_code == 403
        assert "nằm ngoài thẩm quyền" in error_at(refused.text, "subject")

    def test_a_holder_that_is_not_a_producer_is_refused_at_the_holder(self, app: FastAPI, api: Api,
                                                                       cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(HANOI_ADMIN)
        with nothing_changed(api):
            refused = send(browser, "/portal/manage/rights/new", "/portal/manage/rights/new",
                           {"subject": f"gi:{GI}", "holder": ASSOCIATION, "valid_from": days_from_today(-1)})
        assert refused.status_code == 422
        assert "phải là nhà sản xuất" in error_at(refused.text, "holder")

    def test_suspend_reinstate_revoke_with_reason_and_date(self, app: FastAPI, api: Api, cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(HANOI_ADMIN)
        page = f"/portal/manage/rights/{RIGHT}/change"
        for action, status in (("suspended", "suspended"), ("reinstated", "active"), ("revoked", "revoked")):
            done = send(browser, page, page, {"action": action, "effective_on": days_from_today(0),
                                              "reason": "Kiểm tra vùng trồng"})
            assert done.status_code == 303, done.text
            assert done.headers["location"] == f"/portal/manage?done=auth_done_{action}"
            assert row(api, RegRight, id=RIGHT)["status"] == status  # type: ignore[index]
            assert last_entry(api)["kind"] == f"right.{action}.v1"
        assert "đã bị thu hồi" in browser.get("/portal/manage").text

    def test_a_date_before_the_right_is_refused_at_the_date(self, app: FastAPI, api: Api,
                                                            cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(HANOI_ADMIN)
        page = f"/portal/manage/rights/{RIGHT}/change"
        with nothing_changed(api):
            refused = send(browser, page, page, {"action": "suspended", "effective_on": "2020-01-01",
                                                 "reason": "Sai"})
        assert refused.status_code == 422
        assert error_at(refused.text, "effective_on")
        assert "Sai</textarea>" in refused.text

    def test_an_authority_of_another_province_cannot_change_the_right(self, app: FastAPI, api: Api,
                                                                      cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(AN_GIANG_ADMIN)
        page = f"/portal/manage/rights/{RIGHT}/change"
        assert browser.get(page).status_code == 404
        token = form_token(browser.get("/portal/manage").text)
        with nothing_changed(api):
            refused = browser.post(page, {"csrf": token, "action": "suspended", "effective_on": days_from_today(0),
                                          "reason": "Không thuộc tỉnh"})
        assert refused.status_code == 403
        assert "nằm ngoài thẩm quyền" in refused.text

    def test_viewer_producer_and_forged_forms_change_nothing(self, app: FastAPI, api: Api,
                                                             cast: dict[str, str]) -> None:
        fields = {"subject": f"gi:{GI}", "holder": PRODUCER, "valid_from": days_from_today(-1)}
        viewer = Browser(app).signed_in(ROOT_VIEWER)
        producer = Browser(app).signed_in(PRODUCER_ADMIN)
        admin = Browser(app).signed_in(ROOT_ADMIN)
        with nothing_changed(api):
            assert send(viewer, "/portal/manage", "/portal/manage/rights/new", fields).status_code == 403
            assert send(producer, "/portal", "/portal/manage/rights/new", fields).status_code == 403
            assert admin.post("/portal/manage/rights/new", {"csrf": "forged", **fields}).status_code == 403
            assert send(admin, "/portal/manage", "/portal/manage/rights/new", fields,
                        {"Origin": "https://evil.example"}).status_code == 403
            assert send(producer, "/portal", f"/portal/manage/rights/{RIGHT}/change",
                        {"action": "revoked", "effective_on": days_from_today(0), "reason": "x"}).status_code == 403


class TestNumberingCertifiersDelegations:
    def test_the_numbering_agency_licenses_a_prefix_and_a_producer_may_not(self, app: FastAPI, api: Api,
                                                                            cast: dict[str, str]) -> None:
        fields = {"licensee": PRODUCER, "prefix": "8931234", "valid_from": "2025-01-01"}
        producer = Browser(app).signed_in(PRODUCER_ADMIN)
        with nothing_changed(api):
            assert send(producer, "/portal", "/portal/manage/prefixes/new", fields).status_code == 403
        browser = Browser(app).signed_in(NUMBERING_ADMIN)
        done = send(browser, "/portal/manage/prefixes/new", "/portal/manage/prefixes/new", fields)
        assert done.status_code == 303, done.text
        licence = row(api, RegPrefixLicence, id=f"gs1-8931234-{PRODUCER}")
        assert licence is not None
        assert licence["licensee"] == PRODUCER
        assert api.head_size() - 1 in submitted_by(api, cast[NUMBERING_ADMIN])
        with nothing_changed(api):
            overlap = send(browser, "/portal/manage/prefixes/new", "/portal/manage/prefixes/new",
                           {**fields, "prefix": "89312345"})
        assert overlap.status_code == 409
        assert error_at(overlap.text, "prefix")

    def test_a_certifier_issues_and_revokes_a_certification(self, app: FastAPI, api: Api,
                                                            cast: dict[str, str]) -> None:
        browser = Browser(app).signed_in(CERTIFIER_ADMIN)
        token = form_token(browser.get("/portal/manage/certifications/new").text)
        done = browser.client.post("/portal/manage/certifications/new", headers={"Origin": browser.origin},
                                   data={"csrf": token, "subject": f"producer:{PRODUCER}", "scheme": "VietGAP",
                                         "result": "pass", "valid_from": "2025-01-01", "valid_until": "2027-01-01"},
                                   files={"document": ("giay.pdf", b"%PDF certificate", "application/pdf")})
        assert done.status_code == 303, done.text
        [cert] = [c for c in (row(api, RegCertification, id=f"cn-{PRODUCER}-{days_from_today(0)}"),) if c]
        assert cert["subject_org"] == PRODUCER
        assert len(cert["document_sha256"]) == 64
        page = f"/portal/manage/certifications/{cert['id']}/revoke"
        assert send(browser, page, page, {"reason": "Vi phạm quy trình"}).status_code == 303
        assert row(api, RegCertification, id=cert["id"])["revoked_entry"] is not None  # type: ignore[index]

    def test_the_root_delegates_and_withdraws_and_a_province_may_not(self, app: FastAPI, api: Api,
                                                                    cast: dict[str, str]) -> None:
        fields = {"authority": AN_GIANG_AUTHORITY, "provinces": [HANOI], "gis": [GI], "valid_from": "2025-07-01"}
        province = Browser(app).signed_in(HANOI_ADMIN)
        with nothing_changed(api):
            refused = send(province, "/portal/manage", "/portal/manage/delegations/new", fields)
        assert refused.status_code == 403
        browser = Browser(app).signed_in(ROOT_ADMIN)
        done = send(browser, "/portal/manage/delegations/new", "/portal/manage/delegations/new", fields)
        assert done.status_code == 303, done.text
        made = row(api, RegDelegation, id=f"uy-quyen-{AN_GIANG_AUTHORITY}")
        assert made is not None
        assert made["gis"] == GI
        assert made["provinces"] == HANOI
        page = f"/portal/manage/delegations/{made['id']}/withdraw"
        assert send(browser, page, page, {"reason": "Hết nhiệm vụ"}).status_code == 303
        assert row(api, RegDelegation, id=made["id"])["withdrawn_entry"] is not None  # type: ignore[index]
        with nothing_changed(api):
            again = send(browser, page, page, {"reason": "Lần nữa"})
        assert again.status_code == 409
        assert "đã bị rút" in again.text
