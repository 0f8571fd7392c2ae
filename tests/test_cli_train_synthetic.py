"""`defect-studio train --synthetic on|off|auto` on a tiny project (in process, via main)."""

from __future__ import annotations

import json
import os

import pytest

from app.cli import main
from app.store import Project
from tests.support.tiny_project import TINY_SPEC as TINY
from tests.support.tiny_project import make_tiny_project

os.environ.setdefault("DEFECT_STUDIO_OFFLINE", "1")


@pytest.mark.parametrize("mode", ["on", "off"])
def test_train_with_and_without_synthetic_defects(tmp_path, capsys, mode):
    tiny = make_tiny_project(tmp_path)
    code = main(["train", str(tiny), "--spec", json.dumps(TINY), "--epochs", "1", "--batch", "4",
                 "--device", "cpu", "--threads", "1", "--no-predict", "--synthetic", mode])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert ("Synthetic defects (on):" in out) == (mode == "on")
    with Project.open(tiny, readonly=True) as p:
        (row,) = p.models.list()
        notes = [n for n in row.config.get("notes", []) if n.startswith("Synthetic defects")]
    assert bool(notes) == (mode == "on")  # the model says how it was trained


def test_a_wrong_synthetic_mode_is_refused_before_anything_runs(tmp_path, capsys):
    tiny = make_tiny_project(tmp_path)
    before = tiny.read_bytes()
    with pytest.raises(SystemExit) as exit_:
        main(["train", str(tiny), "--synthetic", "sometimes"])
    assert exit_.value.code == 2
    assert "argument --synthetic: invalid choice: 'sometimes'" in capsys.readouterr().err
    assert tiny.read_bytes() == before


def test_synthetic_defects_inside_a_zone_and_an_unknown_zone_refused(tmp_path, capsys):
    from tests.support.zoned_project import make_zoned_project

    zoned = make_zoned_project(tmp_path / "zoned")
    base = ["train", str(zoned), "--spec", json.dumps(TINY), "--epochs", "1", "--batch", "4",
            "--device", "cpu", "--threads", "1", "--no-predict", "--synthetic", "on"]
    assert main(base + ["--synthetic-zone", "lid"]) != 0
    out, err = capsys.readouterr()
    assert "no zone 'lid' for synthetic defects; zones: housing:seal, housing:edge" in out + err
    with Project.open(zoned, readonly=True) as p:
        assert p.models.list() == []  # nothing trained, nothing registered

    code = main(base + ["--synthetic-zone", "seal"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "inside zone seal" in out
    with Project.open(zoned, readonly=True) as p:
        (row,) = p.models.list()
        assert any(n.endswith("inside zone seal") for n in row.config["notes"])
