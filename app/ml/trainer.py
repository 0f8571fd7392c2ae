"""The training loop: plain PyTorch, reporting through callbacks, no Qt.

The UI runs `Trainer.fit` on a worker thread and forwards callbacks as signals; `cancel` is a
threading.Event checked between batches. With a time budget (TrainConfig.minutes) the run trains
until the budget is spent instead of for a number of epochs: the learning rate follows the share
of the budget used, the last (partial) epoch is still validated and checkpointed, and training
steps end early enough to leave time for that. Output folder layout:
    out_dir/best/  the checkpoint with the best validation mIoU (config.json + weights.safetensors)
    out_dir/last/  the latest epoch, plus train_state.* to resume from
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, RandomSampler, WeightedRandomSampler

from app.core.statuses import CANCELED
from app.ml import train_state
from app.ml.augment import AugmentConfig
from app.ml.checkpoint import (
    CheckpointConfig,
    ClassInfo,
    copy_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from app.ml.data import Sample, TrainDataset, auto_crops, defect_weights, sample_images
from app.ml.device import DeviceConfig, pick_device
from app.ml.freeze import freeze_encoder
from app.ml.interrupt import interrupt_on
from app.ml.losses import DEFAULT_LOSS, make_loss
from app.ml.predictor import InferenceCancelled
from app.ml.preprocess import compute_normalization
from app.ml.registry import create_model
from app.ml.spec import ModelSpec, Normalization
from app.ml.validate import evaluate


class TrainingError(RuntimeError):
    """Training cannot go on; the message is meant for the user."""


class Callback(Protocol):
    def on_step(self, step: int, loss: float) -> None: ...
    def on_epoch(self, epoch: int, metrics: dict[str, Any]) -> None: ...
    def on_checkpoint(self, path: Path) -> None: ...
    def on_message(self, text: str) -> None: ...


class BaseCallback:
    """No-op callback to subclass; override what you need."""

    def on_step(self, step: int, loss: float) -> None: ...
    def on_epoch(self, epoch: int, metrics: dict[str, Any]) -> None: ...
    def on_checkpoint(self, path: Path) -> None: ...
    def on_message(self, text: str) -> None: ...


@dataclass
class TrainConfig:
    epochs: int = 50
    batch_size: int = 8
    lr: float = 1e-3
    weight_decay: float = 1e-4
    loss: str = DEFAULT_LOSS
    class_weights: list[float] | None = None  # one per output channel, background first
    patience: int = 10  # epochs without a better validation score before stopping; 0 = never
    seed: int = 0
    crops_per_image: int = 0  # random crops of each image per epoch; 0: auto (data.auto_crops)
    defect_share: float = 0.5  # least share of draws from parts with defects (0: plain shuffle)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    num_workers: int = 0  # >0 needs picklable sample loaders
    device: str | None = None  # None/"auto", "cpu", "cuda", "cuda:1", "mps"
    amp: bool = True  # mixed precision on CUDA
    val_overlap: int | None = None
    val_batch_size: int = 4
    step_every: int = 1  # on_step every N steps (each report syncs the GPU)
    minutes: float = 0.0  # >0: train for this long (epochs is then ignored); 0: by epochs
    synthetic: str = "auto"  # pasted defects on good parts: "auto" (as measured), "on", "off"
    synthetic_zone: str = ""  # where they land: "" anywhere on the part, else "RECIPE:ZONE"


@dataclass
class TrainResult:
    status: str  # "completed", "early_stopped" or "canceled" (app.core.statuses)
    best_dir: Path | None
    last_dir: Path | None
    best_epoch: int | None
    best_score: float | None
    epochs_done: int  # epochs finished, counting those before a resume
    history: list[dict[str, Any]]
    batch_size: int  # after any out-of-memory halving
    crops_trained: int = 0  # training crops seen, counting those before a resume
    seconds: float = 0.0  # wall time of the run (setup, training, validation), ditto
    device: str = ""  # "cpu", "cuda", "mps"
    time_up: bool = False  # a time budget ended the run

    @property
    def crops_per_s(self) -> float | None:
        """The run's measured speed, validation included: what a budget buys next time."""
        return self.crops_trained / self.seconds if self.seconds > 0 and self.crops_trained \
            else None


class _Canceled(Exception):
    pass


class _TimeUp(Exception):
    """The time budget is spent: end the epoch here, then validate and stop."""


class _StopFlag:
    """What the interrupt hooks check: the user's cancel, or the training deadline passed."""

    def __init__(self, cancel: threading.Event, clock: Callable[[], float]) -> None:
        self.cancel, self.clock = cancel, clock
        self.deadline: float | None = None  # clock() value at which training steps must end

    def is_set(self) -> bool:
        return self.cancel.is_set() or (self.deadline is not None and
                                        self.clock() >= self.deadline)

    def error(self) -> Exception:
        return _Canceled() if self.cancel.is_set() else _TimeUp()


class _Callbacks:
    def __init__(self, callbacks: Sequence[object]) -> None:
        self.callbacks = list(callbacks)

    def __getattr__(self, name: str):
        def call(*args) -> None:
            for cb in self.callbacks:
                method = getattr(cb, name, None)
                if method is not None:
                    method(*args)

        return call


def _is_oom(e: BaseException, device_kind: str) -> bool:
    """Accelerator out-of-memory (CPU allocation failures are not retried: halving rarely helps)."""
    if isinstance(e, torch.OutOfMemoryError):
        return True
    return device_kind != "cpu" and "out of memory" in str(e).lower()


class Trainer:
    def __init__(
        self,
        spec: ModelSpec,
        classes: Sequence[ClassInfo],
        train: Sequence[Sample],
        val: Sequence[Sample],
        out_dir: str | Path,
        config: TrainConfig | None = None,
        *,
        norm: Normalization | None = None,
        model: nn.Module | None = None,
        callbacks: Sequence[object] = (),
        cancel: threading.Event | None = None,
        data_fingerprint: str = "",
        clock: Callable[[], float] = time.monotonic,
        synthetic_region: Callable[[tuple[int, int]], np.ndarray] | None = None,
    ) -> None:
        """`model` lets the caller bring a model with imported weights; default
        create_model(spec). `synthetic_region` maps an image shape to where synthetic defects
        may land (config.synthetic_zone resolved by the caller); None: anywhere on the part.
        """
        self.spec, self.config = spec, config or TrainConfig()
        self.classes = sorted(classes, key=lambda c: c.value)
        if len(self.classes) + 1 != spec.num_classes:
            raise ValueError(
                f"{len(self.classes)} classes but spec.num_classes = {spec.num_classes}")
        self.class_values = [c.value for c in self.classes]
        self.train_samples, self.val_samples = list(train), list(val)
        self.out_dir = Path(out_dir)
        self.norm, self.model = norm, model
        self.cb = _Callbacks(callbacks)
        self.cancel = cancel or threading.Event()
        self.data_fingerprint = data_fingerprint
        self.notes: list[str] = []
        self.crops_per_image = crops_per_image(self.config, self.train_samples, spec.tile_size)
        self.clock = clock
        self.synthetic_region = synthetic_region
        self.stop = _StopFlag(self.cancel, clock)
        self._started = clock()
        self._elapsed_before = 0.0  # seconds spent before a resume
        self._reserve = 0.0  # seconds kept at the end of a budget for validating and saving
        self._reserve_measured = False
        self.time_up = False

    @property
    def budget_s(self) -> float:
        return max(0.0, float(self.config.minutes or 0.0)) * 60.0

    def elapsed(self) -> float:
        """Seconds this run has used so far, counting those before a resume."""
        return self._elapsed_before + self.clock() - self._started

    @property
    def best_dir(self) -> Path:
        return self.out_dir / "best"

    @property
    def last_dir(self) -> Path:
        return self.out_dir / "last"

    # -- setup -------------------------------------------------------------------------------

    def _message(self, text: str) -> None:
        self.notes.append(text)
        self.cb.on_message(text)

    def _setup(self, resume: bool) -> dict[str, Any]:
        cfg = self.config
        self.dev: DeviceConfig = pick_device(cfg.device, cfg.amp)
        self._message(f"Training on {self.dev.describe()}")
        torch.manual_seed(cfg.seed)
        meta: dict[str, Any] = {"epoch": 0, "step": 0, "best_score": None, "best_epoch": None,
                                "bad_epochs": 0, "batch_size": cfg.batch_size, "history": [],
                                "elapsed_s": 0.0, "crops": 0}
        if resume:
            if not train_state.has_train_state(self.last_dir):
                raise TrainingError(f"nothing to resume in {self.out_dir}")
            last, state = load_checkpoint(self.last_dir)
            if last.spec != self.spec or last.class_values != self.class_values:
                raise TrainingError("cannot resume: the model or the defect classes changed since")
            self.norm = last.normalization
            self.model = create_model(self.spec, pretrained=False).model
            self.model.load_state_dict(state)
        elif self.model is None:
            created = create_model(self.spec)
            self.model = created.model
            self._message(created.weights_note)
        if self.norm is None:
            self.norm = compute_normalization(
                sample_images(self.train_samples), self.spec.in_channels)
        self.model = self.dev.prepare(self.model)
        self.freeze = freeze_encoder(self.model, self.spec)
        if self.freeze.note:
            self._message(self.freeze.note)
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(trainable, lr=cfg.lr, weight_decay=cfg.weight_decay)
        if resume:
            meta = train_state.load_train_state(self.last_dir, self.optimizer, None)
            self._message(f"Resumed after epoch {meta['epoch']}")
        self.loss_fn = make_loss(cfg.loss, cfg.class_weights).to(self.dev.device)
        self.scaler = self.dev.grad_scaler()
        samples = self.train_samples + self._synthetic()
        self.dataset = TrainDataset(
            samples, self.class_values, self.spec.tile_size, self.spec.in_channels,
            self.norm, cfg.augment, self.crops_per_image, cfg.seed,
        )
        weights = defect_weights(samples, cfg.defect_share)
        # Item i of the dataset is sample i % len(samples): the list repeats per crop.
        self.draw_weights = None if weights is None else weights * self.crops_per_image
        return meta

    def _synthetic(self) -> list[Sample]:
        """Good parts with pasted defects, drawn with the training images (synthetic_training)."""
        from app.ml.synthetic_training import make_synthetic, synthetic_note

        cfg = self.config
        extra = make_synthetic(self.train_samples, self.class_values, cfg.synthetic, cfg.seed,
                               region=self.synthetic_region)
        names = {c.value: c.name for c in self.classes}
        note = synthetic_note(self.train_samples, self.class_values, cfg.synthetic, len(extra),
                              names)
        if note:
            where = f", inside zone {cfg.synthetic_zone}" if self.synthetic_region else ""
            self._message(note + where)
        return extra

    def lr_at(self, epoch: int, elapsed_s: float = 0.0) -> float:
        """Cosine decay to 1 % of lr over the epochs, or with a time budget over the share of
        the budget used. A function of the epoch (or the time) alone, so a resumed run (even one
        given more epochs or minutes) needs no scheduler state."""
        budget = self.budget_s
        done = elapsed_s / budget if budget else epoch / max(self.config.epochs, 1)
        return cosine_lr(self.config.lr, done)

    def _loader(self, epoch: int, batch_size: int) -> DataLoader:
        n = len(self.dataset)
        gen = torch.Generator().manual_seed(self.config.seed * 100_003 + epoch)
        if self.draw_weights is None:
            sampler = RandomSampler(self.dataset, generator=gen)
        else:  # with replacement: defective parts come up more often, good ones less
            sampler = WeightedRandomSampler(self.draw_weights, n, replacement=True, generator=gen)  # type: ignore[assignment]  # either sampler feeds the DataLoader
        return DataLoader(
            self.dataset,
            batch_size=batch_size,
            sampler=sampler,
            num_workers=self.config.num_workers,
            pin_memory=self.dev.kind == "cuda",
            drop_last=_drops_last(n, batch_size),
        )

    # -- loop --------------------------------------------------------------------------------

    def _train_epoch(self, epoch: int, meta: dict[str, Any]) -> float:
        """Mean training loss; on out-of-memory halves the batch and restarts the epoch."""
        while True:
            try:
                return self._run_batches(epoch, meta)
            except RuntimeError as e:
                if not _is_oom(e, self.dev.kind):
                    raise
                self.optimizer.zero_grad(set_to_none=True)
                if self.dev.kind == "cuda":
                    torch.cuda.empty_cache()
                if meta["batch_size"] <= 1:
                    raise TrainingError(
                        "Out of memory even with batch size 1: pick a smaller tile size "
                        "or a lighter encoder"
                    ) from None
                meta["batch_size"] //= 2
                self._message(f"Out of memory: batch size lowered to {meta['batch_size']}")

    def _run_batches(self, epoch: int, meta: dict[str, Any]) -> float:
        """Mean loss of the epoch's steps (nan: none). With a time budget the learning rate is
        set before every step, and the epoch ends early when time is up (self.time_up)."""
        self.model.train()  # type: ignore[union-attr]  # set by the trainer's setup before any epoch runs
        self.freeze.hold()
        self.dataset.set_epoch(epoch)
        total = torch.zeros((), device=self.dev.device)
        since = torch.zeros((), device=self.dev.device)
        count = since_count = 0
        try:
            for x, y in self._loader(epoch, meta["batch_size"]):
                if self.stop.is_set():
                    raise self.stop.error()
                if self.budget_s:
                    self._set_lr(self.lr_at(epoch, self.elapsed()))
                t0 = self.clock()
                loss = self.train_step(x, y)
                total += loss
                since += loss
                count += 1
                since_count += 1
                meta["step"] += 1
                meta["crops"] = meta.get("crops", 0) + len(x)
                if self.budget_s:
                    self._plan_deadline(self.clock() - t0, len(x))
                if meta["step"] % self.config.step_every == 0:
                    self.cb.on_step(meta["step"], float(since) / since_count)
                    since.zero_()
                    since_count = 0
        except _TimeUp:
            self.time_up = True
        return float(total) / count if count else float("nan")

    def _set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def _plan_deadline(self, step_s: float = 0.0, crops: int = 0) -> None:
        """Training steps end `_reserve` seconds before the budget does: time for the last
        validation and checkpoint. Until a validation has been timed, its time is guessed from
        the training speed (inference costs about a third of a training step per pixel; tiles
        overlap, so count the validation pixels one and a half times)."""
        if not self._reserve_measured and step_s > 0 and crops:
            px_per_s = crops * self.spec.tile_size ** 2 / step_s
            val_px = sum(s.pixels or self.spec.tile_size ** 2 for s in self.val_samples)
            self._reserve = 1.5 * val_px / (3 * px_per_s)
        self.stop.deadline = self._started + self.budget_s - self._elapsed_before - self._reserve

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """One optimizer step; returns the detached loss (kept on the device)."""
        x = self.dev.batch(x)
        y = y.to(self.dev.device, non_blocking=True)
        with self.dev.autocast():
            logits = self.model(x)  # type: ignore[misc]  # set by the trainer's setup before any epoch runs
        loss = self.loss_fn(logits, y)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return loss.detach()

    def _validate(self) -> dict[str, Any]:
        self.stop.deadline = None  # the budget ends training steps, never a validation
        batch = self.config.val_batch_size
        while True:
            try:
                return evaluate(
                    self.model, self.val_samples, self.spec, self.norm, self.class_values,  # type: ignore[arg-type]  # set by the trainer's setup before any epoch runs
                    self.dev, self.config.val_overlap, batch, self.cancel,
                )
            except InferenceCancelled:
                raise _Canceled() from None
            except RuntimeError as e:
                if not _is_oom(e, self.dev.kind) or batch <= 1:
                    raise
                batch //= 2
                if self.dev.kind == "cuda":
                    torch.cuda.empty_cache()

    def _checkpoint_config(self, metrics: dict[str, Any]) -> CheckpointConfig:
        return CheckpointConfig(
            self.spec, self.classes, self.norm,  # type: ignore[arg-type]  # norm: set in setup
            self.data_fingerprint, metrics, notes=list(self.notes)
        )

    def fit(self, resume: bool = False) -> TrainResult:
        """Train until the epochs (or the minutes) run out, patience runs out, or `cancel` is
        set."""
        self._started, self.time_up, self._reserve_measured = self.clock(), False, False
        meta = self._setup(resume)
        self._elapsed_before = float(meta.get("elapsed_s") or 0.0)
        if self.budget_s:
            self._plan_deadline()
        hooks = interrupt_on(self.model, self.stop, self.stop.error)  # type: ignore[arg-type]  # model set by setup; the stop flag has the Event methods used; Stop within a step
        try:
            return self._fit(meta)
        finally:
            hooks.remove()

    def _fit(self, meta: dict[str, Any]) -> TrainResult:
        cfg = self.config
        status = "completed"
        start = meta["epoch"]
        epochs = itertools.count(start) if self.budget_s else range(start, cfg.epochs)
        for epoch in epochs:
            if self.budget_s and self.stop.is_set() and not self.cancel.is_set():
                self.time_up = True  # no time left for another epoch
                break
            t0 = time.perf_counter()
            self._set_lr(self.lr_at(epoch, self.elapsed()))
            try:
                train_loss = self._train_epoch(epoch, meta)
                if math.isnan(train_loss) and self.time_up:
                    break  # not one step in this epoch: the weights are those already saved
                t_val = self.clock()
                metrics = self._validate() if self.val_samples else {}
            except _Canceled:
                status = CANCELED
                self._message("Training canceled; the best model so far is kept")
                break
            metrics.update(epoch=epoch, train_loss=round(train_loss, 6),
                           lr=self.optimizer.param_groups[0]["lr"],
                           seconds=round(time.perf_counter() - t0, 3))
            # Without a validation split the best model is the one with the lowest training loss.
            score = metrics["miou"] if self.val_samples else -train_loss
            tiebreak = metrics.get("soft_dice", 0.0)
            improved = _better(score, tiebreak, meta["best_score"], meta.get("best_tiebreak"))
            if improved:
                meta.update(best_score=score, best_tiebreak=tiebreak, best_epoch=epoch,
                            bad_epochs=0)
            else:
                meta["bad_epochs"] += 1
            meta["epoch"] = epoch + 1
            meta["history"].append(metrics)
            save_checkpoint(self.last_dir, self.model, self._checkpoint_config(metrics))  # type: ignore[arg-type]  # set by the trainer's setup before any epoch runs
            if improved:  # the same weights: copy rather than serialize twice
                copy_checkpoint(self.last_dir, self.best_dir)
                self.cb.on_checkpoint(self.best_dir)
            meta["elapsed_s"] = round(self.elapsed(), 3)
            # Written last: resume state never points at a best model that is not on disk.
            train_state.save_train_state(self.last_dir, self.optimizer, None, meta)
            if self.budget_s:  # validating and saving, timed: what the end of the budget keeps
                self._reserve = 1.2 * (self.clock() - t_val)
                self._reserve_measured = True
                self._plan_deadline()
            self.cb.on_epoch(epoch, metrics)
            if self.time_up:
                break
            if cfg.patience and meta["bad_epochs"] >= cfg.patience:
                status = "early_stopped"
                self._message(f"No better validation score for {cfg.patience} epochs: stopped")
                break
        if self.time_up:
            self.cb.on_message(f"Time budget of {_minutes(self.budget_s)} used: stopped after "
                               f"{meta['epoch']} epochs in {round(self.elapsed())} s")
        best = self.best_dir if meta["best_epoch"] is not None else None
        score = meta["best_score"]
        return TrainResult(
            status, best, self.last_dir if meta["epoch"] else None, meta["best_epoch"],
            None if score is None or not math.isfinite(score) else score,
            meta["epoch"], meta["history"], meta["batch_size"], int(meta.get("crops", 0)),
            round(self.elapsed(), 3), self.dev.kind, self.time_up,
        )


def cosine_lr(lr: float, done: float) -> float:
    """Cosine from `lr` down to 1 % of it as `done` (the share of the schedule used) goes 0..1."""
    floor = lr * 0.01
    done = min(max(done, 0.0), 1.0)
    return floor + (lr - floor) * 0.5 * (1 + math.cos(math.pi * done))


def _minutes(seconds: float) -> str:
    m = seconds / 60
    return f"{m:g} min" if m >= 1 else f"{seconds:g} s"


def _better(score: float, tiebreak: float, best: float | None, best_tiebreak: float | None) -> bool:
    """A higher score wins; an equal one (e.g. mIoU still 0 early on) wins on the tie-break."""
    if best is None:
        return True
    if score > best + 1e-9:
        return True
    return abs(score - best) <= 1e-9 and tiebreak > (best_tiebreak or 0.0) + 1e-9


def crops_per_image(config: TrainConfig, samples: Sequence[Sample], tile: int) -> int:
    """Random crops of each image per epoch: the config's, else data.auto_crops."""
    return int(config.crops_per_image) or auto_crops(samples, tile)


def steps_per_epoch(items: int, batch_size: int) -> int:
    """Optimizer steps in an epoch of `items` crops (the loader drops a last batch of one)."""
    b = max(1, batch_size)
    return max(1, items // b if _drops_last(items, b) else math.ceil(items / b))


def _drops_last(items: int, batch_size: int) -> bool:
    return items > 1 and items % batch_size == 1  # BatchNorm cannot train on a batch of one
