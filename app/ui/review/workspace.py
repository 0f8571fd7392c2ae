"""ReviewWorkspace: go through an inspection run's flagged parts and confirm, regrade or send
each to labeling, by keyboard (keys in actions.py).

Layout: the run bar on top; the queue (filters, parts by risk, progress) left; the part with
its components outlined by grade (and a good reference part, R) in the middle; the verdict,
reasons and components right; the run summary (grades, Pareto by class and zone) below.

Every decision is written at once (project.runs.decide, with its audit row) with the seconds
since the part was shown; nothing is pending, so `flush` has nothing to do.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QToolButton, QVBoxLayout, QWidget

from app.core.grading import GradeScale
from app.core.imageio import ImageReadError
from app.jobs import review_labeling as labeling
from app.jobs.reports import run_summary
from app.jobs.review_labeling import image_file
from app.ui.roles import explain, why_not
from app.ui.workspace import Workspace

from .actions import build_actions
from .details import DetailsPanel
from .export import ReportExporter
from .launcher import InspectionLauncher
from .loader import PartLoader
from .override_dialog import OverrideDialog
from .part_view import PartView, outlines_for
from .parts import class_names, run_recipe
from .prelabeler import Prelabeler
from .queue import ReviewQueue
from .queue_view import QueuePanel
from .run_bar import RunBar
from .summary import SummaryPanel

ARRIVAL_MS = 250  # parts stored while a run works join the queue in bursts this far apart


class ReviewWorkspace(Workspace):
    title = "Review"
    part_shown = Signal(int)  # result id, once its image is on screen (or failed to load)
    decided = Signal(object)  # the DecisionRow just written

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = None
        self.run = None
        self.recipe = None
        self.scale = GradeScale()
        self.names: dict[int, str] = {}
        self.results: list = []
        self.queue = ReviewQueue()
        self.shown_at: float | None = None  # monotonic time the current part appeared
        self.reference = None  # ImageRow of the good part shown beside
        self.audit_view = None
        self.override_dialog: OverrideDialog | None = None
        self._arrived: list[int] = []  # result ids stored by the running job, not yet shown
        self._follow_job = False  # show the job's run as it fills (until the user picks another)
        self._arrivals = QTimer(self, singleShot=True, interval=ARRIVAL_MS)
        self._arrivals.timeout.connect(self._take_arrivals)

        self.run_bar = RunBar()
        self.queue_panel = QueuePanel()
        self.view = PartView()
        self.reference_view = PartView()
        self.reference_view.hide()
        self.details = DetailsPanel()
        self.summary = SummaryPanel()
        self.loader = PartLoader(parent=self)
        self.launcher = InspectionLauncher(self.run_bar, self)
        self.exporter = ReportExporter(self)
        self.prelabeler = Prelabeler(self)
        self._actions = build_actions(self)
        self.addActions(list(self._actions.values()))
        self._layout()

        self.run_bar.run_selected.connect(self._run_picked)
        self.launcher.runner.started.connect(self._job_started)
        self.launcher.part_stored.connect(self._part_stored, Qt.ConnectionType.QueuedConnection)
        self.launcher.finished.connect(self._run_finished)
        self.queue_panel.filters.changed.connect(self.set_filter)
        self.queue_panel.row_activated.connect(self._go_to_row)
        self.details.component_selected.connect(self.view.set_selected)
        self.view.view_changed.connect(lambda: self.reference_view.follow(self.view))
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self._load_failed)
        self.summary.export_requested.connect(self.export_report)
        self.exporter.message.connect(self.status_message)
        self.prelabeler.message.connect(self.status_message)
        self.prelabeler.done.connect(lambda _image_id, _kind: self._announce_images())
        self._sync_actions()

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        for key in ("review.prev", "review.next", "review.confirm", "review.override",
                    "review.to_labeling", "review.reference", "review.audit"):
            b = QToolButton()
            b.setDefaultAction(self._actions[key])
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.views = views = QSplitter(Qt.Orientation.Horizontal)
        views.addWidget(self.view)
        views.addWidget(self.reference_view)
        middle = QWidget()
        col = QVBoxLayout(middle)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(views, 1)
        col.addLayout(buttons)
        row = QSplitter(Qt.Orientation.Horizontal)
        for i, w in enumerate((self.queue_panel, middle, self.details)):
            row.addWidget(w)
            row.setStretchFactor(i, (1, 3, 1)[i])
        row.setSizes([240, 640, 400])  # at 1280 px wide the component table needs no scrolling
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(row)
        main.addWidget(self.summary)
        main.setStretchFactor(0, 1)
        main.setSizes([560, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.run_bar)
        layout.addWidget(main, 1)

    # Workspace API --------------------------------------------------------------------------
    def workspace_actions(self) -> list[QAction]:
        return list(self._actions.values())

    def action(self, action_id: str) -> QAction:
        return self._actions[action_id]

    def set_project(self, project) -> None:
        self.launcher.set_project(project)
        self.prelabeler.set_project(project)
        self.exporter.stop()
        self.project = project
        self.reference = None
        if self.audit_view is not None:
            self.audit_view.close()
            self.audit_view = None
        self.names = class_names(project) if project is not None else {}
        self.run_bar.set_runs(project.runs.list() if project is not None else [])
        self.load_run(self.run_bar.current_run())

    def activated(self) -> None:
        """Runs may have changed elsewhere (the CLI); the shown run keeps its place."""
        if self.project is not None:
            shown = self.run.id if self.run else None
            self.run_bar.set_runs(self.project.runs.list(), shown)
            if self.run_bar.current_run() != shown:
                self.load_run(self.run_bar.current_run())
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def shutdown(self) -> None:
        self.launcher.stop()
        self.prelabeler.stop()
        self.exporter.stop()
        self.loader.shutdown()

    # runs -----------------------------------------------------------------------------------
    def load_run(self, run_id: int | None) -> None:
        """Show run `run_id` (None: none): its queue, the first part, the summary."""
        self.run = self.project.runs.get(run_id) if self.project and run_id else None
        self.recipe = run_recipe(self.project, self.run) if self.run else None
        self.scale = self.recipe.scale if self.recipe else GradeScale()
        self.results = self.project.runs.results(run_id) if self.run else []
        self.queue = ReviewQueue(self.results, self.scale, self.names)
        self.queue_panel.set_queue(self.queue)
        self._show_summary()
        self.summary.export.setEnabled(self.run is not None)
        self.show_current()

    def _show_summary(self) -> None:
        summary = run_summary(self.project, self.run.id, self.results) if self.run else None
        self.summary.show_summary(summary, self.scale)

    def _run_picked(self, run_id) -> None:
        self._follow_job = False  # the user looks at another run: do not pull them back
        self.load_run(run_id)

    def _job_started(self) -> None:
        self._arrived.clear()
        self._follow_job = True

    def _part_stored(self, result_id: int) -> None:
        self._arrived.append(result_id)
        if not self._arrivals.isActive():
            self._arrivals.start()

    def _take_arrivals(self) -> None:
        """Parts graded since the last burst join the queue; the shown part stays shown.
        The first part of a new run opens that run."""
        self._arrivals.stop()
        ids, self._arrived = self._arrived, []
        if self.project is None or not ids:
            return
        rows = [self.project.runs.result(i) for i in ids]
        run_id = rows[-1].run_id
        if self.run is None or self.run.id != run_id:
            if self._follow_job:
                self.run_bar.set_runs(self.project.runs.list(), run_id)
                self.load_run(run_id)
            return
        known = {r.id for r in self.results}
        new = [r for r in rows if r.run_id == run_id and r.id not in known]
        self.results += new
        shown = self.current
        self.queue.add(new)
        self.queue_panel.model.refresh()
        self.queue_panel.filters.add_choices(*self.queue.choices())
        self._show_summary()
        if shown is None and self.current is not None:
            self.show_current()  # the first part to review appears at once
        else:
            self.queue_panel.sync()

    def _run_finished(self, run_id) -> None:
        """A job ended: show its run (a canceled new run: the newest); a run already on
        screen keeps the part the reviewer is looking at."""
        self._take_arrivals()
        self._follow_job = False
        if self.project is None:
            return
        self.run_bar.set_runs(self.project.runs.list(), run_id)
        shown = self.run_bar.current_run()
        if self.run is not None and shown == self.run.id:
            self.run = self.project.runs.get(shown)
            return
        self.load_run(shown)

    # queue ----------------------------------------------------------------------------------
    def set_filter(self, f) -> None:
        before = self.queue.current
        self.queue.set_filter(f)
        self.queue_panel.model.refresh()
        if self.queue.current is not before:
            self.show_current()
        self.queue_panel.sync()

    def next_part(self) -> bool:
        return self.queue.next() and self.show_current()

    def prev_part(self) -> bool:
        return self.queue.prev() and self.show_current()

    def _go_to_row(self, row: int) -> None:
        if self.queue.go_to(row):
            self.show_current()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def current(self):
        return self.queue.current

    def show_current(self) -> bool:
        """Show the queue's current part (image loads in the background)."""
        r = self.current
        self.queue_panel.sync()
        self.details.show_result(r, self.scale, self.names, self._units())
        self._sync_actions()
        if r is None:
            self.shown_at = None
            self.view.clear("No run" if self.run is None else "No part to review here")
            return True
        self.loader.forget_wanted()
        path = str(image_file(self.project, r))
        entry = self.loader.request(path)
        if entry is not None:
            self._loaded(entry)
        else:
            self.view.clear("Loading…")
        nxt = self.queue.visible[self.queue.pos + 1] if self.queue.pos + 1 < len(
            self.queue.visible) else None
        if nxt is not None:
            self.loader.prefetch([str(image_file(self.project, self.queue.items[nxt]))])
        if self.reference_view.isVisibleTo(self):
            self._request_reference()
        return True

    def _units(self) -> tuple[str, str]:
        cal = self.recipe.calibration if self.recipe else None
        return (cal.area_unit, cal.length_unit) if cal else ("mm²", "mm")

    def _caption(self, c) -> str:
        return f"{c.class_label(self.names)} {c.grade or ''}".strip()

    def _loaded(self, entry) -> None:
        r = self.current
        if r is not None and entry.path == str(image_file(self.project, r)):
            self.view.show_part(entry.pixels, entry.display, entry.window,
                                outlines_for(r.components, self.scale, self._caption))
            self.view.title = r.image_path.replace("\\", "/").rsplit("/", 1)[-1]
            self._part_on_screen(r)
        if self.reference is not None and entry.path == str(
                self.project.images.abspath(self.reference)):
            self.reference_view.show_part(entry.pixels, entry.display, entry.window)
            self.reference_view.title = f"Reference (good): {self.reference.name}"
            self.reference_view.follow(self.view)

    def _load_failed(self, path: str, message: str) -> None:
        r = self.current
        if r is not None and path == str(image_file(self.project, r)):
            self.view.clear(f"Cannot show this part: {message}")
            self._part_on_screen(r)
        elif self.reference is not None and path == str(
                self.project.images.abspath(self.reference)):
            self.reference_view.clear(f"Cannot show the reference: {message}")

    def _part_on_screen(self, r) -> None:
        self.shown_at = time.monotonic()
        self.part_shown.emit(r.id)

    # reference ------------------------------------------------------------------------------
    def set_reference_visible(self, on: bool) -> None:
        if self._actions["review.reference"].isChecked() != on:
            self._actions["review.reference"].setChecked(on)  # comes back here
            return
        self.reference_view.setVisible(on)
        if on:
            half = max(self.views.width() // 2, 1)
            self.views.setSizes([half, half])
            self._request_reference()

    def pick_reference(self):
        """A good part from the project, the same size as the shown part if there is one."""
        goods = self.project.images.list(is_good=True) if self.project else []
        if not goods:
            return None
        shown = self.view.layer
        same = [g for g in goods if shown is not None
                and (g.width, g.height) == (shown.width, shown.height)]
        return (same or goods)[0]

    def _request_reference(self) -> None:
        self.reference = self.pick_reference()
        if self.reference is None:
            self.reference_view.clear("No good part in this project: mark one as good to "
                                      "compare with")
            return
        entry = self.loader.request(str(self.project.images.abspath(self.reference)))
        if entry is not None:
            self._loaded(entry)

    # decisions ------------------------------------------------------------------------------
    def confirm(self) -> None:
        """Agree with the model's grade."""
        if self._can_decide():
            self.decide("confirm", self.current.grade)

    def override(self) -> OverrideDialog | None:
        """Ask for another grade and a reason (non-blocking dialog)."""
        if not self._can_decide():
            return None
        r = self.current
        dialog = OverrideDialog(self.scale, r.grade, self)
        dialog.accepted.connect(lambda d=dialog, rid=r.id: self._overridden(d, rid))
        self.override_dialog = dialog
        dialog.open()
        return dialog

    def _overridden(self, dialog: OverrideDialog, result_id: int) -> None:
        if self.current is not None and self.current.id == result_id:
            self.decide("override", dialog.grade, dialog.reason)

    def send_to_labeling(self) -> int | None:
        """Make the part a project image with a pre-label (app/jobs/review_labeling.py); returns
        its id.

        A stored prediction, or the boxes when no model can predict, is given at once;
        otherwise the prediction runs in the background (prelabeler.done says when)."""
        if not self._can_decide():
            return None
        r = self.current
        try:
            image_id, added = labeling.ensure_image(self.project, r)
        except (OSError, ImageReadError) as e:
            self.status_message.emit(f"Cannot send {r.image_path} to labeling: {e}")
            return None
        kind = self.prelabeler.submit(image_id, r, self.run.model_id)
        text = labeling.describe(added, kind or "prediction (in the background)")
        self.decide("to_labeling", r.final_grade, text)
        self.status_message.emit(f"Sent to labeling: {text}")
        if added and kind is None:
            self._announce_images()  # the pre-label follows later
        return image_id

    def _announce_images(self) -> None:
        """Tell the window (and so the image lists) that project images changed."""
        changed = getattr(self.window(), "images_changed", None)
        if changed is not None:
            changed.emit()

    def decide(self, decision: str, grade: str, reason: str = ""):
        """Write the decision for the current part, then show the next one."""
        r = self.current
        seconds = None if self.shown_at is None else round(time.monotonic() - self.shown_at, 2)
        row = self.project.runs.decide(r.id, decision, grade, reason, seconds)
        updated = self.project.runs.result(r.id)
        self.queue.replace(updated)
        self.results = [updated if x.id == r.id else x for x in self.results]
        self._show_summary()
        still_there = self.queue.reapply()  # "not reviewed" filter: the part leaves the list
        self.queue_panel.model.refresh()
        if still_there:
            self.queue.next()
        self.show_current()
        self.decided.emit(row)
        return row

    def _can_decide(self) -> bool:
        return self.current is not None and self.project is not None and \
            not self.project.readonly

    def _sync_actions(self) -> None:
        has_part = self.current is not None
        writable = self.project is not None and not self.project.readonly
        self.run_bar.set_refusal(why_not(self.project, "inspect.run"))
        why = why_not(self.project, "review.decide")  # a labeler's role: greyed, and why
        for key, action in self._actions.items():
            if key in ("review.confirm", "review.override", "review.to_labeling"):
                action.setEnabled(has_part and writable and not why)
                explain(action, why)
            elif action.property("needs_part"):
                action.setEnabled(has_part)
            else:
                action.setEnabled(self.project is not None)

    # other views ----------------------------------------------------------------------------
    def fit(self) -> None:
        self.view.fit()
        self.reference_view.fit()

    def open_audit_view(self):
        """The audit trail dialog (non-modal), filtered to review decisions of this project."""
        if self.project is None:
            return None
        from app.ui.audit import AuditView

        if self.audit_view is None:
            self.audit_view = AuditView(self.project, self, entity="inspection_result")
        else:
            self.audit_view.reload()
        self.audit_view.show()
        self.audit_view.raise_()
        return self.audit_view

    def export_report(self) -> None:
        if self.run is not None:
            self.exporter.export(self.project, self.run, self)
