"""The one file hash of the project: hex SHA-256, read in chunks.

Images, checkpoint weights, deployment packages and bundled weights are all checked with it.
"""

from __future__ import annotations

import hashlib
import os


def sha256_file(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks (50 MP images never sit in memory twice)."""
    digest = hashlib.sha256()
    buf = bytearray(chunk_size)
    view = memoryview(buf)
    with open(path, "rb") as f:
        while n := f.readinto(buf):
            digest.update(view[:n])
    return digest.hexdigest()
