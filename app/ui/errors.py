"""Unexpected errors: logged to a file, shown to the user, and the app goes on.

Sources: exceptions escaping a slot or event handler (sys.excepthook, which PySide6 calls),
exceptions in Python threads (threading.excepthook) and failed jobs
(`runner.failed.connect(errors.report_job_failure)`). Pending edits are flushed before the
dialog so that a crash that follows loses nothing.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QStandardPaths, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from shiboken6 import isValid

from app.store.errors import RoleRefusedError

log = logging.getLogger(__name__)
LOG_NAME = "defect-studio.log"
REFUSED_TITLE = "Not allowed for your team role"


@dataclass(frozen=True)
class ErrorRecord:
    title: str
    message: str
    details: str  # traceback text


def default_log_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "logs"


def message_box(parent: QWidget | None, record: ErrorRecord, log_path: Path) -> QMessageBox:
    """The default dialog: opened window-modal without blocking, so the caller goes on."""
    box = QMessageBox(QMessageBox.Icon.Critical, record.title, record.message,
                      QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText(f"The app keeps running. Details were written to:\n{log_path}")
    if record.details:
        box.setDetailedText(record.details)
    box.open()
    return box


DialogFactory = Callable[[QWidget | None, ErrorRecord, Path], QWidget | None]


class ErrorHandler(QObject):
    """Installs the hooks; `report()` may be called from any thread."""

    _from_thread = Signal(str, str, str)

    def __init__(self, log_dir: Path | None = None, dialog_factory: DialogFactory = message_box,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.log_path = (log_dir or default_log_dir()) / LOG_NAME
        self.dialog_factory = dialog_factory
        self.records: list[ErrorRecord] = []
        self.dialog: QWidget | None = None
        self._flush_hooks: list[Callable[[], None]] = []
        self._file_handler: logging.Handler | None = None
        self._saved_hooks = None
        self._busy = False
        self._from_thread.connect(self._handle)  # queued when emitted off the UI thread

    @property
    def last_error(self) -> ErrorRecord | None:
        return self.records[-1] if self.records else None

    def add_flush_hook(self, fn: Callable[[], None]) -> None:
        """`fn` commits pending edits; it runs before the error dialog shows."""
        self._flush_hooks.append(fn)

    def remove_flush_hook(self, fn: Callable[[], None]) -> None:
        if fn in self._flush_hooks:
            self._flush_hooks.remove(fn)

    # -- install ----------------------------------------------------------------------------
    def install(self) -> ErrorHandler:
        global _current
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(self.log_path, maxBytes=1_000_000, backupCount=3,
                                      encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger("app")
        root.addHandler(handler)
        if root.level == logging.NOTSET or root.level > logging.INFO:
            root.setLevel(logging.INFO)
        self._file_handler = handler
        self._saved_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        _current = self
        return self

    def uninstall(self) -> None:
        global _current
        if self._saved_hooks is not None:
            # Only undo what is still ours: someone may have chained after us.
            if sys.excepthook == self._excepthook:
                sys.excepthook = self._saved_hooks[0]
            if threading.excepthook == self._thread_excepthook:
                threading.excepthook = self._saved_hooks[1]
            self._saved_hooks = None
        if self._file_handler is not None:
            logging.getLogger("app").removeHandler(self._file_handler)
            self._file_handler.close()
            self._file_handler = None
        if _current is self:
            _current = None

    # -- entry points -----------------------------------------------------------------------
    def report(self, message: str, details: str = "", title: str = "Unexpected error") -> None:
        app = QCoreApplication.instance()
        if app is not None and QThread.currentThread() is not app.thread():
            self._from_thread.emit(title, message, details)
        else:
            self._handle(title, message, details)

    def _excepthook(self, etype, value, tb) -> None:
        if issubclass(etype, KeyboardInterrupt):
            sys.__excepthook__(etype, value, tb)
            return
        if issubclass(etype, RoleRefusedError):  # the team database said no: a sentence
            self.report(str(value), "", title=REFUSED_TITLE)
            return
        details = "".join(traceback.format_exception(etype, value, tb))
        self.report(f"{etype.__name__}: {value}", details)

    def _thread_excepthook(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        details = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                     args.exc_traceback))
        name = args.thread.name if args.thread else "a thread"
        self.report(f"{args.exc_type.__name__} in {name}: {args.exc_value}", details)

    @Slot(str, str, str)
    def _handle(self, title: str, message: str, details: str) -> None:
        record = ErrorRecord(title, message, details)
        self.records.append(record)
        log.error("%s: %s\n%s", title, message, details)
        if self._busy:  # an error while flushing or showing: logged, never recursive
            return
        self._busy = True
        try:
            for flush in list(self._flush_hooks):
                try:
                    flush()
                except Exception:
                    log.exception("flushing pending edits after an error failed")
            old = self.dialog if self.dialog is not None and isValid(self.dialog) else None
            if old is not None and old.isVisible():
                return  # one dialog at a time: a burst of errors does not bury the window
            if old is not None:
                old.deleteLater()
            parent = QApplication.activeWindow() if isinstance(
                QCoreApplication.instance(), QApplication) else None
            self.dialog = self.dialog_factory(parent, record, self.log_path)
        finally:
            self._busy = False


_current: ErrorHandler | None = None


def current() -> ErrorHandler | None:
    return _current


def report(message: str, details: str = "", title: str = "Unexpected error") -> None:
    """Report through the installed handler, or just log when there is none (headless)."""
    if _current is not None:
        _current.report(message, details, title)
    else:
        log.error("%s: %s\n%s", title, message, details)


def report_job_failure(message: str, details: str = "") -> None:
    """Slot for `JobRunner.failed(message, traceback)`."""
    refused = f"{RoleRefusedError.__name__}: "
    if message.startswith(refused):  # a job the team role may not run: no traceback
        report(message[len(refused):], "", title=REFUSED_TITLE)
        return
    report(message, details, title="A background job failed")
