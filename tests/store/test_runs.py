"""Inspection runs, resumable results, and append-only review decisions."""


import pytest

from app.core.inspection_record import InspectionRecord
from tests.support.raw_sql import REFUSED, outside_sql


def make_run(project):
    recipe = project.recipes.save("housing", {"t": 0.5})
    return project.runs.create("lot 42", None, recipe.id)


def test_results_are_unique_per_part_and_sorted_by_risk(project):
    run = make_run(project)
    a = project.runs.add_result(run.id, "a.png", InspectionRecord("OK", sha256="h1",
                                                                  risk=0.1))
    b = project.runs.add_result(run.id, "b.png", InspectionRecord.from_dict(dict(
        sha256="h2", grade="SCRAP", reasons=["crack"], components=[{"area_mm2": 1.0}], risk=0.9,
        flagged=True)))
    assert project.runs.add_result(run.id, "a.png", InspectionRecord(
        "OK", sha256="h1")) is None  # resumed run skips it
    assert [r.id for r in project.runs.results(run.id)] == [b, a]
    assert [r.id for r in project.runs.results(run.id, flagged_only=True)] == [b]
    assert project.runs.done_paths(run.id) == {"a.png", "b.png"}
    assert [c.area_mm2 for c in project.runs.result(b).components] == [1.0]


def test_decisions_are_latest_wins_and_audited(project):
    run = make_run(project)
    rid = project.runs.add_result(run.id, "a.png", InspectionRecord("SCRAP", sha256="h",
                                                                   flagged=True))
    project.runs.decide(rid, "confirm", "SCRAP", seconds=2.5)
    with pytest.raises(ValueError, match="reason"):
        project.runs.decide(rid, "override", "OK")
    project.runs.decide(rid, "override", "OK", reason="dust, not a pore")
    res = project.runs.result(rid)
    assert res.decision.decision == "override" and res.final_grade == "OK"
    assert [d.decision for d in project.runs.decisions(rid)] == ["confirm", "override"]
    audit = project.audit.list(entity="inspection_result")
    assert [a.action for a in audit] == ["review.override", "review.confirm"]
    assert audit[0].detail["reason"] == "dust, not a pore"
    with pytest.raises(REFUSED):
        outside_sql(project, "DELETE FROM audit_log WHERE action LIKE 'review.%'")
