"""Model quality on real data: a CPU model trained for a fixed time on magnetic tiles.

    .venv/bin/python bench/bench_quality.py                       # 20 min budget, 2 threads
    .venv/bin/python bench/bench_quality.py --minutes 8 --threads 1
    .venv/bin/python bench/bench_quality.py --candidate lite0-frozen --minutes 8
    .venv/bin/python bench/bench_quality.py --per-class-limit 10 --synthetic on --minutes 6

--candidate names a model of bench/candidates.py (default: the app's default CPU spec).

Steps: import ../shared/datasets/magnetic-tile with app.jobs.importing.import_folder
(class_pattern r"MT_(\\w+)"); hold out a stratified test split (never trained on, never used to
pick the checkpoint); train through app.jobs.training.train_project with the app's own
train/val split and the default CPU spec, stopping at the epoch boundary that the time budget
allows (the cosine learning-rate schedule is stretched over the epochs that fit); then predict
every held-out image the way the app does (tiled) and print per-class IoU, mIoU, and the
part-level escape and false-reject rates (a part is flagged when any pixel is predicted as a
defect; the sweep below shows the same at larger minimum areas). Also the binary defect IoU
(every defect class against background) and part-level figures where a part is defective when
its prediction has a connected defect component (8-connected, any class) of at least
--min-component px (20). Skips, with a message, when the dataset is absent.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "magnetic-tile"
MIN_AREAS = (1, 16, 64, 256)  # predicted defect pixels needed to flag a part


def hold_out_test(project, fraction: float, seed: int) -> list[int]:
    """Marks a class-stratified share of the labeled images "test"; returns their ids."""
    from app.ml.project_data import training_rows
    from app.ml.split import VAL, split_samples

    rows = training_rows(project)
    summary = project.masks.defect_summary()
    sets = [summary.get(r.id, (0, ()))[1] for r in rows]
    sides = split_samples(sets, fraction, seed, [None] * len(rows))
    test = [r.id for r, s in zip(rows, sides, strict=True) if s == VAL]
    project.images.set_splits({i: "test" for i in test})
    return test


def limit_training(project, keep: int, seed: int) -> int:
    """Keep at most `keep` training/validation parts (every defective one, then good ones drawn
    at random); the others become "unlabeled". A short budget on a slow CPU cannot finish one
    pass over all of them, and the budget stops at epoch ends. Returns how many were set aside."""
    import random

    from app.ml.project_data import training_rows

    rows = training_rows(project)
    summary = project.masks.defect_summary()
    good = [r.id for r in rows if not summary.get(r.id, (0, ()))[1]]
    drop = max(0, len(rows) - keep)
    dropped = random.Random(seed).sample(good, min(drop, len(good)))
    project.images.set_status(dropped, "unlabeled")
    return len(dropped)


def limit_per_class(project, keep: int, seed: int) -> int:
    """Keep at most `keep` training/validation parts holding each defect class (drawn at
    random; a part that holds several classes counts for each); the other defective parts
    become "unlabeled". Good parts and the held-out test split are not touched. Returns how
    many were set aside."""
    import random

    from app.ml.project_data import training_rows

    rows = training_rows(project)
    summary = project.masks.defect_summary()
    kept: dict[int, int] = {}
    dropped = []
    for r in random.Random(seed).sample(rows, len(rows)):
        present = summary.get(r.id, (0, ()))[1]
        if not present:
            continue
        if any(kept.get(v, 0) >= keep for v in present):
            dropped.append(r.id)
            continue
        for v in present:
            kept[v] = kept.get(v, 0) + 1
    project.images.set_status(dropped, "unlabeled")
    return len(dropped)


class Budget:
    """Stops training at the last epoch boundary that fits in the budget, and stretches the
    learning-rate schedule (Trainer.lr_at reads config.epochs each epoch) over those epochs."""

    def __init__(self, ctx, config, seconds: float):
        self.ctx, self.config, self.seconds = ctx, config, seconds
        self.t0 = time.monotonic()
        self.epoch_times: list[float] = []
        self.last = self.t0
        # A last resort if one epoch overruns badly: stop mid-epoch (best so far is kept).
        self.watchdog = threading.Timer(seconds * 1.15, ctx.cancel)
        self.watchdog.daemon = True
        self.watchdog.start()

    def __call__(self, event) -> None:
        if event.kind == "start":
            self.t0 = self.last = time.monotonic()
        if event.kind != "epoch":
            return
        now = time.monotonic()
        self.epoch_times.append(now - self.last)
        self.last = now
        times = sorted(self.epoch_times[1:] or self.epoch_times)  # the first one warms up
        typical = times[len(times) // 2]
        left = self.seconds - (now - self.t0)
        fits = max(0, int(left // typical))
        self.config.epochs = max(event.epoch + 1 + fits, 1)
        m = event.metrics or {}
        print(f"  epoch {event.epoch + 1} took {self.epoch_times[-1]:.0f} s (loss "
              f"{m.get('train_loss', float('nan')):.4f}, val mIoU {m.get('miou', float('nan')):.3f}"
              f", soft Dice {m.get('soft_dice', float('nan')):.3f}); "
              f"{left / 60:.1f} min left: {fits} more epoch(s) fit", flush=True)
        if fits == 0:
            self.ctx.cancel()

    def close(self) -> None:
        self.watchdog.cancel()


def evaluate_test(project, row, test_ids: list[int], threads_note: str,
                  min_component: int = 20) -> dict:
    import numpy as np

    from app.core.imageio import load_image
    from app.core.metrics import PartCounts, PixelCounts, largest_component, summarize
    from app.ml.inference import load_model_for_inference, probs_to_index
    from app.ml.preprocess import mask_to_index

    model = load_model_for_inference(project.models.path(row), "cpu")
    values = model.config.class_values
    pixels = PixelCounts(len(values) + 1)
    sweeps = {a: PartCounts() for a in MIN_AREAS}
    per_class_parts: dict[int, list[int]] = {v: [0, 0] for v in values}  # caught, total
    binary = PixelCounts(2)  # background / any defect
    by_component = PartCounts()
    t0 = time.perf_counter()
    for image_id in test_ids:
        image_row = project.images.get(image_id)
        image = load_image(project.images.abspath(image_row))
        truth = mask_to_index(project.masks.load_or_empty(image_id), values)
        pred = probs_to_index(model.predict(image))
        pixels.add(truth, pred)
        binary.add((truth > 0).astype(np.uint8), (pred > 0).astype(np.uint8))
        defective = bool(np.count_nonzero(truth))
        flagged = int(np.count_nonzero(pred))
        for area, parts in sweeps.items():
            parts.add(defective, flagged >= area)
        by_component.add(defective, largest_component(pred > 0) >= min_component)
        for i, v in enumerate(values, start=1):
            if np.any(truth == i):
                per_class_parts[v][1] += 1
                per_class_parts[v][0] += flagged >= 1
    seconds = time.perf_counter() - t0
    out = summarize(pixels, sweeps[1], values)
    out["seconds_per_image"] = seconds / max(len(test_ids), 1)
    out["sweep"] = {a: {"escape_rate": p.escape_rate(), "false_reject_rate": p.false_reject_rate(),
                        "escapes": p.escapes, "false_rejects": p.false_rejects}
                    for a, p in sweeps.items()}
    out["per_class_caught"] = {str(v): c for v, c in per_class_parts.items()}
    out["binary_iou"] = float(binary.iou()[1])
    out["by_component"] = {"min_component_px": min_component,
                           "escapes": by_component.escapes,
                           "false_rejects": by_component.false_rejects,
                           "escape_rate": by_component.escape_rate(),
                           "false_reject_rate": by_component.false_reject_rate()}
    out["threads"] = threads_note
    return out


def pct(x) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def num(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", type=Path, default=DATASET)
    p.add_argument("--minutes", type=float, default=20.0, help="training time budget")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.add_argument("--val-fraction", type=float, default=0.1,
                   help="of the non-test images, validated each epoch (picks the checkpoint)")
    p.add_argument("--test-fraction", type=float, default=0.15, help="held out for the report")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--candidate", default="default",
                   help="a model of bench/candidates.py (default: the app's CPU default)")
    p.add_argument("--min-component", type=int, default=20,
                   help="px of the largest predicted component that flags a part")
    p.add_argument("--tile", type=int, help="override the candidate's tile size")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--max-train", type=int, default=0,
                   help="train/validate on at most this many parts, good ones set aside first "
                        "(0: all); the held-out test split is not touched")
    p.add_argument("--crops", type=int, default=0,
                   help="crops per image per epoch (0: auto); "
                        "1 makes short epochs for short budgets")
    p.add_argument("--per-class-limit", type=int, default=0, metavar="N",
                   help="train/validate on at most N parts per defect class, the others set "
                        "aside (0: all); applied before --max-train")
    p.add_argument("--synthetic", choices=("auto", "on", "off"), default="off",
                   help="synthetic defects pasted on good parts (TrainConfig.synthetic; "
                        "default off, as the figures before it)")
    p.add_argument("--trainer-budget", action="store_true",
                   help="let the Trainer spend --minutes itself (TrainConfig.minutes: the last "
                        "epoch may be partial) instead of stopping at the last epoch boundary "
                        "that fits; runs whose epochs differ in length then get the same time")
    p.add_argument("--loss", help="override TrainConfig's loss (app.ml.losses.LOSSES)")
    p.add_argument("--workdir", type=Path, help="where the project goes (default: a temp dir)")
    p.add_argument("--json", type=Path, help="write the results here too")
    args = p.parse_args()

    if not (args.dataset / "README.md").is_file():
        print(f"bench_quality: skipped: no dataset at {args.dataset}")
        return 0
    os.environ.setdefault("DEFECT_STUDIO_OFFLINE", "1")  # no network here; say so, don't hang
    import torch
    from candidates import candidate_spec

    from app.jobs.context import Canceled, JobContext
    from app.jobs.importing import ImportOptions, import_folder
    from app.jobs.training import epoch_line, train_project
    from app.ml.project_data import default_project_spec
    from app.ml.trainer import TrainConfig
    from app.store import Project

    torch.set_num_threads(args.threads)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-quality-"))
    workdir.mkdir(parents=True, exist_ok=True)
    project = Project.create(workdir / "magnetic-tile.dsproj")
    t = time.perf_counter()
    report = import_folder(project, args.dataset, ImportOptions(class_pattern=r"MT_(\w+)"))
    print(f"imported {len(report.added)} images in {time.perf_counter() - t:.0f} s: "
          f"{report.per_class}, good {report.good}, skipped {len(report.skipped)}, "
          f"to review {len(report.to_review)}")
    for skipped in report.skipped[:3]:
        print(f"  skipped {skipped.path.name}: {skipped.reason}")
    test_ids = hold_out_test(project, args.test_fraction, seed=1234)
    if args.per_class_limit:
        print(f"set aside {limit_per_class(project, args.per_class_limit, seed=args.seed)} "
              f"defective parts (--per-class-limit {args.per_class_limit})")
    if args.max_train:
        print(f"set aside {limit_training(project, args.max_train, seed=args.seed)} good parts "
              f"(--max-train {args.max_train})")
    base = default_project_spec(project, "cpu")
    spec = candidate_spec(args.candidate, base.num_classes, base.in_channels)
    if args.tile:
        spec = spec.replace(tile_size=args.tile)
    config = TrainConfig(epochs=1000, patience=0, device="cpu", seed=args.seed,
                         batch_size=args.batch, crops_per_image=args.crops,
                         synthetic=args.synthetic)
    if args.loss:
        config.loss = args.loss
    print(f"candidate {args.candidate}: spec {spec.to_dict()}\n"
          f"config {'trainer' if args.trainer_budget else 'epochs by'} budget "
          f"({args.minutes:g} min), synthetic "
          f"{config.synthetic}, batch {config.batch_size}, lr {config.lr}, loss {config.loss}; "
          f"torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; held-out test images: {len(test_ids)}", flush=True)

    names = {str(c.value): c.name for c in project.classes.list()}
    ctx = JobContext(log_fn=lambda m: print(m, flush=True))
    budget = None
    if args.trainer_budget:
        config.minutes = args.minutes  # the Trainer's own budget, as the app's --minutes
    else:
        budget = Budget(ctx, config, args.minutes * 60)
    t = time.perf_counter()
    try:
        row = train_project(project, spec, config, ctx, val_fraction=args.val_fraction,
                            on_event=budget)
    except Canceled:
        print("no epoch finished within the budget: nothing to report")
        return 1
    finally:
        if budget is not None:
            budget.close()
    train_s = time.perf_counter() - t
    m = row.metrics
    print(f"\ntrained {m['epochs_done']} epochs in {train_s / 60:.1f} min "
          f"({row.train_images} train / {m['val_images']} val images); best epoch "
          f"{m['best_epoch'] + 1}: {epoch_line(m, names)}", flush=True)

    print(f"predicting {len(test_ids)} held-out test images…", flush=True)
    result = evaluate_test(project, row, test_ids, f"{args.threads} threads",
                           args.min_component)
    caught = result["per_class_caught"]
    print("\n== held-out test split ==")
    print(f"images {result['parts']} ({result['seconds_per_image'] * 1000:.0f} ms each)")
    for v, iou in result["iou"].items():
        hit, total = caught.get(v, (0, 0))
        print(f"  {names.get(v, v):10s} IoU {num(iou)}  Dice {num(result['dice'][v])}  "
              f"defective parts flagged {hit}/{total}")
    print(f"mIoU {num(result['miou'])}   pixel precision {num(result['pixel_precision'])}  "
          f"recall {num(result['pixel_recall'])}")
    comp = result["by_component"]
    print(f"binary defect IoU {num(result['binary_iou'])}   parts with a predicted component "
          f">= {comp['min_component_px']} px: {comp['escapes']} escapes "
          f"({pct(comp['escape_rate'])}), {comp['false_rejects']} false rejects "
          f"({pct(comp['false_reject_rate'])})")
    for area, s in result["sweep"].items():
        print(f"parts flagged at >= {area:3d} px: escape rate {pct(s['escape_rate'])} "
              f"({s['escapes']} escapes), false-reject rate {pct(s['false_reject_rate'])} "
              f"({s['false_rejects']} false rejects)")
    print(f"\n(validation split at the best epoch: mIoU {num(m.get('miou'))}, escapes "
          f"{m.get('escapes')}, false-reject rate {pct(m.get('false_reject_rate'))})")
    if args.json:
        args.json.write_text(json.dumps({"train": m, "test": result,
                                         "train_minutes": train_s / 60,
                                         "test_ids": test_ids, "class_names": names},
                                        indent=1, default=str))
    project.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
