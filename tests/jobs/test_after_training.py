"""train_then_predict: after training, every image has a prediction of the active model; a stop
during training still predicts (UI), or not (CLI); predict=False predicts nothing."""

from __future__ import annotations

import os

import numpy as np
import pytest

from app.jobs.after_training import NOT_USEFUL, images_to_predict, train_then_predict
from app.jobs.context import JobContext
from app.jobs.prediction import default_model_id
from app.store import Project
from tests.support.tiny_project import make_tiny_project

os.environ.setdefault("DEFECT_STUDIO_OFFLINE", "1")
torch = pytest.importorskip("torch")

from app.ml.spec import ModelSpec  # noqa: E402
from app.ml.trainer import TrainConfig  # noqa: E402

TINY = ModelSpec("Unet", "resnet18", (16, 8, 8, 8, 8), 1, 2, 32, None)


def config(**kw) -> TrainConfig:
    return TrainConfig(**{"epochs": 1, "batch_size": 4, "lr": 3e-3, "crops_per_image": 2,
                          "device": "cpu", **kw})


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


@pytest.fixture
def tiny(tmp_path):
    with Project.open(make_tiny_project(tmp_path, n=6, size=40, unlabeled=2)) as p:
        yield p


def test_every_image_is_predicted_after_training(tiny):
    events, progress = [], []
    ctx = JobContext(progress_fn=lambda d, t, m: progress.append((d, t, m)))
    outcome = train_then_predict(tiny, TINY, config(), ctx, on_event=events.append)

    model_id = outcome.model.id
    assert default_model_id(tiny) == model_id and outcome.note == ""
    everything = {r.id for r in tiny.images.list()}
    assert len(everything) == 8
    assert tiny.models.predicted_image_ids(model_id) == everything
    assert set(outcome.predictions.predicted) == everything
    for image_id in everything:
        probs, values = tiny.models.load_prediction(image_id, model_id)
        assert probs.shape == (1, 40, 40) and probs.dtype == np.uint8 and values == [1]
    # The labeled set came first (the what-if needs it), and the phase was announced.
    labeled = {r.id for r in tiny.images.list(status="labeled")}
    assert set(outcome.predictions.predicted[:len(labeled)]) == labeled
    kinds = [e.kind for e in events]
    assert kinds.index("done") < kinds.index("predict")
    assert events[kinds.index("predict")].total_steps == 8
    assert any(m.startswith("Predicting") for _d, _t, m in progress)
    assert images_to_predict(tiny, model_id) == []  # nothing left to do


def test_stop_during_training_still_predicts_unless_told_not_to(tiny):
    def stop_after_first_epoch(ctx):
        return lambda e: ctx.cancel() if e.kind == "epoch" else None

    ctx = JobContext()
    ui = train_then_predict(tiny, TINY, config(epochs=20), ctx,
                            on_event=stop_after_first_epoch(ctx))
    assert ui.model.metrics["status"] == "canceled"
    assert len(ui.predictions.predicted) == 8 and not ctx.canceled

    ctx = JobContext()
    cli = train_then_predict(tiny, TINY, config(epochs=20), ctx, after_stop=False,
                             on_event=stop_after_first_epoch(ctx))
    assert cli.predictions is None and "interrupted" in cli.note
    assert tiny.models.predicted_image_ids(cli.model.id) == set()


def test_predict_off_and_no_useful_model(tiny, monkeypatch):
    outcome = train_then_predict(tiny, TINY, config(), JobContext(), predict=False)
    assert outcome.predictions is None and outcome.note == ""
    assert tiny.models.predicted_image_ids(outcome.model.id) == set()

    import app.jobs.after_training as after

    monkeypatch.setattr(after, "default_model_id", lambda project: None)
    logs = []
    outcome = train_then_predict(tiny, TINY, config(), JobContext(log_fn=logs.append))
    assert outcome.predictions is None and outcome.note == NOT_USEFUL
    assert any(NOT_USEFUL in line.lower() for line in logs)
    assert all(not tiny.models.predicted_image_ids(m.id) for m in tiny.models.list())


def test_a_stop_while_predicting_keeps_what_was_made(tiny):
    ctx = JobContext()
    seen = []

    def stop_at_third_image(done, total, message):
        if message.startswith("Predicting"):
            seen.append(done)
            if done == 2:
                ctx.cancel()

    ctx.progress_fn = stop_at_third_image
    outcome = train_then_predict(tiny, TINY, config(), ctx)
    made = tiny.models.predicted_image_ids(outcome.model.id)
    assert outcome.note == "predictions stopped: 2 of 8 made, kept"
    assert sorted(outcome.predictions.predicted) == sorted(made) and len(made) == 2
    assert seen == [0, 1, 2]
