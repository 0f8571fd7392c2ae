"""Inspection runs: predict and grade images of new parts, store one result per part.

    run = inspect(project, ["/line3/lot42"], model_id=2, recipe_ref="housing@3", ctx=ctx)
    project.runs.results(run.id)              # most risky first
    run = inspect(project, None, None, None, ctx, run_id=run.id)   # resume a stopped run
    inspect(project, [lot], model_id=2, recipe_ref="housing", anomaly_model_id=5)  # two models

`images` are files and folders (searched recursively for images the way an import finds them:
a PNG beside a JPEG of the same stem is its mask, not a part). Each part is loaded with the
project's pixel limit (app.core.imageio), predicted (app.ml.inference: whole or in tiles), graded
(app.core.grading) and assessed (app.core.risk), then stored at once, so a cancel (checked
between parts, and between tile batches inside one) keeps every finished part and a resume
(`run_id=`) skips them (project.runs.done_paths). A part that cannot be read is stored with
`error` = the reason, grade None, flagged, risk 1.0; the run goes on.

Run status: "running" while it works (or when its process died), "done", "canceled":
stopped before the end, by the user or by an error (then recorded in the audit trail as
"run.error" with the error's text); a canceled or abandoned running run resumes. The run records
the model id and the exact recipe version (recipe_id); the list of images asked for is kept in the
audit trail ("run.plan"), so a resume needs no image list. A run may grade with a good-parts-only
model beside its model (`anomaly_model_id`, app.ml.model_pair): its anomaly map is one more
class ("anomaly") for the recipe; the run's plan keeps that model's id (`run_anomaly_model`).

What a stored result holds: its image_path (relative to the project folder ('/') when inside
it, else absolute; see `image_abspath`) and an app.core.inspection_record.InspectionRecord
(sha256 of the file, "" when it could not be read; grade, or None with `error`; reasons;
components; risk, app.core.risk.risk_score; flagged: not the best grade, or borderline, or
error), built by record.py. project.runs.results gives them back typed (ResultRow).

Modules: job.py (the run loop), inspector.py (PartInspector: one part; StageTimes),
stages.py (reading and storing beside the model), record.py (the stored record),
plan.py (stored paths, the run's plan, recipe and model look-ups), counts.py (RunCounts).
Image discovery (`collect_images`) is app.core.discover's.

To show a stored part again (overlays in the Review workspace), `PartInspector.for_run`
rebuilds the run's model and recipe once and `inspect_file` re-predicts one part.
"""

from app.core.discover import collect_images

from .counts import RunCounts, run_counts
from .inspector import PartInspector, PartOutcome, StageTimes
from .job import STATUSES, InspectionCanceled, inspect
from .plan import (
    PLAN_ACTION,
    default_run_name,
    image_abspath,
    load_recipe,
    record_plan,
    run_anomaly_model,
    run_plan,
    stored_path,
)
from .record import MAX_COMPONENTS, MAX_OUTLINE_POINTS, json_safe, outline_points, result_record
from .stages import PartResult

__all__ = [
    "MAX_COMPONENTS",
    "MAX_OUTLINE_POINTS",
    "PLAN_ACTION",
    "STATUSES",
    "InspectionCanceled",
    "PartInspector",
    "PartOutcome",
    "PartResult",
    "RunCounts",
    "StageTimes",
    "collect_images",
    "default_run_name",
    "image_abspath",
    "inspect",
    "json_safe",
    "load_recipe",
    "outline_points",
    "result_record",
    "record_plan",
    "run_anomaly_model",
    "run_counts",
    "run_plan",
    "stored_path",
]
