"""One writer per project: OS-level locks on the project's name and on the file itself.

The OS drops a lock when its holder dies (even on SIGKILL), so a crash never leaves a project
locked. The lock beside the project carries who holds it, for the message the second opener
sees. SQLite names its -wal and -shm files after the path it was given, so two names of one file
(hard links, bind mounts) would each get their own journal and corrupt the file: a project with
more than one hard link is refused for writing, and a second lock, named by the file's device and
inode in the temporary folder, makes every path to the same file meet at one lock.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from .errors import ProjectLinkedError, ProjectLockedError
from .user import current_user

if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def lock_path_for(project_path: Path) -> Path:
    return project_path.with_name(project_path.name + ".lock")


def identity_lock_path(project_path: Path) -> Path:
    """A lock file named by the project file's device and inode, shared by every user."""
    st = os.stat(project_path)
    folder = Path(tempfile.gettempdir()) / "defect-studio-locks"
    if not folder.is_dir():
        folder.mkdir(exist_ok=True)
        try:
            os.chmod(folder, 0o1777)  # sticky and open to all: colleagues lock here too
        except OSError:
            pass
    return folder / f"{st.st_dev}-{st.st_ino}.lock"


def check_single_name(project_path: Path) -> None:
    """Refuses a project file with more than one hard link: each name would get its own journal."""
    links = os.stat(project_path).st_nlink
    if links > 1:
        raise ProjectLinkedError(
            f"{project_path.name} has {links} names on disk (hard links). Two programs writing "
            "it through different names would each keep their own journal and corrupt it. "
            "Open it read-only, or copy it to a file of its own to write it.")


class WriterLock:
    """Held for as long as a project is open for writing."""

    def __init__(self, project_path: Path):
        self.project_path = project_path
        self.path = lock_path_for(project_path)
        self._fd: int | None = None
        self._identity_fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            holder = _read_holder(fd)
            os.close(fd)
            raise ProjectLockedError(
                f"{self.path.name[:-5]} is already open for writing by {holder}. "
                "Close it there first, or open it read-only."
            )
        try:
            if self.project_path.exists():
                check_single_name(self.project_path)
                self._identity_fd = _lock_identity(self.project_path)
        except BaseException:
            _unlock(fd)
            os.close(fd)
            raise
        info = {
            "user": current_user(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(info).encode())
        self._fd = fd

    def lock_identity(self) -> None:
        """For a file created under this lock: take the identity lock now that it exists."""
        if self._identity_fd is None:
            self._identity_fd = _lock_identity(self.project_path)

    def release(self) -> None:
        if self._identity_fd is not None:
            _unlock(self._identity_fd)
            os.close(self._identity_fd)
            self._identity_fd = None
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            _unlock(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None


def _lock_identity(project_path: Path) -> int:
    path = identity_lock_path(project_path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:  # made by a colleague: a read-only descriptor locks as well
        fd = os.open(path, os.O_RDONLY)
    if not _try_lock(fd):
        os.close(fd)
        raise ProjectLockedError(
            f"{project_path.name} is already open for writing by another process under another "
            "name (a link or another path to the same file). Close it there first, or open "
            "it read-only.")
    return fd


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode() or "{}")
        return f"{info['user']} on {info['host']} (process {info['pid']}, since {info['since']})"
    except Exception:
        return "another process"
