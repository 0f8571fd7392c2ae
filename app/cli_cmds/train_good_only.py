"""``defect-studio train PROJECT --kind good-only``: a good-parts-only model (app.jobs.
anomaly_training) from the project's good parts; it becomes the active model, and unless
--no-predict it predicts every image it has not predicted yet.

Exit status: 0 trained, 1 error, 130 interrupted with Ctrl-C (nothing registered).
"""

from __future__ import annotations

import argparse

from .command import Command


def run(args: argparse.Namespace) -> int:
    from app.jobs.anomaly_training import GoodOnlyConfig, train_good_only

    with Command("train", errors=(ValueError,), crashed="training failed",
                 interrupted="Interrupted: no model registered.") as cmd:
        config = GoodOnlyConfig(false_reject_rate=args.false_reject_rate)
        project = cmd.open(args.project)
        ctx = cmd.job(log_fn=lambda text: print(f"\r{text}", flush=True))
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        row = train_good_only(project, ctx, config)
        lines = [f"Model {row.id} registered: {row.name} (good parts only, now active)",
                 f"  {row.metrics['train_images']} good parts learned, "
                 f"{row.metrics['calibration_images']} held out: map 0.5 flags "
                 f"{config.false_reject_rate:.1%} of good parts"]
        if not args.no_predict:
            from app.jobs.prediction import predict_images

            todo = [r.id for r in project.images.list()
                    if r.id not in project.models.predicted_image_ids(row.id)]
            report = predict_images(project, row.id, todo, ctx)
            lines.append(f"  predicted {len(report.predicted)} image(s) with model {row.id}")
        cmd.end_progress()
        print("\n".join(lines))
        return 0
    return cmd.status
