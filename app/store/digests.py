"""sha256 of files, remembered by (path, size, modification time): a file checked once costs a
stat afterwards, and any change to it (size or mtime) makes it be hashed again."""

from __future__ import annotations

import threading
from pathlib import Path

from app.core.hashing import sha256_file


class DigestCache:
    def __init__(self) -> None:
        self._known: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()

    def digest(self, path: Path) -> str | None:
        """The file's sha256 (hex), or None when it cannot be read."""
        try:
            st = path.stat()
        except OSError:
            return None
        key = (str(path), st.st_size, st.st_mtime_ns)
        with self._lock:
            known = self._known.get(key)
        if known is None:
            try:
                known = sha256_file(path)
            except OSError:
                return None
            with self._lock:
                self._known[key] = known
        return known
