"""The log key: created once, private to its owner, loaded the same ever after, even under a race."""

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ledger.core.errors import NoteError
from ledger.core.note import NoteSigner
from ledger.files.keys import LOG_KEY_FILE, load_or_create_log_key

ORIGIN = "nguon.example/log"
REPO = Path(__file__).resolve().parents[2]

RACER = """
import sys, time
from pathlib import Path
from ledger.files.keys import load_or_create_log_key

data_dir, origin, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
print(load_or_create_log_key(data_dir, origin).verifier.to_text(), flush=True)
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class TestLoadOrCreateLogKey:
    """load_or_create_log_key makes one key per data directory and refuses a key of another origin."""

    def test_creates_a_key_file_only_its_owner_can_read(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "data" / "nested"
        signer = load_or_create_log_key(data_dir, ORIGIN)
        path = data_dir / LOG_KEY_FILE
        assert mode(path) == 0o600
        assert mode(data_dir) & 0o077 == 0
        assert signer.name == ORIGIN
        assert path.read_text(encoding="utf-8") == signer.to_private_text() + "\n"

    def test_leaves_no_temporary_file_behind(self, tmp_path: Path) -> None:
        load_or_create_log_key(tmp_path, ORIGIN)
        assert sorted(os.listdir(tmp_path)) == [LOG_KEY_FILE]

    def test_loads_the_same_key_next_time(self, tmp_path: Path) -> None:
        first = load_or_create_log_key(tmp_path, ORIGIN)
        second = load_or_create_log_key(tmp_path, ORIGIN)
        assert second.verifier == first.verifier
        assert second.to_private_text() == first.to_private_text()

    def test_loads_a_key_written_by_someone_else(self, tmp_path: Path) -> None:
        existing = NoteSigner.generate(ORIGIN)
        (tmp_path / LOG_KEY_FILE).write_text(existing.to_private_text() + "\n", encoding="utf-8")
        assert load_or_create_log_key(tmp_path, ORIGIN).verifier == existing.verifier

    def test_refuses_a_key_for_another_origin(self, tmp_path: Path) -> None:
        load_or_create_log_key(tmp_path, "old.example/log")
        with pytest.raises(NoteError, match=r"holds the key of origin 'old\.example/log', not 'nguon\.example/log'$"):
            load_or_create_log_key(tmp_path, ORIGIN)

    def test_refuses_a_damaged_key_file_without_quoting_it(self, tmp_path: Path) -> None:
        private_text = NoteSigner.generate(ORIGIN).to_private_text()
        (tmp_path / LOG_KEY_FILE).write_text(private_text[:-3] + "\n", encoding="utf-8")
        with pytest.raises(NoteError, match=r"^private key is not standard base64$"):
            load_or_create_log_key(tmp_path, ORIGIN)

    def test_threads_creating_at_once_agree_on_one_key(self, tmp_path: Path) -> None:
        count = 8
        barrier = threading.Barrier(count)
        results: list[str] = []
        errors: list[Exception] = []

        def create() -> None:
            try:
                barrier.wait()
                results.append(load_or_create_log_key(tmp_path, ORIGIN).verifier.to_text())
            except Exception as exc:  # reported below, where the test can fail on it
                errors.append(exc)

        threads = [threading.Thread(target=create) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(results) == count
        assert len(set(results)) == 1
        assert sorted(os.listdir(tmp_path)) == [LOG_KEY_FILE]

    def test_processes_creating_at_once_agree_on_one_key(self, tmp_path: Path) -> None:
        data_dir, go = tmp_path / "data", tmp_path / "go"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        racers = [
            subprocess.Popen([sys.executable, "-c", RACER, str(data_dir), ORIGIN, str(go)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
            for _ in range(6)
        ]
        try:
            for racer in racers:
                assert racer.stdout is not None
                assert racer.stdout.readline() == "ready\n"
            go.touch()
            outputs = [racer.communicate(timeout=60) for racer in racers]
        finally:
            for racer in racers:
                if racer.poll() is None:
                    racer.kill()
        assert [racer.returncode for racer in racers] == [0] * len(racers), [err for _, err in outputs]
        keys = {out.strip() for out, _ in outputs}
        assert len(keys) == 1
        assert keys == {load_or_create_log_key(data_dir, ORIGIN).verifier.to_text()}
        assert sorted(os.listdir(data_dir)) == [LOG_KEY_FILE]
