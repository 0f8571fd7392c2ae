"""Inspection throughput (parts/s) and the share of time spent outside the model's forward pass.

    .venv/bin/python bench/bench_inspection.py              # 100 magnetic-tile images, CPU
    .venv/bin/python bench/bench_inspection.py --parts 300 --threads 2 --device cuda
    .venv/bin/python bench/bench_inspection.py --backend torch --encoder tu-tf_efficientnet_lite0

Runs app.jobs.inspection.inspect over images of ../shared/datasets/magnetic-tile (skipped with
a message when absent) in a temporary project, with the default CPU model spec
(Unet/resnet18, slim decoder, tile 256) for the dataset's five defect classes and a recipe
with a zone and area/length/count rules. The weights are random: speed does not depend on the
weights, but what a random model "finds" (and so the grading and storing work) does: a random
last layer finds nothing, so it is sharpened (--contrast, default 5: tens of noise components
per part, --contrast 10: hundreds, a worst case). The grade counts printed mean nothing. The job's
own timers split each part into load (hash, read, decode), forward (the model's forward passes,
timed by hooks), preprocess (the rest of tiled prediction: tiling, normalization, blending), grade
(grading, risk, result record) and store (the database write). Goal: < 10 % outside the forward
pass. --backend picks how the model runs (app.ml.runtime: auto = ONNX Runtime on the CPU);
--encoder swaps the spec's encoder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATASET = Path(os.environ.get("MAGNETIC_TILE") or  # e.g. from a git worktree elsewhere
               Path(__file__).resolve().parents[2] / "shared" / "datasets" / "magnetic-tile")
CLASSES = ("Blowhole", "Break", "Crack", "Fray", "Uneven")


def pick_images(n: int) -> list[Path]:
    """n images spread evenly over the sorted dataset (every class, good parts included)."""
    from app.core.discover import collect_images

    paths, _ = collect_images([DATASET])
    step = max(len(paths) / n, 1.0)
    return [paths[int(i * step)] for i in range(min(n, len(paths)))]


def build_project(folder: Path, device: str, contrast: float, encoder: str | None):
    import torch

    from app.core.grading import ClassSetting, Polygon, Recipe, Rule, Zone, ZoneSet
    from app.ml.checkpoint import CheckpointConfig, ClassInfo, save_checkpoint
    from app.ml.registry import create_model
    from app.ml.spec import Normalization, default_spec
    from app.store import Project

    project = Project.create(folder / "bench.dsproj")
    classes = [project.classes.add(name) for name in CLASSES]
    spec = default_spec("cpu" if device == "cpu" else device, num_classes=1 + len(classes),
                        in_channels=1)
    if encoder:
        from app.ml.registry import ENCODERS, EncoderEntry

        ENCODERS.setdefault(encoder, EncoderEntry(encoder, "bench only"))  # until registered
        spec = spec.replace(encoder=encoder)
    torch.manual_seed(0)
    model = create_model(spec, pretrained=False).model
    with torch.no_grad():  # a random head finds nothing; sharpened, it finds noise to grade
        model.segmentation_head[0].weight.mul_(contrast)
    config = save_checkpoint(project.models.folder / "random", model, CheckpointConfig(
        spec, [ClassInfo(c.value, c.name, c.color) for c in classes], Normalization.imagenet(1)))
    row = project.models.register("random", project.models.folder / "random", config.to_dict(),
                                  {}, config.weights_sha256, 0)
    centre = Zone("centre", (Polygon([(150, 60), (350, 60), (350, 240), (150, 240)]),), 2)
    recipe = Recipe(
        name="tile",
        classes=tuple(ClassSetting(c.value, c.name, 0.5, min_area_mm2=4) for c in classes),
        zones=ZoneSet((centre,), reference_size=(500, 300)),
        rules=tuple(r for c in classes for r in (
            Rule(c.value, "centre", "SCRAP", max_area_mm2=200, max_length_mm=40),
            Rule(c.value, grade="REWORK", max_area_mm2=800, max_count=5))),
    )
    project.recipes.save("tile", recipe.to_dict())
    return project, row.id, spec


def report(times, wall: float, pipelined: bool) -> None:
    n = times.parts
    mode = "pipelined (read and grade + store beside the model)" if pipelined else \
        "sequential (one thread)"
    print(f"{mode}: {n} parts in {wall:.1f} s (model load included): {n / wall:.2f} parts/s")
    for stage in ("load", "preprocess", "forward", "grade", "store"):
        s = getattr(times, stage)
        print(f"  {stage:<10} {1000 * s / n:8.1f} ms/part of work")
    print(f"  elapsed over the parts {1000 * times.wall / n:.0f} ms/part; outside the forward "
          f"pass: {times.outside_forward:.1%} (goal < 10 %)")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--parts", type=int, default=100)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's)")
    p.add_argument("--batch", type=int, default=4, help="tiles per forward pass")
    p.add_argument("--compare", action="store_true",
                   help="also run every stage on one thread, one part after the other, "
                        "alternating with the pipelined job (--rounds times each)")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--backend", default=None, help="auto, torch, onnx (default: the app's)")
    p.add_argument("--encoder", default=None, help="instead of the default spec's")
    p.add_argument("--contrast", type=float, default=5.0,
                   help="scale of the random last layer: 1 finds nothing, 5 tens of "
                        "components per part, 10 hundreds (grading and storing get work)")
    args = p.parse_args()
    if not (DATASET / "README.md").exists() and not DATASET.is_dir():
        print(f"skipped: the magnetic-tile dataset is not at {DATASET}")
        return 0
    if args.backend:
        os.environ["DEFECT_STUDIO_BACKEND"] = args.backend
    import logging

    runtime_log = logging.getLogger("app.ml.runtime")  # which backend "auto" chose, and why
    runtime_log.addHandler(logging.StreamHandler(sys.stdout))
    runtime_log.setLevel(logging.INFO)
    import torch

    from app.core.imageio import read_header
    from app.jobs.context import JobContext
    from app.jobs.inspection import StageTimes, inspect, run_counts
    from app.ml.inference import tile_starts

    if args.threads:
        torch.set_num_threads(args.threads)
    images = pick_images(args.parts)
    with tempfile.TemporaryDirectory() as tmp:
        project, model_id, spec = build_project(Path(tmp), args.device, args.contrast,
                                                args.encoder)
        sizes = [read_header(i) for i in images]
        ov = spec.tile_size // 4
        tiles = [len(tile_starts(h.height, spec.tile_size, ov)) *
                 len(tile_starts(h.width, spec.tile_size, ov)) for h in sizes]
        print(f"{len(images)} magnetic-tile images, median "
              f"{statistics.median(h.width for h in sizes):.0f}"
              f" x {statistics.median(h.height for h in sizes):.0f} px gray, "
              f"{statistics.mean(tiles):.1f} tiles of {spec.tile_size} per part on average "
              f"with the old tiling (now: whole parts); "
              f"{spec.architecture}/{spec.encoder} decoder {spec.decoder_channels}, random "
              f"weights, {1 + len(CLASSES)} outputs, device {args.device}, "
              f"{torch.get_num_threads()} torch threads, batch {args.batch}, backend "
              f"{os.environ.get('DEFECT_STUDIO_BACKEND', 'auto')}")
        # Warm-up: a first forward pass allocates; not part of the figures.
        inspect(project, images[:2], model_id, "tile", JobContext(), name="warm-up",
                device=args.device, batch_size=args.batch)
        modes = [True, False] if args.compare else [True]
        load_before = os.getloadavg()[0]
        for r in range(args.rounds):
            for pipelined in modes:
                times = StageTimes()
                t0 = time.perf_counter()
                run = inspect(project, images, model_id, "tile", JobContext(),
                              name=f"bench {r} {pipelined}", device=args.device,
                              batch_size=args.batch, times=times, pipeline=pipelined)
                report(times, time.perf_counter() - t0, pipelined)
        counts = run_counts(project, run.id)
        results = project.runs.results(run.id)
        comps = statistics.mean(len(r.components) for r in results)
        project.close()
    print(f"grades (random weights, meaningless): {counts.by_grade}, errors {counts.errors}, "
          f"flagged {counts.flagged}, {comps:.1f} stored components per part; load average "
          f"{load_before:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
