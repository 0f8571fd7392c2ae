"""Cost of pre-labels on a 20 MP image: run by hand, prints figures.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_prelabel.py [--blobs 200] [--specks 2000]

Stored probabilities for 3 classes hold ``--blobs`` smooth defects and ``--specks`` one- to
few-pixel noise components. Figures: the pre-label mask, its components and outline polygons
(all on the loader's worker thread), the layer built on the UI thread, accepting all, and
drawing every outline once at Fit zoom and at 100 % (what one full repaint costs).
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np

from app.core.prelabel import PreLabels, prelabel_mask

SHAPE = (4000, 5000)  # 20 MP
CLASSES = [1, 2, 3]


def synthetic_probs(blobs: int, specks: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    probs = np.zeros((len(CLASSES), *SHAPE), np.uint8)
    h, w = SHAPE
    for _ in range(blobs):
        ch = int(rng.integers(len(CLASSES)))
        centre = (int(rng.integers(w)), int(rng.integers(h)))
        axes = (int(rng.integers(5, 120)), int(rng.integers(3, 40)))
        cv2.ellipse(probs[ch], centre, axes, float(rng.uniform(0, 180)), 0, 360,
                    int(rng.integers(140, 255)), -1)
    for _ in range(specks):
        ch, y, x = int(rng.integers(len(CLASSES))), int(rng.integers(h)), int(rng.integers(w))
        probs[ch, y:y + int(rng.integers(1, 3)), x:x + int(rng.integers(1, 3))] = 200
    return probs


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - t0) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--blobs", type=int, default=200)
    ap.add_argument("--specks", type=int, default=2000)
    args = ap.parse_args()
    probs = synthetic_probs(args.blobs, args.specks)
    mask, t_mask = timed(lambda: prelabel_mask(probs, CLASSES))
    pre, t_comp = timed(lambda: PreLabels.from_mask(mask))
    labels = np.zeros(SHAPE, np.uint8)
    _, t_accept = timed(lambda: pre.accept_all(labels))
    print(f"{SHAPE[1]} x {SHAPE[0]}, {len(pre)} components")
    print(f"pre-label mask     {t_mask:8.1f} ms")
    print(f"components         {t_comp:8.1f} ms")
    print(f"accept all         {t_accept:8.1f} ms")

    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from app.ui.label.prelabel_layer import PreLabelLayer, build_outlines

    _app = QApplication([])
    outlines, t_outlines = timed(lambda: build_outlines(pre))
    print(f"outline polygons   {t_outlines:8.1f} ms")
    layer, t_layer = timed(lambda: PreLabelLayer(pre, {}, np.zeros(SHAPE, np.uint8), outlines))
    print(f"layer (UI thread)  {t_layer:8.1f} ms")
    target = QImage(1000, 800, QImage.Format.Format_ARGB32_Premultiplied)
    for zoom in (min(1000 / SHAPE[1], 800 / SHAPE[0]), 1.0):
        times = []
        for _ in range(3):  # the first builds the polygons
            p = QPainter(target)
            p.scale(zoom, zoom)
            rect = (0, 0, int(1000 / zoom), int(800 / zoom))
            _, t = timed(lambda p=p, rect=rect, zoom=zoom: layer.paint(p, rect, zoom))
            p.end()
            times.append(t)
        print(f"paint at {zoom:6.1%}    {times[0]:8.1f} ms first, {min(times[1:]):.1f} ms after")


if __name__ == "__main__":
    main()
