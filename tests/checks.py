"""Checks shared by every suite: a refusal left the log and the projections as they were; an RFC 9457 problem
document is whole and speaks both languages; waiting for a condition rather than for a guessed time."""

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import Engine

from ledger.store.protocol import LogStore
from registry.replay import projection_digest

VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE)
PROBLEM_JSON = "application/problem+json"
ENGLISH = re.compile(r"\b(the|is|are|must|should|has|have|not|field|required|string|value|invalid|error|digit"
                     r"|and|of|with|for|body|request|input|expected|found|allowed|missing)\b", re.IGNORECASE)
"""English words that have no place in a Vietnamese message (quoted values and codes aside)."""
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|«[^»]*»|`[^`]*`")


def english_in(vietnamese: str) -> list[str]:
    """The English words of ENGLISH in a Vietnamese text, outside quoted values and field names."""
    return ENGLISH.findall(QUOTED.sub(" ", vietnamese))


def log_size(store: LogStore) -> int:
    with store.read() as view:
        return view.head().size


def live_digest(engine: Engine) -> str:
    """The digest of the registry's projections as they are now."""
    with engine.connect() as connection:
        return projection_digest(connection)


@contextmanager
def nothing_changed(store: LogStore, engine: Engine, what: str = "a refused request") -> Iterator[None]:
    """Check that what happens inside appends no entry to the log and leaves every projection as it was."""
    size, digest = log_size(store), live_digest(engine)
    yield
    assert log_size(store) == size, f"{what} appended to the log"
    assert live_digest(engine) == digest, f"{what} changed the projections"


def assert_problem(response: httpx.Response, status: int | set[int], code: str | None = None) -> dict[str, Any]:
    """The RFC 9457 problem document of `response`, after checking its status (one, or one of a set), its code
    (when given), its title, detail and both messages."""
    statuses = {status} if isinstance(status, int) else status
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"] == PROBLEM_JSON, response.headers
    problem: dict[str, Any] = response.json()
    assert problem["status"] == response.status_code
    assert problem["code"]
    if code is not None:
        assert problem["code"] == code, problem
    assert problem["type"].endswith(f"/problems/{problem['code']}")
    assert problem["title"]
    assert problem["detail"]
    assert problem["detail"] == problem["message"]["en"]
    assert VIETNAMESE.search(problem["message"]["vi"]), f"no Vietnamese in {problem['message']['vi']!r}"
    assert not english_in(problem["message"]["vi"]), f"English inside Vietnamese: {problem['message']['vi']!r}"
    return problem


def wait_until(condition: Callable[[], bool], seconds: float, what: str, every: float = 0.005) -> None:
    """Return as soon as `condition()` holds; fail, naming `what` was awaited, if it does not within `seconds`.

    For conditions no event announces (a lock request the kernel lists, a process gone, a server answering):
    the condition is checked every `every` seconds, and the wait is for it, never for a guessed time."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(every)


def varies_by(response: httpx.Response) -> set[str]:
    """What an answer varies by, besides Accept-Encoding (which compression adds to answers it compresses; the
    others are the app's own)."""
    named = {part.strip() for part in response.headers.get("vary", "").split(",") if part.strip()}
    if response.headers.get("content-encoding") == "gzip":
        assert "Accept-Encoding" in named, "a compressed answer must vary by Accept-Encoding"
    return named - {"Accept-Encoding"}
