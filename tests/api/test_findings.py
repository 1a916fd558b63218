"""What the consumer page says went wrong (`api.pages.findings`): one plain sentence per finding, in names and
local dates, for every way a verdict fails; and the page that says it renders."""

import html
import re
from typing import Any

import pytest
from sqlalchemy import Engine

from api.digital_link import DigitalLink
from api.pages.consumer import render_verdict
from api.pages.findings import Finding, findings
from registry.verdict.batch import ScanStats
from registry.verdict.document import VerdictDocument
from registry.words import Writer
from tests.registry.test_verdict import CERTIFIER, GI_ID, GTIN, PRODUCER, ROOT, World


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def said(document: VerdictDocument, lang: str = "vi") -> list[Finding]:
    verdict = document.verdict
    return findings(verdict, Writer(lang, {o.id: o.names for o in verdict.organisations if o.names is not None}))


def page_text(document: VerdictDocument, lang: str = "vi", **options: Any) -> str:
    page = render_verdict(DigitalLink(GTIN, "L1", options.get("serial")), document, lang, "https://nguon.example")
    visible = re.sub(r"<details>.*?</details>|<style>.*?</style>", "", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", visible)))


class TestFindings:
    """Each failing check is one sentence a shopper reads, without ids, codes or ISO dates."""

    def test_a_right_suspended_before_production(self, world: World) -> None:
        world.batch()
        world.submit(ROOT, ("right.suspended.v1", {"right": "right-hoai-duc", "effective_on": "2026-10-01",
                                                   "reason": "Fruit from outside the area."}))
        [finding] = said(world.document())
        assert finding == Finding("invalid", "Nhãn ghi chỉ dẫn địa lý «Bưởi Hoài Đức», nhưng quyền sử dụng của "
                                  f"Tổ chức {PRODUCER} bị đình chỉ từ ngày 01/10/2026, không muộn hơn ngày sản xuất "
                                  "01/11/2026.")
        assert "Quyết định về quyền sử dụng" in page_text(world.document())

    def test_a_cancelled_gi(self, world: World) -> None:
        world.batch()
        world.submit(ROOT, ("gi.cancelled.v1", {"gi": GI_ID, "effective_on": "2026-06-01", "reason": "Annulled."}))
        [finding] = said(world.document(), "en")
        assert finding.text == ("The label claims the geographical indication “Hoai Duc pomelo”, which was cancelled "
                                "from 1 June 2026.")

    def test_a_retracted_registration(self, world: World) -> None:
        registered = world.batch()
        world.submit(PRODUCER, ("correction.v1", {"entry": registered, "reason": "Lot never made"}))
        [finding] = said(world.document())
        assert finding.text == (f"Tổ chức {PRODUCER} đã rút lại việc đăng ký lô hàng này ngày 26/11/2026. Lý do: "
                                "Lot never made.")

    def test_a_serial_never_issued(self, world: World) -> None:
        world.batch()
        world.submit(PRODUCER, ("serials.issued.v1", {"gtin": GTIN, "lot": "L1", "count": 3}))
        [finding] = said(world.document(serial="S0000009"))
        assert (finding.severity, "S0000009 chưa từng được nhà sản xuất cấp" in finding.text) == ("invalid", True)

    def test_a_failed_and_a_revoked_certification(self, world: World) -> None:
        world.batch()
        world.certify(result="fail")
        world.certify("cert-2")
        world.submit(CERTIFIER, ("certification.revoked.v1", {"certification": "cert-2", "reason": "In error."}))
        found = said(world.document(), "en")
        assert [f.severity for f in found] == ["invalid", "warning"]
        assert found[0].text == f"Organisation {CERTIFIER} recorded a fail in “VietGAP” for this batch."
        assert found[1].text == f"The “VietGAP” certification of this batch by Organisation {CERTIFIER} was revoked."

    def test_scans_that_look_like_a_copied_code(self, world: World) -> None:
        world.batch()
        world.submit(PRODUCER, ("serials.issued.v1", {"gtin": GTIN, "lot": "L1", "count": 3}))
        [finding] = said(world.document(serial="S0000001", scans=ScanStats(scans=90, readers=40, days=9)))
        assert (finding.severity, "bị in lên nhiều sản phẩm" in finding.text) == ("warning", True)

    def test_a_recalled_batch_is_no_finding_but_its_own_block(self, world: World) -> None:
        world.batch()
        world.submit(PRODUCER, ("batch.recalled.v1", {"gtin": GTIN, "lot": "L1", "reason": "Residue above limit."}))
        document = world.document()
        assert said(document) == []
        text = page_text(document)
        assert "Không ăn, không dùng sản phẩm này." in text
        assert f"Tổ chức {PRODUCER} đã thu hồi lô hàng này ngày 26/11/2026. Lý do: Residue above limit." in text

    def test_the_page_shows_no_iso_date_nor_unit_code(self, world: World) -> None:
        world.batch()
        world.ship()
        world.certify()
        text = page_text(world.document())
        assert re.findall(r"\d{4}-\d{2}-\d{2}|\bH87\b", text) == []
        assert "20/11/2026, 15:00" in text
        assert "100 cái" in text


class TestOldOrigin:
    """An origin cited under the list before 1 July 2025 reads with the commune it is part of now."""

    @pytest.mark.parametrize(("lang", "words"), [
        ("vi", "Xã Kim Đức (nay thuộc Xã Bát Tràng), Thành phố Hà Nội"),
        ("en", "Kim Đức commune (now part of Bát Tràng commune), Hà Nội")])
    def test_the_page_names_the_successor(self, world: World, lang: str, words: str) -> None:
        world.batch(origin={"code": "00589", "version": "2025-01"}, claims=[])
        text = page_text(world.document(), lang)
        assert words in text
        assert "tên trước ngày" not in text
        assert "its name before" not in text
