"""`defect-studio inspect`, `report`, `deploy` and `deploy-verify` end to end (in process)."""

from __future__ import annotations

import csv
import json
import zipfile

import pytest

from app.cli import main
from app.jobs.context import JobContext
from app.jobs.inspection import InspectionCanceled, inspect
from app.store import Project
from tests.support.inspection import (
    make_inspection_project,
)

pytestmark = pytest.mark.usefixtures("one_thread")

pytest.importorskip("torch")


@pytest.fixture
def line(tmp_path):
    return make_inspection_project(tmp_path)


def test_inspect_prints_the_grades_and_the_flagged_parts(line, tmp_path, capsys):
    path, model_id, folder = line
    out_csv = tmp_path / "lot42.csv"
    rc = main(["inspect", str(path), str(folder), "--model", str(model_id), "--recipe", "size",
               "--name", "lot 42", "--report", str(out_csv), "--device", "cpu"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Run 1 (lot 42): 5 part(s), model 1 (tiny), recipe size@1, status done" in out
    assert "OK 2, REWORK 1, SCRAP 1; errors 1; flagged for review 4" in out
    flagged = out.split("Flagged, most risky first:\n", 1)[1].splitlines()
    assert "lot/bad.png: error: corrupt PNG" in flagged[0]
    assert "SCRAP" in flagged[1] and "p64.png" in flagged[1]
    assert "p44.png: spot area 1936 px in whole-image is just under" in flagged[3]
    assert "100% 5/5" in err and "notes.txt: not an image file" in err
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8", newline="")))
    assert len(rows) == 5 and {r["run_name"] for r in rows} == {"lot 42"}

    rc = main(["report", str(path), "1", "--out", str(tmp_path / "rep")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "summary.json" in out and "pareto_class.png" in out
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text(encoding="utf-8"))
    assert summary["by_grade"] == {"OK": 2, "REWORK": 1, "SCRAP": 1}


def test_inspect_resumes_a_stopped_run(line, capsys):
    path, model_id, folder = line
    ctx = JobContext()
    with Project.open(path) as p:
        with pytest.raises(InspectionCanceled):
            inspect(p, [folder], model_id, "size", ctx, on_result=lambda part: ctx.cancel())
        kept = len(p.runs.results(1))
    assert 1 <= kept < 5
    rc = main(["inspect", str(path), "--resume", "1"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert f"Resuming run 1: {kept} of 5 parts already inspected" in err
    assert "Run 1" in out and "5 part(s)" in out and "status done" in out


def test_errors_are_one_clear_line(line, tmp_path, capsys):
    path, model_id, folder = line
    cases = [
        (["inspect", str(path), str(folder), "--model", "1"], "needs IMAGES, --model"),
        (["inspect", str(path), str(folder), "--model", "9", "--recipe", "size"], "no model 9"),
        (["inspect", str(path), str(folder), "--model", "1", "--recipe", "size@7"],
         "no recipe 'size@7'"),
        (["inspect", str(path), "--resume", "4"], "no inspection run 4 (runs: none)"),
        (["inspect", str(tmp_path / "nope.dsproj"), str(folder), "--model", "1", "--recipe",
          "size"], "no project file"),
        (["report", str(path), "3", "--out", str(tmp_path / "r")], "no inspection run 3"),
        (["deploy", str(path), "--model", "5", "--recipe", "size", "--out",
          str(tmp_path / "p.zip")], "no model 5"),
    ]
    for argv, message in cases:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_deploy_verify_refuses_an_unsafe_package(tmp_path, capsys):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("deploy.json", "{}")
        z.writestr("../../escaped.txt", "pwned")
    assert main(["deploy-verify", str(evil), str(tmp_path)]) == 1
    assert "refused: member '../../escaped.txt' points outside" in capsys.readouterr().err
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_deploy_then_verify(line, tmp_path, capsys):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    path, model_id, folder = line
    out = tmp_path / "pkg.zip"
    rc = main(["deploy", str(path), "--model", str(model_id), "--recipe", "size", "--out",
               str(out)])
    stdout, err = capsys.readouterr()
    assert rc == 0, err
    assert f"Package written: {out}" in stdout and "recipe size@1" in stdout
    rc = main(["deploy-verify", str(out), str(folder / "p48.png"), str(folder / "p36.png"),
               "--threads", "1"])
    stdout, err = capsys.readouterr()
    assert rc == 0, err
    assert "same     " in stdout and "torch REWORK, onnx REWORK" in stdout
    assert "2 image(s) compared: every grade equal" in stdout
