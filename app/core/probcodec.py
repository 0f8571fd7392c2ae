"""Compact, lossless storage of uint8 probability maps (C, H, W): one PNG per channel.

PNG's filters suit smooth probability fields and mostly-zero maps compress to almost nothing.
"""

from __future__ import annotations

import struct

import cv2
import numpy as np

MAGIC = b"DSP1"


def encode_probs(probs: np.ndarray) -> bytes:
    if probs.dtype != np.uint8 or probs.ndim != 3:
        raise ValueError(f"probability maps are uint8 (C, H, W), not {probs.dtype} {probs.shape}")
    parts = [MAGIC, struct.pack("<III", *probs.shape)]
    for ch in probs:
        ok, png = cv2.imencode(".png", ch, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise ValueError("could not encode a probability map")
        parts += [struct.pack("<I", len(png)), png.tobytes()]
    return b"".join(parts)


def decode_probs(blob: bytes) -> np.ndarray:
    if blob[:4] != MAGIC:
        raise ValueError("not an encoded probability map")
    c, h, w = struct.unpack_from("<III", blob, 4)
    out = np.empty((c, h, w), np.uint8)
    pos = 16
    for i in range(c):
        (n,) = struct.unpack_from("<I", blob, pos)
        pos += 4
        ch = cv2.imdecode(np.frombuffer(blob, np.uint8, n, pos), cv2.IMREAD_UNCHANGED)
        if ch is None or ch.shape != (h, w):
            raise ValueError("corrupt probability map")
        out[i] = ch
        pos += n
    return out
