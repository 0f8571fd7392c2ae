"""Label canvas benchmark: brush strokes on a 20 MP image and opening the next image.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_canvas.py [--quick]

1. A 30-segment brush stroke, brush 8 / 64 / 512 px, at Fit and at 100 % zoom: median app
   time per mouse-move event (the canvas handler, the core brush, the overlay update of the
   dirty rectangle, and the repaint of that rectangle, i.e. sendEvent + processEvents), next to
   the same stroke when every event recolours the whole overlay and repaints the whole view.
2. Opening the next 20 MP image: median ms from the key press to the first paint, with the
   neighbour prefetch and without it.
Figures are printed, not asserted (goals: <= 2 ms per event, <= 300 ms per image switch).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

W, H = 5472, 3648  # 20 MP
SEGMENTS = 30


def make_project(folder: Path, count: int):
    from app.store import NewImage, Project

    p = Project.create(folder / "bench.dsproj")
    p.classes.add("crack", "#ff0000")
    p.classes.add("scratch", "#00a0ff")
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:H, 0:W]
    base = ((x // 7 + y // 5) % 180 + 40).astype(np.uint8)
    rows = []
    for i in range(count):
        img = cv2.add(base, rng.integers(0, 30, (H, W), np.uint8))
        path = folder / f"part{i}.png"
        cv2.imwrite(str(path), img, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        data = path.read_bytes()
        rows.append(NewImage(str(path), hashlib.sha256(data).hexdigest(), len(data), W, H, 8, 1))
    ids = p.images.add_many(rows).added
    mask = np.zeros((H, W), np.uint8)
    mask[1000:1400, 1000:3000] = 1  # some labels, so images are not all empty
    for image_id in ids:
        p.masks.save(image_id, mask)
    return p, ids


def pump(app, until=None, timeout=30.0):
    t0 = time.perf_counter()
    app.processEvents()
    while until is not None and not until():
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError("benchmark step did not finish")
        app.processEvents()
        time.sleep(0.001)


def stroke_times(app, ws, brush: int, zoom: str, full_refresh: bool) -> list[float]:
    from app.ui.label import drive

    canvas = ws.canvas
    ws.settings.brush_size = brush
    if zoom == "fit":
        canvas.fit()
    else:
        canvas.fit()
        canvas.actual_size()
    pump(app)
    x0, y0 = canvas.image_point(canvas.rect().center().toPointF())
    # a zigzag of 30 segments inside the view, about 2 % of the visible width per event
    span = canvas.width() / canvas.view.zoom
    step = span * 0.02
    pts = [(x0 - 15 * step + i * step, y0 + (20 if i % 2 else -20) * step / 10)
           for i in range(SEGMENTS + 1)]
    overlay = ws.overlay
    if full_refresh:  # the naive way: recolour everything, repaint the whole view
        overlay.update = lambda _rect: type(overlay).update(overlay, (0, 0, W, H))
        canvas.update_image_rect = lambda _rect: canvas.update()
    try:
        drive.send_mouse(canvas, drive.QEvent.Type.MouseButtonPress,
                         drive.widget_point(canvas, *pts[0]), drive.LEFT, drive.LEFT)
        pump(app)
        times = []
        for pt in pts[1:]:
            t = time.perf_counter()
            drive.send_move(canvas, *pt)
            app.processEvents()  # the paint of the dirty rectangle happens here
            times.append(time.perf_counter() - t)
        drive.send_mouse(canvas, drive.QEvent.Type.MouseButtonRelease,
                         drive.widget_point(canvas, *pts[-1]), drive.LEFT,
                         drive.Qt.MouseButton.NoButton)
        pump(app)
    finally:
        if full_refresh:
            del overlay.update, canvas.update_image_rect
    ws.undo()  # keep the mask small between runs
    ws.flush()
    return times


def switch_times(app, ws, ids, prefetch: bool, rounds: int) -> list[float]:
    loader = ws.loader
    real_prefetch = loader.prefetch
    if not prefetch:
        loader.prefetch = lambda _ids: None
    out = []
    step = 1
    try:
        for _ in range(rounds):
            i = ids.index(ws.current_id)
            if not 0 <= i + step < len(ids):  # walk the list back and forth
                step = -step
            target = ids[i + step]
            if not prefetch:
                loader.invalidate()
            else:  # the user looks at an image for a while: its neighbours arrive meanwhile
                pump(app, lambda t=target: loader.cached(t))
            ws.canvas.repaint()
            t = time.perf_counter()
            ws.show_image(target)
            pump(app, lambda t=target: ws.current_id == t)
            ws.canvas.repaint()  # the first paint of the new image
            out.append(time.perf_counter() - t)
    finally:
        loader.prefetch = real_prefetch
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from app.ui.label.workspace import LabelWorkspace

    app = QApplication.instance() or QApplication(["bench"])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        project, ids = make_project(Path(tmp), 4)
        print(f"project with {len(ids)} images of {W} x {H} ({W * H / 1e6:.0f} MP) built in "
              f"{time.perf_counter() - t0:.1f} s")
        ws = LabelWorkspace()
        ws.resize(1600, 1000)
        ws.show()
        ws.set_project(project)
        pump(app, lambda: ws.current is not None)
        print(f"canvas {ws.canvas.width()} x {ws.canvas.height()}, fit zoom "
              f"{ws.canvas.view.zoom:.3f}, load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} CPUs")

        print("\n1. 30-segment brush stroke: median ms per mouse-move event "
              "(handler + overlay + repaint)")
        print(f"{'brush':>6} {'zoom':>5} {'dirty rect':>11} {'full refresh':>13} {'ratio':>7}")
        repeats = 1 if args.quick else 3
        for zoom in ("fit", "100%"):
            for brush in (8, 64, 512):
                fast, slow = [], []
                for _ in range(repeats):  # interleaved, so both see the same machine load
                    fast += stroke_times(app, ws, brush, zoom, False)
                    slow += stroke_times(app, ws, brush, zoom, True)
                fast_ms, slow_ms = statistics.median(fast) * 1e3, statistics.median(slow) * 1e3
                print(f"{brush:>6} {zoom:>5} {fast_ms:>9.2f} ms {slow_ms:>10.1f} ms "
                      f"{slow_ms / fast_ms:>6.0f}x")

        rounds = 3 if args.quick else 6
        print("\n2. Opening the next 20 MP image (key to first paint), median of "
              f"{rounds}")
        with_pf = switch_times(app, ws, ids, True, rounds)
        without = switch_times(app, ws, ids, False, rounds)
        print(f"   with prefetch:    {statistics.median(with_pf) * 1e3:7.1f} ms  "
              f"(max {max(with_pf) * 1e3:.1f})")
        print(f"   without prefetch: {statistics.median(without) * 1e3:7.1f} ms  "
              f"(max {max(without) * 1e3:.1f})")
        ws.shutdown()
        project.close()


if __name__ == "__main__":
    main()
