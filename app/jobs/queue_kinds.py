"""What a worker can run: job kind -> the same job function the CLI and the window run, with its
parameters as JSON (the typed configs' to_dict/from_dict) and its result as JSON.

    run = KINDS["train"]
    result = run(Call(project, params, ctx, device, emit))

Each runner takes a Call and returns the job's result dict; it raises what its job raises
(Canceled when stopped). `emit(kind, payload)` adds an event to the job (job_events), e.g. the
TrainEvents that draw the Train workspace's curves on any client. Params of each kind
(`*_params` build them on the client side, so both sides spell them once):

    echo     {"text", "seconds", "steps"}: a diagnostic; checks a worker answers
    train    {"spec": ModelSpec dict | None, "config": TrainConfig dict | None, "resume",
              "predict"}: app.jobs.after_training.train_then_predict
    predict  {"model_id", "image_ids"}: app.jobs.prediction.predict_images
    inspect  {"images", "model_id", "recipe", "name", "run_id"}: app.jobs.inspection.inspect
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .context import JobContext

TRAIN_EVENT = "train"  # job_events kind of a TrainEvent (its fields as the payload)


@dataclass
class Call:
    project: Any
    params: dict[str, Any]
    ctx: JobContext
    device: str | None = None  # None: auto
    emit: Callable[[str, dict[str, Any]], None] = lambda kind, payload: None


# -- echo ----------------------------------------------------------------------------------

def echo_params(text: str = "", seconds: float = 0.0, steps: int = 1) -> dict[str, Any]:
    return {"text": text, "seconds": float(seconds), "steps": max(1, int(steps))}


def run_echo(call: Call) -> dict[str, Any]:
    p = {**echo_params(), **call.params}
    steps = max(1, int(p["steps"]))
    for i in range(steps):
        call.ctx.check()
        call.ctx.progress(i, steps, f"Echo step {i + 1}/{steps}")
        time.sleep(float(p["seconds"]) / steps)
    call.ctx.check()
    call.ctx.log(f"echo {p['text']}")
    call.ctx.progress(steps, steps, "Echo done")
    return {"text": p["text"]}


# -- train ---------------------------------------------------------------------------------

def train_params(spec, values: dict[str, Any] | None, resume: bool = False,
                 predict: bool = True) -> dict[str, Any]:
    """spec: a ModelSpec (None with resume); values: TrainConfig fields (None: the run's own)."""
    return {"spec": None if spec is None else spec.to_dict(), "config": values,
            "resume": bool(resume), "predict": bool(predict)}


def train_event_payload(event) -> dict[str, Any]:
    return dataclasses.asdict(event)


def train_event_of(payload: dict[str, Any]):
    """A TrainEvent back from its job_events payload (unknown keys of a newer build dropped)."""
    from .training import TrainEvent

    names = {f.name for f in dataclasses.fields(TrainEvent)}
    return TrainEvent(**{k: v for k, v in payload.items() if k in names})


def run_train(call: Call) -> dict[str, Any]:
    from app.ml.spec import ModelSpec

    from .after_training import train_then_predict
    from .training import config_from_dict

    p = call.params
    spec = None if p.get("spec") is None else ModelSpec.from_dict(p["spec"])
    config = None
    if p.get("config") is not None:
        config = config_from_dict({**p["config"], "device": call.device})
    elif call.device is not None and not p.get("resume"):
        config = config_from_dict({"device": call.device})
    outcome = train_then_predict(
        call.project, spec, config, call.ctx, bool(p.get("resume")),
        on_event=lambda e: call.emit(TRAIN_EVENT, train_event_payload(e)),
        predict=bool(p.get("predict", True)), device=call.device)
    row: Any = outcome.model  # a ModelRow
    report = outcome.predictions
    return {"model_id": row.id, "name": row.name, "status": row.metrics.get("status"),
            "note": outcome.note,
            "predicted": [] if report is None else list(report.predicted),
            "predicted_by": None if report is None else report.model_id,
            "seconds": None if report is None else report.seconds}


# -- predict -------------------------------------------------------------------------------

def predict_params(model_id: int, image_ids) -> dict[str, Any]:
    return {"model_id": int(model_id), "image_ids": [int(i) for i in image_ids]}


def run_predict(call: Call) -> dict[str, Any]:
    from .prediction import predict_images

    p = call.params
    report = predict_images(call.project, int(p["model_id"]), p["image_ids"], call.ctx,
                            device=call.device)
    return {"model_id": report.model_id, "predicted": report.predicted,
            "failed": [list(f) for f in report.failed], "seconds": report.seconds}


# -- inspect -------------------------------------------------------------------------------

def inspect_params(images, model_id: int | None, recipe: str | None, name: str | None = None,
                   run_id: int | None = None,
                   anomaly_model_id: int | None = None) -> dict[str, Any]:
    return {"images": None if images is None else [str(i) for i in images],
            "model_id": model_id, "recipe": recipe, "name": name, "run_id": run_id,
            "anomaly_model_id": anomaly_model_id}


def queued_images(project, images) -> list[str] | None:
    """The parts as the queue carries them: a team project's as `<root>/<path>` (stored_path),
    which the worker resolves through its own mapping of the roots; a file's as given."""
    from .inspection.plan import stored_path

    if images is None:
        return None
    if getattr(project, "roots", None) is None:
        return [str(i) for i in images]
    return [stored_path(project, i) for i in images]


def run_inspect(call: Call) -> dict[str, Any]:
    from .inspection import inspect
    from .inspection.plan import image_abspath

    p = call.params
    images = p.get("images")
    if images is not None:  # a team project's parts, resolved on this worker
        images = [image_abspath(call.project, i) for i in images]
    run = inspect(call.project, images, p.get("model_id"), p.get("recipe"), call.ctx,
                  run_id=p.get("run_id"), name=p.get("name"), device=call.device,
                  anomaly_model_id=p.get("anomaly_model_id"))
    return {"run_id": run.id, "status": run.status}


KINDS: dict[str, Callable[[Call], dict[str, Any]]] = {
    "echo": run_echo,
    "train": run_train,
    "predict": run_predict,
    "inspect": run_inspect,
}


# What the login who queued a job must be allowed to do (app/store/team_roles.ABILITIES). The
# worker writes with its own login's rights, so it checks the role of whoever queued the job:
# a labeler, who may queue jobs, cannot have a worker train or inspect for them.
NEEDS: dict[str, str] = {"train": "models.change", "inspect": "inspect.run"}


def refusal(project, kind: str, created_by: str) -> str:
    """Why a job of `kind` queued by `created_by` must not run ("" when it may)."""
    from app.store.team_roles import ABILITIES, may

    ability = NEEDS.get(kind)
    members = getattr(project, "members", None)
    if ability is None or members is None:
        return ""  # a project file: one person, every right
    role = members.role_of(created_by)
    if may(role, ability):
        return ""
    least, words = ABILITIES[ability]
    return (f"{created_by} queued it, and their role ({role or 'none in this project'}) cannot "
            f"{words}; a {least} or an admin can")


def runner(kind: str) -> Callable[[Call], dict[str, Any]]:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown job kind {kind!r}; this worker runs "
                         f"{', '.join(KINDS)}") from None
