"""What-if refresh over a labeled set held in memory (app.jobs.whatif.WhatIfCache).

    .venv/bin/python bench/bench_whatif.py [--images 1000] [--classes 2] [--repeat 7]

Synthetic parts of 640 x 480 (0.3 MP): half good (noise only), half with 1-4 defects per class
(soft blobs and thin cracks). The prediction is the label blurred, with low-level noise like a
trained model's background (mostly 0..10, rare specks higher), some defects missed and some
false specks, so escapes and false rejects exist. Prints:
- decode once: what the first use costs a part (stored PNG prediction + mask),
- cold: the first evaluate (true grades and every component found),
- refresh after a threshold change of one class (what a slider drag costs; goal <= 2 s),
- refresh after a min-area change (components of that class again, true grades again),
- the operating-point sweep (21 thresholds of one class), total and per threshold.
"""

from __future__ import annotations

import argparse
import statistics
import time

import cv2
import numpy as np

from app.core.grading import WHOLE_IMAGE, ClassSetting, Polygon, Recipe, Rule, Zone, ZoneSet
from app.core.imageio import decode_mask_png, encode_mask_png
from app.core.probcodec import decode_probs, encode_probs
from app.jobs.whatif import WhatIfCache, make_case

H, W = 480, 640


def synthetic_part(i: int, values: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(probs (C, H, W) uint8, label (H, W) uint8) for part i; even parts are good."""
    rng = np.random.default_rng(i)
    label = np.zeros((H, W), np.uint8)
    probs = np.minimum(rng.exponential(2.0, (len(values), H, W)), 255).astype(np.uint8)
    if i % 2:
        for c, v in enumerate(values):
            drawn = np.zeros((H, W), np.uint8)
            for k in range(int(rng.integers(1, 5))):
                x, y = int(rng.integers(40, W - 40)), int(rng.integers(40, H - 40))
                if k % 2:
                    axes = (int(rng.integers(2, 14)), int(rng.integers(2, 14)))
                    cv2.ellipse(drawn, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
                else:
                    pts = (np.cumsum(rng.integers(-8, 9, (int(rng.integers(3, 12)), 2)), 0)
                           + (x, y)).astype(np.int32)
                    cv2.polylines(drawn, [pts], False, 1, int(rng.integers(1, 4)))
            label[drawn > 0] = v
            seen = drawn if rng.random() > 0.1 else np.zeros_like(drawn)  # 10 % missed
            soft = cv2.GaussianBlur(seen.astype(np.float32) * rng.uniform(170, 250), (5, 5), 1.0)
            probs[c] = np.maximum(probs[c], soft.astype(np.uint8))
    if rng.random() < 0.1:  # a false speck on some parts
        x, y = int(rng.integers(40, W - 40)), int(rng.integers(40, H - 40))
        cv2.circle(probs[0], (x, y), int(rng.integers(2, 6)), int(rng.integers(130, 220)), -1)
    return probs, label


def bench_recipe(values: list[int]) -> Recipe:
    face = Polygon(((64, 48), (384, 48), (384, 432), (64, 432)),
                   holes=(((192, 192), (256, 192), (256, 288), (192, 288)),))
    rules = []
    for v in values:
        rules += [Rule(v, "sealing-face", "SCRAP", max_area_mm2=0.05, max_length_mm=1.0),
                  Rule(v, WHOLE_IMAGE, "REWORK", max_area_mm2=0.2, max_count=3)]
    return Recipe(
        classes=tuple(ClassSetting(v, f"class{v}", 0.5, 0.002) for v in values),
        zones=ZoneSet((Zone("sealing-face", (face,), 2),), reference_size=(W, H)),
        rules=tuple(rules),
    ).with_mm_per_pixel(0.02)


def median_seconds(fn, args_list) -> tuple[float, float]:
    times = []
    for a in args_list:
        t0 = time.perf_counter()
        fn(a)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--no-sweep", action="store_true")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    values = list(range(1, args.classes + 1))
    t0 = time.perf_counter()
    cache = WhatIfCache()
    cache.label_values = values
    for i in range(args.images):
        probs, label = synthetic_part(i, values)
        cache.add(make_case(i, probs, values, label))
    print(f"{args.images} parts of {W} x {H} ({H * W / 1e6:.2f} MP), {args.classes} classes; "
          f"built in {time.perf_counter() - t0:.1f} s, cached {cache.nbytes / 2**20:.0f} MiB")
    recipe = bench_recipe(values)

    stored = [(encode_probs(p), encode_mask_png(m))
              for p, m in (synthetic_part(i, values) for i in range(1, 21))]
    t0 = time.perf_counter()
    for blob, png in stored:
        decode_probs(blob), decode_mask_png(png)
    per = (time.perf_counter() - t0) / len(stored)
    print(f"decode once (stored prediction + mask, PNG): {per * 1e3:.1f} ms a part, "
          f"~{per * args.images:.0f} s for the set on first use")

    t0 = time.perf_counter()
    first = cache.evaluate(recipe)
    print(f"cold evaluate: {time.perf_counter() - t0:.2f} s   "
          f"(escapes {first.vs_labels.escapes}, false rejects {first.vs_labels.false_rejects}"
          f" of {first.vs_labels.n})")

    thresholds = [0.5 + 0.03 * (k + 1) * (-1) ** k for k in range(args.repeat)]
    med, worst = median_seconds(lambda t: cache.evaluate(recipe.with_threshold(1, t)),
                                thresholds)
    print(f"refresh, threshold of one class changed: median {med:.2f} s (max {worst:.2f} s)"
          f"  goal <= 2 s")
    areas = [0.002 * (k + 2) for k in range(args.repeat)]
    med, worst = median_seconds(lambda a: cache.evaluate(recipe.with_min_area(1, a)), areas)
    print(f"refresh, min area of one class changed:  median {med:.2f} s (max {worst:.2f} s)")
    unchanged, _ = median_seconds(lambda _: cache.evaluate(recipe), range(3))
    print(f"refresh, nothing changed (regrade from cached components): {unchanged:.2f} s")

    def ui_refresh(t: float) -> None:  # what the Grade workspace's job does: + histogram areas
        cache.evaluate(recipe.with_threshold(1, t))
        for v in values:
            cache.predicted_areas(v), cache.label_areas(v)

    med, worst = median_seconds(ui_refresh, thresholds)
    print(f"workspace refresh job (threshold change + histogram areas): median {med:.2f} s "
          f"(max {worst:.2f} s)")

    if args.no_sweep:
        return
    per: dict[float, float] = {}
    last = [time.perf_counter()]

    def heard(point) -> None:
        now = time.perf_counter()
        per[point.threshold] = now - last[0]
        last[0] = now

    t0 = time.perf_counter()
    points = cache.sweep(recipe, 1, on_point=heard)
    total = time.perf_counter() - t0
    print(f"sweep of class 1, {len(points)} thresholds: {total:.1f} s")
    for p in sorted(points, key=lambda p: p.threshold):
        esc = "-" if p.escape_rate is None else f"{p.escape_rate:.3f}"
        fr = "-" if p.false_reject_rate is None else f"{p.false_reject_rate:.3f}"
        print(f"  t={p.threshold:.2f}  {per[p.threshold]:6.2f} s  escape rate {esc}  "
              f"false-reject rate {fr}")


if __name__ == "__main__":
    main()
