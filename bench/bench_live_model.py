"""Live model (pixel classifier) speed and quality: run by hand, prints medians.

    .venv/bin/python bench/bench_live_model.py [--images 50] [--repeat 5] [--no-quality]

Speed, on a temporary project of ``--images`` labeled 640 x 480 parts (synthetic scratches):
the first training (every image's features computed), then retrains after a stroke on the
shown image (what Live model does after each commit: cached features and samples, the shown
image resampled), and the pre-labels of a 2 MP image (features + predict + upsample; then the
components the Label workspace draws) at the default feature budget and at half of it.

Quality, when ../shared/datasets/magnetic-tile is present: binary defect IoU (all defect
classes as one) on held-out defect images after fitting on ``--train`` labeled images, summed
over the test images (intersection / union) and per image (mean).
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

from app.core.pixel_classifier import PixelClassifier, balanced, training_rows  # noqa: E402
from app.core.pixel_features import FilterBank  # noqa: E402
from app.core.prelabel import PreLabels  # noqa: E402

# ../shared beside the checkout (or beside the folder of worktrees)
DATASET = next((p / "shared" / "datasets" / "magnetic-tile"
                for p in Path(__file__).resolve().parents
                if (p / "shared" / "datasets" / "magnetic-tile" / "README.md").exists()),
               Path("../shared/datasets/magnetic-tile"))


def scratched(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    img = cv2.GaussianBlur(rng.normal(110, 18, (h, w)).astype(np.float32), (0, 0), 1.2)
    mask = np.zeros((h, w), np.uint8)
    for _ in range(int(rng.integers(1, 4))):
        p = rng.integers(0, [w, h], size=(2, 2))
        cv2.line(mask, tuple(int(v) for v in p[0]), tuple(int(v) for v in p[1]), 1,
                 int(rng.integers(2, 5)))
    img[mask > 0] += 45
    return img.clip(0, 255).astype(np.uint8), mask


def median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_speed(n_images: int, repeat: int) -> None:
    from app.jobs.live_model import LiveTrainer
    from app.store import NewImage, Project

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.create(Path(tmp) / "bench.dsproj")
        value = project.classes.add("scratch").value
        items, masks = [], []
        for i in range(n_images + 1):
            img, mask = scratched(rng, 480, 640)
            path = Path(tmp) / f"part{i:03d}.png"
            cv2.imwrite(str(path), img)
            data = path.read_bytes()
            items.append(NewImage(str(path), hashlib.sha256(data).hexdigest(), len(data),
                                  640, 480, 8, 1))
            masks.append(mask * value)
        project.images.add_many(items)
        ids = [r.id for r in project.images.list()]
        for image_id, mask in zip(ids[:n_images], masks[:n_images], strict=True):
            project.masks.save(image_id, mask)
        project.images.set_status(ids[:n_images], "labeled")
        shown = ids[n_images]  # the part being painted: in progress
        painted = np.zeros_like(masks[n_images])

        live = LiveTrainer(project)
        ys, xs = np.nonzero(masks[n_images])
        strokes = iter(range(10_000))

        def retrain():
            k = next(strokes)  # 50 more painted pixels each time: the shown mask changes
            painted[ys[: 50 * (k + 1)], xs[: 50 * (k + 1)]] = value
            return live.train(current=(shown, painted))

        t = time.perf_counter()
        first = retrain()
        cold = time.perf_counter() - t
        print(f"first training, {first.images} images of 640 x 480 (features computed): "
              f"{cold:.2f} s, {first.pixels:,} pixels")

        result = retrain()
        warm = median(retrain, repeat)
        print(f"retrain after a stroke ({result.images} images, {result.pixels:,} pixels, "
              f"hidden {result.classifier.hidden}): median {warm:.2f} s of {repeat}")
        project.close()

    clf = result.classifier
    img2, _ = scratched(np.random.default_rng(1), 1224, 1632)  # 2 MP
    for budget in (1_000_000, 500_000):
        bank = FilterBank(max_pixels=budget)
        model = PixelClassifier(bank, clf.class_values, clf.mean, clf.std, clf.w1, clf.b1,
                                clf.w2, clf.b2)
        feats = bank.compute(img2)
        f_s = median(lambda b=bank: b.compute(img2), repeat)
        p_s = median(lambda m=model, f=feats: m.predict(img2, f), repeat)
        probs = model.predict(img2, feats)
        c_s = median(lambda p=probs: PreLabels.from_probs(p, clf.class_values), repeat)
        print(f"pre-labels of a 2 MP image, features at {feats.shape[2]} x {feats.shape[1]}: "
              f"features {f_s:.2f} s + predict {p_s:.2f} s = {f_s + p_s:.2f} s "
              f"(+ components {c_s:.2f} s); medians of {repeat}")


def load_pairs(folder: Path) -> list[tuple[Path, Path]]:
    return sorted((jpg, jpg.with_suffix(".png")) for jpg in folder.glob("Imgs/*.jpg")
                  if jpg.with_suffix(".png").exists())


def bench_quality(n_train: int, n_test: int, hidden: int) -> None:
    if not (DATASET / "README.md").exists():
        print(f"quality: skipped ({DATASET} is not present)")
        return
    rng = np.random.default_rng(0)
    defect = [p for d in sorted(DATASET.glob("MT_*")) if d.name != "MT_Free"
              for p in load_pairs(d)]
    good = load_pairs(DATASET / "MT_Free")
    order = rng.permutation(len(defect))
    test = [defect[i] for i in order[:n_test]]
    train = [defect[i] for i in order[n_test:n_test + n_train - n_train // 10]]
    train += [good[i] for i in rng.permutation(len(good))[: n_train // 10]]
    bank = FilterBank()

    def read(pair):
        img = cv2.imread(str(pair[0]), cv2.IMREAD_GRAYSCALE)
        mask = (cv2.imread(str(pair[1]), cv2.IMREAD_GRAYSCALE) >= 128).astype(np.uint8)
        return img, mask

    t = time.perf_counter()
    rows = []
    for pair in train:
        img, mask = read(pair)
        rows.append(training_rows(bank.compute(img), mask, complete=True, rng=rng))
    data = balanced(rows, [1], rng)
    t_feat = time.perf_counter() - t
    t = time.perf_counter()
    clf = PixelClassifier.fit(bank, [1], data, hidden=hidden)
    t_fit = time.perf_counter() - t
    inter = union = 0
    per_image = []
    for pair in test:
        img, mask = read(pair)
        pred = clf.predict(img)[0] >= 128
        truth = mask > 0
        i, u = int((pred & truth).sum()), int((pred | truth).sum())
        inter, union = inter + i, union + u
        per_image.append(i / u if u else 1.0)
    print(f"magnetic tile, hidden {hidden}: fit on {len(train)} labeled images "
          f"({len(train) - n_train // 10} defect, {n_train // 10} good; {len(data):,} pixels; "
          f"features {t_feat:.1f} s, fit {t_fit:.2f} s); binary defect IoU on {len(test)} "
          f"held-out defect images: {inter / max(union, 1):.3f} summed, "
          f"{statistics.mean(per_image):.3f} mean per image")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--train", type=int, default=50)
    ap.add_argument("--test", type=int, default=40)
    ap.add_argument("--no-quality", action="store_true")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    bench_speed(args.images, args.repeat)
    if not args.no_quality:
        for hidden in (16, 0):
            bench_quality(args.train, args.test, hidden)


if __name__ == "__main__":
    main()
