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


def read_header(path: Path) -> FileHeader:
    with open(path, "rb") as f:
        head = f.read(100)
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        return FileHeader(False, 0, 0)
    # SQLite file format: user_version at offset 60, application_id at 68, both big-endian.
    (user_version,) = struct.unpack(">i", head[60:64])
    (application_id,) = struct.unpack(">i", head[68:72])
    return FileHeader(True, application_id, user_version)
