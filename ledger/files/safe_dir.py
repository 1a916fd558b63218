"""A directory whose files are written without following any symlink, each one whole or not at all.

What `nguon log tiles` exports is served as it is by a static file server or a CDN, and the export runs
again and again into the same directory, often as a user who can write elsewhere too. A symlink planted
inside it (by another user, or left by a tool) must neither redirect a write nor be served in place of a
tile, so every component below the directory is opened with O_NOFOLLOW relative to its parent's
descriptor, and a symlink anywhere is refused. Each file is written to a fresh temporary file beside it
(O_CREAT | O_EXCL | O_NOFOLLOW), synced, then renamed over its name, so a reader sees the old file or
the new one, never part of one.
"""

import errno
import os
import secrets
import stat
from pathlib import Path
from types import TracebackType

from ledger.core.errors import UnsafePathError

_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def _refusal(path: Path, exc: OSError) -> UnsafePathError:
    # O_NOFOLLOW meeting a symlink fails with ELOOP, or ENOTDIR along with O_DIRECTORY (Linux), EMLINK on some
    # BSDs; the path itself is looked at again only to say which it was.
    if exc.errno in (errno.ELOOP, errno.EMLINK) or path.is_symlink():
        return UnsafePathError(f"{path} is a symlink; the export writes only real directories and files, so "
                               "that nothing outside the export directory is overwritten or served")
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return UnsafePathError(f"{path} is not a directory, or a part of it is a file")
    return UnsafePathError(f"cannot write {path}: {exc.strerror}")


class SafeDirectory:
    """`root`, created if missing (its parents are the operator's choice and may be symlinks; `root` itself
    may not). Use as a context manager; `write` and `existing_file` take '/'-separated relative paths.

    Raises UnsafePathError when `root` or anything written below it is a symlink or of the wrong type.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            root.mkdir(mode=0o755, parents=True, exist_ok=True)
        except OSError as exc:  # FileExistsError for a file, or for a symlink to nowhere
            raise _refusal(root, exc) from exc
        try:
            self._fd = os.open(root, _DIRECTORY_FLAGS)
        except OSError as exc:
            raise _refusal(root, exc) from exc
        self._pending: set[str] = set()
        """Directories (relative) whose entries changed since the last `sync`."""

    def __enter__(self) -> "SafeDirectory":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        os.close(self._fd)

    def _directory(self, relative: str) -> int:
        """A descriptor of the directory `relative` (created as needed), reached without following symlinks."""
        fd = os.dup(self._fd)
        walked: list[str] = []
        try:
            for name in (part for part in relative.split("/") if part):
                try:
                    os.mkdir(name, 0o755, dir_fd=fd)
                    self._pending.add("/".join(walked))
                except FileExistsError:
                    pass
                except OSError as exc:
                    raise _refusal(self.root.joinpath(*walked, name), exc) from exc
                walked.append(name)
                try:
                    child = os.open(name, _DIRECTORY_FLAGS, dir_fd=fd)
                except OSError as exc:
                    raise _refusal(self.root.joinpath(*walked), exc) from exc
                os.close(fd)
                fd = child
        except BaseException:
            os.close(fd)
            raise
        return fd

    def existing_file(self, relative: str) -> bool:
        """Whether `relative` is a regular file already; False when it does not exist.

        Raises UnsafePathError when it is a symlink or anything but a regular file.
        """
        parent, _, name = relative.rpartition("/")
        fd = self._directory(parent)
        try:
            found = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            return False
        finally:
            os.close(fd)
        if stat.S_ISLNK(found.st_mode):
            raise _refusal(self.root / relative, OSError(errno.ELOOP, "symlink"))
        if not stat.S_ISREG(found.st_mode):
            raise UnsafePathError(f"{self.root / relative} exists and is not a regular file")
        return True

    def write(self, relative: str, data: bytes) -> None:
        """Write `data` to `relative` (mode 0644) whole or not at all, replacing a regular file there.

        Raises UnsafePathError when a directory on the way or the file itself is a symlink or of another type.
        """
        self.existing_file(relative)
        parent, _, name = relative.rpartition("/")
        fd = self._directory(parent)
        temporary = f".{name}.{secrets.token_hex(8)}.tmp"
        try:
            try:
                out = os.open(temporary, _FILE_FLAGS, 0o644, dir_fd=fd)
            except OSError as exc:
                raise _refusal(self.root / parent / temporary, exc) from exc
            try:
                with os.fdopen(out, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)
            except BaseException:
                os.unlink(temporary, dir_fd=fd)
                raise
        finally:
            os.close(fd)
        self._pending.add(parent)

    def sync(self) -> None:
        """Make the names written so far durable (fsync every directory they were written in), so that what is
        written next cannot reach the disk before them."""
        for relative in sorted(self._pending):
            fd = self._directory(relative)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        self._pending.clear()
