"""GradeWorkspace: tune a grading recipe on real parts and see what it does.

Layout: the recipe bar on top; the image list left; the verdict banner over the part (each
defect component filled in its grade's colour, zones outlined) in the middle; per-class
sliders and the Components / Zones / Rules tabs right; the area histogram and the what-if on
the labeled set below.

Flow: sliders, the histogram line, zone and rule edits preview into the GradeSession (one
coalesced regrade per event-loop turn) and end into the session's draft when let go; only
the recipe bar's Save writes a recipe version (with a note), Revert drops the draft, and
switching recipe, project or closing asks about a draft (Save / Discard / Cancel). The shown
part is loaded on a worker (drop-stale); the what-if runs on another (WhatIfRunner).
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.grading import component_index_image, mask_components
from app.core.grading.recipe_file import RecipeFileError
from app.jobs.good_only import default_pair
from app.jobs.recipe_files import export_recipe, import_recipe
from app.ui import errors
from app.ui.actions import decorate_tooltip
from app.ui.images.panel import ImageListPanel
from app.ui.roots_notice import RootsNotice
from app.ui.workspace import Workspace

from .banner import VerdictBanner
from .calibration import MeasureDialog, apply_calibration
from .canvas import GradeCanvas
from .class_controls import ClassControls
from .colors import grade_hex
from .components_panel import ComponentsPanel
from .controller import GradeToolController
from .drafts import CANCEL, SAVE, ask_export_path, ask_import_path, ask_note, ask_unsaved
from .good_only_bar import GoodOnlyBar
from .histogram import LABELED_SET, AreaHistogram
from .latest import LatestRunner
from .loader import load_part
from .recipe_bar import RecipeBar
from .rules_panel import RulesPanel
from .session import GradeSession
from .tools import Mode
from .whatif_panel import WhatIfPanel
from .whatif_runner import WhatIfRunner
from .zones_panel import ZonesPanel


class GradeWorkspace(Workspace):
    title = "Grade"
    part_shown = Signal(int)  # image id, once its part is graded on screen
    whatif_refreshed = Signal(object)  # whatif_runner.Refreshed

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = None
        self.model_id: int | None = None  # whose predictions are graded (active, else newest)
        self.anomaly_model_id: int | None = None  # a good-parts-only model's beside it
        self.measure_dialog: MeasureDialog | None = None
        self.last_message: QMessageBox | None = None  # the last import/export message shown
        self._names: dict[int, str] = {}
        self._sweep_id = 0
        self.session = GradeSession(self)
        self.controller = GradeToolController(self)
        self.loader = LatestRunner(self)
        self.whatif = WhatIfRunner(self)

        self.recipe_bar = RecipeBar()
        self.scale_label = QLabel(objectName="scale")
        self.panel = ImageListPanel()
        self.banner = VerdictBanner()
        self.good_only = GoodOnlyBar()  # the good-parts-only model graded beside the model
        self.canvas = GradeCanvas()
        self.roots_notice = RootsNotice()  # an image whose storage root is not mapped here
        self.canvas.controller = self.controller
        self.legend = QLabel(objectName="grade-legend", textFormat=Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.classes = ClassControls(self.session)
        self.components = ComponentsPanel()
        self.zones = ZonesPanel(self.session, self.controller)
        self.rules = RulesPanel(self.session)
        self.histogram = AreaHistogram()
        self.whatif_panel = WhatIfPanel()
        self.focus_class = QComboBox(objectName="focus-class")
        self.focus_class.setToolTip("The class the histogram and the threshold sweep show")
        self._actions = self._build_actions()
        self._layout()
        self._wire()

    # -- building ------------------------------------------------------------------------------
    def _build_actions(self) -> dict[str, QAction]:
        specs = (("measure", "Measure to calibrate", "Measure", "M", True,
                  "Draw a line over a feature of known length, then type its length"),
                 ("zone", "Draw a new zone", "New zone", "Z", False,
                  "Click vertices, Enter closes"),
                 ("fit", "Fit the part", "Fit", "F", False, "Show the whole part"))
        out = {}
        for key, text, short, shortcut, checkable, tip in specs:
            a = QAction(text, self, checkable=checkable)
            a.setIconText(short)  # the tool buttons' text; menus show the full one
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.setToolTip(tip)
            decorate_tooltip(a)
            self.addAction(a)
            out[key] = a
        out["measure"].toggled.connect(
            lambda on: self.controller.set_mode(Mode.MEASURE if on else Mode.SELECT))
        out["zone"].triggered.connect(lambda: self.zones.draw(Mode.ZONE, None))
        out["fit"].triggered.connect(self.canvas.fit)
        return out

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.recipe_bar, 1)
        top.addWidget(self.scale_label)
        for key in ("measure", "zone", "fit"):
            b = QToolButton()
            b.setDefaultAction(self._actions[key])
            top.addWidget(b)
        center = QWidget()
        ccol = QVBoxLayout(center)
        ccol.setContentsMargins(0, 0, 0, 0)
        ccol.addWidget(self.banner)
        ccol.addWidget(self.good_only)
        ccol.addWidget(self.roots_notice)
        ccol.addWidget(self.canvas, 1)
        ccol.addWidget(self.legend)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self.classes)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.components, "Components")
        self.tabs.addTab(self.zones, "Zones")
        self.tabs.addTab(self.rules, "Rules")
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(scroll)
        right.addWidget(self.tabs)
        right.setSizes([200, 400])
        upper = QSplitter(Qt.Orientation.Horizontal)
        for w in (self.panel, center, right):
            upper.addWidget(w)
        upper.setStretchFactor(1, 1)
        upper.setSizes([200, 620, 460])
        hist = QWidget()
        hcol = QVBoxLayout(hist)
        hcol.setContentsMargins(0, 0, 0, 0)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Class"))
        pick.addWidget(self.focus_class, 1)
        hcol.addLayout(pick)
        hcol.addWidget(self.histogram, 1)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(hist)
        lower.addWidget(self.whatif_panel)
        lower.setSizes([420, 820])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(upper)
        body.addWidget(lower)
        body.setSizes([620, 280])
        col = QVBoxLayout(self)
        col.addLayout(top)
        col.addWidget(body, 1)

    def _wire(self) -> None:
        s = self.session
        s.recipe_changed.connect(self._recipe_changed)
        s.verdict_changed.connect(self._verdict_changed)
        s.committed.connect(self._committed)
        s.edited.connect(lambda: self._request_whatif(now=True))
        s.message.connect(self.status_message)
        self.good_only.predicted.connect(self.data_changed)
        self.good_only.message.connect(self.status_message)
        self.panel.image_selected.connect(self.show_image)
        self.panel.status_message.connect(self.status_message)
        self.recipe_bar.selected.connect(self._pick_recipe)
        self.recipe_bar.new_requested.connect(self._new_recipe)
        self.recipe_bar.save_requested.connect(self.save_draft)
        self.recipe_bar.revert_requested.connect(self.revert_draft)
        self.recipe_bar.import_requested.connect(self.import_recipe_file)
        self.recipe_bar.export_requested.connect(self.export_recipe_file)
        self.controller.picked.connect(self._picked)
        self.controller.line_drawn.connect(self._measured)
        self.controller.preview_changed.connect(self.canvas.refresh_preview)
        self.controller.preview_changed.connect(self.canvas.update)
        self.controller.mode_changed.connect(self._mode_changed)
        self.canvas.view_changed.connect(lambda: setattr(self.controller, "zoom",
                                                         self.canvas.view.zoom))
        self.components.component_activated.connect(self._center_on)
        self.zones.selection_changed.connect(
            lambda name: self.canvas.set_zones(self.session.recipe.zones, name))
        self.zones.message.connect(self.status_message)
        self.rules.message.connect(self.status_message)
        self.classes.class_focused.connect(self._focus)
        self.focus_class.activated.connect(lambda _i: self._focus_changed())
        self.histogram.floor_preview.connect(
            lambda v: s.preview(s.recipe.with_min_area(self.current_class, v)))
        self.histogram.floor_commit.connect(
            lambda v: s.edit(s.recipe.with_min_area(self.current_class, v)))
        self.histogram.scope_changed.connect(lambda _t: self._update_histogram())
        self.loader.failed.connect(self._load_failed)
        self.roots_notice.retry_requested.connect(
            lambda: self.show_image(self.panel.current_image_id()))
        self.whatif.refreshed.connect(self._whatif_refreshed)
        self.whatif.sweep_started.connect(self._sweep_started)
        self.whatif.point_ready.connect(self._point)
        self.whatif.failed.connect(lambda m: self.whatif_panel.show_message(f"What-if failed: {m}"))
        self.whatif_panel.image_requested.connect(self.panel.select_image)
        self.whatif_panel.refresh_requested.connect(self._reload_whatif)

    # -- Workspace hooks -------------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.loader.wait()  # no load of the old project may land after the switch
        self.whatif.reset()
        self.project = project
        self.model_id, self.anomaly_model_id = (default_pair(project) if project is not None
                                                else (None, None))
        self.panel.set_project(project)
        self.good_only.set_project(project)
        self.session.set_project(project)
        self._reload_classes()
        self.recipe_bar.show_session(self.session)
        if project is None:
            self.canvas.set_placeholder("No project")
            self.banner.show_verdict(None, detail="No project")
            return
        self._names = {r.id: r.name for r in project.images.list()}
        self.canvas.set_placeholder("Pick an image to grade")
        self.banner.show_verdict(None, detail="Pick an image to grade")
        self._request_whatif(now=True)
        current = self.panel.current_image_id()
        if current is None and (ids := self.panel.visible_ids()):
            current = ids[0]  # like Label: the first part is on screen, not an empty canvas
        if current is not None:
            self.show_image(current)

    def workspace_actions(self) -> list[QAction]:
        return list(self._actions.values())

    def activated(self) -> None:
        """Classes, labels, predictions or the active model may have changed elsewhere."""
        if self.project is None:
            return
        self.model_id, self.anomaly_model_id = default_pair(self.project)
        self.good_only.refresh()
        self._reload_classes()
        self.whatif.invalidate()
        self._names = {r.id: r.name for r in self.project.images.list()}
        self._request_whatif()
        if self.session.part is not None:
            self.show_image(self.session.part.row.id)

    def data_changed(self) -> None:
        """New predictions (after training) or labels: the what-if and the part re-read them."""
        self.activated()

    def flush(self) -> None:
        """End slider gestures into the draft (the draft itself is saved only by Save)."""
        self.classes.flush()

    def confirm_close(self) -> bool:
        """Before the project closes or switches, or the window closes: ask about a draft."""
        return self.resolve_draft("closing the project")

    def shutdown(self) -> None:
        self.flush()
        self.loader.wait()
        self.good_only.stop()
        self.whatif.stop()
        self.panel.set_project(None)
        self.panel.shutdown()

    # -- parts ---------------------------------------------------------------------------------
    @property
    def current_class(self) -> int | None:
        return self.focus_class.currentData()

    def show_image(self, image_id: int) -> None:
        project = self.project
        if project is None:
            return
        if self.panel.current_image_id() != image_id and self.panel.select_image(image_id):
            return  # it comes back here through image_selected
        if self.session.part is None:
            self.canvas.set_placeholder("Loading…")
        self.loader.submit(lambda ctx: load_part(project, image_id, ctx), self._part_loaded)

    def _part_loaded(self, part) -> None:
        self.roots_notice.hide()
        self.canvas.show_part(part)
        self.session.set_part(part)
        self.part_shown.emit(part.row.id)

    def _load_failed(self, message: str, _details: str) -> None:
        self.session.set_part(None)
        self.canvas.set_placeholder(f"Cannot show this image: {message}")
        self.roots_notice.show_problem(message)
        self.banner.show_verdict(None, detail=message)

    # -- session -> views ----------------------------------------------------------------------
    def _recipe_changed(self) -> None:
        recipe = self.session.recipe
        self.canvas.set_zones(recipe.zones, self.zones.selected)
        cal = recipe.calibration
        self.scale_label.setText(f"Scale {cal.mm_per_pixel:.4g} mm/px" if cal.is_calibrated
                                 else "Uncalibrated (px)")
        self.recipe_bar.show_state(self.session)
        self._show_legend()
        if self.current_class is not None:
            self.histogram.set_floor(recipe.min_area_mm2(self.current_class), cal)
        self.dirty_changed.emit(self.session.dirty)
        self._request_whatif()

    def _verdict_changed(self) -> None:
        s = self.session
        part, verdict = s.part, s.verdict
        self.canvas.show_verdict(verdict)
        detail = f"graded in {s.grade_ms:.0f} ms" if verdict is not None else ""
        self.banner.show_verdict(verdict, part.note if part is not None else "", detail)
        self.components.set_verdict(verdict, s.recipe)
        if self.histogram.current_scope != LABELED_SET:
            self._update_histogram()

    def _committed(self, _row) -> None:
        self.recipe_bar.show_session(self.session)
        self._request_whatif(now=True)

    def _reload_classes(self) -> None:
        self.session.reload_classes()
        self.canvas.set_classes(self.session.classes)
        self._show_legend()
        good = self.good_only.model
        self.classes.sources = {c["value"]: f"good-parts model #{good.id}"
                                for c in (good.config.get("classes", []) if good else [])}
        self.classes.rebuild()
        keep = self.current_class
        self.focus_class.clear()
        for v, name in sorted(self.session.class_names.items()):
            self.focus_class.addItem(name, v)
        i = self.focus_class.findData(keep)
        self.focus_class.setCurrentIndex(i if i >= 0 else 0)
        self._focus_changed()

    def _show_legend(self) -> None:
        """Fill = defect class, outline = grade: the two colour keys of the canvas."""
        fill = "  ".join(f"<span style='color:{c.color}'>■</span> {html.escape(c.name)}"
                         for c in self.session.classes) or "no classes"
        scale = self.session.recipe.scale
        outline = "  ".join(f"<span style='color:{grade_hex(g, scale)}'>▢</span> "
                            f"{html.escape(g)}" for g in scale.levels)
        self.legend.setText(f"Fill: {fill} &nbsp;·&nbsp; Frame: {outline}")

    def _focus(self, value: int) -> None:
        i = self.focus_class.findData(value)
        if i >= 0 and i != self.focus_class.currentIndex():
            self.focus_class.setCurrentIndex(i)
            self._focus_changed()

    def _focus_changed(self) -> None:
        if self.current_class is not None:
            recipe = self.session.recipe
            self.histogram.set_floor(recipe.min_area_mm2(self.current_class),
                                     recipe.calibration)
        self._update_histogram()
        self._request_whatif()

    def _update_histogram(self) -> None:
        v = self.current_class
        if v is None:
            return
        recipe, name = self.session.recipe, self.focus_class.currentText()
        if self.histogram.current_scope == LABELED_SET:
            out = self.whatif_panel.last
            pred, truth = out.areas.get(v, ((), ())) if out is not None else ((), ())
            title = f"{name}: labeled set ({out.parts if out else 0} parts)"
        else:
            pred = self.session.part_areas(v)
            label = self.session.part.label if self.session.part is not None else None
            truth = _label_areas(label, v)
            title = f"{name}: this image"
        self.histogram.set_data(pred, truth, recipe.calibration, title)

    # -- canvas tools --------------------------------------------------------------------------
    def _picked(self, x: float, y: float) -> None:
        verdict, part = self.session.verdict, self.session.part
        if verdict is None or part is None:
            return
        h, w = part.shape
        if not (0 <= x < w and 0 <= y < h):
            return
        index = int(component_index_image(verdict, (h, w))[int(y), int(x)]) - 1
        if index < 0:
            self.canvas.select_bbox(None)
            return
        c = verdict.components[index]
        self.canvas.select_bbox(c.bbox)
        rows = self.components.model.order
        self.components.view.selectRow(rows.index(index))
        self.tabs.setCurrentWidget(self.components)
        self.status_message.emit(" · ".join(r.text for r in c.reasons) or
                                 f"{self.session.recipe.class_name(c.class_value)}: {c.grade}")

    def _center_on(self, component) -> None:
        self.canvas.center_on(component.bbox)

    def _measured(self, line) -> None:
        self._actions["measure"].setChecked(False)
        if not self.session.editable:
            self.status_message.emit("The project is open read-only: cannot calibrate")
            return
        self.measure_dialog = MeasureDialog(line, self)
        self.measure_dialog.calibrated.connect(self._calibrated)
        self.measure_dialog.open()

    def _calibrated(self, mm_per_pixel: float) -> None:
        apply_calibration(self.session, mm_per_pixel)
        self.status_message.emit(f"Calibrated: {mm_per_pixel:.5g} mm per pixel")

    def _mode_changed(self, mode: Mode) -> None:
        self._actions["measure"].setChecked(mode == Mode.MEASURE)
        self.canvas.setCursor(Qt.CursorShape.ArrowCursor if mode == Mode.SELECT
                              else Qt.CursorShape.CrossCursor)
        if mode != Mode.SELECT:
            self.canvas.setFocus()

    # -- recipes -------------------------------------------------------------------------------
    def save_draft(self) -> bool:
        """Save… : ask a note, write the working recipe as a new version."""
        self.classes.flush()
        if not self.session.can_save:
            return False
        note = ask_note(self, self.session)
        if note is None:
            return False
        row = self.session.save(note)
        return row is not None

    def revert_draft(self) -> None:
        self.classes.flush()
        self.session.revert()
        self.zones.sync()

    def resolve_draft(self, doing: str) -> bool:
        """Ask Save / Discard / Cancel about a draft; True: go on (saved, dropped or none)."""
        self.classes.flush()
        s = self.session
        if not (s.dirty and s.editable):
            return True
        answer = ask_unsaved(self, s, doing)
        if answer == CANCEL:
            return False
        if answer == SAVE:
            return self.save_draft()
        s.revert()
        return True

    def _pick_recipe(self, name: str, version: int) -> None:
        if not self.resolve_draft("switching recipe"):
            self.recipe_bar.show_session(self.session)  # the pickers show the draft's again
            return
        try:
            self.session.select(name, version or None)
        except KeyError as e:
            self.status_message.emit(str(e).strip("'\""))
        self.recipe_bar.show_session(self.session)
        self.zones.sync()

    def _new_recipe(self, name: str, copy: bool) -> None:
        if not copy and not self.resolve_draft("starting a blank recipe"):
            return
        try:
            self.session.new_recipe(name, copy)
        except ValueError as e:
            errors.report(str(e), title="Cannot create the recipe")
            return
        self.recipe_bar.show_session(self.session)

    def import_recipe_file(self, path: str | None = None) -> bool:
        """Import… : a recipe file becomes the next version of the recipe it names, shown."""
        if self.project is None or not self.session.editable:
            return False
        if not self.resolve_draft("importing a recipe"):
            return False
        path = path or ask_import_path(self, str(self.project.root))
        if not path:
            return False
        try:
            out = import_recipe(self.project, path)
        except RecipeFileError as e:
            self._tell("Cannot import the recipe", f"{Path(path).name}: {e}\n\nNothing was "
                       "changed.", QMessageBox.Icon.Warning)
            return False
        self.session.select(out.row.name, out.row.version)
        self.recipe_bar.show_session(self.session)
        self.zones.sync()
        self.status_message.emit(f"Imported {Path(path).name} as {out.row.ref}" if out.created
                                 else f"{Path(path).name} equals {out.row.ref}: nothing saved")
        return True

    def export_recipe_file(self, path: str | None = None) -> bool:
        """Export… : the saved version shown, as a recipe file."""
        row = self.session.row
        if self.project is None or row is None or self.session.dirty:
            return False
        suggested = str(self.project.root / f"{row.name}-v{row.version}.json")
        path = path or ask_export_path(self, suggested)
        if not path:
            return False
        try:
            export_recipe(self.project, row.ref, path)
        except (OSError, RecipeFileError) as e:
            self._tell("Cannot export the recipe", str(e), QMessageBox.Icon.Warning)
            return False
        self.status_message.emit(f"Exported {row.ref} to {path}")
        return True

    def _tell(self, title: str, text: str, icon) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.open()  # not blocking
        self.last_message = box

    # -- what-if -------------------------------------------------------------------------------
    def _request_whatif(self, now: bool = False) -> None:
        project = self.project
        if project is None:
            return
        model_id = self.model_id
        if model_id is None:
            self.whatif_panel.show_message(
                "What-if needs a trained model: train one in the Train workspace; it then "
                "predicts the labeled images.")
            return
        self.whatif.request(project, model_id, self.session.recipe, self.current_class, now,
                            anomaly_model_id=self.anomaly_model_id)

    def _reload_whatif(self) -> None:
        """Decode every labeled part again (a sync only catches changed pixel counts)."""
        self.whatif.reset()
        self._sweep_id = 0
        self.whatif_panel.start_sweep()
        self._request_whatif(now=True)

    def _whatif_refreshed(self, out) -> None:
        self.whatif_panel.show_refreshed(out, self._names, self.focus_class.currentText())
        if self.histogram.current_scope == LABELED_SET:
            self._update_histogram()
        self.whatif_refreshed.emit(out)

    def _sweep_started(self, sweep_id: int, _n: int) -> None:
        self._sweep_id = sweep_id
        self.whatif_panel.start_sweep()

    def _point(self, sweep_id: int, point) -> None:
        if sweep_id == self._sweep_id:
            self.whatif_panel.add_point(point)


def _label_areas(label, value: int) -> list[int]:
    if label is None:
        return []
    return [c.area_px for c in mask_components(label, value)]
