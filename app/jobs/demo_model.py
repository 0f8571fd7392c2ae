"""The demo's model: the default CPU model trained on the demo parts for a time budget."""

from __future__ import annotations

from app.jobs.context import JobContext


def train_demo_model(project, seconds: float, ctx: JobContext):
    """Trains the device's default model on the project for `seconds`; returns its ModelRow."""
    from app.jobs.training import train_project
    from app.ml.trainer import TrainConfig

    config = TrainConfig(minutes=seconds / 60.0, patience=0, seed=0)
    ctx.log(f"Training the demo model for {seconds:.0f} s")
    return train_project(project, None, config, ctx)
