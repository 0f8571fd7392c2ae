"""Deeply nested JSON ('[' * 100000 + ']' * 100000) is refused with a sentence, no RecursionError
traceback, wherever the app reads a user's JSON file."""

import pytest

from app.cli import main
from app.core.interchange.files import read_json
from app.core.interchange.model import DatasetError
from app.core.labelme import LabelmeError, read_labelme

DEEP = "[" * 100000 + "]" * 100000


def test_coco_file_through_the_cli(tmp_path, capsys):
    """The probe's case: the deep document given as a COCO file."""
    (tmp_path / "coco.json").write_text(DEEP)
    rc = main(["import-dataset", str(tmp_path / "p.dsproj"), str(tmp_path / "coco.json"),
               "--format", "coco", "--create"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "coco.json is nested too deeply to be a dataset file" in err
    assert "RecursionError" not in err and "Traceback" not in err


def test_dataset_index_and_labelme_file(tmp_path):
    (tmp_path / "x.json").write_text(DEEP)
    with pytest.raises(DatasetError, match="nested too deeply"):
        read_json(tmp_path / "x.json", "index")
    with pytest.raises(LabelmeError, match="nested too deeply"):
        read_labelme(tmp_path / "x.json")


def test_deployment_manifest(tmp_path):
    from app.jobs.deploy import PackageError, _read_manifest

    (tmp_path / "manifest.json").write_text(DEEP)
    with pytest.raises(PackageError, match="nested too deeply"):
        _read_manifest(tmp_path / "manifest.json")


def test_model_config_and_train_spec(tmp_path, capsys):
    from app.ml.checkpoint import CheckpointError, read_config

    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "config.json").write_text(DEEP)
    with pytest.raises(CheckpointError, match="nested too deeply"):
        read_config(tmp_path / "ckpt")
    (tmp_path / "spec.json").write_text(DEEP)
    from app.store import Project

    Project.create(tmp_path / "p.dsproj").close()
    rc = main(["train", str(tmp_path / "p.dsproj"), "--spec", str(tmp_path / "spec.json")])
    err = capsys.readouterr().err
    assert rc != 0 and "nested too deeply" in err and "Traceback" not in err
