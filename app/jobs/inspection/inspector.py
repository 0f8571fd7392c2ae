"""One part at a time: PartInspector loads a model and a recipe once, then reads, predicts,
grades and assesses images (writes nothing); StageTimes sums the seconds of each stage.

To show a stored part again (overlays in the Review workspace), `PartInspector.for_run`
rebuilds the run's model and recipe once and `inspect_file` re-predicts one part.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app.core.grading import Recipe, Verdict, ZoneCache, grade
from app.core.imageio import DEFAULT_MAX_PIXELS, ImageReadError, load_image, sha256_file
from app.core.inspection_record import InspectionRecord
from app.core.risk import Risk, RiskConfig, assess

from .plan import load_recipe, run_anomaly_model
from .record import result_record


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

    def record(self, recipe: Recipe,
               class_names: dict[int, str] | None = None) -> InspectionRecord:
        """What project.runs.add_result would store (without the sha256)."""
        return result_record(self.verdict, self.risk, recipe, class_names)


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
             log=None, anomaly_model_id: int | None = None, **kwargs) -> PartInspector:
        """Loads model `model_id` of `project` and recipe `recipe_ref` (name[@version], or a
        recipe version id); with `anomaly_model_id`, that good-parts-only model beside it
        (app.ml.model_pair: its anomaly map graded as the class "anomaly"). `log` hears how
        the model runs when that is news (app.ml.inference.load_model_for_inference)."""
        from app.ml.inference import load_model_for_inference

        path = project.models.path(project.models.get(model_id))
        model: object  # one model, or a pair that predicts like one
        if anomaly_model_id is None:
            model = load_model_for_inference(path, device, log=log)
        else:
            from app.ml.model_pair import load_model_pair

            good = project.models.path(project.models.get(anomaly_model_id))
            model = load_model_pair(path, good, device, log=log)
        kwargs.setdefault("max_pixels", int(project.settings.get("max_image_pixels")))
        return cls(model, load_recipe(project, recipe_ref), **kwargs)

    @classmethod
    def for_run(cls, project, run_id: int, *, device: str | None = None,
                **kwargs) -> PartInspector:
        """The model(s) and recipe version of inspection run `run_id`."""
        run = project.runs.get(run_id)
        if run.model_id is None:
            raise ValueError(f"inspection run {run_id} has no model")
        return cls.load(project, run.model_id, run.recipe_id, device=device,
                        anomaly_model_id=run_anomaly_model(project, run_id), **kwargs)

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
