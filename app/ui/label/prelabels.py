"""PreLabelLoader: the shown image's pre-labels, read and computed on a worker thread.

Which prediction: the active model's (ModelsRepo.active_id); when it has none for the image,
the newest useful model's that has one (ModelsRepo.ranked: a model that is not useful yet shows
only once a person makes it active). The threshold is the project setting
``prelabel_threshold`` (0..1, default 0.5). Decoding a 50 MP prediction and finding its
components takes a second or more, so it never runs on the UI thread; the cache keeps the last
few results so going back and forth between images shows them at once.

Predictions change elsewhere (the Train workspace predicts, Clear pre-labels deletes):
``invalidate()`` drops the cache, and results computed before it are thrown away.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from app.core.prelabel import DEFAULT_MIN_PIXELS, DEFAULT_THRESHOLD, PreLabels
from app.ui.background import KeyedLoader

from .prelabel_layer import build_outlines

THRESHOLD_SETTING = "prelabel_threshold"
MIN_PIXELS_SETTING = "prelabel_min_pixels"


def prelabel_settings(project) -> tuple[float, int]:
    """(probability threshold, smallest component offered) for this project's pre-labels."""
    return (float(project.settings.get(THRESHOLD_SETTING, DEFAULT_THRESHOLD)),
            int(project.settings.get(MIN_PIXELS_SETTING, DEFAULT_MIN_PIXELS)))


@dataclass(frozen=True)
class ShownPreLabels:
    model_id: int
    model_name: str
    prelabels: PreLabels
    threshold: float
    outlines: list  # build_outlines(prelabels), made on the worker


def find_prediction(project, image_id: int):
    """(model row, probs, class_values) of the prediction to show for an image, or None."""
    for model in project.models.ranked():
        stored = project.models.load_prediction(image_id, model.id)
        if stored is not None:
            return (model, *stored)
    return None


def load_prelabels(project, image_id: int, classes: frozenset[int]) -> ShownPreLabels | None:
    """The blocking read (a worker thread): None when no model predicted this image."""
    found = find_prediction(project, image_id)
    if found is None:
        return None
    model, probs, class_values = found
    row = project.images.get(image_id)
    if probs.shape[1:] != (row.height, row.width):
        raise ValueError(f"model {model.name}'s prediction is {probs.shape[2]} x "
                         f"{probs.shape[1]} but the image is {row.width} x {row.height}")
    threshold, min_pixels = prelabel_settings(project)
    prelabels = PreLabels.from_probs(probs, class_values, threshold, classes, min_pixels)
    return ShownPreLabels(model.id, model.name, prelabels, threshold, build_outlines(prelabels))


class PreLabelLoader(KeyedLoader):
    loaded = Signal(int, object)  # image id, ShownPreLabels or None; for the requested image
    failed = Signal(int, str)  # image id, message

    def __init__(self, project, size: int = 3, parent: QObject | None = None):
        # One worker: the image loader has two, and the machine is shared with the UI.
        super().__init__(size, 1, "prelabel-loader", parent)
        self.project = project
        self.classes: frozenset[int] = frozenset()  # class values that exist
        self._wanted: int | None = None
        self._stamps: dict[int, tuple] = {}  # a team project's: prediction_stamp when read

    def request(self, image_id: int) -> None:
        """Emit ``loaded`` for this image: now when cached, else once computed."""
        self._wanted = image_id
        if self.cached(image_id) and self._stale(image_id):
            self.forget(image_id)  # another client predicted or cleared it since
        if self.cached(image_id):
            self.loaded.emit(image_id, self.hit(image_id))
        else:
            self.submit(image_id)

    def prefetch(self, image_ids) -> None:
        """Compute these (the neighbours) ahead; queued work for others is dropped."""
        self.cancel_queued({i for i in image_ids if i is not None} | {self._wanted})
        for image_id in image_ids:
            self.submit(image_id)

    def set_classes(self, classes) -> None:
        classes = frozenset(int(v) for v in classes)
        if classes != self.classes:
            self.classes = classes
            self.invalidate()

    # KeyedLoader hooks --------------------------------------------------------------------------
    def _job(self, image_id: int):
        project, classes, stamps = self.project, self.classes, self._stamps

        def job():
            if project.is_team:  # read first: a change during the load reads as stale later
                stamps[image_id] = project.models.prediction_stamp(image_id)
            return load_prelabels(project, image_id, classes)
        return job

    def _stale(self, image_id: int) -> bool:
        return self.project.is_team and \
            self._stamps.get(image_id) != self.project.models.prediction_stamp(image_id)

    def _pinned(self) -> set:
        return {self._wanted}

    def _delivered(self, image_id: int, result) -> None:
        if image_id == self._wanted:
            self._emit_result(image_id, result, image_id, result)
