"""The public pages of who may use each GI and mark, `/gis`, `/gis/{id}`, `/marks` and `/marks/{id}`: names, places,
days and statuses in words (never the registry's ids and codes), in Vietnamese by default and in English on
request; their facts as JSON by content negotiation; a 404 page or problem for an unknown id; the producer page's
headers; bounded lists; and the links that lead to them from the producer and verdict pages."""

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

import api.gis
from registry.values import UNITS
from tests.api.conftest import PUBLIC_URL, Api, make_gi, make_right, make_right_change
from tests.api.resolving import HTML, JSON, genuine, path
from tests.api.test_producer_page import codes, shown, visible
from tests.api.test_resolver_pages import EN, page, styles_allowed
from tests.checks import assert_problem, english_in, varies_by
from tests.factories import GI, OTHER_PRODUCER, PRODUCER, ROOT_NAMES

PHU_QUOC = "phu-quoc"
"""The demo's fish sauce GI: one right in force, one suspended from 1 October 2026."""
LA_TINH = "la-tinh"
"""The demo's pomelo GI: an area amended to communes of two administrative lists, a right with a quota."""
COM_VONG = "com-vong"
"""The demo's collective mark of 22 member households: one right in force, one past its window."""
COM_ME_TRI = "com-me-tri"
"""The demo's certification mark."""
URLS = ["/gis", "/marks", f"/gis/{PHU_QUOC}", f"/gis/{LA_TINH}", f"/marks/{COM_VONG}", f"/marks/{COM_ME_TRI}"]


def get(client: Api, url: str, headers: dict[str, str] = HTML, **params: Any) -> httpx.Response:
    answer: httpx.Response = client.client.get(url, headers=headers, params=params)
    return answer


class TestLists:
    """The lists name each GI or mark, what it covers, where, who manages or owns it and how many may use it."""

    def test_the_gi_list_says_what_where_who_and_how_many(self, resolver: Api) -> None:
        text = visible(page(get(resolver, "/gis"), 200))
        for said in ("Nước mắm Phú Quốc", "Sản phẩm: Nước mắm",
                     "Khu vực địa lý: Đặc khu Phú Quốc, Tỉnh An Giang; Đặc khu Thổ Châu, Tỉnh An Giang",
                     "Cơ quan quản lý: Sở Khoa học và Công nghệ tỉnh An Giang",
                     "Khu vực địa lý: 11 đơn vị hành chính cấp xã của Thành phố Hà Nội",
                     "Cam Cao Phong", "2 tổ chức đang được phép sử dụng"):
            assert said in text, said
        # the suspended fish sauce maker is not counted
        assert re.search(r"Nước mắm Phú Quốc .*?1 tổ chức đang được phép sử dụng", text)

    def test_the_mark_list_gives_each_mark_s_kind_and_owner(self, resolver: Api) -> None:
        text = visible(page(get(resolver, "/marks"), 200))
        assert "Cốm làng Vòng Nhãn hiệu tập thể Chủ sở hữu: Hội Làng nghề cốm Vòng" in text
        assert "Cốm Mễ Trì Nhãn hiệu chứng nhận Chủ sở hữu: Hội Sản xuất cốm Mễ Trì" in text

    def test_names_follow_the_vietnamese_alphabet_tones_deciding_last(self, resolver: Api) -> None:
        text = visible(page(get(resolver, "/gis"), 200))
        names = ["Bưởi La Tinh Hoài Đức", "Cà phê Buôn Ma Thuột", "Cam Cao Phong", "Nước mắm Phú Quốc"]
        assert [text.index(n) for n in names] == sorted(text.index(n) for n in names)

    def test_each_name_links_to_its_page_in_the_list_s_language(self, resolver: Api) -> None:
        assert f'href="/gis/{PHU_QUOC}?lang=vi"' in page(get(resolver, "/gis"), 200)
        assert f'href="/marks/{COM_VONG}?lang=en"' in page(get(resolver, "/marks", lang="en"), 200)


class TestGiPage:
    """A GI's page: registration, authority, area in words, and every right with its status."""

    def test_the_page_says_who_registered_and_manages_it_and_where_it_is(self, resolver: Api) -> None:
        text = visible(page(get(resolver, f"/gis/{PHU_QUOC}"), 200))
        for said in ("Nước mắm Phú Quốc", "Tình trạng Đang được bảo hộ", "Văn bằng Số 00001, cấp ngày 14/08/2001",
                     "Cơ quan đăng ký Cục Sở hữu trí tuệ", "Cơ quan quản lý Sở Khoa học và Công nghệ tỉnh An Giang",
                     "Sản phẩm Nước mắm", "Khu vực địa lý (2 đơn vị hành chính cấp xã)",
                     "Đặc khu Phú Quốc, Tỉnh An Giang (khâu chế biến)",
                     "Theo danh mục đơn vị hành chính ngày 01/07/2025."):
            assert said in text, said

    def test_users_in_force_come_first_and_a_suspended_one_says_since_when_and_why(self, resolver: Api) -> None:
        text = visible(page(get(resolver, f"/gis/{PHU_QUOC}"), 200))
        in_force = text.index("Nhà thùng nước mắm Biển Ngọc Đang có hiệu lực")
        suspended = text.index("Nhà thùng nước mắm Sóng Xanh Tạm đình chỉ từ ngày 01/10/2026")
        assert in_force < suspended
        assert "Theo quyết định của Sở Khoa học và Công nghệ tỉnh An Giang: Từ 01/10/2026 cơ sở dùng cá cơm" in text
        assert "Do Sở Khoa học và Công nghệ tỉnh An Giang cấp, có hiệu lực từ ngày 01/03/2024 đến ngày 28/02/2029" \
            in text

    def test_holders_link_to_their_producer_pages(self, resolver: Api) -> None:
        text = page(get(resolver, f"/gis/{PHU_QUOC}", lang="en"), 200)
        assert 'href="/producers/nha-thung-song-xanh?lang=en"' in text
        assert 'href="/producers/sokhcn-an-giang?lang=en"' in text

    def test_an_area_of_two_lists_names_both_and_where_old_communes_are_now(self, resolver: Api) -> None:
        text = visible(page(get(resolver, f"/gis/{LA_TINH}"), 200))
        assert "Xã Đông La (nay thuộc Xã An Khánh), Thành phố Hà Nội (khâu nguyên liệu)" in text
        assert "Theo danh mục đơn vị hành chính ngày 01/12/2019 và 01/07/2025." in text

    def test_a_quota_is_given_allowed_and_used_in_unit_words(self, resolver: Api) -> None:
        text = visible(page(get(resolver, f"/gis/{LA_TINH}"), 200))
        assert "Sản lượng được phép: 2.500 quả" in text
        assert re.search(r"Đã dùng: [\d.]+ cái", text)
        english = visible(page(get(resolver, f"/gis/{LA_TINH}", lang="en"), 200))
        assert "Quantity allowed: 2,500 pieces" in english
        assert re.search(r"Used: [\d,]+ pieces", english)

    def test_a_revoked_right_is_shown_revoked_after_those_in_force(self, api: Api, gi: str) -> None:
        api.register_producer(OTHER_PRODUCER, "8939902")
        api.created("/rights", make_right(id="right-other", holder=OTHER_PRODUCER))
        api.created("/rights/revocations", make_right_change(effective_on="2026-10-01",
                                                             reason="Vi phạm quy chế sử dụng chỉ dẫn địa lý."))
        text = visible(page(get(api, f"/gis/{GI}"), 200))
        assert "Đã thu hồi từ ngày 01/10/2026" in text
        assert f"Theo quyết định của {ROOT_NAMES['vi']}: Vi phạm quy chế sử dụng chỉ dẫn địa lý." in text
        assert text.index("Đang có hiệu lực") < text.index("Đã thu hồi")
        assert "Revoked from 1 October 2026" in visible(page(get(api, f"/gis/{GI}", EN), 200))
        assert "1 tổ chức đang được phép sử dụng" in visible(page(get(api, "/gis"), 200))

    def test_a_right_past_its_window_is_shown_expired(self, api: Api, gi: str) -> None:
        api.register_producer(OTHER_PRODUCER, "8939902")
        api.created("/rights", make_right(id="right-other", holder=OTHER_PRODUCER, valid_until="2025-06-30"))
        text = visible(page(get(api, f"/gis/{GI}"), 200))
        assert "Đã hết hạn từ ngày 30/06/2025" in text
        assert "1 tổ chức đang được phép sử dụng" in visible(page(get(api, "/gis"), 200))

    def test_a_gi_without_users_says_so(self, api: Api, producer: str) -> None:
        api.created("/gis", make_gi())
        assert "Chưa có tổ chức nào được cấp quyền sử dụng." in visible(page(get(api, f"/gis/{GI}"), 200))
        assert "Chưa có tổ chức nào đang được phép sử dụng" in visible(page(get(api, "/gis"), 200))


class TestMarkPage:
    """A mark's page: its kind, owner, validity, users with their status and members folded after twenty."""

    def test_the_page_says_kind_owner_validity_and_users(self, resolver: Api) -> None:
        text = visible(page(get(resolver, f"/marks/{COM_VONG}"), 200))
        for said in ("Cốm làng Vòng Nhãn hiệu tập thể", "Có hiệu lực từ ngày 20/09/2021 đến ngày 20/09/2031",
                     "Chủ sở hữu Hội Làng nghề cốm Vòng", "Hộ làm cốm Vòng số 01 Đang có hiệu lực",
                     "Hộ làm cốm Vòng số 02 Đã hết hạn từ ngày 30/09/2026", "Thành viên (22)"):
            assert said in text, said
        certification = visible(page(get(resolver, f"/marks/{COM_ME_TRI}", lang="en"), 200))
        assert "Certification mark" in certification
        assert "Owner Me Tri Green Rice Flake Makers' Association" in certification

    def test_members_past_twenty_are_folded_under_a_count(self, resolver: Api) -> None:
        members = page(get(resolver, f"/marks/{COM_VONG}"), 200).split('id="members"')[1]
        before, folded = members.split("<details>")
        assert len(re.findall(r'href="/producers/com-vong-\d\d\?lang=vi"', folded)) == 2
        assert "Xem thêm 2 thành viên" in visible(folded)
        assert len(re.findall(r"<li><a href=\"/producers/com-vong-\d\d", before)) == 20


class TestBounds:
    """A page lists at most MAX_USERS rights and members and says how many more the JSON API has."""

    def test_rights_and_members_past_the_bound_are_counted(self, resolver: Api,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(api.gis, "MAX_USERS", 1)
        answer = get(resolver, f"/marks/{COM_VONG}")
        text = visible(page(answer, 200))
        assert len(re.findall(r"Hộ làm cốm Vòng số \d\d (?:Đang có|Đã hết)", text)) == 1
        assert "Trang này chỉ liệt kê 1 mục đầu tiên; còn 1 mục khác trong dữ liệu JSON." in text
        assert "Trang này chỉ liệt kê 1 mục đầu tiên; còn 21 mục khác trong dữ liệu JSON." in text
        facts = get(resolver, f"/marks/{COM_VONG}", JSON).json()
        assert (len(facts["users"]), facts["users_left_out"]) == (1, 1)
        assert (len(facts["members"]), facts["members_left_out"]) == (1, 21)


class TestWhatTheReaderSees:
    """Names, places, days and words: never the registry's ids or codes, no English inside Vietnamese."""

    @pytest.mark.parametrize("lang", ["vi", "en"])
    @pytest.mark.parametrize("url", URLS)
    def test_no_id_iso_day_or_unit_code_is_shown(self, resolver: Api, engine: Engine, url: str, lang: str) -> None:
        text = visible(page(get(resolver, url, lang=lang), 200))
        assert shown(codes(engine), text) == []
        assert shown(tuple(UNITS), text) == []
        assert re.findall(r"\d{4}-\d{2}-\d{2}", text) == []
        if lang == "vi":
            assert english_in(text) == [], text


class TestLanguage:
    """Vietnamese by default; English by ?lang=en or Accept-Language; ?lang wins."""

    def test_vietnamese_by_default_and_english_on_request(self, resolver: Api) -> None:
        assert '<html lang="vi">' in page(get(resolver, f"/gis/{PHU_QUOC}"), 200)
        for answer in (get(resolver, f"/gis/{PHU_QUOC}", EN), get(resolver, f"/gis/{PHU_QUOC}", lang="en")):
            text = visible(page(answer, 200))
            for said in ("Phu Quoc fish sauce", "Geographical indication", "Managed by An Giang Department of "
                         "Science and Technology", "Phú Quốc special zone, An Giang (processing stage)",
                         "Suspended from 1 October 2026", "In force", "As in the administrative list of 1 July 2025."):
                assert said in text, said
        assert "Tổ chức được phép sử dụng" in page(get(resolver, f"/gis/{PHU_QUOC}", EN, lang="vi"), 200)
        assert "Collective and certification marks" in page(get(resolver, "/marks", EN), 200)


class TestNegotiation:
    """Browsers get the page, `Accept: application/json` the facts; an unknown id is a 404 either way."""

    def test_json_carries_the_users_with_their_status(self, resolver: Api) -> None:
        answer = get(resolver, f"/gis/{PHU_QUOC}", JSON)
        assert answer.headers["content-type"] == "application/json"
        facts = answer.json()
        assert (facts["id"], facts["kind"], facts["authority"]) == (PHU_QUOC, "gi", "sokhcn-an-giang")
        assert [(u["holder"], u["right"]["status"], u["right"]["since"]) for u in facts["users"]] == [
            ("nha-thung-bien-ngoc", "active", None), ("nha-thung-song-xanh", "suspended", "2026-10-01")]
        lists = get(resolver, "/marks", JSON).json()["items"]
        assert {m["id"]: m["in_force"] for m in lists}[COM_VONG] == 1

    @pytest.mark.parametrize(("url", "title"), [("/gis/no-such-gi", "Không tìm thấy chỉ dẫn địa lý"),
                                                ("/marks/no-such-mark", "Không tìm thấy nhãn hiệu")])
    def test_an_unknown_id_is_a_404_page_and_a_404_problem(self, resolver: Api, url: str, title: str) -> None:
        before, digest = resolver.head_size(), resolver.digest()
        answer = get(resolver, url)
        assert title in visible(page(answer, 404))
        assert answer.headers["cache-control"] == "no-cache"
        assert_problem(get(resolver, url, JSON), 404, "not-found")
        assert (resolver.head_size(), resolver.digest()) == (before, digest)

    def test_an_overlong_id_is_refused(self, resolver: Api) -> None:
        assert get(resolver, "/gis/" + "x" * 101, JSON).status_code == 422

    @pytest.mark.parametrize("url", ["/gis", f"/marks/{COM_VONG}", "/marks/no-such-mark"])
    def test_head_answers_as_get_without_a_body(self, resolver: Api, url: str) -> None:
        answer = resolver.client.head(url, headers=HTML)
        assert answer.status_code == get(resolver, url).status_code
        assert answer.content == b""
        assert answer.headers["cache-control"] == get(resolver, url).headers["cache-control"]


class TestHeaders:
    """Vary and Cache-Control as the producer page has them; the page's own styles allowed, no script."""

    @pytest.mark.parametrize("headers", [HTML, JSON])
    @pytest.mark.parametrize("url", ["/gis", f"/gis/{PHU_QUOC}", "/marks", f"/marks/{COM_VONG}"])
    def test_answers_vary_by_accept_and_language_and_keep_a_minute(self, resolver: Api, url: str,
                                                                   headers: dict[str, str]) -> None:
        answer = get(resolver, url, headers)
        assert varies_by(answer) == {"Accept", "Accept-Language"}
        assert answer.headers["cache-control"] == "public, max-age=60"

    @pytest.mark.parametrize("url", [*URLS, "/gis/no-such-gi"])
    def test_the_page_allows_its_own_styles_and_no_inline_script(self, resolver: Api, url: str) -> None:
        answer = get(resolver, url)
        policy = answer.headers["content-security-policy"]
        assert policy.startswith("default-src 'self'; script-src 'self';")
        assert "unsafe-inline" not in policy
        assert styles_allowed(answer)
        assert "<script" not in answer.text


class TestLinks:
    """The producer page's rights, the verdict page's claims and every page's footer lead to these pages."""

    def test_the_producer_page_s_rights_link_to_their_gi(self, resolver: Api) -> None:
        text = page(get(resolver, "/producers/nha-thung-song-xanh", lang="en"), 200)
        assert f'href="/gis/{PHU_QUOC}?lang=en"' in text
        assert f'href="/marks/{COM_VONG}?lang=vi"' in page(get(resolver, "/producers/com-vong-01"), 200)

    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_the_verdict_page_s_claims_link_to_their_pages(self, resolver: Api, lang: str) -> None:
        claims = resolver.client.get(path(genuine()), headers=JSON).json()["claims"]
        text = page(resolver.client.get(path(genuine()), headers=HTML, params={"lang": lang}), 200)
        assert claims
        for claim in claims:
            where = "gis" if claim["type"] == "gi" else "marks"
            assert f'href="{PUBLIC_URL}/{where}/{claim["id"]}?lang={lang}"' in text

    def test_every_page_s_footer_links_to_the_list(self, resolver: Api) -> None:
        for url in ("/producers/nha-thung-song-xanh", path(genuine()), f"/gis/{PHU_QUOC}"):
            assert 'href="/gis?lang=vi">Chỉ dẫn địa lý và nhãn hiệu</a>' in page(get(resolver, url), 200)
        assert 'href="/gis?lang=en">Geographical indications and marks</a>' in page(
            get(resolver, "/marks", lang="en"), 200)


def test_a_producer_whose_right_names_it_is_in_the_users(api: Api, gi: str) -> None:
    """A right granted just now shows at once: the page reads the projections, not a copy."""
    text = visible(page(get(api, f"/gis/{GI}"), 200))
    assert re.search(r"Đang có hiệu lực Do Cục Sở hữu trí tuệ cấp, có hiệu lực từ ngày 01/01/2024", text)
    assert f'href="/producers/{PRODUCER}?lang=vi"' in page(get(api, f"/gis/{GI}"), 200)
