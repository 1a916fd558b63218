"""`nguon verify-bundle` on every demo bundle, genuine and edited: it exits 0 on each genuine bundle, printing the
verdict it vouches for in Vietnamese and English, and 1 on every bundle whose verdict, facts, entries, proofs,
checkpoint or cosignatures were edited or dropped."""

import base64
import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli.main import app as nguon
from api.settings import Settings
from ledger.core.cosignature import CosignatureSigner
from ledger.core.note import NoteSigner
from registry.demo import load_demo, scenarios
from registry.values import day_vi
from tests.registry.conftest import fresh_engine

Bundle = dict[str, Any]
WORDS = {"authentic": ("authentic", "chính hãng"), "warning": ("warning", "cảnh báo"),
         "recalled": ("recalled", "đã bị thu hồi"), "invalid": ("not valid", "không hợp lệ")}


@pytest.fixture(scope="module")
def demo_bundles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Bundle], str]]:
    """Every demo scenario batch's bundle, by lot, and the log's verifier key: one demo (on the test database,
    SQLite or PostgreSQL) for the whole module."""
    directory = tmp_path_factory.mktemp("bundles")
    with fresh_engine(directory) as engine:
        url = engine.url.render_as_string(hide_password=False)
        app = create_app(Settings(database_url=url, data_dir=directory / "data", rate_limit=""))
        load_demo(app.state.services.registry)
        bundles = {}
        with TestClient(app) as client:
            for keys in scenarios().values():
                for key in keys:
                    response = client.get(f"/api/v1/bundles/01/{key.gtin}/10/{key.lot}")
                    assert response.status_code == 200, response.text
                    bundles[key.lot] = response.json()
            log_key = client.get("/api/v1/log/key").text.strip()
        yield bundles, log_key


def verify(tmp_path: Path, bundle: Bundle, log_key: str, *witnesses: str) -> tuple[int, str]:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    args = ["verify-bundle", str(path), "--log-key", log_key]
    for witness in witnesses:
        args += ["--witness-key", witness]
    result = CliRunner().invoke(nguon, args)
    return result.exit_code, result.output


def kinds(bundle: Bundle) -> list[str]:
    """The statement kind of each proof's entry, in proof order."""
    found = []
    for text in bundle["proofs"]:
        extra = next(line for line in text.split("\n") if line.startswith("extra "))
        found.append(json.loads(base64.b64decode(extra.removeprefix("extra ")))["statement"]["kind"])
    return found


class TestGenuineBundles:
    """Every genuine demo bundle verifies and says which verdict it vouches for."""

    def test_every_demo_bundle_verifies_with_its_verdict(self, demo_bundles: tuple[dict[str, Bundle], str],
                                                          tmp_path: Path) -> None:
        bundles, log_key = demo_bundles
        assert len(bundles) >= 14
        for lot, bundle in bundles.items():
            code, output = verify(tmp_path, bundle, log_key)
            assert code == 0, (lot, output)
            en, vi = WORDS[bundle["verdict"]]
            assert f"bundle verifies: {lot} / GTIN {bundle['gtin']} is {en} as of {bundle['as_of']}" in output
            assert f"— {vi} (tính đến ngày {day_vi(bundle['as_of'])})" in output


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Bundle], None]:
    def edit(bundle: Bundle) -> None:
        target = bundle
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return edit


def _flip(*path: str) -> Callable[[Bundle], None]:
    """Say "authentic" where the bundle says otherwise, and "invalid" where it says authentic."""
    def edit(bundle: Bundle) -> None:
        target = bundle
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = "invalid" if target[path[-1]] == "authentic" else "authentic"
    return edit


def _drop_reason(bundle: Bundle) -> None:
    bundle["facts"]["reasons"].pop()


def _other_as_of(bundle: Bundle) -> None:
    bundle["as_of"] = "2031-01-01"


def _extra_edited(bundle: Bundle) -> None:
    text = bundle["proofs"][0]
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("extra "))
    entry = json.loads(base64.b64decode(lines[at].removeprefix("extra ")))
    entry["statement"]["issuer"] = "ke-gia-mao"
    lines[at] = "extra " + base64.b64encode(json.dumps(entry, separators=(",", ":")).encode()).decode()
    bundle["proofs"][0] = "\n".join(lines)


def _proof_hash_edited(bundle: Bundle) -> None:
    for i, text in enumerate(bundle["proofs"]):
        lines = text.split("\n")
        # A tlog-proof lists its hashes after the index line; flip one character of the first.
        hashes = [j for j, line in enumerate(lines) if len(line) == 44 and line.endswith("=")]
        if hashes:
            line = lines[hashes[0]]
            lines[hashes[0]] = ("A" if line[0] != "A" else "B") + line[1:]
            bundle["proofs"][i] = "\n".join(lines)
            return
    raise AssertionError("no proof with hashes")


def _checkpoint_edited(bundle: Bundle) -> None:
    for i, text in enumerate(bundle["proofs"]):
        bundle["proofs"][i] = text.replace(f"\n{bundle['checkpoint'].split(chr(10))[1]}\n",
                                           f"\n{int(bundle['checkpoint'].split(chr(10))[1]) + 1}\n", 1)


EDITS: dict[str, Callable[[Bundle], None]] = {
    "verdict": _flip("verdict"),
    "fact: quantity": _set(("facts", "batch", "quantity"), "999999"),
    "fact: producer name": _set(("facts", "producer", "names", "vi"), "Công ty khác"),
    "fact: a reason dropped": _drop_reason,
    "fact: the entries a reason rests on": _set(("facts", "reasons", 0, "entries"), [0]),
    "fact: the verdict inside the facts": _flip("facts", "verdict"),
    "as of another day": _other_as_of,
    "another lot": _set(("lot",), "LOT-KHAC"),
    "entry edited": _extra_edited,
    "proof hash edited": _proof_hash_edited,
    "checkpoint edited": _checkpoint_edited,
}


class TestEditedBundles:
    """Any edit of what a bundle states or proves, or any entry dropped, fails verification (exit 1)."""

    @pytest.mark.parametrize("scenario", ["SX-2610-01", "TN-2610-01", "LT-2610-C", "HQ-2609-01"])
    @pytest.mark.parametrize("edit", list(EDITS))
    def test_an_edit_is_refused(self, demo_bundles: tuple[dict[str, Bundle], str], tmp_path: Path,
                                scenario: str, edit: str) -> None:
        bundles, log_key = demo_bundles
        bundle = copy.deepcopy(bundles[scenario])
        EDITS[edit](bundle)
        code, output = verify(tmp_path, bundle, log_key)
        assert code == 1, output
        assert "bundle does not verify" in output

    @pytest.mark.parametrize("scenario", ["SX-2610-01", "LT-2610-C", "HQ-2609-01", "BT-2608-01"])
    def test_dropping_any_entry_is_refused(self, demo_bundles: tuple[dict[str, Bundle], str], tmp_path: Path,
                                           scenario: str) -> None:
        bundles, log_key = demo_bundles
        genuine = bundles[scenario]
        for position, kind in enumerate(kinds(genuine)):
            bundle = copy.deepcopy(genuine)
            del bundle["proofs"][position]
            code, output = verify(tmp_path, bundle, log_key)
            assert code == 1, f"dropping proof {position + 1} ({kind}) went unnoticed: {output}"

    def test_dropping_the_suspension_and_claiming_authentic_is_refused(
            self, demo_bundles: tuple[dict[str, Bundle], str], tmp_path: Path) -> None:
        bundles, log_key = demo_bundles
        bundle = copy.deepcopy(bundles["SX-2610-01"])
        assert bundle["verdict"] == "invalid"
        position = kinds(bundle).index("right.suspended.v1")
        del bundle["proofs"][position]
        bundle["verdict"] = "authentic"
        code, output = verify(tmp_path, bundle, log_key)
        assert code == 1, output

    def test_another_log_key_is_refused(self, demo_bundles: tuple[dict[str, Bundle], str], tmp_path: Path) -> None:
        bundles, _ = demo_bundles
        other_key = NoteSigner.generate("nguon.localhost/log").verifier.to_text()
        code, _ = verify(tmp_path, bundles["LT-2610-C"], other_key)
        assert code == 1


class TestCosignatures:
    """A required witness's cosignature must be present and valid."""

    @pytest.fixture
    def cosigned(self, demo_bundles: tuple[dict[str, Bundle], str]) -> tuple[Bundle, str, str]:
        bundles, log_key = demo_bundles
        witness = CosignatureSigner.generate("witness.example/w1")
        bundle = copy.deepcopy(bundles["LT-2610-C"])
        note = bundle["checkpoint"]
        line = witness.sign_line(note.split("\n\n")[0] + "\n", 1_767_225_600)
        bundle["checkpoint"] = note + line
        bundle["proofs"] = [text.replace(note, note + line) for text in bundle["proofs"]]
        return bundle, log_key, witness.verifier.to_text()

    def test_a_bundle_with_the_required_cosignature_verifies(self, cosigned: tuple[Bundle, str, str],
                                                             tmp_path: Path) -> None:
        bundle, log_key, witness = cosigned
        assert verify(tmp_path, bundle, log_key, witness)[0] == 0

    def test_a_removed_cosignature_is_refused(self, demo_bundles: tuple[dict[str, Bundle], str],
                                              cosigned: tuple[Bundle, str, str], tmp_path: Path) -> None:
        _, log_key, witness = cosigned
        bundles, _ = demo_bundles
        code, output = verify(tmp_path, bundles["LT-2610-C"], log_key, witness)
        assert code == 1
        assert "not cosigned by witness" in output

    def test_an_edited_cosignature_is_refused(self, cosigned: tuple[Bundle, str, str], tmp_path: Path) -> None:
        bundle, log_key, witness = cosigned
        edited = copy.deepcopy(bundle)
        edited["proofs"] = [text.replace("— witness.example/w1 ", "— witness.example/w1 A", 1)
                            for text in edited["proofs"]]
        code, _ = verify(tmp_path, edited, log_key, witness)
        assert code == 1
