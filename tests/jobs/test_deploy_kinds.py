"""Deployment packages of the models that are not segmentation networks: a good-parts-only model
(its encoder as ONNX, its memory as arrays.npz, runner.py) and the pixel classifier (its head as
arrays.npz, the filter-bank code, runner.py). The package's maps, computed by runner.py, grade
like the app's; runner.py runs without the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from app.core.grading import ZoneCache, grade
from app.core.hashing import sha256_file
from app.core.imageio import load_image
from app.jobs.deploy import MANIFEST, PackageError, deploy, open_package, verify_package
from tests.support.deploy import good_only_line, good_only_samples

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def good_only(tmp_path_factory):
    folder = tmp_path_factory.mktemp("good-only")
    project, row, recipe = good_only_line(folder)
    yield project, row, recipe, good_only_samples(folder / "samples")
    project.close()


def runner_maps(package, images, out, status: int = 0):
    """runner.py of `package` run as the line would: its own process, without the app."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-I", str(package / "runner.py"), str(package),
                           *map(str, images), "--out", str(out), "--threads", "1"],
                          cwd=out.parent, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == status, done.stderr
    return done.stdout if status == 0 else done.stderr


def test_a_good_only_model_deploys_and_its_package_grades_like_the_app(good_only, tmp_path):
    project, row, recipe, samples = good_only
    result = deploy(project, row.id, "holes", tmp_path / "pkg")
    root = tmp_path / "pkg"
    m = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    assert m == result.manifest and (m["kind"], m["version"]) == ("anomaly", 2)
    assert set(m["files"]) == {"model.onnx", "arrays.npz", "runner.py", "checkpoint/config.json",
                               "checkpoint/weights.safetensors"}
    config = json.loads((root / "checkpoint" / "config.json").read_text())
    a = m["anomaly"]
    assert (a["threshold"], a["floor"]) == (config["extra"]["threshold"], config["extra"]["floor"])
    assert a["memory_rows"] == 50 and a["work_size"] == 224
    with np.load(root / "arrays.npz", allow_pickle=False) as z:
        assert z["memory"].shape == (50, m["model"]["onnx"]["output"]["shape"][1])
    assert m["classes"] == [{"value": recipe.classes[0].value, "name": "anomaly",
                             "color": "#ff00ff", "channel": 0}]
    assert m["recipe"]["ref"] == "holes@1" and m["recipe"]["body"]["zones"]
    assert m["calibration"]["mm_per_pixel"] == 0.1 and m["calibration"]["area_unit"] == "mm²"
    from app.ml.anomaly_model import shared_features

    assert not shared_features(3).net.training  # exporting left the app's encoder as it was

    report = verify_package(root, [samples], threads=1)
    assert report.sides == ("app", "package") and len(report.checked) == 8
    assert report.ok and report.max_abs_diff <= 2 / 255
    grades = {p.file.rsplit("/", 1)[-1]: p.torch_grade for p in report.checked}
    assert grades["good100.png"] == "OK" and grades["hole100.png"] == "SCRAP"  # both compared

    # runner.py alone, as on the line: the same maps as the app's, the same grades
    from app.ml.inference import load_model_for_inference

    app_model = load_model_for_inference(project.models.path(row), "cpu")
    images = sorted(samples.glob("*.png"))
    printed = runner_maps(root, images, tmp_path / "maps")
    assert printed.count("max anomaly") == len(images)
    values = [recipe.classes[0].value]
    for path in images:
        ours = app_model.predict(load_image(path))
        theirs = cv2.imread(str(tmp_path / "maps" / f"{path.stem}.anomaly.png"),
                            cv2.IMREAD_UNCHANGED)[None]
        assert theirs.shape == ours.shape
        assert np.abs(ours.astype(int) - theirs).max() <= 2
        zones = ZoneCache()
        assert grade(theirs, values, recipe, zones).grade == grade(ours, values, recipe,
                                                                   zones).grade


def test_a_good_only_zip_package_opens_and_a_changed_runner_is_refused(good_only, tmp_path):
    project, row, _, samples = good_only
    deploy(project, row.id, "holes", tmp_path / "pkg.zip")
    with open_package(tmp_path / "pkg.zip") as pkg:
        assert (pkg.root / "runner.py").is_file() and (pkg.root / "arrays.npz").is_file()
    root = tmp_path / "pkg"
    deploy(project, row.id, "holes", root)
    runner = root / "runner.py"
    runner.write_text(runner.read_text() + "\nprint('changed')\n")
    with pytest.raises(PackageError, match="runner.py does not match its sha256"):
        open_package(root)
    m = json.loads((root / MANIFEST).read_text())
    m["files"]["runner.py"] = sha256_file(runner)  # a consistent but foreign package
    (root / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(PackageError, match="runner.py in the package differ"):
        verify_package(root, [samples], threads=1)


def test_the_pixel_classifier_deploys_with_its_own_code_and_grades_like_the_app(project,
                                                                               tmp_path):
    from app.core.grading import ClassSetting, Recipe, Rule
    from app.core.pixel_classifier import PixelClassifier, balanced, training_rows
    from app.core.pixel_features import FilterBank
    from app.ml.checkpoint import ClassInfo
    from app.ml.pixel_model import save_pixel_classifier
    from tests.support.pixel_parts import line_part

    crack = project.classes.add("crack")
    bank, rng = FilterBank(sigmas=(1.0, 2.0)), np.random.default_rng(0)
    rows = []
    for seed in range(3):
        img, mask = line_part(seed, (48, 64))
        mask[mask > 0] = crack.value
        rows.append(training_rows(bank.compute(img), mask, complete=True, rng=rng))
    clf = PixelClassifier.fit(bank, [crack.value], balanced(rows, [crack.value], rng),
                              hidden=4, iterations=30)
    folder = project.models.folder / "pixel"
    config = save_pixel_classifier(folder, clf, [ClassInfo(crack.value, "crack")])
    row = project.models.register("pixel", folder, config.to_dict(), {},
                                  config.weights_sha256, 3)
    project.recipes.save("lines", Recipe(
        name="lines", classes=(ClassSetting(crack.value, "crack", 0.5),),
        rules=(Rule(crack.value, grade="SCRAP", max_area_mm2=30),)).to_dict())

    root = tmp_path / "pkg"
    m = deploy(project, row.id, "lines", root).manifest
    assert (m["kind"], m["pixel"]["filter_bank"]["sigmas"]) == ("PixelClassifier", [1.0, 2.0])
    assert set(m["files"]) == {"arrays.npz", "runner.py", "ds_pixel/__init__.py",
                               "ds_pixel/pixel_features.py", "ds_pixel/pixel_classifier.py",
                               "checkpoint/config.json", "checkpoint/weights.safetensors"}
    samples = tmp_path / "samples"
    samples.mkdir()
    for seed in (10, 11):
        img, _ = line_part(seed, (48, 64))
        cv2.imwrite(str(samples / f"line{seed}.png"), img)
    cv2.imwrite(str(samples / "plain.png"), np.full((40, 50), 100, np.uint8))
    report = verify_package(root, [samples], threads=1)
    assert report.ok and len(report.checked) == 3 and report.max_abs_diff == 0.0
    assert {p.torch_grade for p in report.checked} == {"OK", "SCRAP"}
    printed = runner_maps(root, sorted(samples.glob("*.png")), tmp_path / "maps")
    ours = clf.predict(load_image(samples / "line10.png"))[0]
    assert np.array_equal(cv2.imread(str(tmp_path / "maps" / "line10.crack.png"),
                                     cv2.IMREAD_UNCHANGED), ours)
    assert "line10.png: max crack" in printed
    (samples / "bad.png").write_bytes(b"not an image")
    said = runner_maps(root, [samples / "bad.png", samples / "plain.png"], tmp_path / "maps", 1)
    assert f"{samples / 'bad.png'}: skipped: cannot read" in said


def test_the_cli_deploys_and_verifies_a_good_only_model(tmp_path, capsys):
    from app.cli import main

    project, row, _ = good_only_line(tmp_path / "line")
    path = project.path
    project.close()
    samples = good_only_samples(tmp_path / "samples")
    out = tmp_path / "holes.zip"
    assert main(["deploy", str(path), "--model", str(row.id), "--recipe", "holes",
                 "--out", str(out)]) == 0, capsys.readouterr().err
    stdout = capsys.readouterr().out
    assert f"Package written: {out}" in stdout and "good parts only: 50 good patches" in stdout
    rc = main(["deploy-verify", str(out), str(samples / "good100.png"),
               str(samples / "hole100.png"), "--threads", "1"])
    stdout, err = capsys.readouterr()
    assert rc == 0, err
    assert "app OK, package OK" in stdout and "app SCRAP, package SCRAP" in stdout
    assert "2 image(s) compared: every grade equal" in stdout


def test_a_model_of_a_kind_without_a_package_is_refused_by_name(good_only, tmp_path):
    import shutil

    project, row, _, _ = good_only
    folder = project.models.folder / "mystery"
    shutil.copytree(project.models.path(row), folder)
    config = json.loads((folder / "config.json").read_text())
    config["kind"] = "mystery"
    (folder / "config.json").write_text(json.dumps(config))
    other = project.models.register("mystery", folder, config, {}, row.weights_sha256, 0)
    with pytest.raises(PackageError, match="model mystery is a 'mystery' model; deployment "
                                           "packages hold segmentation, anomaly, "
                                           "PixelClassifier models"):
        deploy(project, other.id, "holes", tmp_path / "pkg.zip")
    assert list(tmp_path.iterdir()) == []


def test_runner_py_imports_nothing_from_the_app():
    import ast

    from app.jobs.deploy_kinds import RUNNER_SOURCE

    tree = ast.parse(RUNNER_SOURCE.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported == {"__future__", "argparse", "importlib", "json", "sys", "pathlib", "cv2",
                        "numpy", "onnxruntime"}
