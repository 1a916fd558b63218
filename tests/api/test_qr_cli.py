"""`nguon qr`: the code of a batch or item the registry holds; for anything else a one-line refusal in the user's
language, unless --offline says the code is meant for something not registered (yet)."""

from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli.main import app
from tests.api.conftest import GTIN, OTHER_GTIN, PRODUCER, Api, make_serials

ENGLISH = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "en_GB.UTF-8"}
VIETNAMESE = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "vi_VN.UTF-8"}


def nguon_qr(database_url: str, *args: str, env: dict[str, str] = ENGLISH) -> Any:
    return CliRunner().invoke(app, ["qr", *args, "--database", database_url], env=env)


def refusal(result: Any) -> str:
    """The one line a refused `nguon qr` prints, after checking it failed and printed no code."""
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    line: str = result.stderr.strip()
    assert "\n" not in line, line
    return line


class TestQrCli:
    """A code is made only for what the registry holds, or with --offline."""

    def test_a_registered_batch_gets_its_code(self, api: Api, batch: dict[str, Any], database_url: str) -> None:
        result = nguon_qr(database_url, GTIN[1:], "L1")
        assert result.exit_code == 0, result.output
        assert "<svg" in result.stdout

    def test_an_unregistered_lot_is_refused(self, api: Api, batch: dict[str, Any], database_url: str) -> None:
        line = refusal(nguon_qr(database_url, GTIN, "L9"))
        assert line == (f"lot L9 of GTIN {GTIN} is not registered; no code made (--offline makes one without asking "
                        "the registry)")

    def test_the_refusal_speaks_vietnamese_to_a_vietnamese_locale(self, api: Api, batch: dict[str, Any],
                                                                   database_url: str) -> None:
        line = refusal(nguon_qr(database_url, GTIN, "L9", env=VIETNAMESE))
        assert line.startswith(f"lô L9 của mã GTIN {GTIN} chưa được đăng ký; không tạo mã")

    def test_an_unregistered_product_is_refused(self, api: Api, batch: dict[str, Any], database_url: str) -> None:
        assert refusal(nguon_qr(database_url, OTHER_GTIN, "L1")).startswith(f"GTIN {OTHER_GTIN} is not registered;")

    def test_a_serial_never_issued_is_refused(self, api: Api, batch: dict[str, Any], database_url: str) -> None:
        api.created("/serials", make_serials(count=1, prefix="S"), as_=PRODUCER)
        issued = api.get("/serials", gtin=GTIN, lot="L1")["items"][0]["serial"]
        assert nguon_qr(database_url, GTIN, "L1", "--serial", issued).exit_code == 0
        assert refusal(nguon_qr(database_url, GTIN, "L1", "--serial", "NOPE")).startswith(
            f"serial NOPE was not issued for lot L1 of GTIN {GTIN};")

    @pytest.mark.parametrize("args", [(GTIN, "L9"), (OTHER_GTIN, "L1", "--png")])
    def test_offline_makes_the_code_without_asking_the_registry(self, tmp_path: Any, args: tuple[str, ...]) -> None:
        nowhere = f"sqlite:///{tmp_path / 'no-such-dir' / 'nguon.db'}"
        result = nguon_qr(nowhere, *args, "--offline")
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes.startswith(b"\x89PNG" if "--png" in args else b"<")
