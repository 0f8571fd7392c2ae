"""Training settings small enough for a UI test."""

from __future__ import annotations

from app.ui.train.workspace import TrainWorkspace


def tiny_settings(ws: TrainWorkspace, epochs: int | None = None) -> None:
    ws.form.tile.setValue(32)
    ws.form.batch.setValue(4)
    if epochs is not None:
        ws.form.by_epochs.setChecked(True)
        ws.form.epochs.setValue(epochs)
    ws.form.lr.setValue(0.003)
    ws.form.pretrained.setChecked(False)



def train_of(window) -> TrainWorkspace:
    return next(ws for ws in window.workspaces() if isinstance(ws, TrainWorkspace))
