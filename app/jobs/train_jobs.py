"""The Train workspace's background jobs: plain functions (no Qt) run by JobRunner on a worker
thread, or by anything else that gives them a JobContext.

torch is imported here, inside the jobs, never when the window opens. Each job gives torch all
cores but one (set on the worker thread itself: OpenMP's thread count is per calling thread),
so the UI keeps a core while it trains.
"""

from __future__ import annotations

from collections.abc import Callable

from app.jobs.context import JobContext
from app.jobs.machine_probe import training_threads


def _with_threads(fn: Callable[[], object]):
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(training_threads())
    try:
        return fn()
    finally:
        torch.set_num_threads(before)


def train_job(project, spec, values: dict | None, resume: bool, on_event, predict: bool = True):
    """A JobRunner function training `project`, then (with `predict`) predicting every image
    with the active model; returns app.jobs.after_training.TrainOutcome. values are TrainConfig
    fields from the form (None with resume: the run's own settings)."""

    def job(ctx: JobContext):
        from app.jobs.after_training import train_then_predict
        from app.ml.trainer import TrainConfig

        config = None if values is None else TrainConfig(**values)
        return _with_threads(lambda: train_then_predict(project, spec, config, ctx, resume,
                                                        on_event=on_event, predict=predict))

    return job


def predict_job(project, model_id: int, image_ids: list[int]):
    def job(ctx: JobContext):
        from app.jobs.prediction import predict_images

        return _with_threads(lambda: predict_images(project, model_id, image_ids, ctx))

    return job


def probe_job(ctx: JobContext):
    from app.jobs.machine_probe import probe

    return probe()


def speed_job(spec, batch_size: int, device: str):
    """Times a few training steps (app.jobs.budget.measure_speed) for the budget note."""

    def job(ctx: JobContext):
        from app.jobs.budget import measure_speed

        return _with_threads(lambda: measure_speed(spec, batch_size, device, ctx.cancel_event))

    return job
