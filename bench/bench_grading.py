"""Grading speed on one core: the fast pipeline vs scikit-image and full-frame OpenCV labelling.

    .venv/bin/python bench/bench_grading.py [--repeat 15] [--classes 1]

A synthetic probability map per class (a few dozen blobs and thin cracks on low-level noise)
at 5 MP and 20 MP. Prints median ms; ratios are baseline / fast (higher = fast path wins).
"clean" is grade() on a defect-free map (noise only), the common case on a line.
Budget (issue 4): whole pipeline <= 10 ms at 5 MP and <= 30 ms at 20 MP.
"""

from __future__ import annotations

import argparse
import statistics
import time

import cv2
import numpy as np

from app.core.grading import (
    WHOLE_IMAGE,
    ClassSetting,
    Polygon,
    Recipe,
    Rule,
    Zone,
    ZoneCache,
    ZoneSet,
    grade,
    threshold_components,
)

SIZES = {"5 MP": (1944, 2592), "20 MP": (3648, 5472)}


def synthetic_map(h: int, w: int, seed: int, n_defects: int = 36) -> np.ndarray:
    """uint8 (H, W): noise 0..~40, half the defects soft blobs, half 1-4 px wide cracks."""
    rng = np.random.default_rng(seed)
    prob = rng.integers(0, 30, (h, w), dtype=np.uint8)
    defects = np.zeros((h, w), np.uint8)
    for i in range(n_defects):
        x, y = int(rng.integers(100, w - 100)), int(rng.integers(100, h - 100))
        level = int(rng.integers(170, 255))
        if i % 2:
            axes = (int(rng.integers(3, 40)), int(rng.integers(3, 40)))
            cv2.ellipse(defects, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, level, -1)
        else:
            steps = rng.integers(-25, 26, (int(rng.integers(5, 40)), 2))
            pts = (np.cumsum(steps, axis=0) + (x, y)).astype(np.int32)
            cv2.polylines(defects, [pts], False, level, int(rng.integers(1, 5)))
    defects = cv2.GaussianBlur(defects, (5, 5), 1.0)  # soft edges, like a network's output
    return np.maximum(prob, defects)


def bench_recipe(h: int, w: int, n_classes: int) -> Recipe:
    face = Polygon(
        ((w * 0.1, h * 0.1), (w * 0.6, h * 0.1), (w * 0.6, h * 0.9), (w * 0.1, h * 0.9)),
        holes=(((w * 0.3, h * 0.4), (w * 0.4, h * 0.4), (w * 0.4, h * 0.6), (w * 0.3, h * 0.6)),),
    )
    thread = Polygon(((w * 0.7, 0), (w * 0.9, 0), (w * 0.9, h - 1), (w * 0.7, h - 1)))
    rules = []
    for v in range(1, n_classes + 1):
        rules += [
            Rule(v, "sealing-face", "SCRAP", min_area_mm2=0.01, max_area_mm2=0.5, max_length_mm=2),
            Rule(v, "thread", "REWORK", max_count=3),
            Rule(v, WHOLE_IMAGE, "REWORK", min_area_mm2=0.05, max_area_mm2=5, max_count=20),
        ]
    return Recipe(
        classes=tuple(ClassSetting(v, f"class{v}", 0.5, 0.002) for v in range(1, n_classes + 1)),
        zones=ZoneSet((Zone("sealing-face", (face,), 3), Zone("thread", (thread,), 2))),
        rules=tuple(rules),
    ).with_mm_per_pixel(0.01)


def timings(fns: dict, repeat: int) -> dict:
    """Median and min ms per function, run round-robin so load from other work hits all alike."""
    for fn in fns.values():
        fn()  # warm-up: first-call allocations, lazy imports
    times: dict = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append((time.perf_counter() - t0) * 1e3)
    return {k: (statistics.median(v), min(v)) for k, v in times.items()}


def skimage_components(probs: np.ndarray, level: int) -> int:
    """Same measurements as the fast path's components, with scikit-image."""
    from skimage.measure import label, regionprops

    n = 0
    for p in probs:
        for r in regionprops(label(p >= level, connectivity=2), intensity_image=p):
            _ = (r.area, r.bbox, r.centroid, r.intensity_mean, r.intensity_max)
            n += 1
    return n


def cv_fullframe(probs: np.ndarray, level: int) -> int:
    n = 0
    for p in probs:
        binary = cv2.threshold(p, level - 1, 255, cv2.THRESH_BINARY)[1]
        n += cv2.connectedComponentsWithStats(binary, connectivity=8)[0] - 1
    return n


def bench_size(name: str, h: int, w: int, values: list[int], repeat: int) -> None:
    probs = np.stack([synthetic_map(h, w, seed=v) for v in values])
    recipe = bench_recipe(h, w, len(values))
    cache = ZoneCache()
    verdict = grade(probs, values, recipe, zones_cache=cache)  # rasterizes the zones once
    clean = np.stack([synthetic_map(h, w, seed=v, n_defects=0) for v in values])
    t = timings(
        {
            "grade": lambda: grade(probs, values, recipe, zones_cache=cache),
            "clean": lambda: grade(clean, values, recipe, zones_cache=cache),
            "comps": lambda: [threshold_components(p, 0.5) for p in probs],
            "skimage": lambda: skimage_components(probs, 128),
            "ccws": lambda: cv_fullframe(probs, 128),
        },
        repeat,
    )
    fast = t["grade"][0]
    print(
        f"{name:>6} {len(verdict.components):>5}"
        f" {t['grade'][0]:>7.2f}ms ({t['grade'][1]:5.2f}) {t['comps'][0]:>8.2f}ms"
        f" {t['skimage'][0]:>7.1f}ms {t['skimage'][0] / fast:>5.1f}x"
        f" {t['ccws'][0]:>7.1f}ms {t['ccws'][0] / fast:>5.1f}x {t['clean'][0]:>7.2f}ms"
        f"  {verdict.grade} ({len(verdict.reasons)} reasons)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--classes", type=int, default=1, help="probability channels (classes)")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    values = list(range(1, args.classes + 1))
    print(
        f"one core (cv2 threads={cv2.getNumThreads()}), {args.classes} class channel(s),"
        f" median (min) of {args.repeat}; ratio = baseline / grade()"
    )
    print(
        f"{'size':>6} {'comps':>5} {'grade() (min)':>17} {'comps only':>10}"
        f" {'skimage':>9} {'ratio':>6} {'cv2 CCWS':>9} {'ratio':>6} {'clean':>9}  verdict"
    )
    for name, (h, w) in SIZES.items():
        bench_size(name, h, w, values, args.repeat)


if __name__ == "__main__":
    main()
