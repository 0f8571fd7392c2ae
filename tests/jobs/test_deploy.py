"""Deployment packages: the manifest, folder and zip forms, refusing unsafe archives, and the
ONNX model grading like torch."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest

from app.jobs.context import JobContext
from app.jobs.deploy import (
    MANIFEST,
    PackageError,
    deploy,
    open_package,
    safe_member,
    verify_package,
)
from app.store import Project
from tests.support.deploy import fake_exporter
from tests.support.inspection import (
    add_model,
    make_inspection_project,
)

pytestmark = pytest.mark.usefixtures("one_thread")

torch = pytest.importorskip("torch")






def test_a_folder_package_carries_everything_to_grade_like_the_app(line, tmp_path):
    project, model_id, _ = line
    result = deploy(project, model_id, "size", tmp_path / "pkg", JobContext(),
                    exporter=fake_exporter)
    root = tmp_path / "pkg"
    assert result.path == root
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "checkpoint/config.json", "checkpoint/weights.safetensors", "deploy.json", "model.onnx"]
    m = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    assert m == result.manifest and m["format"] == "defect-studio.deploy"
    assert m["model"]["onnx"]["opset"] == 17 and m["model"]["id"] == model_id
    assert m["model"]["onnx"]["input"]["shape"] == ["batch", 1, "height", "width"]
    pre = m["preprocessing"]
    assert pre["normalization"]["mean"] == [0.4] and pre["normalization"]["std"] == [0.2]
    assert (pre["tile_size"], pre["overlap"], pre["channels"]) == (64, 16, 1)
    assert m["classes"] == [{"value": 1, "name": "spot", "color": "#00ff00", "channel": 1}]
    assert m["recipe"]["ref"] == "size@1"
    assert m["recipe"]["body"]["rules"][0]["max_area_mm2"] == 2000
    assert m["calibration"] == {"mm_per_pixel": 1.0, "calibrated": False, "length_unit": "px",
                                "area_unit": "px"}
    assert set(m["files"]) == {"model.onnx", "checkpoint/config.json",
                               "checkpoint/weights.safetensors"}
    with open_package(root) as pkg:
        assert pkg.recipe().rules[1].grade == "SCRAP" and pkg.onnx_path.is_file()

    (root / "model.onnx").write_bytes(b"tampered")
    with pytest.raises(PackageError, match="model.onnx does not match its sha256"):
        open_package(root)
    with pytest.raises(PackageError, match="not an empty folder"):
        deploy(project, model_id, "size", root, exporter=fake_exporter)
    with pytest.raises(ValueError, match="no model 7"):
        deploy(project, 7, "size", tmp_path / "x.zip", exporter=fake_exporter)


def test_a_zip_package_opens_into_a_temporary_folder(line, tmp_path):
    project, model_id, _ = line
    out = tmp_path / "housing.zip"
    deploy(project, model_id, "size@1", out, exporter=fake_exporter)
    assert not (tmp_path / "housing.zip.tmp").exists()
    assert not list(tmp_path.glob(".deploy-*"))  # the work folder is gone
    with zipfile.ZipFile(out) as z:
        assert z.namelist()[0] == MANIFEST
    with open_package(out) as pkg:
        unpacked = pkg.root
        assert (unpacked / "checkpoint" / "weights.safetensors").is_file()
    assert not unpacked.exists()
    dest = tmp_path / "unpacked"
    pkg = open_package(out, extract_to=dest)
    assert pkg.root == dest and (dest / MANIFEST).is_file()


def evil_zip(path: Path, name: str, link: bool = False) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(MANIFEST, json.dumps({"format": "defect-studio.deploy", "version": 1}))
        info = zipfile.ZipInfo(name)
        if link:
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd" if link else "pwned")
    return path


@pytest.mark.parametrize("name, link", [
    ("../evil.txt", False),
    ("ok/../../evil.txt", False),
    ("{tmp}/evil.txt", False),
    ("C:/evil.txt", False),
    ("..\\evil.txt", False),
    ("checkpoint/link", True),
])
def test_an_archive_with_paths_outside_it_is_refused_and_nothing_is_written(tmp_path, name,
                                                                            link):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    package = evil_zip(work / "evil.zip", name.format(tmp=tmp_path.as_posix()), link)
    dest = work / "dest"
    before = sorted(p for p in tmp_path.rglob("*"))
    with pytest.raises(PackageError, match="refused"):
        open_package(package, extract_to=dest)
    assert sorted(p for p in tmp_path.rglob("*")) == before  # not even the destination
    with pytest.raises(PackageError, match="refused"):
        open_package(package)  # into a temporary folder: same check first


def test_member_names_are_normalized_or_refused():
    assert safe_member("./checkpoint//config.json") == "checkpoint/config.json"
    for bad in ("", "..", "a/../../b", "\\\\server\\share", "D:x"):
        with pytest.raises(PackageError):
            safe_member(bad)


def test_a_package_without_manifest_or_with_missing_files_is_refused(tmp_path):
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("model.onnx", b"x")
    with pytest.raises(PackageError, match="no deploy.json"):
        open_package(plain)
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / MANIFEST).write_text(json.dumps(
        {"format": "defect-studio.deploy", "version": 1, "files": {"model.onnx": "00"},
         "model": {"onnx": {"file": "model.onnx"},
                   "checkpoint": {"config": "checkpoint/config.json",
                                  "weights": "checkpoint/weights.safetensors"}}}))
    with pytest.raises(PackageError, match="lacks model.onnx"):
        open_package(tmp_path / "folder")


def test_without_onnx_deploy_says_what_to_install(line, tmp_path, monkeypatch):
    import app.ml.onnx_export as onnx_export

    project, model_id, _ = line
    monkeypatch.setattr(onnx_export, "missing", lambda *modules: list(modules))
    with pytest.raises(onnx_export.OnnxUnavailable, match="pip install onnx onnxruntime"):
        deploy(project, model_id, "size", tmp_path / "p.zip")
    assert not (tmp_path / "p.zip").exists()


def test_the_onnx_model_grades_like_torch(tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    path, _, folder = make_inspection_project(tmp_path)
    with Project.open(path) as p:
        model_id = add_model(p, "random", constant=None, seed=3)  # real spatial variation
        deploy(p, model_id, "size", tmp_path / "pkg.zip")
    samples = tmp_path / "samples"
    samples.mkdir()
    rng = np.random.default_rng(0)
    import cv2

    for i, (h, w) in enumerate([(70, 90), (64, 64), (33, 130)]):  # tiled, one tile, padded
        cv2.imwrite(str(samples / f"s{i}.png"), rng.integers(0, 256, (h, w), dtype=np.uint8))
    report = verify_package(tmp_path / "pkg.zip", [samples, folder / "bad.png"], threads=1)
    assert len(report.checked) == 3 and report.parts[-1].error  # the unreadable part is listed
    assert report.ok and report.mismatches == []
    assert report.max_abs_diff <= 2 / 255
    assert any(p.torch_components for p in report.checked)  # something was found to compare
