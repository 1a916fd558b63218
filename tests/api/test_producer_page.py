"""The public producer page, `/producers/{id}`: what a shopper or an inspector reads of an organisation (names,
places and days in words, never the registry's ids and codes), in Vietnamese by default and in English on request;
its JSON by content negotiation; a 404 page for an id no organisation has; the headers every resolver page has."""

import html
import json
import re
from importlib import resources
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from api.producers import LATEST_BATCHES
from registry.state import table_of
from registry.tables import RegCertification, RegGi, RegMark, RegRight
from registry.values import UNITS
from tests.api.conftest import PUBLIC_URL, Api, make_batch, make_gi, make_right, make_right_change
from tests.api.resolving import HTML, JSON, genuine, path
from tests.api.test_resolver_pages import EN, page, styles_allowed
from tests.checks import assert_problem, english_in, varies_by
from tests.factories import GTIN, PRODUCER, ROOT_NAMES

SUSPENDED = "nha-thung-song-xanh"
"""The demo's fish sauce maker whose right to the Phú Quốc GI is suspended from 1 October 2026."""
GROWER = "htx-buoi-dong-la"
"""The demo's pomelo cooperative: a GI right with a quota, products, batches and a certified batch."""


def visible(text: str) -> str:
    """The page's text as a reader sees it: no styles, no tags, entities read."""
    body = re.sub(r"<style>.*?</style>|<title>.*?</title>", " ", text, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def codes(engine: Engine) -> list[str]:
    """Every id the demo gives an organisation, GI, mark, right or certification."""
    organisations = json.loads((resources.files("registry") / "demo_data" / "organisations.json").read_text("utf-8"))
    found = {o["id"] for o in organisations}
    with engine.connect() as connection:
        for table in (RegGi, RegMark, RegRight, RegCertification):
            found |= set(connection.execute(select(table_of(table).c.id)).scalars())
    return sorted(found)


def shown(words: list[str] | tuple[str, ...], text: str) -> list[str]:
    """Which of `words` stand in `text` as whole words (not inside a longer word or id)."""
    return [word for word in words if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]


def producer_page(resolver: Api, org: str, headers: dict[str, str] = HTML, **params: Any) -> httpx.Response:
    answer: httpx.Response = resolver.client.get(f"/producers/{org}", headers=headers, params=params)
    return answer


class TestContent:
    """The page names the organisation, its place, products, rights, certifications and latest batches."""

    def test_a_grower_s_page_says_who_where_what_and_under_which_right(self, resolver: Api) -> None:
        text = visible(page(producer_page(resolver, GROWER), 200))
        for said in ("Hợp tác xã bưởi La Tinh Đông La", "Vai trò trong sổ đăng ký: Nhà sản xuất",
                     "Thôn La Tinh", "Xã An Khánh, Thành phố Hà Nội", "Mã số thuế 9901000106",
                     "Bưởi La Tinh", "Mã GTIN 08939904000019", "Chỉ dẫn địa lý: Bưởi La Tinh Hoài Đức",
                     "Đang có hiệu lực", "Do Sở Khoa học và Công nghệ Hà Nội cấp, có hiệu lực từ ngày 01/07/2026 "
                     "đến ngày 30/06/2027", "Sản lượng được phép: 2.500 quả",
                     "VietGAP (TCVN 11892-1:2017) cho sản phẩm Bưởi La Tinh, lô LT-2610-C: đạt",
                     "do Trung tâm Chứng nhận Nguồn Xanh chứng nhận", "Lô LT-2610-C · Bưởi La Tinh",
                     "sản xuất ngày 15/10/2026"):
            assert said in text, said

    def test_products_and_batches_link_to_their_resolver_pages(self, resolver: Api) -> None:
        text = page(producer_page(resolver, GROWER), 200)
        assert f'href="{PUBLIC_URL}/01/08939904000019?lang=vi"' in text
        assert f'href="{PUBLIC_URL}/01/08939904000019/10/LT-2610-C?lang=vi"' in text
        assert f'href="{PUBLIC_URL}/api/v1/organisations/{GROWER}"' in text

    def test_a_product_s_picture_is_shown_as_a_thumbnail(self, resolver: Api) -> None:
        text = page(producer_page(resolver, "gom-hong-phuc"), 200)
        assert re.search(r'<img src="/api/v1/images/[0-9a-f]{64}" alt="" width="56" height="56"', text)

    def test_a_suspended_right_is_shown_suspended_with_its_day_and_the_decision(self, resolver: Api) -> None:
        text = visible(page(producer_page(resolver, SUSPENDED), 200))
        assert "Chỉ dẫn địa lý: Nước mắm Phú Quốc" in text
        assert "Tạm đình chỉ từ ngày 01/10/2026" in text
        assert "Đang có hiệu lực" not in text
        assert "Theo quyết định của Sở Khoa học và Công nghệ tỉnh An Giang: Từ 01/10/2026 cơ sở dùng cá cơm" in text
        english = visible(page(producer_page(resolver, SUSPENDED, lang="en"), 200))
        assert "Suspended from 1 October 2026" in english

    def test_a_revoked_right_is_shown_revoked_and_an_expired_one_expired(self, api: Api, gi: str) -> None:
        api.created("/rights/revocations", make_right_change(effective_on="2026-10-01",
                                                             reason="Vi phạm quy chế sử dụng chỉ dẫn địa lý."))
        text = visible(page(api.client.get(f"/producers/{PRODUCER}", headers=HTML), 200))
        assert "Đã thu hồi từ ngày 01/10/2026" in text
        assert f"Theo quyết định của {ROOT_NAMES['vi']}: Vi phạm quy chế sử dụng chỉ dẫn địa lý." in text
        english = visible(page(api.client.get(f"/producers/{PRODUCER}", headers=EN), 200))
        assert "Revoked from 1 October 2026" in english

    def test_a_right_past_its_window_is_shown_expired(self, api: Api, producer: str) -> None:
        api.created("/gis", make_gi())
        api.created("/rights", make_right(valid_until="2025-06-30"))
        text = visible(page(api.client.get(f"/producers/{PRODUCER}", headers=HTML), 200))
        assert "Đã hết hạn từ ngày 30/06/2025" in text
        assert "Đang có hiệu lực" not in text

    def test_an_authority_has_its_role_in_words_and_no_empty_product_list(self, resolver: Api) -> None:
        text = visible(page(producer_page(resolver, "ipvietnam"), 200))
        assert "Vai trò trong sổ đăng ký: Cơ quan quản lý nhà nước" in text
        assert "Sản phẩm" not in text

    @pytest.mark.parametrize("lang", ["vi", "en"])
    @pytest.mark.parametrize("org", [GROWER, SUSPENDED, "gom-hong-phuc", "hoi-com-vong", "ipvietnam"])
    def test_no_id_iso_day_or_unit_code_is_shown(self, resolver: Api, engine: Engine, org: str, lang: str) -> None:
        text = visible(page(producer_page(resolver, org, lang=lang), 200))
        assert shown(codes(engine), text) == []
        assert shown(tuple(UNITS), text) == []
        assert re.findall(r"\d{4}-\d{2}-\d{2}", text) == []
        if lang == "vi":
            assert english_in(text) == [], text

    def test_only_the_latest_batches_are_listed(self, api: Api, producer: str) -> None:
        for number in range(LATEST_BATCHES + 2):
            api.created("/batches", make_batch(lot=f"L{number:02}"), as_=PRODUCER)
        text = page(api.client.get(f"/producers/{PRODUCER}", headers=HTML), 200)
        assert len(re.findall(rf'href="{PUBLIC_URL}/01/{GTIN}/10/L\d\d\?lang=vi"', text)) == LATEST_BATCHES

    def test_an_organisation_without_batches_says_so(self, api: Api, producer: str) -> None:
        text = visible(page(api.client.get(f"/producers/{PRODUCER}", headers=HTML), 200))
        assert "Chưa có lô hàng nào được đăng ký." in text


class TestLanguage:
    """Vietnamese by default; English by ?lang=en or Accept-Language; ?lang wins."""

    def test_vietnamese_by_default(self, resolver: Api) -> None:
        text = page(producer_page(resolver, GROWER), 200)
        assert '<html lang="vi">' in text
        assert "Các lô gần đây" in text

    def test_english_by_accept_language_or_query(self, resolver: Api) -> None:
        for answer in (producer_page(resolver, GROWER, EN), producer_page(resolver, GROWER, lang="en")):
            text = visible(page(answer, 200))
            assert "Latest batches" in text
            assert "Geographical indication: La Tinh Hoai Duc pomelo" in text
            assert "In force" in text
            assert "Lot LT-2610-C · La Tinh pomelo" in text
            assert "produced on 15 October 2026" in text
        assert "Các lô gần đây" in page(producer_page(resolver, GROWER, EN, lang="vi"), 200)


class TestNegotiation:
    """Browsers get the page, `Accept: application/json` the facts; an unknown id is a 404 either way."""

    def test_json_carries_the_facts(self, resolver: Api) -> None:
        answer = producer_page(resolver, SUSPENDED, JSON)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        facts = answer.json()
        assert facts["id"] == SUSPENDED
        assert [(r["status"], r["since"]) for r in facts["rights"]] == [("suspended", "2026-10-01")]
        assert facts["rights"][0]["changed_by"]["vi"] == "Sở Khoa học và Công nghệ tỉnh An Giang"

    def test_an_unknown_organisation_is_a_404_page(self, resolver: Api) -> None:
        answer = producer_page(resolver, "no-such-org")
        text = visible(page(answer, 404))
        assert "Không tìm thấy tổ chức" in text
        assert answer.headers["cache-control"] == "no-cache"
        assert "Organisation not found" in page(producer_page(resolver, "no-such-org", lang="en"), 404)

    def test_an_unknown_organisation_is_a_404_problem_for_programs(self, resolver: Api) -> None:
        assert_problem(producer_page(resolver, "no-such-org", JSON), 404, "not-found")

    def test_head_answers_as_get_without_a_body(self, resolver: Api) -> None:
        answer = resolver.client.head(f"/producers/{GROWER}", headers=HTML)
        assert answer.status_code == 200
        assert answer.content == b""
        assert answer.headers["cache-control"] == "public, max-age=60"


class TestHeaders:
    """Vary and Cache-Control as the resolver's pages have them; the page's own styles allowed, no script."""

    @pytest.mark.parametrize("headers", [HTML, JSON])
    def test_answers_vary_by_accept_and_language_and_keep_a_minute(self, resolver: Api,
                                                                   headers: dict[str, str]) -> None:
        answer = producer_page(resolver, GROWER, headers)
        assert varies_by(answer) == {"Accept", "Accept-Language"}
        assert answer.headers["cache-control"] == "public, max-age=60"

    @pytest.mark.parametrize("org", [GROWER, "no-such-org"])
    def test_the_page_allows_its_own_styles_and_no_inline_script(self, resolver: Api, org: str) -> None:
        answer = producer_page(resolver, org)
        policy = answer.headers["content-security-policy"]
        assert policy.startswith("default-src 'self'; script-src 'self';")
        assert "unsafe-inline" not in policy
        assert styles_allowed(answer)
        assert "<script" not in answer.text
        assert (answer.headers["x-frame-options"], answer.headers["x-content-type-options"],
                answer.headers["referrer-policy"]) == ("DENY", "nosniff", "same-origin")


class TestConsumerPageLink:
    """The verdict page's producer links to the producer's page, in the page's language."""

    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_the_producer_links_to_its_page(self, resolver: Api, lang: str) -> None:
        document = resolver.client.get(path(genuine()), headers=JSON).json()
        text = page(resolver.client.get(path(genuine()), headers=HTML, params={"lang": lang}), 200)
        producer = document["producer"]["id"]
        assert f'href="{PUBLIC_URL}/producers/{producer}?lang={lang}"' in text
        assert f"/api/v1/organisations/{producer}" not in text

    def test_the_product_level_links_its_producer_too(self, resolver: Api) -> None:
        producer = resolver.client.get(f"/01/{genuine().gtin}", headers=JSON).json()["producer"]
        text = page(resolver.client.get(f"/01/{genuine().gtin}", headers=HTML), 200)
        assert f'href="/producers/{producer}?lang=vi"' in text
