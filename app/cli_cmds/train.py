"""``defect-studio train PROJECT``: train on the project's labeled images, register the model.

Then, unless --no-predict, the active model predicts every image it has not predicted yet, so
`grade` and the Grade workspace's what-if have predictions of the labeled set and the Label
workspace has pre-labels (app.jobs.after_training).

Exit status: 0 trained, 1 error, 130 interrupted with Ctrl-C (the best model so far is still
registered when an epoch had finished, and `--resume` continues the run; nothing is predicted).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.core.statuses import CANCELED

from .command import Command, CommandError, add_project_arg
from .numbers import float_above, int_at_least

EPILOG = """\
the model: the default for the device (on CPU a slim U-Net on a frozen ImageNet
EfficientNet-Lite0 encoder, weights bundled, at 192 px tiles; U-Net/ResNet-34 at 512 px on
CUDA), changed by --arch/--encoder/--tile (another encoder trains whole), or given whole with
--spec as JSON text or a .json file, e.g. --spec '{"architecture": "FPN", "encoder":
"mobilenet_v2", "tile_size": 384}' (missing keys keep the default). Images with status
"labeled" train; the train/val split is stratified by class and stored in the project.

how long: --epochs N (default 50), or --minutes M: train for M minutes (fractions allowed), the
learning rate decaying over the budget; the last epoch is still validated so the best model is
kept. Before a budgeted run starts it says what the budget buys (from the last such run's
measured speed, else from a few training steps timed on the spot).

which model becomes active: the new one only when it beats the active model on the validation
images; a model that finds nothing is kept as "not useful yet" and not used unless chosen.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train", help="train a segmentation model on a project's labeled images",
        description="Train a model on PROJECT's labeled images, validate it on the held-out "
                    "split and register it in the project.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_project_arg(p)
    p.add_argument("--kind", choices=("segmentation", "good-only"), default="segmentation",
                   help="segmentation (default): learns the labeled defects; good-only: learns "
                        "the good parts alone and flags what differs (no defect labels needed)")
    p.add_argument("--false-reject-rate", type=float_above(0), default=0.01, metavar="X",
                   help="good-only: share of good parts its threshold may flag (default 0.01)")
    p.add_argument("--spec", metavar="JSON", help="model spec as JSON text or a .json file")
    p.add_argument("--arch", metavar="NAME", help="architecture (Unet, FPN, ...)")
    p.add_argument("--encoder", metavar="NAME", help="encoder (resnet18, mobilenet_v2, ...)")
    p.add_argument("--tile", type=int_at_least(32), metavar="PX",
                   help="training tile size (multiple of 32)")
    how_long = p.add_mutually_exclusive_group()
    how_long.add_argument("--epochs", type=int_at_least(1), metavar="N",
                          help="epochs (default 50)")
    how_long.add_argument("--minutes", type=float_above(0), metavar="M",
                          help="train for M minutes instead of a number of epochs (e.g. 10, 0.5)")
    p.add_argument("--batch", type=int_at_least(1), metavar="N", help="batch size (default 8)")
    p.add_argument("--lr", type=float_above(0), metavar="X", help="learning rate (default 0.001)")
    p.add_argument("--patience", type=int_at_least(0), metavar="N",
                   help="stop after N epochs without a better val score (0: never; default 10)")
    p.add_argument("--device", default="auto", metavar="DEV",
                   help="auto (default), cpu, cuda, cuda:N or mps")
    p.add_argument("--threads", type=int_at_least(1), metavar="N", help="CPU threads for torch")
    p.add_argument("--synthetic", choices=("auto", "on", "off"),
                   help="defects pasted on good parts as extra training examples: auto "
                        "(default: as measured, today none: on magnetic-tile they did not help; "
                        "docs/FIGURES.md), on or off")
    p.add_argument("--synthetic-zone", metavar="NAME",
                   help="paste synthetic defects only inside this zone of a recipe (ZONE, or "
                        "RECIPE:ZONE when several recipes have it); default: anywhere on the part")
    p.add_argument("--no-pretrained", action="store_true",
                   help="start from random weights instead of ImageNet")
    p.add_argument("--resume", action="store_true",
                   help="continue the last stopped run (same model; --epochs may extend it)")
    p.add_argument("--no-predict", action="store_true",
                   help="do not predict the images afterwards (default: the active model "
                        "predicts every image, for grading and pre-labels)")
    return p


def run(args: argparse.Namespace) -> int:
    if getattr(args, "kind", "segmentation") == "good-only":
        from .train_good_only import run as run_good_only

        return run_good_only(args)
    from app.jobs.after_training import train_then_predict
    from app.jobs.training import config_from_dict, find_resumable
    from app.ml.project_data import DataError

    with Command("train", errors=(DataError, ValueError), crashed="training failed",
                 interrupted="Interrupted before the first epoch finished: no model "
                             "registered (--resume continues).") as cmd:
        project = cmd.open(args.project)
        printer = _EpochPrinter()
        ctx = cmd.job(log_fn=printer.log)
        printer.bar = cmd.bar
        import torch

        from app.ml.device import pick_device
        from app.ml.trainer import TrainConfig, TrainingError

        cmd.errors += (TrainingError,)
        if args.threads:
            torch.set_num_threads(args.threads)
        device = pick_device(args.device)
        if args.resume:
            run_info = find_resumable(project)
            if run_info is None:
                raise CommandError("nothing to resume: no stopped training run in this project")
            if args.spec or args.arch or args.encoder or args.tile:
                raise CommandError("--resume continues the run's own model; drop the model "
                                   "options")
            spec, config = None, config_from_dict(run_info.config)
            print(f"Resuming {run_info.name} after epoch {run_info.epochs_done}")
        else:
            spec, config = _spec(project, args, device.kind), TrainConfig()
        config = _config(config, args, str(device.device))
        if config.minutes:
            print(f"Budget: {_what_it_buys(project, spec or run_info.spec, config, device)}",
                  flush=True)
        outcome = train_then_predict(project, spec, config, ctx, resume=args.resume,
                                     predict=not args.no_predict, after_stop=False,
                                     device=config.device)
        cmd.end_progress()
        row = outcome.model
        print("\n".join(summary(row) + predictions_summary(outcome)))
        return 130 if row.metrics.get("status") == CANCELED else 0
    return cmd.status


def _spec(project, args, device_kind: str):
    from app.ml.project_data import default_project_spec
    from app.ml.registry import validate_spec
    from app.ml.spec import ModelSpec

    spec = default_project_spec(project, device_kind)
    changes = {}
    if args.spec:
        changes.update(_json(args.spec))
    for key, value in (("architecture", args.arch), ("encoder", args.encoder),
                       ("tile_size", args.tile)):
        if value is not None:
            changes[key] = value
    if args.no_pretrained:
        changes["encoder_weights"] = None
    if ("architecture" in changes or "encoder" in changes) and "decoder_channels" not in changes:
        changes["decoder_channels"] = None  # the default's slim decoder fits its own model only
    if "encoder" in changes and "freeze_encoder" not in changes:
        # ... and so does its frozen encoder (pretrained weights; others may start random)
        changes.update(freeze_encoder=False, unfrozen_stages=0)
    unknown = sorted(set(changes) - set(ModelSpec.__dataclass_fields__))
    if unknown:
        raise ValueError(f"unknown spec key(s) {', '.join(unknown)}; valid: "
                         f"{', '.join(ModelSpec.__dataclass_fields__)}")
    spec = ModelSpec.from_dict({**spec.to_dict(), **changes})
    validate_spec(spec)
    return spec


def _json(text: str) -> dict:
    source = text
    if not text.lstrip().startswith("{"):
        try:
            source = Path(text).read_text(encoding="utf-8")
        except OSError as e:
            raise ValueError(f"--spec is neither JSON text nor a readable file: {e}") from None
    try:
        doc = json.loads(source)
    except json.JSONDecodeError as e:
        raise ValueError(f"--spec is not valid JSON: {e}") from None
    except RecursionError:
        raise ValueError("--spec is nested too deeply to be a model spec") from None
    if not isinstance(doc, dict):
        raise ValueError("--spec must be a JSON object")
    return doc.get("spec", doc)  # a checkpoint's config.json works too


def _config(config, args, device: str):
    import dataclasses

    changes = {"device": device}
    for key, value in (("epochs", args.epochs), ("batch_size", args.batch), ("lr", args.lr),
                       ("patience", args.patience), ("minutes", args.minutes),
                       ("synthetic", args.synthetic),
                       ("synthetic_zone", args.synthetic_zone)):
        if value is not None:
            changes[key] = value
    if args.epochs is not None:
        changes["minutes"] = 0.0  # epochs given: not a budgeted run (even when resuming one)
    return dataclasses.replace(config, **changes)


def _what_it_buys(project, spec, config, device) -> str:
    from app.jobs.budget import budget_text, measure_speed, stored_speed

    speed = stored_speed(project, spec, device.kind)
    if speed is None:
        speed = measure_speed(spec, config.batch_size, str(device.device))
    return budget_text(speed, config.minutes, spec.tile_size)


class _EpochPrinter:
    """Log lines (one per epoch) go to stdout, after clearing the progress bar's line."""

    def __init__(self, bar=None):
        self.bar = bar

    def log(self, text: str) -> None:
        if self.bar is not None and self.bar.tty:
            self.bar.stream.write("\r\x1b[K")
            self.bar.stream.flush()
        print(text, flush=True)


def summary(row) -> list[str]:
    """What the user wants to know about a freshly registered model."""
    m = row.metrics
    names = m.get("classes", {})
    status = {"completed": "finished", "early_stopped": "stopped early (no better val score)",
              CANCELED: "interrupted"}.get(m.get("status"), m.get("status", ""))
    planned = (f"budget {m['budget_minutes']:g} min, {m.get('run_seconds', 0):.0f} s used"
               if m.get("budget_minutes") else f"planned {m.get('epochs_planned')}")
    lines = [f"Model {row.id} registered: {row.name}",
             f"  {status}; best epoch {(m.get('best_epoch') or 0) + 1} of "
             f"{m.get('epochs_done')} ({planned}); "
             f"{row.train_images} train / {m.get('val_images', 0)} val images"]
    if m.get("miou") is not None:
        per = ", ".join(f"{names.get(k, k)} {_num(v)}" for k, v in m.get("iou", {}).items())
        recall = m.get("detection_recall")
        lines.append(f"  val mIoU {_num(m['miou'])}  per class IoU: {per}")
        lines.append(f"  parts: escapes {m.get('escapes', 0)} of {m.get('parts', 0)} "
                     f"(escape rate {_pct(None if recall is None else 1 - recall)}), "
                     f"false-reject rate {_pct(m.get('false_reject_rate'))}")
    else:
        lines.append("  no validation images: metrics are unavailable")
    verdict = row.verdict
    if verdict.useful is False:
        lines.append(f"  {verdict.text}")
    return lines


def predictions_summary(outcome) -> list[str]:
    """What was predicted after training, or why not (nothing with --no-predict)."""
    report = outcome.predictions
    if report is None:
        return [f"  {outcome.note}"] if outcome.note else []
    line = (f"  predicted {len(report.predicted)} image(s) with model {report.model_id} "
            f"in {report.seconds:.1f} s, for grading and pre-labels")
    if outcome.note:
        line = f"  {outcome.note}"
    elif not report.predicted and not report.failed:
        line = f"  every image already has a prediction of model {report.model_id}"
    lines = [line]
    lines += [f"  image {image_id} not predicted: {reason}" for image_id, reason in report.failed]
    return lines


def _num(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def _pct(x) -> str:
    return "–" if x is None else f"{x:.1%}"
