"""`defect-studio train` and `predict` end to end on a tiny project (in process, via main)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from app.cli import main
from app.store import Project
from tests.ml.test_project_data import make_tiny_project

os.environ.setdefault("DEFECT_STUDIO_OFFLINE", "1")

TINY = {"architecture": "Unet", "encoder": "resnet18", "decoder_channels": [16, 8, 8, 8, 8],
        "tile_size": 32, "encoder_weights": None}


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
