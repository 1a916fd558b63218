"""The pure ledger modules import no web framework and no ORM, so clients can verify with them alone."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PURE_MODULES = [
    "ledger.core.errors",
    "ledger.core.hashing",
    "ledger.core.encoding",
    "ledger.core.merkle",
    "ledger.core.proof",
    "ledger.core.note",
    "ledger.core.checkpoint",
    "ledger.core.types",
    "ledger.core.signing",
]
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
