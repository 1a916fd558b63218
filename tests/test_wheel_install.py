"""The project as a user installs it: a wheel built from the sources and installed, not editable, into a fresh
virtual environment migrates a database, loads the demo and audits the log with its `nguon` command, away
from the source tree (the packages must carry their migrations, templates and data files).

The wheel and the environment are built once for the module; dependencies come from the package index pip is
configured with (its cache makes a second run quick).
"""

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_ENV, on_postgres, postgres_schema

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("ledger", "registry", "api")
BUILD_INPUTS = ("pyproject.toml", "README.md", *PACKAGES)
ORIGIN = "wheel.nguon/log"


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(map(str, args))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def _package_files(root: Path) -> set[str]:
    """Every file of the project's packages, as a wheel names it (caches aside)."""
    return {path.relative_to(root).as_posix() for package in PACKAGES for path in (root / package).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts}


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path

    def env(self, data_dir: Path) -> dict[str, str]:
        """The caller's environment without anything pointing at the sources or at another venv."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("NGUON_")}
        return env | {"NGUON_DATA_DIR": str(data_dir), "NGUON_LOG_ORIGIN": ORIGIN}

    def nguon(self, cwd: Path, *args: str) -> str:
        """Run the installed `nguon` from `cwd`; what it printed on both streams."""
        done = _run([self.venv / "bin" / "nguon", *args], cwd=cwd, env=self.env(cwd / "data"))
        return done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel, built from a copy of the sources (the tree gets no build/ left behind), installed into a
    fresh virtual environment."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(REPO / name, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", root / "dist", source],
         cwd=root, timeout=300)
    (wheel,) = (root / "dist").glob("nguon-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=root)
    _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], cwd=root, timeout=600)
    return Installed(wheel, venv)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'nguon.db'}"
        return
    if not on_postgres():
        pytest.skip(f"{TEST_DATABASE_ENV} is not set")
    with postgres_schema(os.environ[TEST_DATABASE_ENV]) as url:
        yield url


class TestWheelInstall:
    """An ordinary (non-editable) install of the wheel runs the registry from a fresh database to an audit."""

    def test_the_wheel_holds_every_file_of_the_packages(self, installed: Installed) -> None:
        with zipfile.ZipFile(installed.wheel) as wheel:
            shipped = {name for name in wheel.namelist() if not name.startswith("nguon-")}
        assert _package_files(REPO) - shipped == set()

    def test_the_installed_packages_are_imported_not_the_sources(self, installed: Installed, tmp_path: Path) -> None:
        done = _run([installed.venv / "bin" / "python", "-c",
                     "import api, ledger, registry; print(api.__file__, ledger.__file__, registry.__file__)"],
                    cwd=tmp_path, env=installed.env(tmp_path / "data"))
        for path in done.stdout.split():
            assert Path(path).resolve().is_relative_to(installed.venv.resolve()), path

    def test_migrates_loads_the_demo_and_audits_the_log(self, installed: Installed, fresh_database: str,
                                                        tmp_path: Path) -> None:
        database = ["--database", fresh_database]
        assert "database migrated to head" in installed.nguon(tmp_path, "db", "upgrade", *database)
        loaded = installed.nguon(tmp_path, "demo", *database)
        assert "demo loaded" in loaded
        assert "authentic" in loaded
        assert (tmp_path / "data" / "demo-tokens.json").is_file()
        assert (tmp_path / "data" / "demo-sign-ins.json").is_file()
        assert "/portal/login" in loaded
        assert "audit clean" in installed.nguon(tmp_path, "log", "audit", *database)
        inspected = installed.nguon(tmp_path, "audit", *database, "--state", str(tmp_path / "state.json"))
        assert "audit clean" in inspected
        assert "replayed projections digest" in inspected
