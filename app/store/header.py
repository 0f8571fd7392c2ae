"""Reads the SQLite header of a file without opening a connection.

We check a file is ours (application_id) and not newer than us (user_version) before SQLite or
SQLAlchemy touch it, so a foreign or newer file is refused without a single byte changed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
APPLICATION_ID = 0x44535052  # "DSPR"


@dataclass(frozen=True)
class FileHeader:
    is_sqlite: bool
    application_id: int
    user_version: int
    size_bytes: int = 0  # what the header says the file holds (0: unknown)
    file_bytes: int = 0

    @property
    def truncated(self) -> bool:
        return self.file_bytes < self.size_bytes


def read_header(path: Path) -> FileHeader:
    with open(path, "rb") as f:
        head = f.read(100)
        file_bytes = f.seek(0, 2)
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        return FileHeader(False, 0, 0)
    # SQLite file format: user_version at offset 60, application_id at 68, both big-endian.
    (user_version,) = struct.unpack(">i", head[60:64])
    (application_id,) = struct.unpack(">i", head[68:72])
    return FileHeader(True, application_id, user_version, _declared_size(head, path), file_bytes)


def _declared_size(head: bytes, path: Path) -> int:
    """Page size x page count, when the header's count is valid and no WAL can extend it."""
    (page_size,) = struct.unpack(">H", head[16:18])
    page_size = 65536 if page_size == 1 else page_size
    (change_counter, pages) = struct.unpack(">II", head[24:32])
    (valid_for,) = struct.unpack(">I", head[92:96])
    wal = path.with_name(path.name + "-wal")
    if valid_for != change_counter or (wal.exists() and wal.stat().st_size > 0):
        return 0  # a crash left a WAL to replay: the main file may legitimately lag behind
    return page_size * pages
