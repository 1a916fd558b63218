"""The layers import one way: the pure core loads no web framework and no ORM (so clients verify with it alone),
`ledger.core` imports nothing else of the project, `ledger` never imports the registry or the API, and the
registry never imports the API."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PURE_MODULES = sorted(f"ledger.core.{path.stem}" for path in (REPO / "ledger" / "core").glob("*.py")
                      if path.stem != "__init__")
HEAVY_PACKAGES = ["fastapi", "sqlmodel", "sqlalchemy"]

PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def modules_loaded_by(*names: str) -> set[str]:
    """The names in sys.modules of a fresh interpreter after importing `names`."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *names],
        capture_output=True, text=True, check=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return set(json.loads(result.stdout))


class TestPureImports:
    """Importing the pure modules in a fresh interpreter leaves FastAPI, SQLModel and SQLAlchemy unloaded."""

    def test_pure_modules_load_no_web_framework_or_orm(self) -> None:
        loaded = modules_loaded_by(*PURE_MODULES)
        assert set(PURE_MODULES) <= loaded
        heavy = sorted(name for name in loaded if name.split(".")[0] in HEAVY_PACKAGES)
        assert heavy == []

    def test_the_probe_notices_a_heavy_import(self) -> None:
        # Guards the test above against passing vacuously: the same probe does see SQLAlchemy when it is imported.
        assert "sqlalchemy" in modules_loaded_by("ledger.core.errors", "sqlalchemy")


def project_imports(package: str) -> dict[str, set[str]]:
    """Every project module a module of `package` imports, by the module's path, read from the source."""
    found: dict[str, set[str]] = {}
    for path in (REPO / package.replace(".", "/")).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(REPO))] = {n for n in names if n.split(".")[0] in {"ledger", "registry", "api"}}
    return found


class TestLayers:
    @pytest.mark.parametrize(("package", "forbidden"), [
        ("ledger.core", ("ledger.store", "ledger.audit", "ledger.witness", "ledger.files", "registry", "api")),
        ("ledger", ("registry", "api")),
        ("registry", ("api",)),
    ])
    def test_imports_point_one_way(self, package: str, forbidden: tuple[str, ...]) -> None:
        wrong = {path: sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))
                 for path, names in project_imports(package).items()}
        assert {path: names for path, names in wrong.items() if names} == {}

    def test_the_reader_sees_imports(self) -> None:
        # Guards the test above against passing vacuously.
        assert "ledger.core.hashing" in project_imports("ledger.core")["ledger/core/merkle.py"]
