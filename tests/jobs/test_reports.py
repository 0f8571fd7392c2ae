"""Run reports: CSV/JSON rows match the stored results and decisions; summary, Pareto, charts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.core.pareto import bar_chart, pareto
from app.jobs.context import JobContext
from app.jobs.inspection import inspect
from app.jobs.reports import COLUMNS, csv_text, report_rows, write_report
from app.store import Project
from tests.support.inspection import (
    make_inspection_project,
)

pytestmark = pytest.mark.usefixtures("one_thread")

pytest.importorskip("torch")


@pytest.fixture
def reviewed(tmp_path):
    """A finished run of the five parts; the SCRAP part overridden, the REWORK one confirmed."""
    path, model_id, folder = make_inspection_project(tmp_path)
    with Project.open(path) as p:
        run = inspect(p, [folder], model_id, "size", JobContext(), name="Lot 42 – Früh")
        parts = {Path(r.image_path).stem: r for r in p.runs.results(run.id)}
        p.runs.decide(parts["p64"].id, "override", "REWORK", reason="Grat, nicht Riss", seconds=4)
        p.runs.decide(parts["p48"].id, "confirm", "REWORK", seconds=2)
        yield p, run


def test_rows_match_the_stored_results_and_decisions(reviewed):
    project, run = reviewed
    rows = report_rows(project, run.id)
    results = {r.id: r for r in project.runs.results(run.id)}
    assert [row["result_id"] for row in rows] == sorted(results)  # result id order
    for row in rows:
        r = results[row["result_id"]]
        assert (row["file"], row["sha256"], row["grade"], row["error"]) == (
            r.image_path, r.sha256, r.grade, r.error)
        assert row["final_grade"] == r.final_grade and row["flagged"] == r.flagged
        assert row["model_id"] == run.model_id and row["model"] == "tiny"
        assert row["recipe"] == "size@1" and row["inspected_at"] == r.created_at
        assert row["run_name"] == "Lot 42 – Früh"
    by_file = {Path(row["file"]).stem: row for row in rows}
    scrap = by_file["p64"]
    assert (scrap["grade"], scrap["decision"], scrap["final_grade"]) == ("SCRAP", "override",
                                                                         "REWORK")
    assert scrap["decision_reason"] == "Grat, nicht Riss" and scrap["reviewer"]
    assert scrap["reasons"][0] == "spot 4096 px in whole-image exceeds max area 3000 px -> SCRAP"
    assert by_file["p48"]["decision"] == "confirm" and by_file["p48"]["flags"]
    assert by_file["p36"]["decision"] is None and by_file["p36"]["final_grade"] == "OK"
    assert by_file["bad"]["grade"] is None and "IHDR" in by_file["bad"]["error"]


def test_the_report_files(reviewed, tmp_path):
    project, run = reviewed
    files = write_report(project, run.id, tmp_path / "out")
    assert sorted(f.name for f in files.all()) == sorted(
        ["results.csv", "results.json", "summary.json", "grades.png", "pareto_class.png",
         "pareto_zone.png"])
    assert not list((tmp_path / "out").glob("*.tmp"))

    raw = files.csv.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # UTF-8 without BOM
    text = raw.decode("utf-8")
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == COLUMNS and len(table) == 6  # header + 5 parts, no index column
    rows = list(csv.DictReader(io.StringIO(text)))
    stored = {str(r.id): r for r in project.runs.results(run.id)}
    for row in rows:
        r = stored[row["result_id"]]
        assert row["grade"] == (r.grade or "") and row["final_grade"] == (r.final_grade or "")
        assert row["flagged"] == ("1" if r.flagged else "0") and row["sha256"] == r.sha256
        assert row["inspected_at"].endswith("+00:00") and "T" in row["inspected_at"]
    assert "Lot 42 – Früh" in text and "Grat, nicht Riss" in text

    doc = json.loads(files.json.read_text(encoding="utf-8"))
    assert doc["format"] == "defect-studio.inspection-report" and doc["columns"] == list(COLUMNS)
    assert doc["run"]["recipe"]["ref"] == "size@1" and doc["run"]["model"]["name"] == "tiny"
    assert [p["result_id"] for p in doc["parts"]] == [int(r["result_id"]) for r in rows]
    part = next(p for p in doc["parts"] if p["file"].endswith("p48.png"))
    assert part["components"][0]["class"] == "spot" and part["reason_details"][0]["limit"] == 2000
    actions = [a["action"] for a in doc["audit"]]
    assert actions[0] == "run.create" and "review.override" in actions
    assert "review.confirm" in actions and actions.count("run.status") >= 1
    override = next(a for a in doc["audit"] if a["action"] == "review.override")
    assert override["detail"]["reason"] == "Grat, nicht Riss"

    summary = json.loads(files.summary.read_text(encoding="utf-8"))
    assert summary == doc["summary"]
    assert summary["by_grade"] == {"OK": 2, "REWORK": 1, "SCRAP": 1}
    assert list(summary["by_grade"]) == ["OK", "REWORK", "SCRAP"]  # the recipe's order
    assert summary["by_final_grade"] == {"OK": 2, "REWORK": 2}
    assert (summary["parts"], summary["errors"], summary["reviewed"], summary["overridden"]) == (
        5, 1, 2, 1)
    assert summary["flagged"] == 4
    (spot,) = summary["pareto"]["by_class"]
    assert (spot["name"], spot["count"], spot["rejecting"]) == ("spot", 4, 2)
    zones = {z["name"]: z["count"] for z in summary["pareto"]["by_zone"]}
    assert zones == {"whole-image": 4, "edge": 4}  # each part touches both
    for path in files.charts.values():
        img = cv2.imread(str(path))
        assert img is not None and img.shape == (480, 900, 3)

    again = write_report(project, run.id, tmp_path / "out")  # replaced in place
    assert again.csv.read_bytes() == raw


def test_pareto_orders_by_count_with_the_cumulative_share():
    items = pareto({"pore": 30, "crack": 12, "dent": 6, "scratch": 12})
    assert [(i.name, i.count) for i in items] == [("pore", 30), ("crack", 12), ("scratch", 12),
                                                  ("dent", 6)]
    assert [round(i.cumulative, 3) for i in items] == [0.5, 0.7, 0.9, 1.0]
    assert pareto({}) == []


def test_bar_charts_draw_any_labels():
    many = [(f"défaut {i}", 30 - i) for i in range(25)]  # non-ASCII, more than MAX_BARS
    img = bar_chart(many, "Défauts", cumulative=True, size=(640, 360))
    assert img.shape == (360, 640, 3) and img.dtype == np.uint8
    assert (img != 255).any(axis=2).mean() > 0.02  # something was drawn
    empty = bar_chart([], "nothing")
    assert empty.shape == (480, 900, 3)
    assert csv_text([]).strip() == ",".join(COLUMNS)
