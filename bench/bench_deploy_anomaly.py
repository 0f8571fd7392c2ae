"""A good-parts-only model's deployment package on magnetic-tile: the package's maps (runner.py:
ONNX Runtime + numpy) against the app's (torch), per part: time, largest difference, grades.

    PYTHONPATH=$PWD python bench/bench_deploy_anomaly.py [--train 60] [--calibration 20]
        [--parts 20] [--memory 4000] [--data /work/shared/datasets/magnetic-tile]

Good parts (MT_Free, shuffled with seed 0) train the memory and calibrate it; the parts scored
are the next good parts and as many defective ones (the first of each defect folder in turn).
Recipe: anomaly >= 0.5, SCRAP over 20 px. torch and ONNX Runtime on one thread each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path("/work/shared/datasets/magnetic-tile")


def images_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.jpg"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--train", type=int, default=60)
    ap.add_argument("--calibration", type=int, default=20)
    ap.add_argument("--parts", type=int, default=20)
    ap.add_argument("--memory", type=int, default=4000)
    args = ap.parse_args()

    import torch

    from app.core.grading import ClassSetting, Recipe, Rule, ZoneCache, grade
    from app.core.imageio import load_image
    from app.jobs.deploy import deploy, open_package
    from app.ml.anomaly_model import fit_anomaly, save_anomaly_model, shared_features
    from app.ml.checkpoint import ClassInfo
    from app.ml.inference import load_model_for_inference
    from app.ml.package_runner import open_runner
    from app.store import Project

    torch.set_num_threads(1)
    good = images_of(args.data / "MT_Free" / "Imgs")
    good = [good[i] for i in np.random.default_rng(0).permutation(len(good))]
    train = good[: args.train]
    cal = good[args.train: args.train + args.calibration]
    test_good = good[args.train + args.calibration:][: args.parts // 2]
    defect_dirs = [d / "Imgs" for d in sorted(args.data.glob("MT_*")) if d.name != "MT_Free"]
    lists = [images_of(d) for d in defect_dirs]
    test_bad = [lst[i] for i in range(args.parts) for lst in lists if i < len(lst)]
    test_bad = test_bad[: args.parts - len(test_good)]

    t = time.perf_counter()
    model = fit_anomaly(shared_features(3), (load_image(p) for p in train),
                        (load_image(p) for p in cal), memory_size=args.memory)
    print(f"trained on {len(train)} good parts (+{len(cal)} calibration) in "
          f"{time.perf_counter() - t:.1f} s; memory {len(model.memory)} patches")
    with tempfile.TemporaryDirectory() as tmp, Project.create(Path(tmp) / "b.dsproj") as p:
        cls = p.classes.add("anomaly", color="#ff00ff")
        folder = p.models.folder / "good-only"
        config = save_anomaly_model(folder, model, ClassInfo(cls.value, "anomaly", "#ff00ff"))
        row = p.models.register("good-only", folder, config.to_dict(), {},
                                config.weights_sha256, len(train))
        recipe = Recipe(name="holes", classes=(ClassSetting(cls.value, "anomaly", 0.5),),
                        rules=(Rule(cls.value, grade="SCRAP", max_area_mm2=20),))
        p.recipes.save("holes", recipe.to_dict())
        t = time.perf_counter()
        result = deploy(p, row.id, "holes", Path(tmp) / "pkg.zip")
        print(f"package written in {time.perf_counter() - t:.1f} s: "
              f"{result.path.stat().st_size / 1e6:.1f} MB")
        app_model = load_model_for_inference(p.models.path(row), "cpu")
        with open_package(result.path) as pkg:
            runner = open_runner(pkg.root, pkg.manifest, threads=1)
            values = [cls.value]
            app_s, pkg_s, diffs, same = [], [], [], 0
            parts = test_good + test_bad
            for path in parts:
                image = load_image(path)
                app_model.predict(image)  # warm both: first-call costs are not per part
                runner.predict(image)
                t = time.perf_counter()
                a = app_model.predict(image)
                app_s.append(time.perf_counter() - t)
                t = time.perf_counter()
                b = runner.predict(image)
                pkg_s.append(time.perf_counter() - t)
                diffs.append(int(np.abs(a.astype(np.int16) - b).max()))
                zones = ZoneCache()
                same += grade(a, values, recipe, zones).grade == grade(b, values, recipe,
                                                                       zones).grade
    sizes = [cv2.imread(str(q), cv2.IMREAD_GRAYSCALE).size for q in parts]
    print(f"{len(parts)} parts ({len(test_good)} good, {len(test_bad)} defective), "
          f"{min(sizes) / 1e3:.0f}-{max(sizes) / 1e3:.0f} kpixels")
    print(f"app (torch):        mean {statistics.mean(app_s) * 1e3:.0f} ms, "
          f"median {statistics.median(app_s) * 1e3:.0f} ms, max {max(app_s) * 1e3:.0f} ms")
    print(f"package (runner):   mean {statistics.mean(pkg_s) * 1e3:.0f} ms, "
          f"median {statistics.median(pkg_s) * 1e3:.0f} ms, max {max(pkg_s) * 1e3:.0f} ms")
    print(f"grades equal: {same}/{len(parts)}; largest map difference {max(diffs)}/255")


if __name__ == "__main__":
    main()
