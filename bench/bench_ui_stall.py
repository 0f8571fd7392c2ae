"""UI responsiveness while a model trains on CPU in the real Train workspace (offscreen).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_ui_stall.py [--seconds 30]

A QTimer fires every 10 ms on the UI thread; each tick records how late it came (gap - 10 ms).
Phases, each --seconds long (the idle one 3 s):
  idle      the window open on the Train workspace, nothing running (the floor);
  train     training the default CPU spec (the device's default_spec, tile 256, batch 8) from
            the Start button, curves and progress live;
  browse    still training, the user in the Label workspace moving to the next image every
            0.5 s (image loads, mask overlays, thumbnails).
Then Stop: the time from the click until the worker thread has ended. Prints p50/p95/max
lateness per phase (goal: p95 <= 50 ms while training), figures only, no assertion.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DEFECT_STUDIO_OFFLINE", "1")

TICK_MS = 10


def make_project(folder: Path, count: int, size: int) -> Path:
    """Gray parts with bright square defects of two classes; a quarter are good."""
    from app.store import NewImage, Project

    rng = np.random.default_rng(0)
    path = folder / "stall.dsproj"
    with Project.create(path) as p:
        values = [p.classes.add("spot").value, p.classes.add("scratch").value]
        items, masks = [], []
        for i in range(count):
            image = rng.normal(80, 10, (size, size))
            mask = np.zeros((size, size), np.uint8)
            if i % 4 != 3:
                for _ in range(2):
                    side = int(rng.integers(size // 16, size // 6))
                    y, x = (int(v) for v in rng.integers(0, size - side, 2))
                    k = int(rng.integers(2))
                    image[y:y + side, x:x + side] = 170 + 40 * k
                    mask[y:y + side, x:x + side] = values[k]
            file = folder / f"part_{i:03d}.png"
            cv2.imwrite(str(file), image.clip(0, 255).astype(np.uint8))
            data = file.read_bytes()
            items.append(NewImage(str(file), hashlib.sha256(data).hexdigest(), len(data), size,
                                  size, 8, 1, is_good=i % 4 == 3))
            masks.append(mask)
        ids = p.images.add_many(items).added
        for image_id, mask in zip(ids, masks, strict=True):
            p.masks.save(image_id, mask, source="import")
        p.images.set_status(ids, "labeled")
    return path


class Ticker:
    """Lateness of a 10 ms timer on the UI thread."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.late: list[float] = []
        self.last = None
        self.timer = QTimer(interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    def _tick(self):
        now = time.perf_counter()
        if self.last is not None:
            self.late.append(max(0.0, (now - self.last) * 1000 - TICK_MS))
        self.last = now

    def measure(self, seconds: float, every_ms: int = 0, during=None) -> np.ndarray:
        """Runs a real event loop for `seconds`; `during` is called every `every_ms`."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        user = QTimer(interval=every_ms)
        if during:
            user.timeout.connect(during)
            user.start()
        self.late, self.last = [], None
        self.timer.start()
        loop.exec()
        self.timer.stop()
        user.stop()
        return np.asarray(self.late)


def report(name: str, late: np.ndarray) -> None:
    if late.size == 0:
        print(f"{name:8s} no ticks")
        return
    p50, p95 = np.percentile(late, [50, 95])
    print(f"{name:8s} ticks {late.size:5d}  lateness p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
          f"max {late.max():7.1f} ms  (> 50 ms: {(late > 50).mean():.1%})", flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=30.0, help="length of each training phase")
    p.add_argument("--images", type=int, default=32)
    p.add_argument("--size", type=int, default=512, help="image side in px")
    args = p.parse_args()

    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QApplication

    QStandardPaths.setTestModeEnabled(True)
    app = QApplication(sys.argv[:1])
    from app.ui.label.workspace import LabelWorkspace
    from app.ui.main_window import MainWindow
    from app.ui.train.workspace import TrainWorkspace

    folder = Path(tempfile.mkdtemp(prefix="bench-stall-"))
    path = make_project(folder, args.images, args.size)
    window = MainWindow(registry=[("Label", LabelWorkspace), ("Train", TrainWorkspace)])
    window.resize(1400, 900)
    window.show()
    window.open_project(path)
    window.show_workspace("Train")
    train = next(w for w in window.workspaces() if isinstance(w, TrainWorkspace))
    label = next(w for w in window.workspaces() if isinstance(w, LabelWorkspace))

    def pump_until(cond, timeout=120.0):
        end = time.perf_counter() + timeout
        while not cond() and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.005)
        return cond()

    pump_until(lambda: train.machine is not None)
    import torch

    spec = train.form.spec()
    print(f"{args.images} images of {args.size} px; spec {spec.architecture}/{spec.encoder} "
          f"tile {spec.tile_size}, batch {train.form.batch.value()}; device "
          f"{train.machine.label}; cpu count {os.cpu_count()}, load {os.getloadavg()[0]:.1f}; "
          f"torch {torch.__version__}", flush=True)
    ticker = Ticker()
    report("idle", ticker.measure(3.0))

    train.form.epochs.setValue(1000)
    train.start_button.click()
    pump_until(lambda: len(train.curves.steps) >= 1)  # past setup: the model is training
    report("train", ticker.measure(args.seconds))
    steps_a = len(train.curves.steps)

    window.show_workspace("Label")
    def browse():  # next image, round and round
        if not label.panel.select_next():
            label.panel.select_image(label.panel.visible_ids()[0])

    report("browse", ticker.measure(args.seconds, 500, browse))
    print(f"training went on: {len(train.curves.steps)} steps, {len(train.curves.epochs)} "
          f"epochs so far ({steps_a} in the train phase)", flush=True)

    window.show_workspace("Train")
    t0 = time.perf_counter()
    train.stop_button.click()
    pump_until(lambda: not train.training, 60)
    print(f"stop: worker ended {time.perf_counter() - t0:.2f} s after the click")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
