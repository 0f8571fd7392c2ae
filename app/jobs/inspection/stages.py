"""The stages an inspection run overlaps with the model: reading the next part on a thread,
and grading + storing the previous one on another (_StoreStage)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from queue import Queue

import numpy as np

from app.core.imageio import ImageReadError, sha256_file
from app.core.inspection_record import InspectionRecord

from .inspector import PartInspector
from .plan import image_abspath
from .record import result_record


@dataclass(frozen=True)
class PartResult:
    """What `on_result` gets after each stored part."""

    result_id: int
    image_path: str
    grade: str | None
    risk: float
    flagged: bool
    error: str | None


def graded(ins: PartInspector, probs: np.ndarray, sha256: str) -> InspectionRecord:
    """The record of a predicted part."""
    verdict, risk = ins.judge(probs)
    t0 = time.perf_counter()
    record = result_record(verdict, risk, ins.recipe, ins.class_names, sha256)
    ins.times.grade += time.perf_counter() - t0
    ins.times.parts += 1
    return record


def spare_cores(inspector: PartInspector) -> bool:
    """Whether grading on its own thread would run beside the model rather than slow it:
    the model runs on an accelerator, or torch leaves CPU cores free. (On a CPU that torch
    fills, measured: grading beside it slowed the forward pass as much as it saved.)"""
    kind = getattr(getattr(inspector.model, "device", None), "kind", "cpu")
    if kind != "cpu":
        return True
    import torch

    return torch.get_num_threads() < (os.cpu_count() or 1)


def read_part(inspector: PartInspector, project, stored: str):
    """(pixels, sha256), or the record of an unreadable part."""
    path = image_abspath(project, stored)
    try:
        return inspector.read(path)
    except ImageReadError as e:
        return InspectionRecord.failed(e.reason, _sha_or_empty(path))


def _sha_or_empty(path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return ""


class Now:
    """A finished future: the sequential stand-in for the reading thread."""

    def __init__(self, value):
        self._value = value

    def result(self):
        return self._value

    def cancel(self) -> bool:
        return False


class StoreStage:
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

    def put(self, stored: str, done: InspectionRecord | None = None,
            probs: np.ndarray | None = None, sha256: str = "") -> None:
        """Store `done`, or the record of `probs` (graded here) with `sha256`."""
        self.raise_error()
        if self._thread is None:
            self._store(stored, done, probs, sha256)
        else:
            self._queue.put((stored, done, probs, sha256))

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

    def _store(self, stored: str, record: InspectionRecord | None, probs: np.ndarray | None,
               sha256: str) -> None:
        ins = self._inspector
        if record is None:
            assert probs is not None  # a part is either read and predicted, or has its record
            record = graded(ins, probs, sha256)
        t0 = time.perf_counter()
        rid = self._project.runs.add_result(self._run_id, stored, record)
        ins.times.store += time.perf_counter() - t0
        if rid is not None and self._on_result is not None:
            self._on_result(PartResult(rid, stored, record.grade, record.risk, record.flagged,
                                       record.error))
