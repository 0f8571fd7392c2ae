"""Train a good-parts-only model (app.ml.anomaly_model) on a project's good parts, register it.

    row = train_good_only(project, ctx, GoodOnlyConfig(false_reject_rate=0.01))

Good parts are the images marked good (labeled, no defect) outside the test split. A share of
them (`calibration_fraction`, at least one) is held out of the memory and sets the threshold
that flags the chosen false-reject rate of good parts. The model's one channel is the project
class "anomaly", created here when the project has none (grading needs a class value: the
recipe's threshold, rules and zones then apply to anomaly components like any class's).
The new model becomes active when `activate` (a person chose to train it), as a chosen model.

torch is imported when training starts, not when this module is imported.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass

import numpy as np

from app.core.imageio import load_image

from .context import JobContext

ANOMALY_CLASS = "anomaly"
ANOMALY_COLOR = "#ff00ff"


class NotEnoughGoodParts(ValueError):
    """Fewer than two good parts: says what to mark."""


@dataclass(frozen=True)
class GoodOnlyConfig:
    false_reject_rate: float = 0.01
    calibration_fraction: float = 0.2
    max_images: int | None = None  # good parts used at most (training + calibration)
    memory_size: int | None = None  # None: app.ml.anomaly_model.MEMORY_SIZE
    seed: int = 0
    activate: bool = True

    def __post_init__(self) -> None:
        if not 0.0 < self.false_reject_rate < 1.0:
            raise ValueError(
                f"false-reject rate must be between 0 and 1, got {self.false_reject_rate}")
        if not 0.0 < self.calibration_fraction < 1.0:
            raise ValueError("calibration fraction must be between 0 and 1, got "
                             f"{self.calibration_fraction}")


def anomaly_class(project):
    """The project's "anomaly" class row, added when missing."""
    for c in project.classes.list():
        if c.name.lower() == ANOMALY_CLASS:
            return c
    return project.classes.add(ANOMALY_CLASS, color=ANOMALY_COLOR)


def split_good(project, config: GoodOnlyConfig):
    """(training rows, calibration rows) of the good parts, shuffled by seed."""
    rows = [r for r in project.images.list(is_good=True) if r.split != "test"]
    if len(rows) < 2:
        raise NotEnoughGoodParts(
            f"a good-parts-only model needs at least 2 good parts (labeled, no defect, not in "
            f"the test split); this project has {len(rows)}: mark good parts in the Label "
            "workspace")
    order = np.random.default_rng(config.seed).permutation(len(rows))
    rows = [rows[i] for i in order][: config.max_images or None]
    n_cal = min(max(1, round(len(rows) * config.calibration_fraction)), len(rows) - 1)
    return rows[n_cal:], rows[:n_cal]


def train_good_only(project, ctx: JobContext | None = None,
                    config: GoodOnlyConfig | None = None, name: str | None = None):
    """Fit, calibrate, save and register; the model row. Raises Canceled when stopped (nothing
    registered), NotEnoughGoodParts without good parts."""
    from app.ml.anomaly_model import MEMORY_SIZE, fit_anomaly, save_anomaly_model, shared_features
    from app.ml.checkpoint import ClassInfo

    ctx = ctx or JobContext()
    config = config or GoodOnlyConfig()
    started = time.perf_counter()
    train_rows, cal_rows = split_good(project, config)
    max_pixels = int(project.settings.get("max_image_pixels"))
    total = len(train_rows) + len(cal_rows)
    ctx.log(f"good-parts-only model: {len(train_rows)} good parts to learn, "
            f"{len(cal_rows)} held out to calibrate")
    ctx.progress(0, total, "loading the pretrained encoder")
    features = shared_features(3)
    done = [0]

    def images(rows):
        for row in rows:
            ctx.check()
            ctx.progress(done[0], total, f"good parts: {row.name}")
            done[0] += 1
            yield load_image(project.images.abspath(row), max_pixels)

    model = fit_anomaly(features, images(train_rows), images(cal_rows),
                        false_reject_rate=config.false_reject_rate,
                        memory_size=config.memory_size or MEMORY_SIZE, seed=config.seed,
                        check=ctx.check, progress=ctx.log)
    ctx.check()
    cls = anomaly_class(project)
    seconds = time.perf_counter() - started
    metrics = {"kind": "good parts only", "train_images": len(train_rows),
               "calibration_images": len(cal_rows), "memory_patches": int(len(model.memory)),
               "false_reject_rate_target": config.false_reject_rate,
               "threshold_score": round(model.threshold, 4), "fit_seconds": round(seconds, 1)}
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = project.models.free_name(name or f"good-only-{stamp}")
    folder = project.models.folder / name
    saved = save_anomaly_model(folder, model, ClassInfo(cls.value, cls.name, cls.color), metrics)
    row = project.models.register(name, folder, saved.to_dict(), metrics, saved.weights_sha256,
                                  len(train_rows))
    if config.activate:
        project.models.set_active(row.id, chosen=True)
    ctx.progress(total, total, "done")
    ctx.log(f"registered {name}: map 0.5 flags {config.false_reject_rate:.1%} of held-out good "
            f"parts ({seconds:.0f} s)")
    return row
