"""Deployment packages: a manifest without its model entry, ONNX external data outside the
package, and the hidden work folder a killed deploy leaves behind."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.core.imageio import sha256_file
from app.jobs.deploy import MANIFEST, PackageError, deploy, open_package
from tests.jobs.test_deploy import fake_exporter, line  # noqa: F401 - fixture

onnx = pytest.importorskip("onnx")


def external_data_exporter(location):
    def export(model, path, in_channels, sample_size=256):
        from onnx import TensorProto, helper

        t = helper.make_tensor("w", TensorProto.FLOAT, [1], [1.0])
        del t.float_data[:]
        t.data_location = TensorProto.EXTERNAL
        entry = t.external_data.add()
        entry.key, entry.value = "location", location
        graph = helper.make_graph([helper.make_node("Identity", ["w"], ["y"])], "g", [],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
                                  initializer=[t])
        path.write_bytes(helper.make_model(graph).SerializeToString())
    return export


def test_manifest_without_its_model_entry_is_a_sentence(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"x")
    (tmp_path / MANIFEST).write_text(json.dumps({
        "format": "defect-studio.deploy", "version": 1,
        "files": {"model.onnx": sha256_file(tmp_path / "model.onnx")}}))
    with pytest.raises(PackageError, match="does not name the model files"):
        open_package(tmp_path)
    (tmp_path / MANIFEST).write_text(json.dumps({"format": "defect-studio.deploy",
                                                 "version": "1e9"}))
    with pytest.raises(PackageError, match="'version' must be a whole number"):
        open_package(tmp_path)


def test_onnx_external_data_outside_the_package_is_refused(line, tmp_path):  # noqa: F811
    project, model_id, _ = line
    (tmp_path / "outside.bin").write_bytes(b"\0" * 4)
    deploy(project, model_id, "size", tmp_path / "pkg",
           exporter=external_data_exporter("../outside.bin"))
    with pytest.raises(PackageError, match=r"keeps tensor 'w' in '../outside.bin', outside "
                                           r"the package"):
        open_package(tmp_path / "pkg")


def test_a_killed_deploys_work_folder_is_cleaned_on_the_next_run(line, tmp_path):  # noqa: F811
    project, model_id, _ = line
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f".deploy-{gone.stdout.strip()}-abc123"
    (stale / "checkpoint").mkdir(parents=True)
    (stale / "model.onnx").write_bytes(b"half")
    old_style_alive = tmp_path / ".deploy-1-keep"  # pid 1 is alive: not ours to remove
    old_style_alive.mkdir()
    deploy(project, model_id, "size", tmp_path / "pkg.zip", exporter=fake_exporter)
    assert not stale.exists() and old_style_alive.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".deploy-")) == [
        ".deploy-1-keep"]
