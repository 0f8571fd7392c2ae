"""Synthetic defects in the Train workspace: the auto / on / off choice that goes into the run's
TrainConfig.synthetic, where they land (anywhere on the part, or one zone of a recipe:
TrainConfig.synthetic_zone; the choice shows only when a recipe has zones), and a preview grid
of generated examples (good training parts with pasted defects, each pasted defect outlined in
its class colour, the chosen zone in white).

The preview is built by `preview_job` on a worker (JobRunner): it reads the project's training
data the way a run does (app.ml.project_data, which stores the train/val split a run would
store) and makes the first synthetic samples of seed 0 (app.ml.synthetic_training).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.display import apply_window, auto_window
from app.jobs.synthetic_zones import ANYWHERE, ZoneChoice, synthetic_region
from app.ml.synthetic_training import auto_rule
from app.ui.workers import JobRunner

CHOICES = (("auto", "Auto"), ("on", "On"), ("off", "Off"))
PREVIEW_COUNT = 8
THUMB_PX = 200
CROP_PX = 256  # larger parts are shown cropped around a pasted defect
ZONE_COLOR = (255, 255, 255)  # the outline of the zone pastes are kept in


class SyntheticChoice(QWidget):
    """"Synthetic defects: [Auto|On|Off]", "Where: [Anywhere on the part|Zone …]" (when a
    recipe has zones) and "[Preview synthetic defects…]": short rows, so the workspace's left
    column keeps its width."""

    preview_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.combo = QComboBox()
        for value, text in CHOICES:
            self.combo.addItem(text, value)
        self.combo.setToolTip(
            "Paste labeled defects (turned, scaled, brightness matched) onto good parts to make "
            f"more training examples. On: for every class. Off: never. {auto_rule()}.")
        self.where = QComboBox()
        # long recipe and zone names must not widen the Train workspace's left column
        self.where.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.where.setMinimumContentsLength(12)
        self.where.setToolTip("Where pasted defects land: anywhere on the part, or only inside "
                              "one zone of a grading recipe (never on another defect)")
        self.where_label = QLabel("Where:")
        self.preview_button = QPushButton("Preview synthetic defects…")
        self.preview_button.setToolTip("Show a few generated training examples")
        self.preview_button.clicked.connect(self.preview_requested)
        row = QHBoxLayout()
        row.addWidget(QLabel("Synthetic defects:"))
        row.addWidget(self.combo, 1)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(row)
        where = QHBoxLayout()
        where.addWidget(self.where_label)
        where.addWidget(self.where, 1)
        col.addLayout(where)
        col.addWidget(self.preview_button)
        self.combo.currentIndexChanged.connect(self._sync)
        self.set_zones([])

    def mode(self) -> str:
        return self.combo.currentData()

    def set_mode(self, mode: str) -> None:
        self.combo.setCurrentIndex(max(0, self.combo.findData(mode)))

    def zone(self) -> str:
        """TrainConfig.synthetic_zone: "" anywhere on the part, else "RECIPE:ZONE"."""
        return self.where.currentData() or ANYWHERE

    def set_zones(self, choices: list[ZoneChoice]) -> None:
        """The zones to offer (app.jobs.synthetic_zones.zone_choices); the choice made is kept
        when it is still offered."""
        kept = self.zone()
        self.where.blockSignals(True)
        self.where.clear()
        self.where.addItem("Anywhere on the part", ANYWHERE)
        for c in choices:
            self.where.addItem(c.label, c.ref)
        self.where.setCurrentIndex(max(0, self.where.findData(kept)))
        self.where.blockSignals(False)
        self._sync()

    def _sync(self) -> None:
        has_zones = self.where.count() > 1
        self.where.setVisible(has_zones)
        self.where_label.setVisible(has_zones)
        self.where.setEnabled(self.combo.isEnabled() and self.mode() != "off")

    def set_editable(self, editable: bool) -> None:
        """Off while a run trains: its choices are taken."""
        self.combo.setEnabled(editable)
        self._sync()


@dataclass
class Preview:
    examples: list[tuple[np.ndarray, list[str]]] = field(default_factory=list)  # RGB, classes
    note: str = ""
    zone: str = ""  # TrainConfig.synthetic_zone they were pasted in ("" anywhere on the part)


def outlined(image: np.ndarray, mask: np.ndarray, colors: dict[int, tuple[int, int, int]],
             crop: int = CROP_PX, zone: np.ndarray | None = None) -> np.ndarray:
    """8-bit RGB of `image` with each defect class of `mask` outlined in its colour (and the
    `zone` mask, when given, in white); a larger image is cropped to `crop` px around the first
    defect pixel's component."""
    img = image if image.dtype == np.uint8 else apply_window(image, *auto_window(image))
    rgb = (cv2.cvtColor(img, cv2.COLOR_GRAY2RGB) if img.ndim == 2
           else np.ascontiguousarray(img[..., :3]))
    if zone is not None and zone.any():
        contours, _ = cv2.findContours(zone.astype(np.uint8), cv2.RETR_LIST,
                                       cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(rgb, contours, -1, ZONE_COLOR, 1)
    for value, color in colors.items():
        binary = (mask == value).astype(np.uint8)
        if binary.any():
            contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
            cv2.drawContours(rgb, contours, -1, color, 1)
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    if max(h, w) > crop and ys.size:
        y0 = int(np.clip(ys[0] - crop // 2, 0, max(0, h - crop)))
        x0 = int(np.clip(xs[0] - crop // 2, 0, max(0, w - crop)))
        rgb = rgb[y0:y0 + crop, x0:x0 + crop]
    return np.ascontiguousarray(rgb)


def _rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    try:
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    except (ValueError, IndexError):
        return 255, 0, 0


def preview_job(project, mode: str, count: int = PREVIEW_COUNT, seed: int = 0,
                zone: str = ANYWHERE):
    """A JobRunner function returning a Preview of `count` synthetic training examples, pasted
    inside `zone` (TrainConfig.synthetic_zone; its outline drawn in white) when one is given."""

    def job(ctx) -> Preview:
        from app.ml.project_data import build_project_data
        from app.ml.synthetic_training import make_synthetic, synthetic_classes

        region = synthetic_region(project, zone)
        ctx.progress(0, count, "Reading the training images")
        data = build_project_data(project, seed=seed)
        values = data.class_values
        shown, note = mode, ""
        if not synthetic_classes(data.train, values, mode):
            shown = "on"
            if mode == "off":
                note = "Synthetic defects are off; these are what On would add."
            elif synthetic_classes(data.train, values, "on"):
                note = f"{auto_rule()}. These are what On would add."
        if not synthetic_classes(data.train, values, shown):
            return Preview([], "Nothing to preview: synthetic defects need labeled defects and "
                               "good parts among the training images.")
        names = {c.value: c.name for c in data.classes}
        colors = {c.value: _rgb(c.color) for c in data.classes}
        out = Preview(note=note, zone=zone)
        for k, sample in enumerate(make_synthetic(data.train, values, shown, seed, count,
                                                  region=region)):
            ctx.check()
            image, mask = sample.load()
            present = [names[v] for v in sorted(set(np.unique(mask).tolist()) - {0})]
            inside = None if region is None else region(mask.shape)
            out.examples.append((outlined(image, mask, colors, zone=inside), present))
            ctx.progress(k + 1, count, "Pasting defects")
        return out

    return job


class SyntheticPreviewDialog(QDialog):
    """A grid of generated examples, filled when the worker is done."""

    def __init__(self, project, mode: str, parent=None, zone: str = ANYWHERE):
        super().__init__(parent)
        self.setWindowTitle("Synthetic defects: preview")
        self.status = QLabel("Generating examples…", wordWrap=True)
        self.grid = QGridLayout()
        self.tiles: list[QLabel] = []
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(self.grid)
        layout.addWidget(buttons)
        self.runner = JobRunner(self)
        self.runner.succeeded.connect(self._show)
        self.runner.failed.connect(lambda message, _details: self.status.setText(
            f"No preview: {message}"))
        self.runner.start(preview_job(project, mode, zone=zone))

    def _show(self, preview: Preview) -> None:
        where = f", inside zone {preview.zone} (outlined in white)" if preview.zone else ""
        self.status.setText(preview.note or f"{len(preview.examples)} generated training "
                                             f"examples; pasted defects are outlined{where}")
        for i, (rgb, classes) in enumerate(preview.examples):
            h, w = rgb.shape[:2]
            image = QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()
            tile = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
            tile.setPixmap(QPixmap.fromImage(image).scaled(
                THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
            tile.setToolTip(", ".join(classes))
            self.grid.addWidget(tile, i // 4, i % 4)
            self.tiles.append(tile)

    def done(self, result: int) -> None:
        self.runner.cancel()
        self.runner.wait()
        super().done(result)
