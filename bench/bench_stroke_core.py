"""Per-event cost of the editing core on a 20 MP mask (no Qt): run by hand, prints figures.

    .venv/bin/python bench/bench_stroke_core.py [--step 40] [--repeat 5]

A stroke is a press, 30 moves of ``--step`` px along a wavy line, and a release; the
figures are the median time of one move (the mouse-move budget), the release (building
the undo atom), then undo/redo of that stroke and a flood fill of the whole background.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import cv2
import numpy as np

from app.core.editing import MaskDocument, Modifiers, ToolMode, UndoHistory, make_tool

SHAPE = (4000, 5000)  # 20 MP
SEGMENTS = 30


def stroke_points(step: float, start: tuple[float, float]) -> list[tuple[float, float]]:
    x, y = start
    pts = [(x, y)]
    for i in range(SEGMENTS):
        angle = 0.6 * math.sin(i / 4)  # wavy, so segments are not all axis-aligned
        x, y = x + step * math.cos(angle), y + step * math.sin(angle)
        pts.append((x, y))
    return pts


def labelled_mask() -> np.ndarray:
    """Mostly background with a few labels, like a real defect mask."""
    mask = np.zeros(SHAPE, np.uint8)
    rng = np.random.default_rng(0)
    for _ in range(50):
        center = (int(rng.integers(0, SHAPE[1])), int(rng.integers(0, SHAPE[0])))
        cv2.circle(mask, center, int(rng.integers(10, 150)), int(rng.integers(1, 4)), -1)
    return mask


def ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1e3:8.3f} ms"


def bench_brush(size: int, step: float, repeat: int) -> None:
    doc = MaskDocument(labelled_mask(), class_value=5, brush_size=size)
    history = UndoHistory()
    tool = make_tool(ToolMode.BRUSH, doc)
    moves, releases, undos, redos = [], [], [], []
    for r in range(repeat):
        pts = stroke_points(step, (600.0 + 300 * r, 1500.0 + 400 * r))
        tool.press(pts[0], Modifiers.NONE)
        for pt in pts[1:]:
            t0 = time.perf_counter()
            tool.move(pt)
            moves.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        edit = tool.release(pts[-1]).edit
        releases.append(time.perf_counter() - t0)
        history.push(edit)
        t0 = time.perf_counter()
        history.undo(doc.mask)
        undos.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        history.redo(doc.mask)
        redos.append(time.perf_counter() - t0)
    p90 = float(np.percentile(moves, 90)) * 1e3
    print(f"brush {size:4d} px  move {ms(moves)} (p90 {p90:6.3f})"
          f"  release {ms(releases)}  undo {ms(undos)}  redo {ms(redos)}"
          f"  atom {edit.nbytes / 1024:8.1f} KiB")


def bench_fill(repeat: int) -> None:
    times = []
    for _ in range(repeat):
        doc = MaskDocument(labelled_mask(), class_value=7)
        tool = make_tool(ToolMode.FILL, doc)
        t0 = time.perf_counter()
        edit = tool.press((1.0, 1.0)).edit
        times.append(time.perf_counter() - t0)
    print(f"fill of the background ({edit.count / 1e6:.1f} MP)  {ms(times)}"
          f"  atom {edit.nbytes / 1024:.0f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=float, default=40.0, help="px between move events")
    parser.add_argument("--repeat", type=int, default=5, help="strokes per brush size")
    args = parser.parse_args()
    print(f"mask {SHAPE[1]} x {SHAPE[0]}, {SEGMENTS} segments of {args.step:g} px, "
          f"{args.repeat} strokes, OpenCV threads {cv2.getNumThreads()}")
    for size in (8, 64, 512):
        bench_brush(size, args.step, args.repeat)
    bench_fill(args.repeat)


if __name__ == "__main__":
    main()
