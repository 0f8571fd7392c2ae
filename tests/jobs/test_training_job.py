"""train_project and predict_images on a tiny synthetic project (8 parts of 48 px, one class)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from app.jobs.context import Canceled, JobContext
from app.jobs.prediction import default_model_id, predict_images, unlabeled_image_ids
from app.jobs.training import find_resumable, runs_folder, train_project
from app.store import Project
from tests.support.tiny_project import make_tiny_project

os.environ.setdefault("DEFECT_STUDIO_OFFLINE", "1")
torch = pytest.importorskip("torch")

from app.ml.checkpoint import WEIGHTS_NAME  # noqa: E402
from app.ml.inference import load_model_for_inference  # noqa: E402
from app.ml.spec import ModelSpec  # noqa: E402
from app.ml.trainer import TrainConfig  # noqa: E402

TINY = ModelSpec("Unet", "resnet18", (16, 8, 8, 8, 8), 1, 2, 32, None)


def config(**kw) -> TrainConfig:
    # synthetic off: these tests count steps and epochs of the labeled parts alone
    return TrainConfig(**{"epochs": 2, "batch_size": 4, "lr": 3e-3, "crops_per_image": 2,
                          "device": "cpu", "synthetic": "off", **kw})


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


@pytest.fixture
def tiny(tmp_path):
    with Project.open(make_tiny_project(tmp_path)) as p:
        yield p


def test_train_registers_a_model_that_reloads_identically(tiny):
    events, logs, progress, best = [], [], [], {}

    def on_event(e):
        events.append(e)
        if e.kind == "checkpoint":  # the trainer's best, as it is at this moment
            best["weights"] = (Path(e.text) / WEIGHTS_NAME).read_bytes()

    ctx = JobContext(progress_fn=lambda d, t, m: progress.append((d, t, m)), log_fn=logs.append)
    row = train_project(tiny, TINY, config(), ctx, on_event=on_event)

    epochs = [e for e in events if e.kind == "epoch"]
    assert len(epochs) == 2 and epochs[-1].loss < epochs[0].loss  # loss falls
    assert [e.step for e in events if e.kind == "step"] == list(range(1, 7))  # 6 x 2 crops / 4
    for key in ("miou", "iou", "dice", "escapes", "false_reject_rate", "detection_recall"):
        assert key in row.metrics
    assert row.metrics["status"] == "completed" and row.train_images == 6
    assert row.metrics["classes"] == {"1": "spot"}
    assert tiny.models.list() == [row]
    assert tiny.settings.get("active_model_id") == row.id  # useful, and no active one yet
    assert row.metrics["verdict"]["useful"] is True
    assert logs[-1] == f"Model {row.id} is now the active model (validation mIoU " \
                       f"{row.metrics['miou']:.3f})"
    assert any(a.action == "model.register" for a in tiny.audit.list())
    assert any("ETA" in m for _, _, m in progress) and progress[-1][0] == progress[-1][1]
    assert any(line.startswith("Epoch 2/2: loss") for line in logs)
    assert not any(runs_folder(tiny).iterdir())  # a finished run leaves no work folder

    folder = tiny.models.path(row)
    assert folder.parent == tiny.models.folder
    assert (folder / WEIGHTS_NAME).read_bytes() == best["weights"]
    assert row.config["data_fingerprint"] and row.config["spec"]["num_classes"] == 2
    a, b = (load_model_for_inference(folder, "cpu") for _ in range(2))
    x = torch.randn(1, 1, 64, 64)
    with torch.no_grad():
        assert torch.equal(a.model(x), b.model(x))

    # Pre-labels: stored with the model's class values, the same as a fresh model predicts.
    ids = unlabeled_image_ids(tiny)
    report = predict_images(tiny, default_model_id(tiny), ids, JobContext())
    assert report.predicted == ids and not report.failed
    probs, values = tiny.models.load_prediction(ids[0], row.id)
    assert probs.shape == (1, 48, 48) and probs.dtype == np.uint8 and values == [1]
    from app.core.imageio import load_image

    image = load_image(tiny.images.abspath(tiny.images.get(ids[0])))
    assert np.array_equal(a.predict(image), probs)  # 48 px on 32 px tiles: tiled


def test_stop_keeps_the_best_so_far_and_resume_finishes(tiny):
    ctx = JobContext()

    def on_event(e):
        if e.kind == "epoch":
            ctx.cancel()

    row = train_project(tiny, TINY, config(epochs=50), ctx, on_event=on_event)
    assert row.metrics["status"] == "canceled" and row.metrics["epochs_done"] == 1
    run = find_resumable(tiny)
    assert run is not None and run.epochs_done == 1 and run.spec == TINY
    assert run.status == "canceled"
    # A run an older build stopped says "cancelled" in its run.json: it resumes all the same.
    doc = json.loads((run.folder / "run.json").read_text(encoding="utf-8"))
    (run.folder / "run.json").write_text(json.dumps({**doc, "status": "cancelled"}),
                                         encoding="utf-8")
    assert find_resumable(tiny).status == "canceled"
    assert (tiny.models.path(row) / WEIGHTS_NAME).is_file()

    events = []
    again = train_project(tiny, None, config(epochs=2), JobContext(), resume=True,
                          on_event=events.append)
    # A new model, unless the extra epoch found nothing better: then no duplicate is made.
    assert (again.id == row.id) == (again.weights_sha256 == row.weights_sha256)
    assert again.id == row.id or again.metrics["status"] == "completed"
    models = tiny.models.list()
    assert len({m.weights_sha256 for m in models}) == len(models)
    assert [e.epoch for e in events if e.kind == "epoch"] == [1]  # only the missing epoch
    assert find_resumable(tiny) is None
    # The active model is whichever earned the place: the better useful one of the two.
    useful = [m for m in (row, again) if m.verdict.useful]
    best = max(useful, key=lambda m: m.metrics["miou"], default=None)
    assert tiny.models.active_id() == (best.id if best else None)


def test_a_model_that_learned_nothing_is_not_useful_yet_and_not_active(tiny, monkeypatch):
    import app.core.model_quality as quality

    # What "found almost nothing" means is the verdict's business (tests/core/
    # test_model_quality.py); here a bar no two-epoch model clears makes the run one.
    monkeypatch.setattr(quality, "MIN_MIOU", 1.01)
    logs = []
    row = train_project(tiny, TINY, config(epochs=1, lr=1e-9), JobContext(log_fn=logs.append))
    verdict = row.verdict
    assert verdict.useful is False and tiny.models.get(row.id).metrics["verdict"] == {
        "useful": False, "reason": verdict.reason, "suggestion": verdict.suggestion}
    assert "label more images (it learned from 6)" in verdict.suggestion
    assert "train longer" in verdict.suggestion  # one epoch
    assert tiny.models.active_id() is None and default_model_id(tiny) is None
    assert tiny.settings.get("active_model_id") is None
    assert logs[-1] == (f"Model {row.id} is not useful yet: {verdict.reason}; "
                        f"{verdict.suggestion}. It is kept but not made active: it will not "
                        "pre-label or inspect unless you make it active")
    tiny.models.set_active(row.id, chosen=True)  # a person's choice
    assert default_model_id(tiny) == row.id


def test_a_worse_model_is_kept_but_not_made_active(tiny):
    folder = tiny.models.folder / "perfect"
    perfect = tiny.models.register("perfect", folder, {}, {
        "miou": 1.0, "soft_dice": 1.0, "false_reject_rate": 0.0}, "sha", 6)
    tiny.models.set_active(perfect.id, chosen=False)
    logs = []
    row = train_project(tiny, TINY, config(epochs=2), JobContext(log_fn=logs.append))
    assert row.verdict.useful is True  # useful, only not better than the active one
    assert tiny.models.active_id() == perfect.id
    miou = f"{row.metrics['miou']:.3f}"
    assert logs[-1] == (f"Model {row.id} is kept but not made active: its validation mIoU "
                        f"{miou} does not beat 1.000 of model {perfect.id}, the active one. "
                        "Make it active in the models list to use it anyway")


def test_stop_before_the_first_epoch_raises_canceled(tiny):
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(Canceled):
        train_project(tiny, TINY, config(), ctx)
    assert tiny.models.list() == []


def test_predict_cancels_between_images_and_skips_unreadable(tiny, tmp_path):
    row = train_project(tiny, TINY, config(epochs=1), JobContext())
    ids = unlabeled_image_ids(tiny)
    tiny.images.abspath(tiny.images.get(ids[1])).write_bytes(b"not an image")
    report = predict_images(tiny, row.id, ids, JobContext())
    assert report.predicted == ids[:1] and [i for i, _ in report.failed] == [ids[1]]

    ctx = JobContext()
    done = threading.Event()

    def stop_at_first_image(done_count, total, message):
        if message.startswith("Predicting"):
            ctx.cancel()
            done.set()

    ctx.progress_fn = stop_at_first_image
    with pytest.raises(Canceled):
        predict_images(tiny, row.id, ids, ctx)
    assert done.is_set()
