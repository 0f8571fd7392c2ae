"""The good-parts-only model on magnetic-tile: image- and pixel-level AUROC, training and
scoring time on this CPU.

    PYTHONPATH=$PWD python bench/bench_anomaly.py [--train 200] [--calibration 40]
        [--good-test 100] [--defects-per-class 0 (all)] [--data /work/shared/datasets/magnetic-tile]

Good parts (MT_Free) are shuffled with seed 0 and split into training, calibration (held out
from training, for the false-reject threshold) and test; the test set is the held-out good
parts plus the defective parts. A pixel is defect where its mask is >= 128 (the README).
AUROC is computed with numpy (rank statistic, ties averaged); pixel AUROC on every second
pixel in each direction of every test image.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path("/work/shared/datasets/magnetic-tile")


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: the probability that a positive outranks a negative."""
    scores = np.asarray(scores, np.float64).ravel()
    labels = np.asarray(labels, bool).ravel()
    npos, nneg = int(labels.sum()), int((~labels).sum())
    if npos == 0 or nneg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    s = scores[order]
    ranks = np.empty(len(s), np.float64)
    # average ranks of ties
    bounds = np.flatnonzero(np.diff(s)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(s)]])
    avg = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(avg, ends - starts)
    return float((ranks[labels].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def load_gray(path: Path) -> np.ndarray:
    return cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--train", type=int, default=200)
    ap.add_argument("--calibration", type=int, default=40)
    ap.add_argument("--good-test", type=int, default=100)
    ap.add_argument("--defects-per-class", type=int, default=0)
    ap.add_argument("--frr", type=float, default=0.01)
    ap.add_argument("--memory", type=int, default=None,
                    help="memory patches (default: the model's)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the CPU is shared)")
    args = ap.parse_args()

    import torch

    from app.ml.anomaly_model import MEMORY_SIZE, PatchFeatures, fit_anomaly

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    free = sorted((args.data / "MT_Free" / "Imgs").glob("*.jpg"))
    np.random.default_rng(0).shuffle(free)
    train = free[: args.train]
    cal = free[args.train : args.train + args.calibration]
    good_test = free[args.train + args.calibration :][: args.good_test]
    defects = []
    for folder in sorted(args.data.glob("MT_*")):
        if folder.name == "MT_Free":
            continue
        files = sorted((folder / "Imgs").glob("*.jpg"))
        defects += files[: args.defects_per_class] if args.defects_per_class else files

    features = PatchFeatures()
    t0 = time.perf_counter()
    model = fit_anomaly(features, (load_gray(p) for p in train), (load_gray(p) for p in cal),
                        false_reject_rate=args.frr, memory_size=args.memory or MEMORY_SIZE)
    train_s = time.perf_counter() - t0

    image_scores, image_labels, pix_scores, pix_labels, names = [], [], [], [], []
    score_s = []
    for path, is_defect in [(p, False) for p in good_test] + [(p, True) for p in defects]:
        image = load_gray(path)
        t = time.perf_counter()
        raw = model.score_map(image)
        probs = np.rint(model.to_unit(raw) * 255).astype(np.uint8)  # what predict() returns
        score_s.append(time.perf_counter() - t)
        mask = ((load_gray(path.with_suffix(".png")) >= 128) if is_defect
                else np.zeros(image.shape, bool))
        image_scores.append(float(raw.max()))
        image_labels.append(is_defect)
        pix_scores.append(raw[::2, ::2].ravel())
        pix_labels.append(mask[::2, ::2].ravel())
        names.append(path.parent.parent.name)
        del probs
    image_scores = np.array(image_scores)
    image_labels = np.array(image_labels)
    good = ~image_labels
    flagged_good = float((image_scores[good] > model.threshold).mean())
    caught = float((image_scores[image_labels] > model.threshold).mean())

    print(f"magnetic-tile: train {len(train)} good, calibration {len(cal)} good, "
          f"test {len(good_test)} good + {len(defects)} defective; memory {len(model.memory)} "
          f"patches")
    print(f"training: {train_s:.1f} s ({len(train)} good images, with calibration)")
    print(f"scoring: {np.mean(score_s):.3f} s per part mean, {np.max(score_s):.3f} s max")
    print(f"image AUROC: {auroc(image_scores, image_labels):.3f}")
    print(f"pixel AUROC: {auroc(np.concatenate(pix_scores), np.concatenate(pix_labels)):.3f}")
    print(f"at the calibrated threshold (false-reject rate {args.frr:.0%} on calibration): "
          f"held-out good flagged {flagged_good:.1%}, defective parts caught {caught:.1%}")
    names = np.array(names)
    for cls in sorted(set(names[image_labels])):
        sel = (names == cls) | good
        print(f"  {cls}: image AUROC {auroc(image_scores[sel], image_labels[sel]):.3f}")


if __name__ == "__main__":
    main()
