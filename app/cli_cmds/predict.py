"""``defect-studio predict PROJECT``: pre-label images with a trained model (stored in the project).

Exit status: 0 done (unreadable images are listed, not fatal), 1 error, 130 interrupted with
Ctrl-C (the predictions made so far are kept).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .command import Command, CommandError, add_project_arg
from .numbers import int_at_least


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "predict", help="pre-label images with a trained model",
        description="Run a trained model over images of PROJECT and store its probability maps "
                    "as pre-labels (shown in the Label workspace).")
    add_project_arg(p)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--images", nargs="+", metavar="ID|PATH",
                       help="image ids or paths of images in the project "
                            "(default: all unlabeled)")
    which.add_argument("--all", action="store_true",
                       help="every image, the labeled ones too (what `grade`'s what-if and "
                            "the Grade workspace compare with their labels)")
    p.add_argument("--model", type=int_at_least(1), metavar="ID",
                   help="model id (default: the active model, else the newest)")
    p.add_argument("--device", default="auto", metavar="DEV",
                   help="auto (default), cpu, cuda, cuda:N or mps")
    p.add_argument("--threads", type=int_at_least(1), metavar="N", help="CPU threads for torch")
    return p


def run(args: argparse.Namespace) -> int:
    from app.jobs.prediction import (
        default_model_id,
        no_model_reason,
        predict_images,
        unlabeled_image_ids,
    )

    with Command("predict", errors=(ValueError,), crashed="prediction failed",
                 interrupted="Interrupted: the predictions made so far are kept.") as cmd:
        project = cmd.open(args.project)
        ctx = cmd.job()
        model_id = args.model if args.model is not None else default_model_id(project)
        if model_id is None:
            raise CommandError(no_model_reason(project))
        try:
            row = project.models.get(model_id)
        except KeyError:
            known = ", ".join(str(m.id) for m in project.models.list()) or "none"
            raise CommandError(f"no model {model_id} in this project (models: {known})") from None
        if args.all:
            ids = [r.id for r in project.images.list()]
        else:
            ids = (resolve_images(project, args.images) if args.images
                   else unlabeled_image_ids(project))
        if not ids:
            print("No images to predict (no unlabeled images; name some with --images).")
            return 0
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        report = predict_images(project, model_id, ids, ctx,
                                device=None if args.device == "auto" else args.device)
        cmd.end_progress()
        print("\n".join(summary(project, row, report)))
        return 0
    return cmd.status


def resolve_images(project, refs: list[str]) -> list[int]:
    """Image ids from ids or paths (absolute, relative to here, or relative to the project)."""
    ids = []
    for ref in refs:
        if ref.isdigit():
            try:
                ids.append(project.images.get(int(ref)).id)
                continue
            except KeyError:
                if not Path(ref).exists():
                    raise ValueError(f"no image with id {ref} in this project") from None
        row = project.images.by_rel_path(project.images.rel(ref))
        if row is None:
            row = project.images.by_rel_path(Path(ref).as_posix())
        if row is None:
            raise ValueError(f"{ref} is not an image of this project (import it first)")
        ids.append(row.id)
    return ids


def summary(project, row, report) -> list[str]:
    """A line per image: per class, the peak probability and the pixels at >= 50 %."""
    names = {str(k): v for k, v in row.metrics.get("classes", {}).items()}
    lines = [f"Predicted {len(report.predicted)} image(s) with model {row.id} ({row.name}) "
             f"in {report.seconds:.1f} s"]
    for image_id in report.predicted:
        probs, values = project.models.load_prediction(image_id, row.id)
        cells = []
        for ch, value in zip(probs, values, strict=True):
            cells.append(f"{names.get(str(value), value)} max {ch.max() / 255:.2f} "
                         f"({int((ch >= 128).sum())} px)")
        lines.append(f"  {image_id:>5}  {project.images.get(image_id).name}: {', '.join(cells)}")
    if report.failed:
        lines.append(f"Skipped {len(report.failed)} image(s):")
        lines += [f"  {image_id:>5}  {reason}" for image_id, reason in report.failed]
    return lines
