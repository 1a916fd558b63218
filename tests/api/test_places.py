"""GET /api/v1/places/communes/{code} and `nguon places`: a commune of either list and where the reform put it."""

from datetime import date

import pytest
from typer.testing import CliRunner

from api.cli.main import app as cli
from tests.api.conftest import Api
from tests.checks import assert_problem, english_in

runner = CliRunner()
PATH = "/api/v1/places/communes"


class TestPlacesApi:
    """The commune, its province in both languages, and its successors (old list) or predecessors (2025 list)."""

    def test_an_old_commune_names_the_new_one_it_went_into(self, api: Api) -> None:
        body = api.client.get(f"{PATH}/00589", params={"version": "2025-01"}).json()
        assert body == {
            "code": "00589", "version": "2025-01", "list_version": "2025-01-04",
            "name": {"vi": "Xã Kim Đức", "en": "Kim Đức commune"},
            "province": {"code": "01", "name": {"vi": "Thành phố Hà Nội", "en": "Hà Nội"}},
            "successors": [{"code": "00577", "name": {"vi": "Xã Bát Tràng", "en": "Bát Tràng commune"},
                            "partly": False}],
            "predecessors": None}

    def test_a_reused_code_is_read_in_the_list_its_version_names(self, api: Api) -> None:
        old = api.client.get(f"{PATH}/00577", params={"version": "2019-12-01"}).json()
        assert old["name"]["vi"] == "Xã Đa Tốn"
        assert {(s["code"], s["partly"]) for s in old["successors"]} == {("00565", True), ("00577", True)}
        new = api.client.get(f"{PATH}/00577", params={"version": "2025-07-01"}).json()
        assert new["name"]["vi"] == "Xã Bát Tràng"
        assert new["successors"] is None
        assert {p["code"] for p in new["predecessors"]} == {"00148", "00154", "00565", "00577", "00583", "00589"}

    def test_without_a_version_today_s_list_is_read(self, api: Api) -> None:
        assert api.client.get(f"{PATH}/00577").json()["list_version"] == "2025-07-01"

    def test_an_old_commune_the_table_does_not_convert_has_no_successor(self, api: Api) -> None:
        assert api.client.get(f"{PATH}/27379", params={"version": "2025-01-04"}).json()["successors"] == []

    def test_a_code_the_list_lacks_is_a_404_problem(self, api: Api) -> None:
        with api.nothing_appended():
            problem = assert_problem(api.client.get(f"{PATH}/00589", params={"version": "2025-07"}), 404,
                                     "unknown-commune")
        assert "00589" in problem["message"]["vi"]
        assert not english_in(problem["message"]["vi"])
        assert "1 July 2025" in problem["detail"]
        assert "01/07/2025" in problem["message"]["vi"]

    @pytest.mark.parametrize("version", ["2003-12", f"{date.today().year + 2}-01-01"])
    def test_a_list_dated_in_the_future_or_before_2004_is_a_400_problem(self, api: Api, version: str) -> None:
        with api.nothing_appended():
            problem = assert_problem(api.client.get(f"{PATH}/00577", params={"version": version}), 400,
                                     "unknown-list-version")
        year, month = version.split("-")[:2]
        assert f"01/{month}/{year}" in problem["message"]["vi"]
        assert not english_in(problem["message"]["vi"])

    @pytest.mark.parametrize("version", ["2025-02-30", "2025-13", "2025-00-10"])
    def test_a_list_dated_on_a_day_no_calendar_has_is_a_400_problem(self, api: Api, version: str) -> None:
        with api.nothing_appended():
            problem = assert_problem(api.client.get(f"{PATH}/00577", params={"version": version}), 400,
                                     "unknown-list-version")
        assert "không có trên lịch" in problem["message"]["vi"]

    @pytest.mark.parametrize(("code", "version"), [("577", "2025-07"), ("00577", "1.7.2025"), ("0057a", None)])
    def test_a_malformed_code_or_version_is_an_invalid_request(self, api: Api, code: str, version: str | None) -> None:
        params = {} if version is None else {"version": version}
        with api.nothing_appended():
            assert_problem(api.client.get(f"{PATH}/{code}", params=params), 422, "invalid-request")

    def test_the_operation_is_documented(self, api: Api) -> None:
        operation = api.client.get("/openapi.json").json()["paths"]["/api/v1/places/communes/{code}"]["get"]
        assert "Xã Đa Tốn" in operation["description"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/CommuneOut")


class TestPlacesCli:
    """`nguon places` prints the same in the user's language."""

    def test_prints_an_old_commune_and_its_successor_in_vietnamese(self) -> None:
        result = runner.invoke(cli, ["places", "00589", "--version", "2025-01"], env={"LANG": "vi_VN.UTF-8"})
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == ["Xã Kim Đức (mã 00589), Thành phố Hà Nội",
                                              "Danh mục trước ngày 01/07/2025 (áp dụng ngày 04/01/2025)",
                                              "Nay thuộc: Xã Bát Tràng (mã 00577)"]

    def test_prints_a_divided_commune_in_english(self) -> None:
        result = runner.invoke(cli, ["places", "00577", "--version", "2019-12-01"], env={"LANG": "en_GB.UTF-8"})
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[-1] == ("Now divided between: Gia Lâm commune (code 00565), "
                                                  "Bát Tràng commune (code 00577)")

    def test_prints_the_predecessors_of_a_new_commune(self) -> None:
        result = runner.invoke(cli, ["places", "00577"], env={"LANG": "vi_VN.UTF-8"})
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[1:] == [
            "Danh mục từ ngày 01/07/2025",
            "Hình thành từ: Phường Thạch Bàn (mã 00148), Phường Cự Khối (mã 00154), Thị trấn Trâu Quỳ (mã 00565), "
            "Xã Đa Tốn (mã 00577), Xã Bát Tràng (mã 00583), Xã Kim Đức (mã 00589)"]

    @pytest.mark.parametrize(("args", "code", "words"), [
        (["99999"], 1, "không có trong danh mục"),
        (["00577", "--version", "2003-01"], 1, "trước khi có danh mục mã số quốc gia (01/01/2004)"),
        (["577"], 2, "năm chữ số")])
    def test_refuses_in_the_user_s_language(self, args: list[str], code: int, words: str) -> None:
        result = runner.invoke(cli, ["places", *args], env={"LANG": "vi_VN.UTF-8"})
        assert result.exit_code == code
        assert words in result.stderr
        assert result.stdout == ""
