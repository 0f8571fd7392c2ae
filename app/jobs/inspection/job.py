"""The inspection run: plan the parts, then read, predict, grade and store each one, with the
reading and the storing overlapping the model (stages.py). See the package docstring."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.core.discover import collect_images
from app.core.inspection_record import InspectionRecord
from app.core.risk import RiskConfig
from app.core.statuses import CANCELED, RUN_STATUSES
from app.store.errors import ReadOnlyError

from ..context import Canceled, JobContext
from .inspector import PartInspector, StageTimes
from .plan import (
    anomaly_model_row,
    default_run_name,
    model_row,
    plan_paths,
    recipe_row,
    record_plan,
    run_anomaly_model,
    run_plan,
)
from .stages import Now, PartResult, StoreStage, graded, read_part, spare_cores

STATUSES = RUN_STATUSES


class InspectionCanceled(Canceled):
    """Canceled, with the run to resume."""

    def __init__(self, run_id: int):
        super().__init__(f"inspection run {run_id} canceled")
        self.run_id = run_id


# --- the job -----------------------------------------------------------------------------


def inspect(project, images: Iterable[str | Path] | None, model_id: int | None,
            recipe_ref: str | None, ctx: JobContext | None = None, *,
            run_id: int | None = None, name: str | None = None, device: str | None = None,
            batch_size: int = 4, risk_config: RiskConfig | None = None,
            times: StageTimes | None = None, pipeline: bool = True,
            on_result: Callable[[PartResult], None] | None = None,
            anomaly_model_id: int | None = None):
    """Inspects `images` (files and folders) with model `model_id` and recipe `recipe_ref`
    (name or name@version) as a new run named `name`; returns its RunRow (status "done").
    `anomaly_model_id`: a good-parts-only model graded beside `model_id`, its anomaly map as
    the class "anomaly" (kept in the run's plan: plan.run_anomaly_model).

    Resume: pass `run_id`; `images` None takes the run's own list, `model_id`/`recipe_ref`/
    `anomaly_model_id` None take the run's (others are refused). Parts already stored are
    skipped.
    Raises InspectionCanceled (a Canceled; run status "canceled"), ValueError (nothing to
    inspect, unknown recipe/model, mismatch on resume), ReadOnlyError; other errors are
    re-raised with the run "canceled" and a "run.error" audit row.
    `times` (a StageTimes) is filled with per-stage seconds. `pipeline` False does every
    stage on the calling thread, one part after the other. `on_result` is called after each
    stored part, from the job's storing thread (with pipeline False, the calling thread).
    """
    ctx = ctx or JobContext()
    if project.readonly:
        raise ReadOnlyError("the project is open read-only; open it for writing to inspect")
    if isinstance(images, (str, Path)):
        images = [images]
    times = times if times is not None else StageTimes()
    if run_id is None:
        if model_id is None or recipe_ref is None:
            raise ValueError("a new inspection run needs a model and a recipe")
        recipe = recipe_row(project, recipe_ref)
        model_row(project, model_id)
        if anomaly_model_id is not None:
            anomaly_model_row(project, anomaly_model_id, model_id)
        if images is None:
            raise ValueError("no images to inspect")
        paths, notes = collect_images(images)
        plan = plan_paths(project, paths)
        if not plan:
            raise ValueError("no images to inspect" + (f" ({notes[0]})" if notes else ""))
        run = project.runs.create(name or default_run_name(), model_id, recipe.id)
        record_plan(project, run.id, plan, anomaly_model_id)
    else:
        run = project.runs.get(run_id)
        if model_id is not None and model_id != run.model_id:
            raise ValueError(f"run {run.id} inspects with model {run.model_id}, not {model_id}")
        good = run_anomaly_model(project, run.id)
        if anomaly_model_id is not None and anomaly_model_id != good:
            raise ValueError(f"run {run.id} grades with good-parts model {good}, not "
                             f"{anomaly_model_id}")
        if recipe_ref is not None and recipe_row(project, recipe_ref).id != run.recipe_id:
            ref = project.recipes.get_by_id(run.recipe_id).ref
            raise ValueError(f"run {run.id} grades with recipe {ref}, not {recipe_ref}")
        if run.model_id is None:
            raise ValueError(f"run {run.id} has no model to inspect with")
        notes = []
        if images is None:
            plan = run_plan(project, run.id)
        else:
            paths, notes = collect_images(images)
            plan = plan_paths(project, paths)
            if plan != run_plan(project, run.id):
                record_plan(project, run.id, plan, good)
        if not plan:
            raise ValueError(f"run {run.id} has no images to inspect")
        project.runs.set_status(run.id, "running")
    for note in notes:
        ctx.log(note)

    try:
        _work(project, run, plan, ctx, device, batch_size, risk_config, times, on_result,
              pipeline)
    except Canceled:
        project.runs.set_status(run.id, CANCELED)
        raise InspectionCanceled(run.id) from None
    except BaseException as e:
        try:  # the store knows running/canceled/done: an error stop is a resumable stop
            project.audit.record("run.error", "inspection_run", run.id,
                                 error=f"{type(e).__name__}: {e}")
            project.runs.set_status(run.id, CANCELED)
        except Exception as again:  # noqa: BLE001 - keep the original error
            ctx.log(f"could not mark run {run.id} as stopped: {again}")
        raise
    project.runs.set_status(run.id, "done")
    return project.runs.get(run.id)


def _work(project, run, plan: list[str], ctx: JobContext, device, batch_size, risk_config,
          times: StageTimes, on_result, pipeline: bool = True) -> None:
    """Three stages over the parts, so the model rarely waits: a thread reads the next image
    while the model predicts this one, and another stores the previous one (the store's
    fsync is pure waiting) and grades it too when there are cores to spare (stages.spare_cores).
    Bounded: one image read ahead, one part waiting. A cancel stops feeding the model; parts
    already predicted are still stored."""
    from app.ml.inference import InferenceCancelled

    total = len(plan)
    done = project.runs.done_paths(run.id)
    todo = [p for p in plan if p not in done]
    skipped = total - len(todo)
    if skipped:
        ctx.log(f"Resuming run {run.id}: {skipped} of {total} parts already inspected")
    if not todo:
        ctx.progress(total, total, f"Inspected {total} parts")
        return
    ctx.progress(skipped, total, "Loading the model")
    inspector = PartInspector.load(project, run.model_id, run.recipe_id, device=device,
                                   log=ctx.log, batch_size=batch_size, risk_config=risk_config,
                                   times=times,
                                   anomaly_model_id=run_anomaly_model(project, run.id))
    started = time.perf_counter()
    store = StoreStage(project, run.id, inspector, on_result, threaded=pipeline)
    grade_here = not (pipeline and spare_cores(inspector))
    reader = ThreadPoolExecutor(1, thread_name_prefix="inspect-read") if pipeline else None
    ahead: deque = deque()
    queue = iter(todo)

    def read_next() -> None:
        stored = next(queue, None)
        if stored is not None and reader is not None:
            ahead.append((stored, reader.submit(read_part, inspector, project, stored)))
        elif stored is not None:
            ahead.append((stored, Now(read_part(inspector, project, stored))))

    try:
        read_next()
        for i in range(len(todo)):
            ctx.check()
            store.raise_error()
            stored, future = ahead.popleft()
            read_next()
            ctx.progress(skipped + i, total, f"Inspecting {Path(stored).name}")
            loaded = future.result()
            if isinstance(loaded, InspectionRecord):  # an unreadable part: its error record
                store.put(stored, loaded)
                continue
            image, digest = loaded
            try:
                probs = inspector.predict(image, cancel=ctx.cancel_event)
            except ValueError as e:  # the model cannot take this image (channels, type)
                store.put(stored, InspectionRecord.failed(str(e), digest))
                continue
            del image
            if grade_here:
                store.put(stored, graded(inspector, probs, digest))
            else:
                store.put(stored, probs=probs, sha256=digest)
    except InferenceCancelled:
        raise Canceled() from None
    finally:
        for _, future in ahead:
            future.cancel()
        if reader is not None:
            reader.shutdown(wait=True)
        try:
            store.close()  # stores what was predicted, then re-raises a storing error
        finally:
            inspector.close()
            times.wall += time.perf_counter() - started
    seconds = time.perf_counter() - started
    ctx.log(f"Inspected {len(todo)} parts in {seconds:.1f} s ({len(todo) / seconds:.2f} parts/s); "
            f"{times.outside_forward:.0%} of the time outside the model's forward pass")
    ctx.progress(total, total, f"Inspected {total} parts")
