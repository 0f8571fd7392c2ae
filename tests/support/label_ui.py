"""Images and an open Label workspace on a temporary project, for the Label UI tests."""

from __future__ import annotations

import hashlib
import threading

import cv2
import numpy as np

from app.store import NewImage
from app.ui.label.workspace import LabelWorkspace

W, H = 40, 30


def write_image(folder, name, pixels):
    path = folder / name
    cv2.imwrite(str(path), pixels)
    data = path.read_bytes()
    depth = 16 if pixels.dtype == np.uint16 else 8
    return NewImage(str(path), hashlib.sha256(data).hexdigest(), len(data), pixels.shape[1],
                    pixels.shape[0], depth, 1)


def gradient(offset=0, dtype=np.uint8, scale=1):
    y, x = np.mgrid[0:H, 0:W]
    return ((x * 3 + y + offset) * scale).astype(dtype)


def shown_workspace(qtbot, project):
    """A Label workspace on `project`, shown, its first image on a 400 x 300 canvas."""
    ws = LabelWorkspace()
    qtbot.addWidget(ws)
    ws.resize(1000, 560)
    ws.show()
    qtbot.waitExposed(ws)
    with qtbot.waitSignal(ws.image_shown, timeout=10_000):
        ws.set_project(project)
    ws.canvas.setFixedSize(400, 300)
    qtbot.waitUntil(lambda: ws.canvas.size().width() == 400)
    return ws


def open_workspace(qtbot, project):
    ws = shown_workspace(qtbot, project)
    ws.canvas.fit()
    assert ws.canvas.view.zoom == 10 and (ws.canvas.view.ox, ws.canvas.view.oy) == (0, 0)
    ws.canvas.setFocus()
    return ws


def close_workspace(ws):
    ws.shutdown()
    left = [t.name for t in threading.enumerate()
            if t.name.startswith(("mask-committer", "image-loader"))]
    assert left == [], f"threads left running: {left}"


