"""Inspection run reports: a CSV and a JSON row per part for MES import, a summary with a
defect Pareto, and PNG charts. Qt-free; reads the project only (open it read-only if you like).

    files = write_report(project, run_id, "out/lot42")
    files.csv, files.json, files.summary, files.charts["pareto_class"]

Files written into the folder (created; existing report files are replaced atomically, so a
watcher never reads half a file):

- results.csv: UTF-8 (no BOM), comma separated, RFC 4180 quoting, a header row of COLUMNS and
  no index column; one row per part in result id order. Times are ISO 8601 UTC
  ("2026-05-04T09:12:33.120+00:00"); booleans 1/0; empty cells for none. Lists (reasons,
  flags) are joined with "; ".
- results.json: {"format": "defect-studio.inspection-report", "version": 1, "run", "columns",
  "parts": [the CSV row with typed values (lists stay lists) + "reason_details" (structured,
  as stored: app.core.inspection_record) + "components"], "summary", "audit": the run's audit
  rows (run created, status changes, review decisions), oldest first}.
- summary.json: counts per model grade and per final grade, errors, flagged, reviewed,
  overridden; a defect Pareto by class and by zone (counts of stored components; a component
  touching two zones counts in each), and the chart file names.
- grades.png, pareto_class.png, pareto_zone.png: bar charts (app.core.pareto).

Column meanings: grade is the model's grade (empty with error); decision/decision_reason/
reviewer/reviewed_at are the latest review decision (project.runs.decide); final_grade is the
reviewer's grade when reviewed, else the model's.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from app.core.pareto import GRADE_COLORS, bar_chart, pareto, write_png
from app.store.rows import RunRow

from .context import JobContext
from .inspection.plan import run_anomaly_model

FORMAT = "defect-studio.inspection-report"
VERSION = 1
COLUMNS = (
    "result_id", "run_id", "run_name", "file", "sha256", "grade", "reasons", "flags", "risk",
    "flagged", "error", "decision", "decision_reason", "reviewer", "reviewed_at",
    "final_grade", "model_id", "model", "recipe", "inspected_at",
)
LIST_SEPARATOR = "; "
CHARTS = {"grades": "grades.png", "pareto_class": "pareto_class.png",
          "pareto_zone": "pareto_zone.png"}


@dataclass
class ReportFiles:
    csv: Path
    json: Path
    summary: Path
    charts: dict[str, Path] = field(default_factory=dict)

    def all(self) -> list[Path]:
        return [self.csv, self.json, self.summary, *self.charts.values()]


@dataclass(frozen=True)
class RunInfo:
    """A run with its model and recipe version, as reports name them."""

    run: RunRow
    model_name: str
    model_sha256: str
    recipe_ref: str
    recipe_hash: str
    grades: tuple[str, ...]  # the recipe's scale, least severe first
    anomaly_model: dict | None = None  # {id, name, weights_sha256}: a good-parts-only model
    #                                    graded beside the model (the run's plan), else None

    def to_dict(self) -> dict:
        r = self.run
        return {"id": r.id, "name": r.name, "status": r.status, "created_at": r.created_at,
                "author": r.author,
                "model": {"id": r.model_id, "name": self.model_name,
                          "weights_sha256": self.model_sha256},
                "anomaly_model": self.anomaly_model,
                "recipe": {"id": r.recipe_id, "ref": self.recipe_ref,
                           "content_hash": self.recipe_hash},
                "grades": list(self.grades)}


def run_info(project, run_id: int) -> RunInfo:
    run = project.runs.get(run_id)
    model_name = sha = ""
    if run.model_id is not None:
        try:
            m = project.models.get(run.model_id)
            model_name, sha = m.name, m.weights_sha256
        except KeyError:
            pass
    recipe = project.recipes.get_by_id(run.recipe_id)
    levels = tuple(recipe.body.get("scale", {}).get("levels", ("OK", "REWORK", "SCRAP")))
    return RunInfo(run, model_name, sha, recipe.ref, recipe.content_hash, levels,
                   _anomaly_model(project, run_id))


def _anomaly_model(project, run_id: int) -> dict | None:
    good = run_anomaly_model(project, run_id)
    if good is None:
        return None
    try:
        m = project.models.get(good)
    except KeyError:
        return {"id": good, "name": "", "weights_sha256": ""}
    return {"id": m.id, "name": m.name, "weights_sha256": m.weights_sha256}


# --- rows ----------------------------------------------------------------------------------


def part_row(result, info: RunInfo) -> dict:
    """One part as typed values under COLUMNS (lists for reasons and flags)."""
    d = result.decision
    return {
        "result_id": result.id,
        "run_id": result.run_id,
        "run_name": info.run.name,
        "file": result.image_path,
        "sha256": result.sha256,
        "grade": result.grade,
        "reasons": [r.text for r in result.reasons if r.is_grade_reason],
        "flags": [r.text for r in result.reasons if r.is_borderline],
        "risk": round(float(result.risk), 4),
        "flagged": bool(result.flagged),
        "error": result.error,
        "decision": d.decision if d else None,
        "decision_reason": d.reason if d else None,
        "reviewer": d.author if d else None,
        "reviewed_at": d.created_at if d else None,
        "final_grade": result.final_grade,
        "model_id": info.run.model_id,
        "model": info.model_name,
        "recipe": info.recipe_ref,
        "inspected_at": result.created_at,
    }


def report_rows(project, run_id: int) -> list[dict]:
    """Typed rows of `run_id`, one per part, in result id order."""
    info = run_info(project, run_id)
    results = sorted(project.runs.results(run_id), key=lambda r: r.id)
    return [part_row(r, info) for r in results]


def csv_text(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in COLUMNS})
    return buf.getvalue()


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (list, tuple)):
        return LIST_SEPARATOR.join(str(x) for x in v)
    return str(v)


def write_csv(rows: list[dict], path: str | Path) -> Path:
    """The rows as an MES-ready CSV (see the module docstring), written atomically."""
    path = Path(path)
    _write_atomic(path, csv_text(rows).encode("utf-8"))
    return path


# --- summary -------------------------------------------------------------------------------


def run_summary(project, run_id: int, results=None, info: RunInfo | None = None) -> dict:
    info = info or run_info(project, run_id)
    results = results if results is not None else project.runs.results(run_id)
    order = {g: i for i, g in enumerate(info.grades)}

    def by_scale(counter: Counter) -> dict:
        return {g: counter[g] for g in sorted(counter, key=lambda g: (order.get(g, 99), g))}

    grades = Counter(r.grade for r in results if r.error is None)
    final = Counter(r.final_grade for r in results if r.final_grade is not None)
    classes: Counter[str] = Counter()
    zones: Counter[str] = Counter()
    rejecting: Counter[str] = Counter()
    best = info.grades[0] if info.grades else "OK"
    for r in results:
        for c in r.components:
            name = c.class_label()
            classes[name] += 1
            if c.grade not in (None, best):
                rejecting[name] += 1
            for z in c.zones:
                zones[z] += 1
    by_class = [{**i.to_dict(), "rejecting": rejecting[i.name]} for i in pareto(classes)]
    return {
        "run": info.to_dict(),
        "parts": len(results),
        "graded": sum(grades.values()),
        "errors": sum(r.error is not None for r in results),
        "flagged": sum(bool(r.flagged) for r in results),
        "reviewed": sum(r.decision is not None for r in results),
        "overridden": sum(r.decision is not None and r.decision.decision == "override"
                          for r in results),
        "by_grade": by_scale(grades),
        "by_final_grade": by_scale(final),
        "pareto": {"by_class": by_class, "by_zone": [i.to_dict() for i in pareto(zones)]},
        "charts": dict(CHARTS),
    }


def run_audit(project, run_id: int, result_ids) -> list[dict]:
    """Audit rows of the run and of its results, oldest first."""
    ids = set(result_ids)
    rows = [a for a in project.audit.list(entity="inspection_run") if a.entity_id == run_id]
    rows += [a for a in project.audit.list(entity="inspection_result") if a.entity_id in ids]
    rows.sort(key=lambda a: a.id)
    return [{"id": a.id, "at": a.at, "author": a.author, "action": a.action,
             "entity": a.entity, "entity_id": a.entity_id, "detail": a.detail} for a in rows]


# --- the job -------------------------------------------------------------------------------


def write_report(project, run_id: int, out_dir: str | Path,
                 ctx: JobContext | None = None) -> ReportFiles:
    """Writes the run's CSV, JSON, summary.json and charts into `out_dir` (created)."""
    ctx = ctx or JobContext()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ctx.progress(0, 4, "Reading the run")
    info = run_info(project, run_id)
    results = sorted(project.runs.results(run_id), key=lambda r: r.id)
    rows = [part_row(r, info) for r in results]
    summary = run_summary(project, run_id, results, info)
    ctx.check()
    ctx.progress(1, 4, "Writing the CSV and JSON")
    files = ReportFiles(out / "results.csv", out / "results.json", out / "summary.json")
    write_csv(rows, files.csv)
    parts = [{**row, "reason_details": [x.to_dict() for x in r.reasons],
              "components": [c.to_dict() for c in r.components]}
             for row, r in zip(rows, results, strict=True)]
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "project": project.name,
        "run": info.to_dict(),
        "columns": list(COLUMNS),
        "parts": parts,
        "summary": summary,
        "audit": run_audit(project, run_id, [r.id for r in results]),
    }
    _write_json(files.json, doc)
    _write_json(files.summary, summary)
    ctx.check()
    ctx.progress(2, 4, "Drawing the charts")
    grade_items = list(summary["by_grade"].items())
    if summary["errors"]:
        grade_items.append(("error", summary["errors"]))
    charts = {
        "grades": bar_chart(grade_items, f"Parts by grade - run {run_id}",
                            colors=GRADE_COLORS),
        "pareto_class": bar_chart([(i["name"], i["count"]) for i in
                                   summary["pareto"]["by_class"]],
                                  f"Defects by class - run {run_id}", cumulative=True),
        "pareto_zone": bar_chart([(i["name"], i["count"]) for i in
                                  summary["pareto"]["by_zone"]],
                                 f"Defects by zone - run {run_id}", cumulative=True),
    }
    for key, image in charts.items():
        path = out / CHARTS[key]
        tmp = path.with_name(path.name + ".tmp")
        write_png(tmp, image)
        os.replace(tmp, path)
        files.charts[key] = path
    ctx.progress(4, 4, f"Report of run {run_id} written")
    return files


def _strict(obj):
    """Non-finite floats -> None: JSON has no NaN, and MES parsers refuse it."""
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _write_json(path: Path, doc) -> None:
    text = json.dumps(_strict(doc), indent=2, ensure_ascii=False, allow_nan=False, default=str)
    _write_atomic(path, text.encode("utf-8"))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
