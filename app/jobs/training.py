"""Train a segmentation model on a project's labels and register it.

    row = train_project(project, spec, TrainConfig(epochs=30), ctx, on_event=print)

Layout beside the project (`project.models.folder`, i.e. `<project>.models/`):
    runs/<stamp>-<arch>-<encoder>/   the Trainer's work folder: best/, last/ (resume state) and
                                     run.json (spec, config, status). Removed once the run has
                                     finished; kept while it can be resumed (stopped or crashed).
    <stamp>-<arch>-<encoder>/        the registered checkpoint (config.json + weights), a copy of
                                     the run's best: registered models never change afterwards,
                                     even when their run is resumed.

Stopping (ctx.cancel()) ends training within a batch; the best checkpoint so far is registered
and returned (its metrics say "status": "canceled"), and the run stays resumable. Stopping
before the first epoch finished raises Canceled. A model earns its place: it becomes the active
model only when it beats the active one on the validation split (app.core.model_quality); a
model that finds nothing is stored as "not useful yet" with the reason and what to do, and
the run's last log line says which. Registration writes the audit entry (app.store).

torch is imported when training starts, not when this module is imported.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.core.model_quality import VERDICT_KEY, assess
from app.core.statuses import CANCELED, normalize_status
from app.ml.project_data import ProjectData, build_project_data, default_project_spec
from app.ml.spec import ModelSpec
from app.store.errors import ReadOnlyError

from .context import Canceled, JobContext

RUNS = "runs"
RUN_FILE = "run.json"
RESUMABLE = ("running", CANCELED, "failed")


@dataclass(frozen=True)
class TrainEvent:
    """What the curves and logs of a front end need, as plain data (safe across threads).

    kind: "start" (total_steps, epochs, text = device), "step" (step, loss), "epoch" (epoch,
    metrics), "checkpoint" (text = path), "message" (text), "done" (metrics of the model kept).
    """

    kind: str
    step: int = 0
    total_steps: int = 0
    epoch: int | None = None
    epochs: int = 0
    loss: float | None = None
    metrics: dict[str, Any] | None = None
    text: str = ""
    eta_s: float | None = None


EventFn = Callable[[TrainEvent], None]


@dataclass(frozen=True)
class RunInfo:
    """A run folder that can be resumed."""

    folder: Path
    name: str
    spec: ModelSpec
    config: dict[str, Any]  # TrainConfig as a dict
    status: str
    epochs_done: int


def format_eta(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "ETA …"
    s = int(round(seconds))
    if s < 60:
        return f"ETA {s} s"
    if s < 3600:
        return f"ETA {s // 60} min {s % 60:02d} s"
    return f"ETA {s // 3600} h {s % 3600 // 60:02d} min"


# -- run folders ---------------------------------------------------------------------------

def runs_folder(project) -> Path:
    return project.models.folder / RUNS


def _read_run(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_run(folder: Path, doc: dict[str, Any]) -> None:
    tmp = folder / (RUN_FILE + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    os.replace(tmp, folder / RUN_FILE)


def find_resumable(project) -> RunInfo | None:
    """The newest run that stopped before its end and has resume state; no torch needed."""
    root = runs_folder(project)
    if not root.is_dir():
        return None
    for folder in sorted((p for p in root.iterdir() if p.is_dir()), reverse=True):
        doc = _read_run(folder)
        last = folder / "last"
        status = normalize_status(doc.get("status")) if doc is not None else None
        if (doc is None or status not in RESUMABLE
                or not (last / "train_state.json").is_file()):
            continue
        try:
            meta = json.loads((last / "train_state.json").read_text(encoding="utf-8"))["meta"]
            spec = ModelSpec.from_dict(doc["spec"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        return RunInfo(folder, folder.name, spec, doc.get("config", {}), status,
                       int(meta.get("epoch", 0)))
    return None


def _new_name(project, spec: ModelSpec) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{spec.architecture}-{spec.encoder}".lower()
    return project.models.free_name(base, lambda name: (runs_folder(project) / name).exists())


def config_to_dict(config) -> dict[str, Any]:
    return dataclasses.asdict(config)


def config_from_dict(d: dict[str, Any]):
    from app.ml.augment import AugmentConfig
    from app.ml.trainer import TrainConfig

    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    known = {k: v for k, v in d.items() if k in fields}
    if isinstance(known.get("augment"), dict):
        known["augment"] = AugmentConfig(**known["augment"])
    return TrainConfig(**known)


# -- callbacks -----------------------------------------------------------------------------

class _Forward:
    """Trainer callbacks -> ctx (progress with ETA, log) and the structured event hook."""

    def __init__(self, ctx: JobContext, on_event: EventFn | None, epochs: int,
                 steps_per_epoch: int, classes, budget_s: float = 0.0):
        """budget_s > 0: a time budget; progress then counts seconds (of `elapsed`, the
        trainer's clock) instead of steps, and epochs are not numbered out of a total."""
        self.ctx, self.on_event = ctx, on_event or (lambda e: None)
        self.budget_s = budget_s
        self.epochs, self.spe = (0 if budget_s else epochs), max(1, steps_per_epoch)
        self.total = int(round(budget_s)) if budget_s else epochs * self.spe
        self.names = {str(c.value): c.name for c in classes}
        self.elapsed: Callable[[], float] | None = None
        self.t0: float | None = None
        self.step0 = 0
        self.step = 0

    def eta(self) -> float | None:
        if self.budget_s and self.elapsed is not None:
            return max(self.budget_s - self.elapsed(), 0.0)
        if self.t0 is None or self.step <= self.step0:
            return None
        rate = (time.monotonic() - self.t0) / (self.step - self.step0)
        return max(self.total - self.step, 0) * rate

    def done(self) -> int:
        if self.budget_s and self.elapsed is not None:
            return min(int(self.elapsed()), self.total)
        return min(self.step, self.total)

    def _epoch_name(self, epoch: int) -> str:
        return f"Epoch {epoch + 1}" + (f"/{self.epochs}" if self.epochs else "")

    def on_step(self, step: int, loss: float) -> None:
        if self.t0 is None:  # time from the first step: setup and warm-up are not typical
            self.t0, self.step0 = time.monotonic(), step - 1
        self.step = step
        epoch = (step - 1) // self.spe
        if self.epochs:
            epoch = min(epoch, self.epochs - 1)
        eta = self.eta()
        left = format_eta(eta).replace("ETA", "left") if self.budget_s else format_eta(eta)
        text = f"{self._epoch_name(epoch)} · loss {loss:.4f} · {left}"
        if step % self.spe == 0:
            text = f"{self._epoch_name(epoch)}: validating · {left}"
        self.ctx.progress(self.done(), self.total, text)
        self.on_event(TrainEvent("step", step, self.total, epoch, self.epochs, loss, eta_s=eta))

    def on_epoch(self, epoch: int, metrics: dict[str, Any]) -> None:
        self.ctx.log(f"{self._epoch_name(epoch)}: {epoch_line(metrics, self.names)}")
        self.on_event(TrainEvent("epoch", self.step, self.total, epoch, self.epochs,
                                 metrics.get("train_loss"), dict(metrics), eta_s=self.eta()))

    def on_checkpoint(self, path: Path) -> None:
        self.on_event(TrainEvent("checkpoint", self.step, self.total, text=str(path)))

    def on_message(self, text: str) -> None:
        self.ctx.log(text)
        self.on_event(TrainEvent("message", self.step, self.total, text=text))


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.1%}"


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def epoch_line(metrics: dict[str, Any], names: dict[str, str]) -> str:
    """One line: loss, mIoU, per-class IoU, escapes and false rejects, seconds."""
    parts = [f"loss {metrics.get('train_loss', float('nan')):.4f}"]
    if "miou" in metrics:
        per = ", ".join(f"{names.get(k, k)} {_num(v)}" for k, v in metrics.get("iou", {}).items())
        parts.append(f"val mIoU {_num(metrics['miou'])} ({per})")
        recall = metrics.get("detection_recall")
        escape_rate = None if recall is None else 1 - recall
        parts.append(f"escapes {metrics.get('escapes', 0)} ({_pct(escape_rate)})")
        parts.append(f"false rejects {_pct(metrics.get('false_reject_rate'))}")
    if "seconds" in metrics:
        parts.append(f"{metrics['seconds']:.1f} s")
    return " · ".join(parts)


# -- the job -------------------------------------------------------------------------------

def train_project(project, spec: ModelSpec | None, config=None, ctx: JobContext | None = None,
                  resume: bool = False, *, on_event: EventFn | None = None,
                  val_fraction: float = 0.2):
    """Train on the project's labeled images; returns the registered ModelRow.

    spec None: the default spec for the device (or, with resume, the run's spec). The spec's
    num_classes is set from the project's classes. config None: TrainConfig() (or the run's).
    Raises app.ml.project_data.DataError (nothing to train on), TrainingError, Canceled.
    """
    from app.ml.synthetic_training import synthetic_count
    from app.ml.trainer import TrainConfig, Trainer, crops_per_image, steps_per_epoch

    ctx = ctx or JobContext()
    if project.readonly:
        raise ReadOnlyError("the project is open read-only; open it for writing to train")
    ctx.progress(0, 0, "Preparing the training data")
    run: RunInfo | None = None
    if resume:
        run = find_resumable(project)
        if run is None:
            from app.ml.trainer import TrainingError

            raise TrainingError("Nothing to resume: no stopped training run in this project")
        if spec is not None and spec.replace(num_classes=run.spec.num_classes) != run.spec:
            from app.ml.trainer import TrainingError

            raise TrainingError(f"Cannot resume {run.name} with another model: it trains "
                                f"{run.spec.architecture}/{run.spec.encoder}")
        spec = run.spec
        config = config or config_from_dict(run.config)
    config = config or TrainConfig()
    from app.jobs.synthetic_zones import synthetic_region

    region = synthetic_region(project, config.synthetic_zone)  # an unknown zone stops here
    data = build_project_data(project, val_fraction, config.seed)
    if spec is None:
        spec = default_project_spec(project, config.device or _auto_device())
    if spec.num_classes != data.num_classes:
        spec = spec.replace(num_classes=data.num_classes)
    for note in data.notes:
        ctx.log(note)
    ctx.log(f"Training on {len(data.train)} images ({data.good_train} of them good parts), "
            f"validating on {len(data.val)}")
    ctx.check()

    name = run.name if run else _new_name(project, spec)
    folder = run.folder if run else runs_folder(project) / name
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"name": name, "spec": spec.to_dict(), "config": config_to_dict(config),
           "status": "running", "started": datetime.now().isoformat(timespec="seconds"),
           "fingerprint": data.fingerprint, "train_ids": data.train_ids, "val_ids": data.val_ids}
    _write_run(folder, doc)

    crops = crops_per_image(config, data.train, spec.tile_size)
    synthetic = synthetic_count(data.train, data.class_values, config.synthetic)
    steps = steps_per_epoch((len(data.train) + synthetic) * crops, config.batch_size)
    budget_s = max(0.0, float(config.minutes or 0.0)) * 60
    forward = _Forward(ctx, on_event, config.epochs, steps, data.classes, budget_s)
    trainer = Trainer(spec, data.classes, data.train, data.val, folder, config,
                      callbacks=[forward], cancel=ctx.cancel_event,
                      data_fingerprint=data.fingerprint, synthetic_region=region)
    forward.elapsed = trainer.elapsed
    if on_event:
        on_event(TrainEvent("start", forward.step, forward.total, None, forward.epochs,
                            text=f"{spec.architecture}/{spec.encoder}"))
    try:
        result = trainer.fit(resume=resume)
    except BaseException:
        _write_run(folder, {**doc, "status": "failed"})
        raise
    _write_run(folder, {**doc, "status": result.status, "epochs_done": result.epochs_done,
                        "history": result.history})
    if result.best_dir is None:
        if not (folder / "last" / "train_state.json").is_file():
            shutil.rmtree(folder, ignore_errors=True)  # nothing to resume from either
        if result.status == CANCELED:
            raise Canceled()
        from app.ml.trainer import TrainingError

        if result.time_up:
            raise TrainingError(f"The time budget ({config.minutes:g} min) ran out before a "
                                "first epoch was trained and validated: give it more minutes")
        raise TrainingError("Training ended without a model (no epoch finished)")
    row = _register(project, name if not run else _new_name(project, spec), result, data, config,
                    reuse=run is not None)
    if result.status != CANCELED:
        shutil.rmtree(folder, ignore_errors=True)  # nothing left to resume
    ctx.log(promote(project, row))
    ctx.progress(forward.total, forward.total, f"Model {row.name} registered")
    if on_event:
        on_event(TrainEvent("done", forward.step, forward.total, result.best_epoch,
                            forward.epochs, metrics=dict(row.metrics), text=row.name))
    return row


def promote(project, row) -> str:
    """Make `row` the active model when it beats the active one on validation (a person's
    choice is beaten the same way); returns the sentence that says what happened and why."""
    from app.core.model_quality import is_better

    if project.models.active_id() == row.id and \
            project.settings.get("active_model_id") == row.id:  # a resumed run's same model
        return f"Model {row.id} stays the active model"
    # The model in use before this one (the newest useful one stands in when none is set).
    active = next((m for m in project.models.ranked() if m.id != row.id), None)
    verdict = row.verdict
    if verdict.useful is False:
        return (f"Model {row.id} is {verdict.text}. It is kept but not made active: it will not "
                "pre-label or inspect unless you make it active")
    if not is_better(row.metrics, active.metrics if active else None):
        why = (f"its validation mIoU {_num(row.metrics.get('miou'))} does not beat "
               f"{_num(active.metrics.get('miou'))} of model {active.id}, the active one"  # type: ignore[union-attr]  # is_better is False only against an active model
               if row.metrics.get("miou") is not None else "no validation images to compare on")
        return (f"Model {row.id} is kept but not made active: {why}. Make it active in the "
                "models list to use it anyway")
    project.models.set_active(row.id, chosen=False)
    if active is None:
        how = (f"validation mIoU {_num(row.metrics.get('miou'))}" if verdict.useful
               else verdict.reason)
        return f"Model {row.id} is now the active model ({how})"
    return (f"Model {row.id} is now the active model: its validation mIoU "
            f"{_num(row.metrics.get('miou'))} beats {_num(active.metrics.get('miou'))} of "
            f"model {active.id}")


def _auto_device() -> str:
    from app.ml.device import pick_device

    return pick_device(None).kind


def _register(project, name: str, result, data: ProjectData, config, reuse: bool):
    """Registers a copy of the run's best; `reuse`: return the model already registered with
    the same weights (a resumed run that found nothing better than its stopped self)."""
    from app.ml.checkpoint import copy_checkpoint, read_config

    if reuse:
        sha = read_config(result.best_dir).weights_sha256
        for row in project.models.list():
            if sha and row.weights_sha256 == sha:
                return row
    dst = project.models.folder / name
    copy_checkpoint(result.best_dir, dst)
    ckpt = read_config(dst)
    metrics = dict(ckpt.metrics)
    metrics.update(status=result.status, best_epoch=result.best_epoch,
                   epochs_done=result.epochs_done,
                   epochs_planned=None if config.minutes else config.epochs,
                   budget_minutes=config.minutes or None, time_up=result.time_up,
                   crops_trained=result.crops_trained, run_seconds=result.seconds,
                   crops_per_s=result.crops_per_s, device=result.device,
                   train_images=len(data.train), val_images=len(data.val),
                   good_train_images=data.good_train,
                   classes={str(c.value): c.name for c in data.classes})
    metrics[VERDICT_KEY] = assess(metrics).to_dict()
    return project.models.register(name, dst, ckpt.to_dict(), metrics, ckpt.weights_sha256,
                                   len(data.train))
