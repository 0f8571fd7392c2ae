"""Inspection runs: predict and grade images of new parts, store one result per part.

    run = inspect(project, ["/line3/lot42"], model_id=2, recipe_ref="housing@3", ctx=ctx)
    project.runs.results(run.id)              # most risky first
    run = inspect(project, None, None, None, ctx, run_id=run.id)   # resume a stopped run

`images` are files and folders (searched recursively for images the way an import finds them:
a PNG beside a JPEG of the same stem is its mask, not a part). Each part is loaded with the
project's pixel limit (app.core.imageio), predicted (app.ml.inference: whole or in tiles), graded
(app.core.grading) and assessed (app.core.risk), then stored at once, so a cancel (checked
between parts, and between tile batches inside one) keeps every finished part and a resume
(`run_id=`) skips them (project.runs.done_paths). A part that cannot be read is stored with
`error` = the reason, grade None, flagged, risk 1.0; the run goes on.

Run status: "running" while it works (or when its process died), "done", "canceled":
stopped before the end, by the user or by an error (then recorded in the audit trail as
"run.error" with the error's text); a canceled or abandoned running run resumes. The run records the model id and the exact recipe
version (recipe_id); the list of images asked for is kept in the audit trail ("run.plan"),
so a resume needs no image list.

What a stored result holds (ResultRow fields; all JSON-safe, floats rounded):
- image_path: relative to the project folder ('/') when inside it, else absolute; see
  `image_abspath`. sha256 of the file ("" when it could not be read).
- grade: the recipe's grade name, or None with `error`.
- reasons: grade reasons first, most severe first: {"kind": "area"|"length"|"count",
  "grade", "class_value", "zone", "value", "limit", "text"} (app.core.grading.Reason);
  then borderline findings {"kind": "borderline", "grade": None, "check", "component",
  "class_value", "zone", "value", "limit", "closeness", "text"} (app.core.risk.Borderline);
  then, when components were left out, {"kind": "note", "grade": None, "value": n, "text"}.
- components: most severe, then largest first, at most MAX_COMPONENTS (components with a
  reason are always kept): {"class_value", "class", "grade", "bbox": [x, y, w, h],
  "centroid": [x, y], "area_px", "area_mm2", "length_mm", "width_mm", "mean_prob",
  "max_prob", "zones": {zone: area_mm2}, "reasons": [text], "borderline": [check],
  "contour": [[x, y], ...] the outer border, simplified (outline_points)}.
  Units are mm (px when the recipe is uncalibrated), as in app.core.grading.
- risk (app.core.risk.risk_score), flagged (not the best grade, or borderline, or error).

To show a stored part again (overlays in the Review workspace), `PartInspector.for_run`
rebuilds the run's model and recipe once and `inspect_file` re-predicts one part.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from queue import Queue

import cv2
import numpy as np

from app.core.discover import discover
from app.core.grading import Recipe, Verdict, ZoneCache, grade
from app.core.imageio import DEFAULT_MAX_PIXELS, ImageReadError, load_image, sha256_file
from app.core.risk import ERROR_RISK, Risk, RiskConfig, assess
from app.store.errors import ReadOnlyError

from .context import Canceled, JobContext

STATUSES = ("running", "done", "canceled")
MAX_COMPONENTS = 200
MAX_OUTLINE_POINTS = 64  # vertices kept per stored component outline
PLAN_ACTION = "run.plan"


class InspectionCanceled(Canceled):
    """Canceled, with the run to resume."""

    def __init__(self, run_id: int):
        super().__init__(f"inspection run {run_id} canceled")
        self.run_id = run_id


@dataclass
class StageTimes:
    """Seconds per stage, summed over parts (fill one by passing it to inspect()).

    load: hash + read + decode; forward: the model's forward passes only (timed by hooks);
    preprocess: the rest of tiled prediction (tiling, normalization, blending, uint8);
    grade: grading + risk + the result record; store: the database write. In a run, load
    and grade + store run on their own threads beside the model, so they overlap it; `wall`
    is the run's elapsed time over its parts, and `outside_forward` the share of it the
    model was not computing.
    """

    load: float = 0.0
    preprocess: float = 0.0
    forward: float = 0.0
    grade: float = 0.0
    store: float = 0.0
    wall: float = 0.0
    parts: int = 0

    @property
    def total(self) -> float:
        """Work summed over the stages (more than `wall` where stages overlapped)."""
        return self.load + self.preprocess + self.forward + self.grade + self.store

    @property
    def outside_forward(self) -> float:
        """Share of the elapsed time (the stages' sum without a run) outside forward (0..1)."""
        span = self.wall or self.total
        return max(1.0 - self.forward / span, 0.0) if span > 0 else 0.0

    def to_dict(self) -> dict:
        return {k: round(getattr(self, k), 4) for k in
                ("load", "preprocess", "forward", "grade", "store", "wall", "total")} | {
            "parts": self.parts, "outside_forward": round(self.outside_forward, 4)}


@dataclass(frozen=True)
class PartOutcome:
    """One inspected image (not stored)."""

    image: np.ndarray
    probs: np.ndarray  # uint8 (C, H, W)
    class_values: list[int]
    verdict: Verdict
    risk: Risk

    def record(self, recipe: Recipe, class_names: dict[int, str] | None = None) -> dict:
        """The JSON-safe fields of project.runs.add_result (grade, reasons, components, risk,
        flagged)."""
        return result_record(self.verdict, self.risk, recipe, class_names)


@dataclass(frozen=True)
class PartResult:
    """What `on_result` gets after each stored part."""

    result_id: int
    image_path: str
    grade: str | None
    risk: float
    flagged: bool
    error: str | None


# --- one part ------------------------------------------------------------------------------


class _ForwardClock:
    """Times the model's forward passes with hooks, so inference.py needs no timers."""

    def __init__(self, model, device_type: str):
        import torch

        self.seconds = 0.0
        self._t0 = 0.0
        sync = torch.cuda.synchronize if device_type == "cuda" else (lambda: None)

        def before(_module, _inputs):
            sync()
            self._t0 = time.perf_counter()

        def after(_module, _inputs, _output):
            sync()
            self.seconds += time.perf_counter() - self._t0

        self._handles = [model.register_forward_pre_hook(before),
                         model.register_forward_hook(after)]

    def remove(self) -> None:
        for h in self._handles:
            h.remove()


class PartInspector:
    """A model and a recipe loaded once; inspects one image at a time. Writes nothing.

    `model` is an app.ml.inference.InferenceModel (or anything with .predict(image, cancel=,
    batch_size=) -> uint8 (C, H, W) and .config.class_values).
    """

    def __init__(self, model, recipe: Recipe, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                 batch_size: int = 4, risk_config: RiskConfig | None = None,
                 times: StageTimes | None = None):
        self.model = model
        self.recipe = recipe
        self.class_values = list(model.config.class_values)
        self.max_pixels = int(max_pixels)
        self.batch_size = batch_size
        self.risk_config = risk_config or RiskConfig()
        self.times = times if times is not None else StageTimes()
        self.zones = ZoneCache()
        # Names for classes the recipe does not name: the model's.
        self.class_names = {c.value: c.name for c in getattr(model.config, "classes", [])}
        self.class_names.update({c.value: c.name for c in recipe.classes if c.name})
        self._clock = None
        if hasattr(model, "model") and hasattr(model.model, "register_forward_hook"):
            kind = getattr(getattr(model, "device", None), "kind", "cpu")
            self._clock = _ForwardClock(model.model, kind)

    @classmethod
    def load(cls, project, model_id: int, recipe_ref: str | int, *, device: str | None = None,
             log=None, **kwargs) -> PartInspector:
        """Loads model `model_id` of `project` and recipe `recipe_ref` (name[@version], or a
        recipe version id). `log` hears how the model runs when that is news
        (app.ml.inference.load_model_for_inference)."""
        from app.ml.inference import load_model_for_inference

        row = project.models.get(model_id)
        model = load_model_for_inference(project.models.path(row), device, log=log)
        kwargs.setdefault("max_pixels", int(project.settings.get("max_image_pixels")))
        return cls(model, load_recipe(project, recipe_ref), **kwargs)

    @classmethod
    def for_run(cls, project, run_id: int, *, device: str | None = None,
                **kwargs) -> PartInspector:
        """The model and recipe version of inspection run `run_id`."""
        run = project.runs.get(run_id)
        if run.model_id is None:
            raise ValueError(f"inspection run {run_id} has no model")
        return cls.load(project, run.model_id, run.recipe_id, device=device, **kwargs)

    def close(self) -> None:
        if self._clock is not None:
            self._clock.remove()
            self._clock = None

    def read(self, path: str | Path) -> tuple[np.ndarray, str]:
        """(pixels, sha256); raises ImageReadError with a reason a person can read."""
        t0 = time.perf_counter()
        try:
            image = load_image(path, self.max_pixels)
            digest = sha256_file(path)
        except OSError as e:
            raise ImageReadError(f"cannot read the file ({e.strerror or e})", path) from None
        except cv2.error as e:  # OpenCV throws on some malformed files instead of returning None
            raise ImageReadError(f"cannot decode the image ({e.err or 'OpenCV error'})",
                                 path) from None
        finally:
            self.times.load += time.perf_counter() - t0
        return image, digest

    def predict(self, image: np.ndarray, cancel=None) -> np.ndarray:
        """uint8 (C, H, W) probabilities. Raises app.ml.inference.InferenceCancelled,
        ValueError (an image the model cannot take)."""
        t0 = time.perf_counter()
        forward0 = self._clock.seconds if self._clock else 0.0
        probs = self.model.predict(image, cancel=cancel, batch_size=self.batch_size)
        forward = (self._clock.seconds - forward0) if self._clock else 0.0
        self.times.forward += forward
        self.times.preprocess += (time.perf_counter() - t0) - forward
        return probs

    def judge(self, probs: np.ndarray) -> tuple[Verdict, Risk]:
        """Grade and assess probabilities (thread-safe: the zone cache is)."""
        t0 = time.perf_counter()
        verdict = grade(probs, self.class_values, self.recipe, self.zones)
        risk = assess(verdict, self.recipe, probs, self.class_values, self.zones,
                      self.risk_config)
        self.times.grade += time.perf_counter() - t0
        return verdict, risk

    def inspect_image(self, image: np.ndarray, cancel=None) -> PartOutcome:
        """Predict, grade and assess one image. Raises app.ml.inference.InferenceCancelled,
        ValueError (an image the model cannot take, e.g. 4 channels)."""
        probs = self.predict(image, cancel)
        verdict, risk = self.judge(probs)
        self.times.parts += 1
        return PartOutcome(image, probs, self.class_values, verdict, risk)

    def inspect_file(self, path: str | Path, cancel=None) -> PartOutcome:
        image, _ = self.read(path)
        return self.inspect_image(image, cancel)


# --- the job -------------------------------------------------------------------------------


def inspect(project, images: Iterable[str | Path] | None, model_id: int | None,
            recipe_ref: str | None, ctx: JobContext | None = None, *,
            run_id: int | None = None, name: str | None = None, device: str | None = None,
            batch_size: int = 4, risk_config: RiskConfig | None = None,
            times: StageTimes | None = None, pipeline: bool = True,
            on_result: Callable[[PartResult], None] | None = None):
    """Inspects `images` (files and folders) with model `model_id` and recipe `recipe_ref`
    (name or name@version) as a new run named `name`; returns its RunRow (status "done").

    Resume: pass `run_id`; `images` None takes the run's own list, `model_id`/`recipe_ref`
    None take the run's (others are refused). Parts already stored are skipped.
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
        recipe_row = _recipe_row(project, recipe_ref)
        _model_row(project, model_id)
        if images is None:
            raise ValueError("no images to inspect")
        paths, notes = collect_images(images)
        plan = _plan(project, paths)
        if not plan:
            raise ValueError("no images to inspect" + (f" ({notes[0]})" if notes else ""))
        run = project.runs.create(name or default_run_name(), model_id, recipe_row.id)
        project.audit.record(PLAN_ACTION, "inspection_run", run.id, images=plan)
    else:
        run = project.runs.get(run_id)
        if model_id is not None and model_id != run.model_id:
            raise ValueError(f"run {run.id} inspects with model {run.model_id}, not {model_id}")
        if recipe_ref is not None and _recipe_row(project, recipe_ref).id != run.recipe_id:
            ref = project.recipes.get_by_id(run.recipe_id).ref
            raise ValueError(f"run {run.id} grades with recipe {ref}, not {recipe_ref}")
        if run.model_id is None:
            raise ValueError(f"run {run.id} has no model to inspect with")
        notes = []
        if images is None:
            plan = run_plan(project, run.id)
        else:
            paths, notes = collect_images(images)
            plan = _plan(project, paths)
            if plan != run_plan(project, run.id):
                project.audit.record(PLAN_ACTION, "inspection_run", run.id, images=plan)
        if not plan:
            raise ValueError(f"run {run.id} has no images to inspect")
        project.runs.set_status(run.id, "running")
    for note in notes:
        ctx.log(note)

    try:
        _work(project, run, plan, ctx, device, batch_size, risk_config, times, on_result,
              pipeline)
    except Canceled:
        project.runs.set_status(run.id, "canceled")
        raise InspectionCanceled(run.id) from None
    except BaseException as e:
        try:  # the store knows running/canceled/done: an error stop is a resumable stop
            project.audit.record("run.error", "inspection_run", run.id,
                                 error=f"{type(e).__name__}: {e}")
            project.runs.set_status(run.id, "canceled")
        except Exception as again:  # noqa: BLE001 - keep the original error
            ctx.log(f"could not mark run {run.id} as stopped: {again}")
        raise
    project.runs.set_status(run.id, "done")
    return project.runs.get(run.id)


def _work(project, run, plan: list[str], ctx: JobContext, device, batch_size, risk_config,
          times: StageTimes, on_result, pipeline: bool = True) -> None:
    """Three stages over the parts, so the model rarely waits: a thread reads the next image
    while the model predicts this one, and another stores the previous one (the store's
    fsync is pure waiting) and grades it too when there are cores to spare (_spare_cores).
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
                                   log=ctx.log, batch_size=batch_size, risk_config=risk_config, times=times)
    started = time.perf_counter()
    store = _StoreStage(project, run.id, inspector, on_result, threaded=pipeline)
    grade_here = not (pipeline and _spare_cores(inspector))
    reader = ThreadPoolExecutor(1, thread_name_prefix="inspect-read") if pipeline else None
    ahead: deque = deque()
    queue = iter(todo)

    def read_next() -> None:
        stored = next(queue, None)
        if stored is not None and reader is not None:
            ahead.append((stored, reader.submit(_read, inspector, project, stored)))
        elif stored is not None:
            ahead.append((stored, _Now(_read(inspector, project, stored))))

    try:
        read_next()
        for i in range(len(todo)):
            ctx.check()
            store.raise_error()
            stored, future = ahead.popleft()
            read_next()
            ctx.progress(skipped + i, total, f"Inspecting {Path(stored).name}")
            loaded = future.result()
            if isinstance(loaded, dict):  # an unreadable part: its error record
                store.put(stored, loaded, None)
                continue
            image, digest = loaded
            try:
                probs = inspector.predict(image, cancel=ctx.cancel_event)
            except ValueError as e:  # the model cannot take this image (channels, type)
                store.put(stored, error_record(str(e), digest), None)
                continue
            del image
            if grade_here:
                fields = {"sha256": digest, **_graded(inspector, probs)}
                store.put(stored, fields, None)
            else:
                store.put(stored, {"sha256": digest}, probs)
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


def _graded(ins: PartInspector, probs: np.ndarray) -> dict:
    """add_result's fields of a predicted part, but its sha256."""
    verdict, risk = ins.judge(probs)
    t0 = time.perf_counter()
    fields = {**result_record(verdict, risk, ins.recipe, ins.class_names), "error": None}
    ins.times.grade += time.perf_counter() - t0
    ins.times.parts += 1
    return fields


def _spare_cores(inspector: PartInspector) -> bool:
    """Whether grading on its own thread would run beside the model rather than slow it:
    the model runs on an accelerator, or torch leaves CPU cores free. (On a CPU that torch
    fills, measured: grading beside it slowed the forward pass as much as it saved.)"""
    kind = getattr(getattr(inspector.model, "device", None), "kind", "cpu")
    if kind != "cpu":
        return True
    import torch

    return torch.get_num_threads() < (os.cpu_count() or 1)


def _read(inspector: PartInspector, project, stored: str):
    """(pixels, sha256), or the error record of an unreadable part."""
    path = image_abspath(project, stored)
    try:
        return inspector.read(path)
    except ImageReadError as e:
        return error_record(e.reason, _sha_or_empty(path))


class _Now:
    """A finished future: the sequential stand-in for the reading thread."""

    def __init__(self, value):
        self._value = value

    def result(self):
        return self._value

    def cancel(self) -> bool:
        return False


class _StoreStage:
    """Grades, assesses and stores parts on one thread, in order; `put` blocks while one part
    already waits (bounded memory: probability maps of 20 MP images are large).
    threaded False: `put` does the work at once, on the caller's thread."""

    def __init__(self, project, run_id: int, inspector: PartInspector, on_result,
                 threaded: bool = True):
        self._project, self._run_id = project, run_id
        self._inspector, self._on_result = inspector, on_result
        self._queue: Queue = Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = None
        if threaded:
            self._thread = threading.Thread(target=self._loop, name="inspect-store",
                                            daemon=True)
            self._thread.start()

    def put(self, stored: str, fields: dict, probs: np.ndarray | None) -> None:
        self.raise_error()
        if self._thread is None:
            self._store(stored, fields, probs)
        else:
            self._queue.put((stored, fields, probs))

    def raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        self.raise_error()

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain without storing: the job is stopping
            try:
                self._store(*item)
            except BaseException as e:  # noqa: BLE001 - handed to the job's thread
                self._error = e

    def _store(self, stored: str, fields: dict, probs: np.ndarray | None) -> None:
        ins = self._inspector
        if probs is not None:
            fields = {**fields, **_graded(ins, probs)}
        t0 = time.perf_counter()
        rid = self._project.runs.add_result(self._run_id, stored, **fields)
        ins.times.store += time.perf_counter() - t0
        if rid is not None and self._on_result is not None:
            self._on_result(PartResult(rid, stored, fields["grade"], fields["risk"],
                                       fields["flagged"], fields["error"]))


def _sha_or_empty(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return ""


def error_record(reason: str, sha256: str = "") -> dict:
    return {"sha256": sha256, "grade": None, "reasons": [], "components": [],
            "risk": ERROR_RISK, "flagged": True, "error": reason}


# --- records -------------------------------------------------------------------------------


def result_record(verdict: Verdict, risk: Risk, recipe: Recipe,
                  class_names: dict[int, str] | None = None) -> dict:
    """grade, reasons, components, risk and flagged of one graded part, JSON-safe and small.
    `class_names` names classes the recipe does not (default: "class N")."""
    names = class_names or {}
    rank = verdict.scale.rank
    order = sorted(range(len(verdict.components)),
                   key=lambda i: (-rank(verdict.components[i].grade),
                                  -verdict.components[i].component.area_px, i))
    keep = [i for i in order if verdict.components[i].reasons]
    rest = [i for i in order if not verdict.components[i].reasons]
    keep += rest[:max(MAX_COMPONENTS - len(keep), 0)]
    keep_set = set(keep)
    index = {old: new for new, old in enumerate(i for i in order if i in keep_set)}
    checks: dict[int, list[str]] = {}
    for b in risk.borderline:
        if b.component is not None:
            checks.setdefault(b.component, []).append(b.check)
    components = [_component(verdict.components[i], names, recipe, checks.get(i, []))
                  for i in order if i in keep_set]
    reasons = [r.to_dict() for r in verdict.reasons]
    for b in risk.borderline:
        d = b.to_dict()
        d["component"] = index.get(b.component) if b.component is not None else None
        reasons.append(d)
    dropped = len(verdict.components) - len(components)
    if dropped:
        reasons.append({"kind": "note", "grade": None, "value": dropped,
                        "text": f"{dropped} smaller components without a reason not stored"})
    return {"grade": verdict.grade, "reasons": json_safe(reasons),
            "components": json_safe(components), "risk": round(risk.score, 6),
            "flagged": risk.flagged}


def _component(c, names: dict[int, str], recipe: Recipe, checks: list[str]) -> dict:
    d = c.to_dict()
    d["class"] = names.get(c.class_value) or recipe.class_name(c.class_value)
    d["borderline"] = sorted(set(checks))
    d["contour"] = outline_points(c.component.contour)
    return d


def outline_points(contour: np.ndarray, max_points: int = MAX_OUTLINE_POINTS) -> list[list[int]]:
    """The component's outer border (pixel indices), simplified to at most `max_points`
    vertices (Douglas-Peucker, tolerance doubled from 0.5 px until it fits): enough for the
    Review workspace to outline the defect's shape, small enough to store per component."""
    pts = np.asarray(contour, np.int32).reshape(-1, 1, 2)
    eps = 0.5
    while len(pts) > max_points:
        pts = cv2.approxPolyDP(pts, eps, True)  # type: ignore[assignment]  # numpy/OpenCV stubs are narrower than the run time
        eps *= 2
    return pts.reshape(-1, 2).tolist()


def json_safe(obj, digits: int = 4):
    """Rounds floats (non-finite -> None), tuples -> lists, numpy scalars -> Python."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v, digits) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return round(obj, digits) if math.isfinite(obj) else None
    return obj


# --- paths, plans, lookups -----------------------------------------------------------------


def collect_images(items: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Image files from files and folders (recursive, sorted, masks beside images left out);
    notes about what a folder held that is not an image. Files are taken as given."""
    paths: list[Path] = []
    notes: list[str] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = discover(p)
            paths += [c.image for c in found.candidates]
            notes += [f"{s.path}: {s.reason}" for s in found.skipped]
        else:
            paths.append(p)
    return paths, notes


def stored_path(project, path: str | Path) -> str:
    """How a part's path is stored: relative to the project folder ('/') when inside it,
    else absolute."""
    p = Path(path).absolute()
    root = Path(project.root).absolute()
    try:
        return p.relative_to(root).as_posix()
    except ValueError:
        return p.as_posix()


def image_abspath(project, image_path: str) -> Path:
    """The file of a stored image_path."""
    p = Path(image_path)
    return p if p.is_absolute() else Path(project.root) / p


def _plan(project, paths: Sequence[Path]) -> list[str]:
    return list(dict.fromkeys(stored_path(project, p) for p in paths))


def run_plan(project, run_id: int) -> list[str]:
    """The stored image paths run `run_id` was asked to inspect (latest plan)."""
    for row in project.audit.list(action=PLAN_ACTION, entity="inspection_run"):
        if row.entity_id == run_id:  # newest first
            return list(row.detail.get("images", []))
    return []


def load_recipe(project, ref: str | int) -> Recipe:
    """A Recipe from name, name@version, or a recipe version id."""
    body = _recipe_row(project, ref).body
    return Recipe.from_dict(body)


def _recipe_row(project, ref: str | int):
    try:
        if isinstance(ref, int):
            return project.recipes.get_by_id(ref)
        return project.recipes.get(str(ref))
    except KeyError as e:
        raise ValueError(str(e).strip("'\"")) from None
    except ValueError:  # name@notanumber
        raise ValueError(f"bad recipe reference {ref!r}: use NAME or NAME@VERSION") from None


def _model_row(project, model_id: int):
    try:
        return project.models.get(model_id)
    except KeyError:
        known = ", ".join(str(m.id) for m in project.models.list()) or "none"
        raise ValueError(f"no model {model_id} in this project (models: {known})") from None


def default_run_name() -> str:
    return "Inspection " + datetime.now().strftime("%Y-%m-%d %H:%M")


@dataclass
class RunCounts:
    """Parts of a run by model grade; errors and flagged parts."""

    total: int = 0
    by_grade: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    flagged: int = 0


def run_counts(project, run_id: int) -> RunCounts:
    counts = RunCounts()
    for r in project.runs.results(run_id):
        counts.total += 1
        if r.error is not None:
            counts.errors += 1
        else:
            counts.by_grade[r.grade] = counts.by_grade.get(r.grade, 0) + 1
        counts.flagged += bool(r.flagged)
    return counts
