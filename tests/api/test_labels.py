"""Label sheets: every label's text and QR code, escaped, on self-contained A4 pages."""

import re

import pytest

from api.digital_link import DigitalLink, DigitalLinkError
from api.pages.labels import Label, SheetLayout, label_sheet_html
from api.qr import SVG_NAMESPACE, qr_svg

BASE = "https://nguon.example"
GTIN = "08934567890120"


def make_label(
    name_vi: str = "Nước mắm Phú Quốc 40 độ đạm",
    name_en: str | None = "Phu Quoc fish sauce, 40°N",
    lot: str = "LOT-2026/1",
    serial: str | None = "S0000001",
) -> Label:
    return Label(name_vi=name_vi, name_en=name_en, link=DigitalLink(GTIN, lot, serial))


def items(count: int) -> list[Label]:
    """Labels for items S0000001, S0000002, … of one batch."""
    return [make_label(serial=f"S{i:07d}") for i in range(1, count + 1)]


def sheet(labels: list[Label], title: str = "Nhãn lô LOT-2026/1", layout: SheetLayout | None = None) -> str:
    return label_sheet_html(labels, title, base_url=BASE, layout=layout)


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)


class TestLabelText:
    """Every label shows its names, lot, serial and GS1 element string."""

    def test_shows_each_lot_serial_and_element_string(self) -> None:
        labels = [make_label(lot=f"L{i % 3}", serial=f"S{i}") for i in range(7)]
        html = sheet(labels)
        for label in labels:
            assert f"Lot: {label.link.lot}<" in html
            assert f"Serial: {label.link.serial}<" in html
            assert f">{label.link.element_string()}<" in html

    def test_shows_both_product_names(self) -> None:
        html = sheet([make_label()])
        assert ">Nước mắm Phú Quốc 40 độ đạm<" in html
        assert '<div class="name-en" lang="en">Phu Quoc fish sauce, 40°N</div>' in html

    def test_leaves_out_serial_and_english_name_when_absent(self) -> None:
        html = sheet([make_label(serial=None, name_en=None)])
        assert "Serial" not in html
        assert "name-en" not in html.split("<body>")[1]
        assert ">(01)08934567890120(10)LOT-2026/1<" in html

    def test_escapes_product_names_and_title(self) -> None:
        html = sheet(
            [make_label(name_vi="<script>alert('vi')</script>", name_en="A & <b>B</b>")], title="</title><script>"
        )
        assert "<script" not in html
        assert "&lt;script&gt;alert(&#39;vi&#39;)&lt;/script&gt;" in html
        assert "A &amp; &lt;b&gt;B&lt;/b&gt;" in html
        assert "<title>&lt;/title&gt;&lt;script&gt;</title>" in html

    def test_escapes_gs1_characters_in_lot_and_serial(self) -> None:
        html = sheet([make_label(lot="<i>&\"'", serial="<b>")])
        assert "<i>" not in html
        assert "<b>" not in html
        assert "Lot: &lt;i&gt;&amp;&#34;&#39;<" in html
        assert "(21)&lt;b&gt;<" in html

    def test_refuses_an_empty_vietnamese_name(self) -> None:
        with pytest.raises(ValueError, match="empty Vietnamese product name"):
            make_label(name_vi="  ")


class TestLabelCodes:
    """Each label carries, inline, the QR code of its own Digital Link URI."""

    def test_has_one_inline_svg_per_label_holding_that_labels_uri(self) -> None:
        labels = items(5)
        assert svgs(sheet(labels)) == [qr_svg(label.link.uri(BASE)).decode("ascii") for label in labels]

    def test_refuses_a_bad_base_url(self) -> None:
        with pytest.raises(DigitalLinkError, match="base URL"):
            label_sheet_html([make_label()], "t", base_url="nguon.example")


class TestSheet:
    """A self-contained printable document, labels cut into A4 pages."""

    def test_is_a_self_contained_html_document_without_scripts(self) -> None:
        html = sheet(items(3))
        assert html.startswith("<!DOCTYPE html>")
        assert '<html lang="vi">' in html
        assert '<meta charset="utf-8">' in html
        assert set(re.findall(r"https?://[^\s\"'<>]*", html)) == {SVG_NAMESPACE}
        for needle in ("<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import", "@font-face"):
            assert needle not in html
        assert not re.search(r"\son\w+=", html)  # no event handler attributes

    def test_sizes_the_page_as_a4_in_millimetres(self) -> None:
        html = sheet([make_label()])
        assert "@page { size: A4 portrait; margin: 0; }" in html
        assert "grid-template-columns: repeat(3, 70mm);" in html
        assert "grid-template-rows: repeat(8, 37mm);" in html
        assert "height: 296.5mm;" in html
        assert "page-break-after: always;" in html

    @pytest.mark.parametrize(("count", "pages"), [(1, 1), (24, 1), (25, 2), (49, 3)])
    def test_puts_twenty_four_labels_on_a_page(self, count: int, pages: int) -> None:
        html = sheet(items(count))
        sections = re.findall(r'<section class="sheet">(.*?)</section>', html, flags=re.DOTALL)
        assert len(sections) == pages
        assert [len(svgs(section)) for section in sections] == [min(24, count - 24 * p) for p in range(pages)]
        assert len(svgs(html)) == count

    def test_keeps_the_labels_in_order(self) -> None:
        html = sheet(items(30))
        assert re.findall(r"Serial: (S\d+)<", html) == [f"S{i:07d}" for i in range(1, 31)]

    def test_follows_a_custom_layout(self) -> None:
        layout = SheetLayout(columns=2, rows=5, label_width_mm=100, label_height_mm=55)
        html = sheet(items(11), layout=layout)
        assert html.count('<section class="sheet">') == 2
        assert "grid-template-columns: repeat(2, 100mm);" in html
        assert "padding: 11mm 5mm 0;" in html

    def test_refuses_no_labels(self) -> None:
        with pytest.raises(ValueError, match="at least one label"):
            sheet([])


class TestSheetLayout:
    """A layout must fit A4 and leave room for a readable code and its text."""

    def test_default_fills_a4_with_three_by_eight(self) -> None:
        layout = SheetLayout()
        assert (layout.per_page, layout.left_mm, layout.top_mm, layout.qr_mm) == (24, 0, 0.5, 33)

    def test_refuses_a_grid_larger_than_a4(self) -> None:
        with pytest.raises(ValueError, match="needs 210 x 304 mm; A4 is 210 x 297 mm"):
            SheetLayout(rows=8, label_height_mm=38)

    def test_refuses_labels_too_small_for_a_code(self) -> None:
        with pytest.raises(ValueError, match="too little room"):
            SheetLayout(columns=4, rows=10, label_width_mm=52.5, label_height_mm=18)

    def test_refuses_an_empty_grid(self) -> None:
        with pytest.raises(ValueError, match="at least one column and one row"):
            SheetLayout(columns=0)
