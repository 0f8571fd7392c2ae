"""``defect-studio train PROJECT --kind good-only``: a good-parts-only model (app.jobs.
anomaly_training) from the project's good parts; it becomes the active model, and unless
--no-predict it predicts every image it has not predicted yet (app.jobs.after_training).

Exit status: 0 trained, 1 error, 130 interrupted with Ctrl-C (nothing registered).
"""

from __future__ import annotations

import argparse
import signal
import sys


def run(args: argparse.Namespace) -> int:
    from app.jobs.anomaly_training import GoodOnlyConfig, train_good_only
    from app.jobs.context import Canceled, JobContext
    from app.store import Project, ProjectError

    from .progress import TextProgress, cancel_on_ctrl_c

    try:
        config = GoodOnlyConfig(false_reject_rate=args.false_reject_rate)
        project = Project.open(args.project)
    except (ProjectError, OSError, ValueError) as e:
        return _fail(str(e))
    bar = TextProgress()
    ctx = JobContext(progress_fn=bar, log_fn=lambda text: print(f"\r{text}", flush=True))
    previous = cancel_on_ctrl_c(ctx)
    try:
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
    except Canceled:
        bar.close()
        print("Interrupted: no model registered.", file=sys.stderr)
        return 130
    except ValueError as e:
        bar.close()
        return _fail(str(e))
    except Exception as e:  # noqa: BLE001 - a clear line instead of a traceback
        bar.close()
        return _fail(f"training failed: {type(e).__name__}: {e}")
    finally:
        signal.signal(signal.SIGINT, previous)
        project.close()
    bar.close()
    print("\n".join(lines))
    return 0


def _fail(message: str) -> int:
    print(f"defect-studio train: error: {message}", file=sys.stderr)
    return 1
