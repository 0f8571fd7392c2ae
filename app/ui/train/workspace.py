"""TrainWorkspace: set up a model, train it on a worker thread with live curves, pick the active
model, compare two, and pre-label images.

When a run ends (or is stopped with a model kept) the same job goes on to predict every image
with the active model (app.jobs.after_training), unless "Predict all images after training" is
off: Grade's what-if and Label's pre-labels are then ready. Progress shows here and, as one line,
on the main window's status bar from any workspace (`job_progress`).

Training, device detection and prediction run through JobRunner (app/jobs/train_jobs.py); the UI
thread only draws. torch is first imported by the device probe when this workspace is first
shown, or by a job; pyqtgraph when the curves are first needed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.statuses import CANCELED
from app.jobs.after_training import PREDICT_EVENT
from app.jobs.synthetic_zones import zone_choices
from app.jobs.train_jobs import probe_job, train_job
from app.jobs.training import find_resumable, format_eta
from app.ml.project_data import NO_LABELS, default_project_spec, training_rows
from app.ui import app_settings, errors
from app.ui.roles import explain, why_not
from app.ui.run_on import RunOnChoice
from app.ui.start_question import project_start
from app.ui.workers import JobRunner
from app.ui.workspace import Workspace

from .budget_note import MEASURING, BudgetNote
from .compare import CompareDialog
from .deploy_dialog import DeployDialog
from .model_kind import ModelKindChooser
from .models_panel import NO_MODEL, ModelsPanel
from .prelabel import Prelabeler
from .queued_training import QueuedTraining
from .readiness import ReadinessLabel
from .spec_form import SpecForm
from .synthetic_preview import SyntheticChoice, SyntheticPreviewDialog

# Errors meant for the user (nothing to train on, read-only, ...): said in the log, no dialog.
USER_ERRORS = ("DataError", "TrainingError", "ReadOnlyError", "CheckpointError", "KeyError")


class ColumnScroll(QScrollArea):
    """The settings column of a splitter, scrolled up and down when the window is too low for
    it (a team project's extra rows); it widens by the scroll bar while the bar shows, so the
    bar never hides the column's right edge, and narrows back when it goes (a width the user
    dragged to is kept)."""

    def __init__(self, column: QWidget, width: int):
        super().__init__()
        self.setWidget(column)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.width_wanted = width  # without the bar
        self._auto = width  # the width last set here
        self.verticalScrollBar().rangeChanged.connect(lambda *_: self.fit())

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        QTimer.singleShot(0, self.fit)  # the splitter has its sizes once shown

    def fit(self) -> None:
        split = self.parentWidget()
        if not isinstance(split, QSplitter) or split.count() < 2:
            return
        bar = self.verticalScrollBar()
        want = self.width_wanted + (bar.sizeHint().width() if bar.maximum() > 0 else 0)
        sizes = split.sizes()
        i = split.indexOf(self)
        if not sum(sizes) or sizes[i] == want or (sizes[i] != self._auto and sizes[i] > want):
            return
        j = i + 1 if i + 1 < len(sizes) else i - 1
        sizes[j] -= want - sizes[i]
        sizes[i] = self._auto = want
        split.setSizes(sizes)


class TrainWorkspace(Workspace):
    title = "Train"
    train_event = Signal(object)  # TrainEvent, emitted on the worker, received here
    model_trained = Signal(object)  # the registered ModelRow
    predictions_changed = Signal(list, int)  # image ids, model id

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self.machine = None  # probe.MachineInfo, once known
        self.curves = None  # TrainingCurves, built when first needed (imports pyqtgraph)
        self.compare_dialog: CompareDialog | None = None
        self.deploy_dialog: DeployDialog | None = None
        self.current_image: Callable[[], int | None] = self._label_current_image
        self._class_names: dict[int, str] = {}
        self._labeled = 0  # images that would train
        self._resumable = None  # training.RunInfo of a stopped run
        self._stopping = False
        self._shown_defaults = None  # (spec, train values) as the defaults filled the form
        self._phase = ""  # while the train job runs: "train", then "predict"
        self._job_lines: dict[str, str] = {}  # "train" / "prelabel" -> status bar text

        self.form = SpecForm()
        self.data_label = QLabel(wordWrap=True)
        self.readiness = ReadinessLabel()  # which images train, and why the others do not
        self.synthetic = SyntheticChoice()  # TrainConfig.synthetic, and its preview
        self.synthetic_dialog: SyntheticPreviewDialog | None = None
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Train a new model on the labeled images")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current batch; the best model so far is kept")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue the last stopped training run")
        settings = app_settings.shared()
        self.predict_after = QCheckBox("Predict all images after training")
        self.predict_after.setToolTip(
            "When a run ends or is stopped, the active model predicts every image: Grade's "
            "what-if and Label's pre-labels are then ready")
        self.predict_after.setChecked(settings.predict_after_training())
        self.predict_after.toggled.connect(settings.set_predict_after_training)
        self.run_on = RunOnChoice()  # a team project: here, or queued for the team worker
        self.progress = QProgressBar(textVisible=True)
        self.progress_text = QLabel(wordWrap=True)
        self.models = ModelsPanel()
        self.prelabel = Prelabeler(self)
        self.log_view = QPlainTextEdit(readOnly=True)
        self.log_view.setMaximumBlockCount(5000)
        self.curves_host = QWidget()
        QVBoxLayout(self.curves_host).setContentsMargins(0, 0, 0, 0)
        self._layout()

        self.train_runner = JobRunner(self)
        self.queued = QueuedTraining(self)  # the same run, on the team worker
        self.probe_runner = JobRunner(self)
        self.budget = BudgetNote(self.form, lambda: self.training, self)
        self.train_event.connect(self._on_event)
        self.train_runner.progress.connect(self._on_progress)
        self.train_runner.log.connect(self.log)
        self.train_runner.succeeded.connect(self._trained)
        self.train_runner.canceled.connect(self._train_canceled)
        self.train_runner.failed.connect(self._failed)
        self.train_runner.finished.connect(self._train_finished)
        for signal, slot in ((self.queued.train_event, self._on_event),
                             (self.queued.progress, self._on_progress),
                             (self.queued.log, self.log), (self.queued.succeeded, self._trained),
                             (self.queued.canceled, self._train_canceled),
                             (self.queued.failed, self._failed),
                             (self.queued.finished, self._train_finished)):
            signal.connect(slot)
        self.probe_runner.succeeded.connect(self._probed)
        self.probe_runner.failed.connect(lambda m, tb: self.form.device.setText(f"Unknown ({m})"))
        self.prelabel.log.connect(self.log)
        self.prelabel.failed.connect(self._failed)
        self.prelabel.done.connect(self._announce)
        self.prelabel.running_changed.connect(self.models.set_predicting)
        self.prelabel.runner.progress.connect(
            lambda done, total, _m: self._set_job_line("prelabel", f"Pre-labeling {done}/{total}"))
        self.prelabel.running_changed.connect(
            lambda on: None if on else self._set_job_line("prelabel", ""))

        self.start_button.clicked.connect(lambda: self.start_training())
        self.resume_button.clicked.connect(lambda: self.start_training(resume=True))
        self.stop_button.clicked.connect(self.stop_training)
        self.synthetic.preview_requested.connect(self.preview_synthetic)
        self.models.activate_requested.connect(self.set_active_model)
        self.models.compare_requested.connect(self.compare_models)
        self.models.deploy_requested.connect(self.deploy_model)
        self.models.predict_current_requested.connect(self.predict_current)
        self.models.predict_all_requested.connect(self.predict_all)
        self.models.cancel_prediction_requested.connect(self.prelabel.cancel)
        self._sync()

    def _layout(self) -> None:
        setup = QGroupBox("Model")
        self.kind = ModelKindChooser([self.form, self.data_label, self.readiness,
                                      self.start_button, self.stop_button, self.resume_button,
                                      self.predict_after, self.synthetic])
        self.kind.log.connect(self.log)
        self.kind.trained.connect(lambda row: (self.model_trained.emit(row), self.refresh()))
        box = QVBoxLayout(setup)
        box.addWidget(self.kind)
        box.addWidget(self.form)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.stop_button, self.resume_button):
            buttons.addWidget(b)
        left = QWidget()
        col = QVBoxLayout(left)
        col.addWidget(setup)
        col.addWidget(self.data_label)
        col.addWidget(self.readiness)
        col.addWidget(self.synthetic)
        col.addWidget(self.predict_after)
        col.addWidget(self.run_on)  # where it runs, chosen before Start
        col.addLayout(buttons)
        col.addWidget(self.progress)
        col.addWidget(self.progress_text)
        col.addStretch(1)
        models = QGroupBox("Trained models")
        mcol = QVBoxLayout(models)
        mcol.addWidget(self.models)
        mcol.addWidget(self.prelabel.progress)
        log = QGroupBox("Log")
        QVBoxLayout(log).addWidget(self.log_view)
        right = QSplitter(Qt.Orientation.Vertical)
        for w in (self.curves_host, models, log):
            right.addWidget(w)
        right.setSizes([420, 260, 140])
        scroll = ColumnScroll(left, 330)  # a team project's extra rows never squeeze the form
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 950])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

    # Workspace API ----------------------------------------------------------------------------
    def set_project(self, project) -> None:
        if self.project is not None:
            self._stop_all()
        self.project = project
        self.prelabel.project = project
        self.kind.project = project
        start = project_start(project)  # the new-project answer picks the default model kind
        self.kind.set_kind(start.model_kind, start.hint)
        self.kind._sync()
        self.run_on.set_project(project)
        self.log_view.clear()
        self.progress.reset()
        self._job_lines.clear()
        self.job_progress.emit("")
        self.progress_text.clear()
        if self.curves is not None:
            self.curves.clear()
        if project is not None:
            self._apply_defaults()
            self.refresh()
            job_id = self.queued.follow_mine(project)
            if job_id is not None:  # queued before this window opened: show it again
                self._start_view(f"Following training job {job_id} on the team worker")
                self._set_job_line("train", f"Training on the team worker (job {job_id})")
        self.budget.set_context(project, self.machine.device if self.machine else None)
        self._sync()

    def activated(self) -> None:
        """First show: build the curves, detect the device (imports torch, on a worker)."""
        self._ensure_curves()
        if self.machine is None and not self.probe_runner.running:
            self.probe_runner.start(probe_job)
        self.refresh()

    def shutdown(self) -> None:
        self._stop_all()
        self.probe_runner.wait()

    def preview_synthetic(self) -> SyntheticPreviewDialog | None:
        """Opens the grid of generated training examples for the chosen synthetic mode."""
        if self.project is None or not self.synthetic.preview_button.isEnabled():
            return None
        if self.synthetic_dialog is not None:
            self.synthetic_dialog.close()
        self.synthetic_dialog = SyntheticPreviewDialog(self.project, self.synthetic.mode(), self,
                                                       zone=self.synthetic.zone())
        self.synthetic_dialog.show()
        return self.synthetic_dialog

    def _stop_all(self) -> None:
        if self.synthetic_dialog is not None:
            self.synthetic_dialog.close()
        if self.deploy_dialog is not None:
            self.deploy_dialog.stop()
            self.deploy_dialog.close()
        self.train_runner.cancel()
        self.train_runner.wait()
        self.queued.stop()  # stop following; the worker's job goes on
        self.kind.runner.cancel()
        self.kind.runner.wait()
        self.prelabel.stop()
        self.budget.stop()

    # state ------------------------------------------------------------------------------------
    @property
    def training(self) -> bool:
        return self.train_runner.running or self.queued.running

    def refresh(self) -> None:
        """Re-read data counts, models and the resumable run from the project."""
        p = self.project
        self.readiness.show_project(p)
        self.synthetic.set_zones(zone_choices(p) if p is not None else [])
        if p is None:
            self.models.show_models([], None, {})
            self.data_label.clear()
            self._labeled, self._resumable = 0, None
            self._sync()
            return
        classes = p.classes.list()
        self._class_names = {c.value: c.name for c in classes}
        rows = training_rows(p)
        self._labeled = len(rows)
        good = sum(r.is_good for r in rows)
        if rows:
            names = ", ".join(c.name for c in classes) or "none"
            self.data_label.setText(f"{len(rows)} labeled images ({good} good parts) · "
                                    f"classes: {names}")
        else:
            self.data_label.setText(NO_LABELS)
        self.models.show_models(p.models.list(), p.models.active_id(),
                                self._class_names, NO_MODEL if rows else NO_LABELS,
                                writable=not p.readonly)
        self._resumable = find_resumable(p) if not p.readonly else None
        self.budget.schedule()  # a finished run brings its measured speed
        self._sync()

    def _sync(self) -> None:
        p = self.project
        training = self.training
        why = why_not(p, "models.change")  # a team role that may not add models: greyed
        can_train = p is not None and not p.readonly and self._labeled > 0 and not why
        explain(self.start_button, why)
        explain(self.resume_button, why)
        self.start_button.setEnabled(can_train and not training)
        self.stop_button.setEnabled(training and not self._stopping)
        run = self._resumable if p is not None else None
        self.resume_button.setEnabled(can_train and not training and run is not None)
        self.resume_button.setText(f"Resume (after epoch {run.epochs_done})" if run else "Resume")
        self.form.setEnabled(not training)
        self.synthetic.set_editable(not training)
        self.synthetic.preview_button.setEnabled(p is not None and self._labeled > 0)
        self.predict_after.setEnabled(not training)
        self.run_on.combo.setEnabled(not training)

    def _apply_defaults(self) -> None:
        device = self.machine.device if self.machine else "cpu"
        self.form.set_spec(default_project_spec(self.project, device))
        if self.machine:
            self.form.set_train_values(self.machine.train_defaults)
        self._shown_defaults = (self.form.spec(), self.form.train_values())

    def _form_untouched(self) -> bool:
        return self._shown_defaults == (self.form.spec(), self.form.train_values())

    def _ensure_curves(self):
        if self.curves is None:
            from .curves import TrainingCurves

            self.curves = TrainingCurves()
            self.curves_host.layout().addWidget(self.curves)
        return self.curves

    def log(self, text: str) -> None:
        self.log_view.appendPlainText(text)

    # training ---------------------------------------------------------------------------------
    def start_training(self, resume: bool = False) -> bool:
        if self.project is None or self.training or not self.start_button.isEnabled():
            return False
        spec = None if resume else self.form.spec()
        values = None if resume else {**self.form.train_values(),
                                      "synthetic": self.synthetic.mode(),
                                      "synthetic_zone": self.synthetic.zone()}
        self._start_view("Preparing the training data…")
        self._set_job_line("train", "Training: preparing…")
        if resume:
            self.log("Resuming the last stopped run")
        else:
            how_long = (f"{values['minutes']:g} minutes" if values["minutes"]
                        else f"{values['epochs']} epochs")
            self.log(f"Training {spec.architecture}/{spec.encoder}, tile {spec.tile_size}, "
                     f"{how_long}")
            note = self.form.budget_note.text() if self.form.budget_note.isVisibleTo(self) else ""
            if values["minutes"] and note and note != MEASURING:
                self.log(f"The budget buys {note}")
        if self.run_on.remote():
            job_id = self.queued.start(self.project, spec, values, resume,
                                       self.predict_after.isChecked())
            self.log(f"Queued for the team worker as job {job_id}")
            self._set_job_line("train", f"Training: queued for the team worker (job {job_id})")
        else:
            self.train_runner.start(train_job(self.project, spec, values, resume,
                                              self.train_event.emit,
                                              predict=self.predict_after.isChecked()))
        self._sync()
        return True

    def _start_view(self, text: str) -> None:
        """Clear curves, busy bar: a run (here or on the team worker) starts being shown."""
        classes = [(str(c.value), c.name, c.color) for c in
                   sorted(self.project.classes.list(), key=lambda c: c.value)]
        self._ensure_curves().start(classes)
        self._stopping = False
        self._phase = "train"
        self.progress.setRange(0, 0)  # busy until the first step says how many there are
        self.progress_text.setText(text)
        self.budget.pause()

    def stop_training(self) -> None:
        """Stops training (the best model so far is kept, then predicts), or the predictions."""
        if self.training:
            self._stopping = True
            (self.queued if self.queued.running else self.train_runner).cancel()
            predicting = self._phase == "predict"
            self.progress_text.setText("Stopping the predictions…" if predicting
                                       else "Stopping after the current batch…")
            self._set_job_line("train", "Stopping the predictions…" if predicting
                               else "Training: stopping…")
            self._sync()

    def _on_event(self, event) -> None:
        if event.kind == PREDICT_EVENT:
            self._predicting(event.total_steps, event.text)
            return
        if event.kind == "step" and event.epoch is not None and not self._stopping:
            self._set_job_line("train", f"Training epoch {event.epoch + 1}/{event.epochs} · "
                                        f"{format_eta(event.eta_s)}")
        if self.curves is None:
            return
        if event.kind == "step":
            self.curves.add_step(event.step, event.loss)
        elif event.kind == "epoch":
            self.curves.add_epoch(event.epoch, event.metrics or {})
        elif event.kind == "message" and "random weights" in event.text.lower():
            self.form.show_weights_note(event.text)

    def _predicting(self, n: int, model: str) -> None:
        """Training is over; the same job predicts `n` images with model `model`."""
        self._phase, self._stopping = "predict", False  # a stop now stops the predictions
        if self.curves is not None:
            self.curves.stop()
        self.progress.setRange(0, max(n, 1))
        self.progress.setValue(0)
        if n:
            self.progress_text.setText(f"Predicting {n} images with model {model}…")
            self._set_job_line("train", f"Predicting 0/{n}")
        self.stop_button.setToolTip("Stop predicting; the predictions made so far are kept")
        self._sync()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            if self.progress.maximum() != total:
                self.progress.setRange(0, total)
            self.progress.setValue(done)
        if message and not self._stopping:
            if self._phase == "predict":
                self.progress_text.setText(f"{message} ({done}/{total})")
                self._set_job_line("train", f"Predicting {done}/{total}")
            else:
                self.progress_text.setText(message)

    def _set_job_line(self, key: str, text: str) -> None:
        """The status bar line (main window, any workspace): training and pre-labeling."""
        if text:
            self._job_lines[key] = text
        else:
            self._job_lines.pop(key, None)
        self.job_progress.emit(" · ".join(self._job_lines[k] for k in ("train", "prelabel")
                                          if k in self._job_lines))

    def _trained(self, outcome) -> None:
        row = outcome.model
        m = row.metrics
        how = "stopped, best so far" if m.get("status") == CANCELED else "trained"
        miou = m.get("miou")
        self.log(f"Model {row.id} ({row.name}) {how}"
                 + (f": val mIoU {miou:.3f}" if miou is not None else ""))
        # The final word: active or not, and why (the job logged the full sentence above).
        if self.project is not None and self.project.models.active_id() == row.id:
            self.progress_text.setText(f"Model {row.name} registered and now active")
        elif row.verdict.useful is False:
            self.progress_text.setText(f"Model {row.name} registered: {row.verdict.text}")
        else:
            self.progress_text.setText(f"Model {row.name} registered, not made active "
                                       "(it does not beat the active model)")
        self.model_trained.emit(row)
        report = outcome.predictions
        if report is not None and report.predicted:
            if not outcome.note:  # a note (stopped) was logged by the job
                self.log(f"Predicted {len(report.predicted)} image(s) with model "
                         f"{report.model_id} in {report.seconds:.1f} s: Grade's what-if and "
                         "the pre-labels are ready")
            self.progress_text.setText(f"Model {row.name} registered · "
                                       f"{len(report.predicted)} images predicted")
            self._announce(report.predicted, report.model_id)
        elif outcome.note:
            self.progress_text.setText(f"Model {row.name} registered · {outcome.note}")

    def _train_canceled(self) -> None:
        self.log("Stopped before the first epoch finished: no model kept (Resume continues)")
        self.progress_text.setText("Stopped")

    def _train_finished(self) -> None:
        self._stopping = False
        self._phase = ""
        self._set_job_line("train", "")
        self.stop_button.setToolTip("Stop after the current batch; the best model so far is kept")
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        if self.curves is not None:
            self.curves.stop()
        self.refresh()

    def _failed(self, message: str, details: str) -> None:
        kind = message.split(":", 1)[0]
        if kind in USER_ERRORS:
            text = message.split(":", 1)[1].strip().strip("'\"")
            self.log(text)
            self.progress_text.setText(text)
            self.status_message.emit(text)
        else:
            self.log(f"Failed: {message}")
            errors.report_job_failure(message, details)

    def _probed(self, info) -> None:
        self.machine = info
        self.form.set_machine(info.label, info.weights_notes)
        self.budget.set_context(self.project, info.device)
        # The device's defaults replace the form's, unless the user has edited them meanwhile.
        if self.project is not None and not self.training and self._form_untouched():
            self._apply_defaults()

    # models -----------------------------------------------------------------------------------
    def set_active_model(self, model_id: int) -> None:
        if self.project is None or self.project.readonly:
            return
        self.project.models.set_active(int(model_id), chosen=True)
        self.log(f"Model {model_id} is now the active model (chosen by you)")
        self.status_message.emit(f"Model {model_id} is now the active model")
        self.refresh()

    def compare_models(self, a: int, b: int) -> CompareDialog | None:
        if self.project is None:
            return None
        dialog = CompareDialog(self.project.models.get(a), self.project.models.get(b),
                               self._class_names, self)
        dialog.open()
        self.compare_dialog = dialog
        return dialog

    def deploy_model(self, model_id: int) -> DeployDialog | None:
        """Opens the Deploy dialog for one model (any kind)."""
        if self.project is None:
            return None
        if self.deploy_dialog is not None:
            self.deploy_dialog.close()
        self.deploy_dialog = DeployDialog(self.project, self.project.models.get(model_id), self)
        self.deploy_dialog.open()
        return self.deploy_dialog

    # pre-labels -------------------------------------------------------------------------------
    def predict_current(self, model_id: int) -> bool:
        image_id = self.current_image()
        if image_id is None:
            self.status_message.emit("Open an image in the Label workspace first")
            return False
        self._note_not_shown(model_id)
        return self.prelabel.predict(model_id, [image_id])

    def predict_all(self, model_id: int) -> bool:
        """Every image of the project: labeled ones feed the what-if, the others pre-labels."""
        if self.project is None:
            return False
        ids = [r.id for r in self.project.images.list()]
        if not ids:
            self.status_message.emit("No images to predict")
            return False
        self._note_not_shown(model_id)
        return self.prelabel.predict(model_id, ids)

    def _note_not_shown(self, model_id: int) -> None:
        row = self.project.models.get(model_id) if self.project is not None else None
        if row is not None and row.verdict.useful is False and \
                self.project.models.active_id() != model_id:
            self.log(f"Model {model_id} is not useful yet: its pre-labels are stored but shown "
                     "only once you make it active")

    def _announce(self, ids: list[int], model_id: int) -> None:
        """Predictions changed: listeners (and the main window's images_changed) redraw."""
        self.predictions_changed.emit(list(ids), model_id)
        changed = getattr(self.window(), "images_changed", None)
        if changed is not None:
            changed.emit()

    def _label_current_image(self) -> int | None:
        """The image open in another workspace (Label), when the main window has one."""
        workspaces = getattr(self.window(), "workspaces", None)
        for ws in workspaces() if callable(workspaces) else []:
            current = getattr(ws, "current_id", None) if ws is not self else None
            if isinstance(current, int):
                return current
        return None
