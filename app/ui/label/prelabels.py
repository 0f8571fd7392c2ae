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

from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.core.prelabel import DEFAULT_MIN_PIXELS, DEFAULT_THRESHOLD, PreLabels

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


class PreLabelLoader(QObject):
    loaded = Signal(int, object)  # image id, ShownPreLabels or None; for the requested image
    failed = Signal(int, str)  # image id, message
    _done = Signal(int, int, object)  # worker -> UI thread: generation, image id, result

    def __init__(self, project, size: int = 3, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self.size = size
        self.classes: frozenset[int] = frozenset()  # class values that exist
        self._cache: OrderedDict[int, ShownPreLabels | None] = OrderedDict()
        self._futures: dict[int, Future] = {}
        self._wanted: int | None = None
        self._generation = 0
        # One worker: the image loader has two, and the machine is shared with the UI.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prelabel-loader")
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    def request(self, image_id: int) -> None:
        """Emit ``loaded`` for this image: now when cached, else once computed."""
        self._wanted = image_id
        if image_id in self._cache:
            self._cache.move_to_end(image_id)
            self.loaded.emit(image_id, self._cache[image_id])
        else:
            self._submit(image_id)

    def prefetch(self, image_ids) -> None:
        """Compute these (the neighbours) ahead; queued work for others is dropped."""
        keep = {i for i in image_ids if i is not None} | {self._wanted}
        for image_id, fut in list(self._futures.items()):
            if image_id not in keep and fut.cancel():
                del self._futures[image_id]
        for image_id in image_ids:
            if image_id is not None and image_id not in self._cache:
                self._submit(image_id)

    def set_classes(self, classes) -> None:
        classes = frozenset(int(v) for v in classes)
        if classes != self.classes:
            self.classes = classes
            self.invalidate()

    def invalidate(self) -> None:
        """Predictions or classes changed: forget results, drop work in progress."""
        self._generation += 1
        self._cache.clear()
        for fut in self._futures.values():
            fut.cancel()  # a running one finishes; its result is dropped
        self._futures.clear()

    def shutdown(self) -> None:
        self.invalidate()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until running work ends (tests)."""
        for fut in list(self._futures.values()):
            try:
                fut.exception(timeout)
            except Exception:  # cancelled
                pass

    # internals ------------------------------------------------------------------------------
    def _submit(self, image_id: int) -> None:
        if image_id in self._futures:
            return
        generation, project, classes = self._generation, self.project, self.classes
        fut = self._pool.submit(load_prelabels, project, image_id, classes)
        self._futures[image_id] = fut
        fut.add_done_callback(lambda f: self._deliver(generation, image_id, f))

    def _deliver(self, generation: int, image_id: int, fut: Future) -> None:  # worker thread
        if not fut.cancelled():
            exc = fut.exception()
            self._done.emit(generation, image_id, exc if exc is not None else fut.result())

    @Slot(int, int, object)
    def _on_done(self, generation: int, image_id: int, result) -> None:
        if generation != self._generation:  # computed before an invalidate: stale
            return
        self._futures.pop(image_id, None)
        if isinstance(result, BaseException):
            if image_id == self._wanted:
                self.failed.emit(image_id, str(result) or type(result).__name__)
            return
        self._cache[image_id] = result
        while len(self._cache) > self.size:
            oldest = next(iter(self._cache))
            if oldest == self._wanted:
                self._cache.move_to_end(oldest)
                oldest = next(iter(self._cache))
            del self._cache[oldest]
        if image_id == self._wanted:
            self.loaded.emit(image_id, result)
