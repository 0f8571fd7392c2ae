"""`defect-studio train` and `predict` end to end on a tiny project (in process, via main)."""

from __future__ import annotations

import json
import os
import re
import time

import numpy as np
import pytest

from app.cli import main
from app.store import Project
from tests.support.tiny_project import make_tiny_project

os.environ.setdefault("DEFECT_STUDIO_OFFLINE", "1")

from tests.support.tiny_project import TINY_SPEC as TINY  # noqa: E402


@pytest.fixture
def tiny(tmp_path):
    return make_tiny_project(tmp_path)


def test_train_then_predict(tiny, capsys):
    code = main(["train", str(tiny), "--spec", json.dumps(TINY), "--epochs", "2", "--batch", "4",
                 "--lr", "0.003", "--device", "cpu", "--threads", "1"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Epoch 1/2: loss" in out and "Epoch 2/2: loss" in out
    assert "Model 1 registered" in out and "val mIoU" in out and "escape rate" in out
    assert "Epoch 1/2" in err  # the progress bar (not a terminal: a line per phase)
    # Then the model predicted every image (what-if and pre-labels), after the summary.
    assert "predicted 10 image(s) with model 1" in out and "Predicting" in err
    with Project.open(tiny) as p:
        (row,) = p.models.list()
        assert row.config["spec"]["tile_size"] == 32 and row.config["spec"]["in_channels"] == 1
        unlabeled = [r for r in p.images.list(status="unlabeled")]
        assert p.models.predicted_image_ids(row.id) == {r.id for r in p.images.list()}

    code = main(["predict", str(tiny), "--device", "cpu"])  # default: every unlabeled image
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"Predicted {len(unlabeled)} image(s) with model 1" in out and "spot max" in out
    path = tiny.parent / unlabeled[0].rel_path
    code = main(["predict", str(tiny), "--images", str(path), str(unlabeled[1].id),
                 "--model", "1"])
    out, err = capsys.readouterr()
    assert code == 0, err
    with Project.open(tiny, readonly=True) as p:
        probs, values = p.models.load_prediction(unlabeled[0].id, row.id)
    assert probs.shape == (1, 48, 48) and probs.dtype == np.uint8 and values == [1]
    code = main(["predict", str(tiny), "--all", "--device", "cpu"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Predicted 10 image(s) with model 1" in out


def test_train_no_predict_leaves_predictions_alone(tiny, capsys):
    code = main(["train", str(tiny), "--spec", json.dumps(TINY), "--epochs", "1", "--batch", "4",
                 "--device", "cpu", "--threads", "1", "--no-predict"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Model 1 registered" in out and "predicted" not in out and "Predicting" not in err
    with Project.open(tiny, readonly=True) as p:
        assert p.models.predicted_image_ids(1) == set()


def test_errors_are_one_clear_line(tiny, tmp_path, capsys):
    assert main(["predict", str(tiny)]) == 1
    assert "no trained model yet" in capsys.readouterr().err
    assert main(["train", str(tiny), "--encoder", "resnet9000", "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert "Unknown encoder 'resnet9000'" in err and "resnet18" in err
    assert main(["train", str(tiny), "--resume"]) == 1
    assert "nothing to resume" in capsys.readouterr().err
    with Project.create(tmp_path / "empty.dsproj") as p:
        p.classes.add("crack")
    assert main(["train", str(tmp_path / "empty.dsproj"), "--epochs", "1"]) == 1
    assert "No labeled images yet" in capsys.readouterr().err


def test_train_for_minutes_stops_on_time_and_keeps_a_model(tiny, capsys, monkeypatch):
    import app.jobs.after_training as training  # the CLI trains through train_then_predict

    runs = []  # seconds of each training job: data, training, validation, registration

    def timed(*a, **kw):
        started = time.perf_counter()
        try:
            return real(*a, **kw)
        finally:
            runs.append(time.perf_counter() - started)

    real = training.train_project
    monkeypatch.setattr(training, "train_project", timed)
    args = ["train", str(tiny), "--spec", json.dumps(TINY), "--minutes", "0.1", "--batch", "4",
            "--device", "cpu", "--threads", "1", "--patience", "0"]
    started = time.perf_counter()
    code = main(args)
    took = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert code == 0, err
    # Said before training: what 6 s buy, and where the speed comes from (no run yet: a probe).
    assert re.search(r"^Budget: about \d[\d,]* crops of 32 px in 0\.1 minutes \(\S+ crops/s: "
                     r"measured just now in 2 training steps", out, re.M), out
    assert "Time budget of 6 s used" in out and "Epoch 1: loss" in out
    with Project.open(tiny) as p:
        (row,) = p.models.list()
    m = row.metrics
    assert m["budget_minutes"] == 0.1 and m["time_up"] and m["status"] == "completed"
    assert 4.0 < m["run_seconds"] < 8.0, m["run_seconds"]  # the trainer's clock: 6 s budget
    assert runs[0] < 6.0 + 4.0, runs  # the whole training job, registration included
    assert m["crops_per_s"] > 0 and m["crops_trained"] > 0
    print(f"train --minutes 0.1: command {took:.1f} s (imports and speed probe included), "
          f"training job {runs[0]:.1f} s, run {m['run_seconds']:.1f} s, "
          f"{m['epochs_done']} epochs, {m['crops_trained']} crops")

    assert main(args) == 0  # the second time, the first run's measured speed is used
    out = capsys.readouterr().out
    assert f"crops/s: the last such run's speed, model {row.id})" in out, out
    assert runs[1] < 6.0 + 4.0, runs


@pytest.mark.parametrize("option, value, message", [
    ("--minutes", "0", "argument --minutes: must be a number > 0, got '0'"),
    ("--minutes", "nan", "argument --minutes: must be a number > 0, got 'nan'"),
    ("--epochs", "0", "argument --epochs: must be an integer >= 1, got '0'"),
    ("--batch", "-2", "argument --batch: must be an integer >= 1, got '-2'"),
    ("--lr", "0", "argument --lr: must be a number > 0, got '0'"),
])
def test_numeric_options_are_checked_before_anything_runs(tiny, capsys, option, value, message):
    before = tiny.read_bytes()
    with pytest.raises(SystemExit) as exit_:
        main(["train", str(tiny), option, value])
    assert exit_.value.code == 2 and message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", str(tiny), "--minutes", "1", "--epochs", "2"])
    assert "not allowed with argument" in capsys.readouterr().err
    assert tiny.read_bytes() == before  # nothing changed
