"""Small builders shared by the store tests."""

import hashlib

import cv2
import numpy as np

from app.store import NewImage


def make_image_file(folder, name="part.png", size=(40, 30), value=100):
    """Writes a gray PNG (w, h) and returns the NewImage describing it."""
    w, h = size
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((h, w), value, np.uint8))
    data = path.read_bytes()
    return NewImage(path=str(path), sha256=hashlib.sha256(data).hexdigest(),
                    size_bytes=len(data), width=w, height=h, bit_depth=8, channels=1)
