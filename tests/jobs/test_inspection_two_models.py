"""An inspection run with a defect-segmentation model and a good-parts-only model: both recorded,
the anomaly map graded as the class "anomaly" beside the model's classes, resumed with both.

The segmentation model is tiny with a constant output (every pixel "spot" at 0.9: one spot
component the size of the part); the good-parts-only model is fitted on textured good parts
(tests/support/anomaly_parts.py) and flags the pasted blowhole of the defective part only.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from app.core.grading import ClassSetting, Recipe, Rule
from app.core.grading.components import threshold_components
from app.jobs.context import Canceled, JobContext
from app.jobs.inspection import PLAN_ACTION, PartInspector, inspect, run_anomaly_model
from app.store import Project
from tests.support.anomaly_parts import good_part, register_good_only_model, with_defect
from tests.support.inspection import add_model

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def line(tmp_path):
    """(project, segmentation model id, good-only ModelRow, folder of a good and a bad part)."""
    project = Project.create(tmp_path / "two.dsproj")
    seg = add_model(project, constant=0.9)
    good = register_good_only_model(project)
    spot, anomaly = project.classes.by_name("spot").value, project.classes.by_name("anomaly").value
    recipe = Recipe(name="both", classes=(ClassSetting(spot, "spot", 0.5),
                                          ClassSetting(anomaly, "anomaly", 0.5)),
                    rules=(Rule(anomaly, grade="REWORK", max_count=0),))
    project.recipes.save("both", recipe.to_dict())
    lot = tmp_path / "lot"
    lot.mkdir()
    cv2.imwrite(str(lot / "bad.png"), with_defect(good_part(600))[0])
    cv2.imwrite(str(lot / "good.png"), good_part(601))
    yield project, seg, good, lot
    project.close()


def by_stem(project, run_id):
    return {Path(r.image_path).stem: r for r in project.runs.results(run_id)}


def test_a_run_with_both_models_records_both_and_grades_the_anomaly_class(line):
    from app.ml.inference import load_model_for_inference

    project, seg, good, lot = line
    run = inspect(project, [lot], seg, "both", name="two models", anomaly_model_id=good.id)
    assert (run.status, run.model_id) == ("done", seg)
    assert run_anomaly_model(project, run.id) == good.id
    (plan,) = [a for a in project.audit.list(action=PLAN_ACTION) if a.entity_id == run.id]
    assert plan.detail["anomaly_model_id"] == good.id and len(plan.detail["images"]) == 2

    parts = by_stem(project, run.id)
    assert {k: r.grade for k, r in parts.items()} == {"bad": "REWORK", "good": "OK"}
    assert sorted(c.class_name for c in parts["good"].components) == ["spot"]
    bad = parts["bad"]
    assert sorted(c.class_name for c in bad.components) == ["anomaly", "spot"]
    (found,) = [c for c in bad.components if c.class_name == "anomaly"]
    assert [r.text for r in bad.reasons if r.is_grade_reason] and \
        all("anomaly" in r.text for r in bad.reasons if r.is_grade_reason)
    # exactly the component of the good-only model's own map at the recipe's threshold
    image = cv2.imread(str(lot / "bad.png"), cv2.IMREAD_UNCHANGED)
    amap = load_model_for_inference(project.models.path(good)).predict(image)
    (expected,) = threshold_components(amap[0], 0.5)
    assert (tuple(found.bbox), found.area_px) == (expected.bbox, expected.area_px)
    x, y, w, h = found.bbox
    assert x <= 44 < x + w and y <= 40 < y + h  # around the pasted blowhole (44, 40)
    (spot,) = [c for c in bad.components if c.class_name == "spot"]
    assert spot.area_px == 160 * 160

    again = PartInspector.for_run(project, run.id)
    assert again.class_values == [project.classes.by_name("spot").value, good.config[
        "classes"][0]["value"]]
    again.close()


def test_a_stopped_run_resumes_with_both_models(line):
    project, seg, good, lot = line
    ctx = JobContext()
    with pytest.raises(Canceled):
        inspect(project, [lot], seg, "both", ctx, anomaly_model_id=good.id, pipeline=False,
                on_result=lambda _r: ctx.cancel())
    (run,) = project.runs.list()
    assert len(project.runs.results(run.id)) == 1
    with pytest.raises(ValueError, match=f"grades with good-parts model {good.id}, not {seg}"):
        inspect(project, None, None, None, run_id=run.id, anomaly_model_id=seg)
    done = inspect(project, None, None, None, run_id=run.id)
    assert done.status == "done"
    assert {k: r.grade for k, r in by_stem(project, run.id).items()} == {"bad": "REWORK",
                                                                          "good": "OK"}


def test_a_wrong_pair_is_refused_and_no_run_is_made(line):
    project, seg, good, lot = line
    with pytest.raises(ValueError, match="is not a good-parts-only model"):
        inspect(project, [lot], seg, "both", anomaly_model_id=seg)
    with pytest.raises(ValueError, match="is a good-parts-only model too"):
        inspect(project, [lot], good.id, "both", anomaly_model_id=good.id)
    with pytest.raises(ValueError, match="no model 99"):
        inspect(project, [lot], seg, "both", anomaly_model_id=99)
    assert project.runs.list() == []


def test_the_pair_and_the_names_follow_the_active_model_rule(line):
    from app.jobs.good_only import GOOD_ONLY_KIND, default_pair, find_model
    from app.ml.anomaly_model import KIND

    project, seg, good, _lot = line
    assert GOOD_ONLY_KIND == KIND  # the torch-free spelling is the model's
    assert default_pair(project) == (seg, good.id)
    project.models.set_active(good.id, chosen=True)  # a good-only model active: still paired
    assert default_pair(project) == (seg, good.id)
    assert find_model(project, "good-only").id == good.id
    assert find_model(project, str(seg)).id == seg
    with pytest.raises(ValueError, match="no model 'nope'.*good-only"):
        find_model(project, "nope")


def test_cli_inspects_with_an_anomaly_model_by_name(line, capsys):
    from app.cli import main

    project, seg, good, lot = line
    path = project.path
    project.close()
    assert main(["inspect", str(path), str(lot), "--model", str(seg), "--recipe", "both",
                 "--anomaly-model", "nope"]) == 1
    assert "no model 'nope'" in capsys.readouterr().err
    assert main(["inspect", str(path), str(lot), "--model", str(seg), "--recipe", "both",
                 "--anomaly-model", "good-only"]) == 0
    out = capsys.readouterr().out
    assert f"good-parts model {good.id} (good-only)" in out and "REWORK 1" in out
    with Project.open(path) as p:
        (run,) = p.runs.list()
        assert run_anomaly_model(p, run.id) == good.id
        from app.jobs.reports import run_info

        assert run_info(p, run.id).to_dict()["anomaly_model"] == {
            "id": good.id, "name": "good-only", "weights_sha256": good.weights_sha256}
