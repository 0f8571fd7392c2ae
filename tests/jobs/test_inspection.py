"""Inspection runs: every part graded and stored, unreadable parts listed, cancel and resume.

The model is tiny with its last layer set to a constant: every pixel of every part has the
probability 0.9 of class "spot", so a part is one component as large as the image and its
grade follows from its size: 36 px OK, 44 px OK but near the REWORK limit, 48 px REWORK,
64 px SCRAP (limits 2000 and 3000 px²).
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.core.grading import ClassSetting, Recipe, Rule
from app.core.inspection_record import RECORD_VERSION
from app.jobs.context import Canceled, JobContext
from app.jobs.inspection import (
    MAX_COMPONENTS,
    InspectionCanceled,
    PartInspector,
    StageTimes,
    image_abspath,
    inspect,
    result_record,
    run_plan,
    stored_path,
)
from app.store import Project

os.environ.setdefault("DEFECT_STUDIO_OFFLINE", "1")

from tests.support.inspection import add_model, make_inspection_project, size_recipe, write_parts

pytestmark = pytest.mark.usefixtures("one_thread")

GRADES = {"p36": "OK", "p44": "OK", "p48": "REWORK", "p64": "SCRAP"}












@pytest.fixture
def line(tmp_path):
    path, model_id, folder = make_inspection_project(tmp_path)
    with Project.open(path) as p:
        yield p, model_id, folder


def by_name(results) -> dict:
    return {Path(r.image_path).stem: r for r in results}


def test_a_run_grades_every_part_and_keeps_the_unreadable_one_with_its_reason(line):
    project, model_id, folder = line
    logs, progress = [], []
    ctx = JobContext(progress_fn=lambda d, t, m: progress.append((d, t)), log_fn=logs.append)
    run = inspect(project, [folder], model_id, "size", ctx, name="lot 42")
    assert (run.status, run.name, run.model_id) == ("done", "lot 42", model_id)
    assert project.recipes.get_by_id(run.recipe_id).ref == "size@1"
    assert progress[-1] == (5, 5) and any("notes.txt" in m for m in logs)

    results = project.runs.results(run.id)
    parts = by_name(results)
    assert sorted(parts) == ["bad", "p36", "p44", "p48", "p64"]
    bad = parts.pop("bad")
    assert bad.grade is None and bad.flagged and bad.risk == 1.0
    assert "IHDR" in bad.error and bad.components == [] and len(bad.sha256) == 64
    assert {k: r.grade for k, r in parts.items()} == GRADES
    assert all(r.error is None for r in parts.values())
    # Most risky first: the unreadable part, then worst grade, then closeness to a limit.
    assert [Path(r.image_path).stem for r in results] == ["bad", "p64", "p48", "p44", "p36"]
    assert not parts["p36"].flagged and parts["p36"].risk == 0.0
    assert parts["p44"].flagged and 0 < parts["p44"].risk < 1 / 3  # OK, but near a limit
    flags = [r for r in parts["p44"].reasons if r.kind == "borderline"]
    assert [f.check for f in flags] == ["measurement"] and flags[0].limit == 2000

    (c,) = parts["p48"].components
    assert c.class_name == "spot" and c.grade == "REWORK" and c.bbox == (0, 0, 48, 48)
    assert c.area_mm2 == 48 * 48 and c.length_mm == 48
    assert c.zones == {"whole-image": 38 * 48, "edge": 10 * 48}
    assert c.max_prob == pytest.approx(0.9, abs=0.01)
    assert sorted(c.outline) == [(0, 0), (0, 47), (47, 0), (47, 47)]  # outline
    texts = [r.text for r in parts["p48"].reasons if r.kind == "area"]
    assert texts == ["spot 2304 px in whole-image exceeds max area 2000 px -> REWORK"]
    assert parts["p48"].reasons[0].value == 2304 and parts["p48"].reasons[0].limit == 2000
    assert parts["p48"].record_version == RECORD_VERSION
    assert parts["p48"].image_path == "lot/p48.png"  # relative: inside the project folder
    assert image_abspath(project, parts["p48"].image_path) == folder / "p48.png"


def test_cancel_then_resume_finishes_the_run_without_duplicates(line):
    project, model_id, folder = line
    ctx = JobContext()
    stored = []

    def after(part):
        stored.append(part)
        if len(stored) == 2:
            ctx.cancel()  # the user presses Stop while the second part is stored

    with pytest.raises(InspectionCanceled) as stop:
        inspect(project, [folder], model_id, "size", ctx, on_result=after)
    assert isinstance(stop.value, Canceled)
    run_id = stop.value.run_id
    assert project.runs.get(run_id).status == "canceled"
    first = {r.image_path: r.id for r in project.runs.results(run_id)}
    # Parts the model had finished when Stop came are stored too; the rest are not.
    assert 2 <= len(first) < 5 and set(first) == {p.image_path for p in stored}
    assert [p.result_id for p in stored] == sorted(first.values())

    logs = []
    run = inspect(project, None, None, None, JobContext(log_fn=logs.append), run_id=run_id)
    assert run.status == "done" and any(f"{len(first)} of 5 parts already" in m for m in logs)
    results = project.runs.results(run_id)
    assert len(results) == 5 and len({r.image_path for r in results}) == 5
    assert all(first[r.image_path] == r.id for r in results if r.image_path in first)
    # Resuming a finished run with the same images again adds nothing.
    again = inspect(project, [folder], model_id, "size", JobContext(), run_id=run_id)
    assert again.status == "done" and len(project.runs.results(run_id)) == 5
    assert len(run_plan(project, run_id)) == 5


def test_a_run_canceled_before_its_first_part_is_kept_empty_and_resumable(line):
    project, model_id, folder = line
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(InspectionCanceled) as stop:
        inspect(project, [folder / "p64.png"], model_id, "size", ctx)
    assert project.runs.results(stop.value.run_id) == []
    run = inspect(project, None, None, None, JobContext(), run_id=stop.value.run_id)
    assert [r.grade for r in project.runs.results(run.id)] == ["SCRAP"]


def test_bad_requests_are_refused_before_a_run_exists(line, tmp_path):
    project, model_id, folder = line
    with pytest.raises(ValueError, match="no recipe 'nope'"):
        inspect(project, [folder], model_id, "nope", JobContext())
    with pytest.raises(ValueError, match="no model 99"):
        inspect(project, [folder], 99, "size", JobContext())
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no images"):
        inspect(project, [empty], model_id, "size", JobContext())
    assert project.runs.list() == []
    run = inspect(project, [folder / "p36.png"], model_id, "size@1", JobContext())
    other = add_model(project, "other")
    with pytest.raises(ValueError, match=f"model {model_id}, not {other}"):
        inspect(project, None, other, None, JobContext(), run_id=run.id)
    project.recipes.save("size", {**size_recipe(1).to_dict(), "name": "size v2"})
    with pytest.raises(ValueError, match="recipe size@1, not size@2"):
        inspect(project, None, None, "size@2", JobContext(), run_id=run.id)


def test_parts_outside_the_project_folder_are_stored_with_absolute_paths(line, tmp_path_factory):
    project, model_id, _ = line
    outside = write_parts(tmp_path_factory.mktemp("elsewhere") / "parts")
    assert stored_path(project, outside / "p36.png") == (outside / "p36.png").as_posix()
    times = StageTimes()
    run = inspect(project, [outside / "p36.png", outside / "missing.png"], model_id, "size",
                  JobContext(), times=times)
    parts = by_name(project.runs.results(run.id))
    assert parts["p36"].image_path == (outside / "p36.png").as_posix()
    assert parts["missing"].error.startswith("cannot open the file")
    assert parts["missing"].sha256 == ""
    assert times.parts == 1 and times.forward > 0 and times.store > 0
    assert 0 < times.outside_forward < 1 and set(times.to_dict()) >= {"load", "forward"}


def test_the_review_can_reinspect_a_stored_part(line):
    project, model_id, folder = line
    run = inspect(project, [folder / "p48.png"], model_id, "size", JobContext())
    (stored,) = project.runs.results(run.id)
    inspector = PartInspector.for_run(project, run.id, device="cpu")
    try:
        outcome = inspector.inspect_file(image_abspath(project, stored.image_path))
    finally:
        inspector.close()
    assert outcome.verdict.grade == stored.grade and outcome.probs.shape == (1, 48, 48)
    record = outcome.record(inspector.recipe, inspector.class_names)
    assert list(record.components) == stored.components and record.risk == stored.risk


def test_every_way_of_running_gives_the_same_results(line, monkeypatch):
    import app.jobs.inspection.job as inspection

    project, model_id, folder = line
    a = inspect(project, [folder], model_id, "size", JobContext())  # grades beside the model
    b = inspect(project, str(folder), model_id, "size", JobContext(), pipeline=False)
    monkeypatch.setattr(inspection, "spare_cores", lambda inspector: False)
    c = inspect(project, [folder], model_id, "size", JobContext())  # grades on the job thread

    def fields(run_id):
        return sorted((r.image_path, r.grade, r.risk, r.flagged, r.error, r.components)
                      for r in project.runs.results(run_id))

    assert fields(a.id) == fields(b.id) == fields(c.id)


def test_onnx_runtime_inspects_like_pytorch_through_the_same_entry_point(line, monkeypatch):
    pytest.importorskip("onnxruntime")
    project, model_id, folder = line
    torch_run = inspect(project, [folder], model_id, "size", JobContext())  # tests: torch
    monkeypatch.setenv("DEFECT_STUDIO_BACKEND", "auto")  # the app's default: ONNX on the CPU
    said = []
    onnx_run = inspect(project, [folder], model_id, "size", JobContext(log_fn=said.append))
    assert any("ONNX Runtime copy" in s for s in said)
    assert list((project.models.folder / "tiny").glob("onnx-*.onnx"))

    def fields(run_id):
        return sorted((r.image_path, r.grade, r.flagged, r.error, len(r.components))
                      for r in project.runs.results(run_id))

    assert fields(onnx_run.id) == fields(torch_run.id)


def test_a_failure_while_storing_stops_the_run_and_it_resumes(line):
    project, model_id, folder = line

    def explode(part):
        if part.image_path.endswith("p44.png"):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        inspect(project, [folder], model_id, "size", JobContext(), on_result=explode)
    (run,) = project.runs.list()
    assert run.status == "canceled" and 3 <= len(project.runs.results(run.id)) < 5
    (error,) = [a for a in project.audit.list(action="run.error") if a.entity_id == run.id]
    assert error.detail["error"] == "RuntimeError: disk full"
    done = inspect(project, None, None, None, JobContext(), run_id=run.id)
    assert done.status == "done" and len(project.runs.results(run.id)) == 5


def test_many_components_are_capped_but_every_graded_one_is_kept():
    recipe = Recipe(classes=(ClassSetting(1, "pore", 0.5),),
                    rules=(Rule(1, grade="SCRAP", max_area_mm2=3),))
    probs = np.zeros((1, 60, 120), np.uint8)
    probs[0, ::2, ::2] = 255  # 1800 one-pixel pores
    probs[0, 1:3, 1:3] = 255  # one 3 x 3 blob (with its neighbours) over the limit
    from app.core.grading import grade
    from app.core.risk import assess

    verdict = grade(probs, [1], recipe)
    record = result_record(verdict, assess(verdict, recipe, probs, [1]), recipe)
    assert len(verdict.components) > MAX_COMPONENTS
    assert len(record.components) == MAX_COMPONENTS
    assert record.components[0].grade == "SCRAP" and record.grade == "SCRAP"
    note = record.reasons[-1]
    assert note.kind == "note" and note.value == len(verdict.components) - MAX_COMPONENTS


def test_stored_outlines_are_simplified_but_keep_the_shape():

    from app.jobs.inspection import MAX_OUTLINE_POINTS, outline_points

    disk = np.zeros((800, 800), np.uint8)
    cv2.circle(disk, (400, 400), 300, 255, -1)
    (contour,), _ = cv2.findContours(disk, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    assert len(contour) > 4 * MAX_OUTLINE_POINTS
    pts = np.array(outline_points(contour))
    assert 16 <= len(pts) <= MAX_OUTLINE_POINTS
    radius = np.hypot(pts[:, 0] - 400, pts[:, 1] - 400)
    assert np.all(np.abs(radius - 300) < 2)  # vertices on the border
    filled = np.zeros_like(disk)
    cv2.fillPoly(filled, [pts.astype(np.int32)], 255)
    assert np.count_nonzero(filled != disk) / np.count_nonzero(disk) < 0.01
    small = np.array([[1, 1], [1, 2], [2, 2]])
    assert outline_points(small) == small.tolist()  # short borders are kept as they are
