"""How the registry writes its values for people (`registry.words`, shared by the page and the verdict's
checks), and that its words cover
every code the registry accepts (`api.pages.words`)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from api.pages.consumer import witnesses
from api.pages.words import BIZ_STEPS, TEXT
from registry.schemas.goods import BIZ_STEPS as REGISTRY_BIZ_STEPS
from registry.values import UNITS as REGISTRY_UNITS
from registry.verdict.facts import Names
from registry.verdict.facts import place as commune
from registry.words import UNITS, Writer, day, local_time, moment, number, place, quantity


class TestDaysAndTimes:
    """Days as people write them; times in Viet Nam's time."""

    def test_a_day_in_each_language(self) -> None:
        assert (day("2026-08-20", "vi"), day("2026-08-20", "en")) == ("20/08/2026", "20 August 2026")

    def test_a_utc_time_is_written_in_viet_nams_time(self) -> None:
        assert moment("2026-08-20T02:00:00Z", "vi") == "20/08/2026, 09:00"
        assert moment("2026-08-20T02:00:00.250Z", "en") == "20 August 2026, 09:00"

    def test_a_late_utc_evening_is_the_next_day_in_viet_nam(self) -> None:
        assert moment("2026-10-30T18:30:00Z", "vi") == "31/10/2026, 01:30"
        assert local_time("2026-10-30T18:30:00Z") == "2026-10-31T01:30"


class TestQuantities:
    """Numbers grouped as each language groups them, with the unit in words."""

    def test_units_in_words(self) -> None:
        assert quantity("150", "H87", "vi") == "150 cái"
        assert quantity("3000", "H87", "en") == "3,000 pieces"
        assert quantity("1", "XBX", "en") == "1 box"
        assert quantity("40", "XBX", "vi") == "40 hộp"
        assert quantity("1200.5", "KGM", "vi") == "1.200,5 kg"
        assert quantity("2.50", "LTR", "en") == "2.5 litres"

    def test_packages_are_counted_by_what_holds_them(self) -> None:
        """A bottle of fish sauce is a "chai", not a "cái" (UN/ECE Rec 20 X codes for Rec 21 packages)."""
        words = {"XBO": ("500 chai", "1 bottle", "500 bottles"), "XJR": ("200 hũ", "1 jar", "200 jars"),
                 "XBG": ("30 túi", "1 bag", "30 bags"), "XPA": ("1.000 gói", "1 packet", "1,000 packets"),
                 "XCX": ("24 lon", "1 can", "24 cans"), "XSA": ("10 bao", "1 sack", "10 sacks"),
                 "XCT": ("6 thùng", "1 carton", "6 cartons")}
        for code, (vi, one, many) in words.items():
            amount = vi.split()[0].replace(".", "")
            assert quantity(amount, code, "vi") == vi
            assert quantity("1", code, "en") == one
            assert quantity(amount, code, "en") == many

    def test_every_unit_the_registry_accepts_has_words(self) -> None:
        assert set(UNITS) == set(REGISTRY_UNITS)

    @given(st.decimals(min_value=0, max_value=10**15, places=6, allow_nan=False, allow_infinity=False))
    def test_a_number_reads_back_as_the_same_amount(self, amount: Decimal) -> None:
        text = f"{amount:f}"
        assert Decimal(number(text, "en").replace(",", "")) == amount
        assert Decimal(number(text, "vi").replace(".", "").replace(",", ".")) == amount


class TestPlaces:
    """A commune by its name and its province's, never doubled, never by its code."""

    def test_a_commune_of_the_2025_list(self) -> None:
        assert place(commune("00577", "2025-07-01"), "vi") == "Xã Bát Tràng, Thành phố Hà Nội"
        assert place(commune("00577", "2025-07-01"), "en") == "Bát Tràng commune, Hà Nội"
        assert place(commune("31078", "2025-07-01"), "en") == "Phú Quốc special zone, An Giang"

    def test_a_commune_of_an_older_list_says_where_it_is_now(self) -> None:
        assert place(commune("00589", "2025-01"), "vi") == "Xã Kim Đức (nay thuộc Xã Bát Tràng), Thành phố Hà Nội"
        assert place(commune("00589", "2025-01"), "en") == "Kim Đức commune (now part of Bát Tràng commune), Hà Nội"

    def test_a_divided_commune_names_every_new_one(self) -> None:
        assert place(commune("00577", "2019-12-01"), "vi") == ("Xã Đa Tốn (nay chia vào Xã Gia Lâm và Xã Bát Tràng), "
                                                               "Thành phố Hà Nội")
        assert place(commune("00148", "2019-12-01"), "en") == (
            "Thạch Bàn ward (now divided between Phúc Lợi ward, Long Biên ward, Gia Lâm commune and Bát Tràng "
            "commune), Hà Nội")

    def test_an_old_commune_the_conversion_table_lacks_says_its_name_is_old(self) -> None:
        assert place(commune("27379", "2025-01-04"), "vi") == ("Phường 1 (tên trước ngày 01/07/2025), "
                                                               "Thành phố Hồ Chí Minh")
        assert place(commune("27379", "2025-01-04"), "en") == "Ward 1 (its name before 1 July 2025), Hồ Chí Minh City"

    def test_a_code_no_list_has_is_not_shown_as_a_code(self) -> None:
        assert place(commune("99999", "2025-07-01"), "vi") == "một xã không có trong danh mục hành chính"


class TestWords:
    """Every code a page may show has words in both languages, and both languages say the same things."""

    def test_every_business_step_has_words(self) -> None:
        assert set(BIZ_STEPS) == set(REGISTRY_BIZ_STEPS)

    def test_both_languages_have_the_same_labels(self) -> None:
        assert set(TEXT["vi"]) == set(TEXT["en"])

    def test_an_organisation_is_named_never_shown_by_its_id(self) -> None:
        writer = Writer("vi", {"gom-hong-phuc": Names("Xưởng gốm Hồng Phúc", "Hong Phuc ceramics")})
        assert writer.name("gom-hong-phuc") == "Xưởng gốm Hồng Phúc"
        assert "ke-gia-mao" not in writer.name("ke-gia-mao")


class TestWitnesses:
    """The evidence sentence counts the cosignatures of the checkpoint besides the log's own signature."""

    def test_cosignatures_are_counted_apart_from_the_logs_signature(self) -> None:
        note = "log.example/x\n5\nAAAA\n\n— log.example/x sig1\n— witness.example/w1 sig2\n— witness.example/w2 sig3\n"
        assert witnesses(note) == 2
        assert witnesses("log.example/x\n5\nAAAA\n\n— log.example/x sig1\n") == 0
