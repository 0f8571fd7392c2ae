"""`defect-studio grade`: report content on a tiny project (stored predictions, a file outside
the project predicted by a saved random-weights model), clear errors, and a handful of the
shared magnetic-tile images."""

from __future__ import annotations

import csv
import json
import os
import shutil

import cv2
import numpy as np
import pytest

from app.cli import main
from app.core.grading import ClassSetting, Recipe, Rule
from app.store import Project
from tests.support.grade import tiny_part_project

os.environ.setdefault("DEFECT_STUDIO_OFFLINE", "1")


@pytest.fixture
def tiny(tmp_path):
    return tiny_part_project(tmp_path)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_report_rows_from_stored_predictions(tiny, tmp_path, capsys):
    project_path, image_id, model_id = tiny
    with Project.open(project_path) as p:  # v2: any crack SCRAP
        p.recipes.save("part", Recipe(name="part", classes=(ClassSetting(1, "crack", 0.5),),
                                      rules=(Rule(1, grade="SCRAP", max_area_mm2=0),)).to_dict())
    out = tmp_path / "report.csv"
    assert main(["grade", str(project_path), "--recipe", "part@1", str(image_id),
                 "--report", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "Graded 1 part(s) with recipe part@1 and model 1 (synthetic): OK 1" in stdout
    (row,) = read_csv(out)
    assert row["grade"] == "OK" and row["reasons"] == "" and row["recipe"] == "part@1"
    assert row["model"] == str(model_id) and row["image_id"] == str(image_id)
    assert row["source"] == "stored prediction" and row["components"] == "1"
    assert row["image"].endswith("part.png")

    js = tmp_path / "report.json"  # the latest version; the image named by its path
    assert main(["grade", str(project_path), "--recipe", "part", str(tmp_path / "part.png"),
                 "--report", str(js), "--model", str(model_id)]) == 0
    (row,) = json.loads(js.read_text())
    assert row["grade"] == "SCRAP" and row["recipe"] == "part@2" and row["image_id"] == image_id
    assert row["reasons"] == ["crack 9 px in whole-image exceeds max area 0 px -> SCRAP"]


def test_clear_errors(tiny, tmp_path, capsys):
    project_path, image_id, _ = tiny
    out = str(tmp_path / "r.csv")
    cases = [
        (["--recipe", "nope", str(image_id)], "no recipe 'nope'; recipes here: part"),
        (["--recipe", "part@7", str(image_id)], "recipe 'part' has no version 7 (versions: 1)"),
        (["--recipe", "part@x", str(image_id)], "bad recipe reference 'part@x'"),
        (["--recipe", "part", str(image_id), "--model", "9"],
         "no model 9 in this project (models: 1 (synthetic))"),
        (["--recipe", "part", "999"], "no image with id 999 in this project"),
        (["--recipe", "part", str(tmp_path / "missing.png")], "no such file or folder"),
    ]
    for extra, message in cases:
        assert main(["grade", str(project_path), *extra, "--report", out]) == 1
        err = capsys.readouterr().err
        assert message in err and err.startswith("defect-studio grade: error:"), err
    assert main(["grade", str(project_path), "--recipe", "part", "1", "--report",
                 str(tmp_path / "r.txt")]) == 1
    assert "must end in .csv or .json" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "none.dsproj"), "--recipe", "part", "1",
                 "--report", out]) == 1
    assert "no project file" in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()


def test_no_model_is_a_clear_error(tmp_path, capsys):
    with Project.create(tmp_path / "empty.dsproj") as p:
        p.recipes.save("r", Recipe(name="r").to_dict())
    img = tmp_path / "x.png"
    cv2.imwrite(str(img), np.zeros((8, 8), np.uint8))
    assert main(["grade", str(tmp_path / "empty.dsproj"), "--recipe", "r", str(img),
                 "--report", str(tmp_path / "r.csv")]) == 1
    assert "has no trained model yet" in capsys.readouterr().err


# -- with a real (random-weights) model --------------------------------------------------------

def save_random_model(project, class_values, in_channels: int, tile: int = 64) -> int:
    """A checkpoint with random weights, registered and made active; returns its id."""
    import torch

    from app.ml.checkpoint import CheckpointConfig, ClassInfo, save_checkpoint
    from app.ml.registry import create_model
    from app.ml.spec import ModelSpec, Normalization

    torch.manual_seed(0)
    spec = ModelSpec("Unet", "resnet18", (16, 8, 8, 8, 8), in_channels, 1 + len(class_values),
                     tile, None)
    model = create_model(spec, pretrained=False).model
    classes = [ClassInfo(v, f"class{v}") for v in class_values]
    folder = project.models.folder / "random"
    config = save_checkpoint(folder, model, CheckpointConfig(spec, classes, Normalization()))
    row = project.models.register("random", folder, config.to_dict(), {},
                                  config.weights_sha256, 0)
    project.settings.set("active_model_id", row.id)
    return row.id


def test_files_outside_the_project_are_predicted_with_the_model(tiny, tmp_path, capsys):
    pytest.importorskip("torch")
    project_path, image_id, _ = tiny
    with Project.open(project_path) as p:
        model_id = save_random_model(p, [1], in_channels=1)
        p.recipes.save("part", Recipe(name="part", classes=(ClassSetting(1, "crack", 0.0),),
                                      rules=(Rule(1, grade="REWORK", max_count=0),)).to_dict())
    outside = tmp_path / "line3"
    outside.mkdir()
    for i in range(2):
        cv2.imwrite(str(outside / f"new_{i}.png"), np.full((40, 60), 90 + i, np.uint8))
    (outside / "broken.png").write_bytes(b"not a png")
    out = tmp_path / "r.json"
    assert main(["grade", str(project_path), "--recipe", "part", str(outside), str(image_id),
                 "--report", str(out), "--device", "cpu"]) == 0
    rows = json.loads(out.read_text())
    by_name = {os.path.basename(r["image"]): r for r in rows}
    assert set(by_name) == {"new_0.png", "new_1.png", "broken.png", "part.png"}
    for name in ("new_0.png", "new_1.png"):
        r = by_name[name]
        # threshold 0: every pixel is a defect, one component: the count rule fires
        assert r["source"] == "predicted" and r["image_id"] is None and r["grade"] == "REWORK"
        assert r["model"] == model_id and r["recipe"] == "part@2"
    assert by_name["part.png"]["source"] == "predicted"  # no stored prediction of this model
    assert by_name["broken.png"]["error"] and by_name["broken.png"]["grade"] is None
    assert "1 could not be read" in capsys.readouterr().out


def test_magnetic_tile_handful(magnetic_tile, tmp_path, capsys):
    """Five real parts (3 blowholes, 2 good) graded by a random-weights model."""
    pytest.importorskip("torch")
    picks = sorted((magnetic_tile / "MT_Blowhole" / "Imgs").glob("*.jpg"))[:3] + \
        sorted((magnetic_tile / "MT_Free" / "Imgs").glob("*.jpg"))[:2]
    folder = tmp_path / "tiles"
    folder.mkdir()
    for f in picks:
        shutil.copy(f, folder / f.name)
    project_path = tmp_path / "tiles.dsproj"
    with Project.create(project_path) as p:
        blowhole = p.classes.add("blowhole").value
        p.recipes.save("tile", Recipe(
            name="tile", classes=(ClassSetting(blowhole, "blowhole", 0.5, 0.0),),
            rules=(Rule(blowhole, grade="SCRAP", max_area_mm2=50),)).to_dict())
        model_id = save_random_model(p, [blowhole], in_channels=1, tile=128)
    out = tmp_path / "tiles.csv"
    assert main(["grade", str(project_path), "--recipe", "tile", str(folder),
                 "--report", str(out), "--device", "cpu"]) == 0
    rows = read_csv(out)
    assert sorted(os.path.basename(r["image"]) for r in rows) == sorted(f.name for f in picks)
    for r in rows:
        assert r["grade"] in ("OK", "SCRAP") and r["error"] == ""
        assert r["model"] == str(model_id) and r["recipe"] == "tile@1"
        assert r["source"] == "predicted"
        assert (r["grade"] == "SCRAP") == bool(r["reasons"])
    assert "Graded 5 part(s) with recipe tile@1" in capsys.readouterr().out
