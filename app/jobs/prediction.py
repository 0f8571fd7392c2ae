"""Pre-labels: run a registered model over project images and store its probability maps.

    report = predict_images(project, model_id, [3, 4, 5], ctx)
    probs, class_values = project.models.load_prediction(3, model_id)

Each image is predicted whole, or in large overlapping tiles where memory asks for them
(app.ml.inference, bounded memory for large images; ONNX Runtime on the CPU), and stored at once,
so a cancel (checked between images, and between tile batches inside one) keeps the predictions
already made. An image that cannot be read is skipped with its reason; the others go on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from app.core.imageio import ImageReadError, load_image

from .context import Canceled, JobContext


@dataclass
class PredictReport:
    model_id: int
    predicted: list[int] = field(default_factory=list)  # image ids with a stored prediction
    failed: list[tuple[int, str]] = field(default_factory=list)  # (image id, reason)
    class_values: list[int] = field(default_factory=list)
    seconds: float = 0.0


def default_model_id(project) -> int | None:
    """The active model (the store's one rule, ModelsRepo.active_id), else None."""
    return project.models.active_id()


def no_model_reason(project) -> str:
    """Why default_model_id is None, for a message ending "...; name one with --model"."""
    models = project.models.list()
    if not models:
        return "the project has no trained model yet: run `defect-studio train` first"
    newest = models[-1]
    return (f"no model is usable yet: model {newest.id} is {newest.verdict.text}; "
            f"name it with --model {newest.id} to use it anyway")


def unlabeled_image_ids(project) -> list[int]:
    return [r.id for r in project.images.list(status="unlabeled")]


def predict_images(project, model_id: int, image_ids, ctx: JobContext | None = None, *,
                   device: str | None = None, batch_size: int = 4) -> PredictReport:
    """Predicts `image_ids` with model `model_id`; returns what was stored and what failed.
    Raises Canceled when stopped (predictions stored so far are kept), KeyError for an unknown
    model, CheckpointError for a damaged checkpoint."""
    from app.ml.inference import InferenceCancelled, load_model_for_inference

    ctx = ctx or JobContext()
    started = time.perf_counter()
    ids = list(dict.fromkeys(int(i) for i in image_ids))
    row = project.models.get(model_id)
    ctx.progress(0, len(ids), f"Loading model {row.name}")
    model = load_model_for_inference(project.models.path(row), device, log=ctx.log)
    values = model.config.class_values
    report = PredictReport(model_id, class_values=list(values))
    max_pixels = int(project.settings.get("max_image_pixels"))
    for i, image_id in enumerate(ids):
        ctx.check()
        try:
            image_row = project.images.get(image_id)
        except KeyError as e:
            report.failed.append((image_id, str(e).strip("'\"")))
            continue
        ctx.progress(i, len(ids), f"Predicting {image_row.name}")
        try:
            image = load_image(project.images.abspath(image_row), max_pixels)
        except (ImageReadError, OSError) as e:
            report.failed.append((image_id, str(e)))
            continue
        try:
            probs = model.predict(image, cancel=ctx.cancel_event, batch_size=batch_size)
        except InferenceCancelled:
            raise Canceled() from None
        project.models.save_prediction(image_id, model_id, probs, list(values))
        report.predicted.append(image_id)
    report.seconds = time.perf_counter() - started
    ctx.progress(len(ids), len(ids), f"Predicted {len(report.predicted)} images")
    return report
