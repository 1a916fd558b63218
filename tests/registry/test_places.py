"""The commune conversion of 1 July 2025 (registry.places.successors / predecessors) against the two lists."""

from registry import places

# Old communes the conversion table has no row for: they were merged or renamed between the older list
# (4 January 2025) and 1 July 2025, and the table cites them under codes the older list does not have
# (reference/README.md).
UNCONVERTED = {
    "03751", "03898", "03913", "03988", "03991", "04003", "04060", "07693", "07732", "07744", "16387", "16411",
    "18448", "20176", "20674", "25102", "25174", "25177", "25186", "26935", "26959", "27067", "27217", "27223",
    "27361", "27379",
}
# The special zones made of whole districts that had no communes.
WITHOUT_PREDECESSOR = {"11948", "19742", "20333", "21548", "26732"}


def test_bat_trang_took_in_kim_duc_whole_and_parts_of_five_others() -> None:
    old = {c.code: c.name for c in places.predecessors("00577")}
    assert old == {"00148": "Phường Thạch Bàn", "00154": "Phường Cự Khối", "00565": "Thị trấn Trâu Quỳ",
                   "00577": "Xã Đa Tốn", "00583": "Xã Bát Tràng", "00589": "Xã Kim Đức"}
    [kim_duc] = places.successors("00589")
    assert (kim_duc.commune.code, kim_duc.commune.name, kim_duc.partly) == ("00577", "Xã Bát Tràng", False)


def test_a_divided_commune_has_several_successors_each_partly() -> None:
    da_ton = places.successors("00577")
    assert {(s.commune.code, s.commune.name) for s in da_ton} == {("00565", "Xã Gia Lâm"), ("00577", "Xã Bát Tràng")}
    assert all(s.partly for s in da_ton)
    assert all(s.commune.list_version == places.REFORM for s in da_ton)


def test_corrected_row_of_the_table_converts_dang_xa_not_co_bi() -> None:
    # The table prints 00553 (Cổ Bi) for Đặng Xá's part that went into Thuận An; README.md says why it is 00556.
    assert {s.commune.code for s in places.successors("00556")} == {"00541", "00562"}
    assert "00562" not in {s.commune.code for s in places.successors("00553")}


def test_every_old_commune_goes_into_communes_of_its_province_after() -> None:
    before = places._communes(False)
    unconverted = set()
    for code, old in before.items():
        found = places.successors(code)
        if not found:
            unconverted.add(code)
        assert {s.commune.province for s in found} <= {old.province}
        assert all(s.partly == (len(found) > 1) for s in found)
    assert unconverted == UNCONVERTED


def test_every_new_commune_has_a_predecessor_but_the_island_zones() -> None:
    after = places._communes(True)
    without = {code for code in after if not places.predecessors(code)}
    assert without == WITHOUT_PREDECESSOR
    for code, new in after.items():
        assert all(code in {s.commune.code for s in places.successors(p.code)} for p in places.predecessors(code))
        assert {p.province for p in places.predecessors(code)} <= {new.province}


def test_unknown_codes_have_neither() -> None:
    assert places.successors("99999") == []
    assert places.predecessors("99999") == []
