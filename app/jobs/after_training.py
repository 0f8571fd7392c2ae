"""Train, then predict what Grade's what-if and Label's pre-labels need, in one job.

    outcome = train_then_predict(project, spec, config, ctx, on_event=print)
    outcome.model        # the registered ModelRow (app.jobs.training.train_project)
    outcome.predictions  # PredictReport of the model that grades and pre-labels, or None
    outcome.note         # why nothing (or not everything) was predicted, "" otherwise

The model that predicts is the one the rest of the app uses after the run:
`default_model_id(project)` (one rule for "which model is active", owned by app.jobs.prediction).
When there is none, nothing is predicted ("model not useful yet"). Every image of the project
is predicted (the labeled set first, so the what-if can fill in soonest; then the others), except
those the model has already predicted (a resumed run may give back the model it had).

Stopping: a stop during training ends training (the best model so far is kept, as in
train_project); with `after_stop` the predictions then still run, and a second stop ends them
(those made are kept). The CLI passes after_stop=False: Ctrl-C there means "end now".
"""

from __future__ import annotations

from dataclasses import dataclass

from .context import Canceled, JobContext
from .prediction import PredictReport, default_model_id, predict_images
from .training import EventFn, TrainEvent, train_project

NOT_USEFUL = "model not useful yet: no predictions made"
PREDICT_EVENT = "predict"  # TrainEvent kind: training is over, predicting starts (total_steps: n)


@dataclass(frozen=True)
class TrainOutcome:
    model: object  # app.store ModelRow
    predictions: PredictReport | None = None
    note: str = ""


def images_to_predict(project, model_id: int) -> list[int]:
    """Every image without a prediction of `model_id`: labeled ones first (the what-if), then
    the others (pre-labels), in list order."""
    done = project.models.predicted_image_ids(model_id)
    rows = [r for r in project.images.list() if r.id not in done]
    return ([r.id for r in rows if r.status == "labeled"]
            + [r.id for r in rows if r.status != "labeled"])


def predict_after_training(project, ctx: JobContext | None = None, *, device: str | None = None,
                           on_event: EventFn | None = None) -> tuple[PredictReport | None, str]:
    """Predicts every image the active model has not predicted yet; returns (report, note).
    A stop keeps what was made (the report says which); a failure is a note, not an error:
    the model is registered either way."""
    ctx = ctx or JobContext()
    model_id = default_model_id(project)
    if model_id is None:
        ctx.log(NOT_USEFUL.capitalize())
        return None, NOT_USEFUL
    ids = images_to_predict(project, model_id)
    if on_event:
        on_event(TrainEvent(PREDICT_EVENT, 0, len(ids), text=str(model_id)))
    if not ids:
        return PredictReport(model_id), ""
    ctx.log(f"Predicting {len(ids)} image(s) with model {model_id} for grading and pre-labels")
    try:
        report = predict_images(project, model_id, ids, ctx, device=device)
    except Canceled:
        made = sorted(project.models.predicted_image_ids(model_id) & set(ids))
        note = f"predictions stopped: {len(made)} of {len(ids)} made, kept"
        ctx.log(note.capitalize())
        return PredictReport(model_id, predicted=made), note
    except Exception as e:  # noqa: BLE001 - the trained model stands; say why there is no more
        note = f"predictions failed: {type(e).__name__}: {e}"
        ctx.log(note.capitalize())
        return None, note
    for image_id, reason in report.failed:
        ctx.log(f"  image {image_id} not predicted: {reason}")
    return report, ""


def train_then_predict(project, spec, config=None, ctx: JobContext | None = None,
                       resume: bool = False, *, on_event: EventFn | None = None,
                       predict: bool = True, after_stop: bool = True,
                       device: str | None = None) -> TrainOutcome:
    """train_project, then (with `predict`) predict_after_training. Raises what train_project
    raises; the prediction phase raises nothing (see TrainOutcome.note)."""
    ctx = ctx or JobContext()
    row = train_project(project, spec, config, ctx, resume, on_event=on_event)
    if not predict:
        return TrainOutcome(row)
    if ctx.canceled:
        if not after_stop:
            return TrainOutcome(row, None, "training interrupted: no predictions made")
        ctx.cancel_event.clear()  # that stop was training's; the predictions have their own
    report, note = predict_after_training(project, ctx, device=device, on_event=on_event)
    return TrainOutcome(row, report, note)
