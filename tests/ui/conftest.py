"""UI test fixtures: sandboxed settings, a thread-leak guard, a small project, the main window."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import traceback
from pathlib import Path
from weakref import WeakKeyDictionary

import cv2
import numpy as np
import pytest
from PySide6.QtCore import (
    QCoreApplication,
    QSettings,
    QStandardPaths,
    QThread,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QVBoxLayout

from app.store import NewImage, Project
from app.ui.images import ImageListPanel
from app.ui.workspace import Workspace


@pytest.fixture(autouse=True)
def settings_sandbox(qapp, tmp_path):
    """QSettings and the shared AppSettings point into tmp: tests never touch the user's."""
    from app.ui import app_settings

    QStandardPaths.setTestModeEnabled(True)
    QCoreApplication.setOrganizationName("DefectStudioTests")
    QCoreApplication.setApplicationName("Defect Studio Tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path / "settings"))
    settings = app_settings.AppSettings()
    app_settings.set_shared(settings)
    yield settings
    app_settings.set_shared(None)


# Python threads that live for the whole session by design, not started by the code under test
# (a debugger's); matched by name prefix. Threads alive before the test are never counted.
LONG_LIVED_THREADS = ("pydevd.",)


def _python_thread_leaks(before: set, started: WeakKeyDictionary) -> list[str]:
    """Threads (plain or a concurrent.futures executor's workers) alive now that were not
    before the test; each is given a moment to end, since a joined pool may still be exiting."""
    leaks = []
    for thread in threading.enumerate():
        if (thread in before or isinstance(thread, threading._DummyThread)  # Qt's, see above
                or thread.name.startswith(LONG_LIVED_THREADS)):
            continue
        thread.join(2.0)
        if thread.is_alive():
            where = started.get(thread, "(started outside Thread.start)\n")
            kind = "an executor worker" if "ThreadPoolExecutor" in thread.name or \
                "_adjust_thread_count" in where else "a thread"
            leaks.append(f"{kind} {thread.name!r} (daemon={thread.daemon}) started at\n{where}"
                         "  (shut its executor down / join it before the test ends)")
    return leaks


@pytest.fixture(autouse=True)
def no_dangling_threads(monkeypatch, qapp):
    """Fails a test that leaves a thread running: a QThread (JobRunner), QThreadPool work, a
    concurrent.futures executor's workers or a plain threading.Thread (cf. napari)."""
    threads: WeakKeyDictionary = WeakKeyDictionary()
    pools: WeakKeyDictionary = WeakKeyDictionary()
    started: WeakKeyDictionary = WeakKeyDictionary()
    thread_start, pool_start = QThread.start, QThreadPool.start
    py_start = threading.Thread.start
    before = set(threading.enumerate())

    def start_thread(self, *args, **kwargs):
        threads[self] = "".join(traceback.format_stack(limit=4)[:-1])
        return thread_start(self, *args, **kwargs)

    def start_pool(self, *args, **kwargs):
        pools[self] = "".join(traceback.format_stack(limit=4)[:-1])
        return pool_start(self, *args, **kwargs)

    def start_py_thread(self, *args, **kwargs):
        started[self] = "".join(traceback.format_stack(limit=6)[:-1])
        return py_start(self, *args, **kwargs)

    monkeypatch.setattr(QThread, "start", start_thread)
    monkeypatch.setattr(QThreadPool, "start", start_pool)
    monkeypatch.setattr(threading.Thread, "start", start_py_thread)
    # what the test may call to see the guard's verdict on Python threads before it ends
    yield lambda: _python_thread_leaks(before, started)
    leaks = []
    for thread, where in list(threads.items()):
        try:
            if thread.isRunning():
                leaks.append(f"QThread started at\n{where}")
                thread.quit()
                thread.wait(2000)
        except RuntimeError:  # the C++ object is gone, so is the thread
            pass
    for pool, where in list(pools.items()):
        try:
            if pool.activeThreadCount():
                leaks.append(f"QThreadPool work started at\n{where}")
                pool.clear()
                pool.waitForDone(2000)
        except RuntimeError:
            pass
    global_pool = QThreadPool.globalInstance()
    if global_pool.activeThreadCount():
        leaks.append("QThreadPool.globalInstance() still has active threads")
        global_pool.waitForDone(2000)
    leaks += _python_thread_leaks(before, started)
    if leaks:
        pytest.fail("threads left running by the test:\n" + "\n".join(leaks))


@pytest.fixture
def offline(monkeypatch):
    """No network for ImageNet weights: training starts at once from what is on the machine
    (modules ask with pytest.mark.usefixtures("offline"))."""
    monkeypatch.setenv("DEFECT_STUDIO_OFFLINE", "1")


# -- data -------------------------------------------------------------------------------------

def write_image(path: Path, img: np.ndarray) -> NewImage:
    path.parent.mkdir(parents=True, exist_ok=True)
    bgr = img[:, :, ::-1] if img.ndim == 3 else img
    assert cv2.imwrite(str(path), bgr)
    data = path.read_bytes()
    h, w = img.shape[:2]
    return NewImage(path=str(path), sha256=hashlib.sha256(data).hexdigest(),
                    size_bytes=len(data), width=w, height=h,
                    bit_depth=16 if img.dtype == np.uint16 else 8,
                    channels=1 if img.ndim == 2 else 3)


def sample_images(folder: Path) -> list[NewImage]:
    """Four tiny parts: 8-bit gray, 16-bit gray, RGB, and another gray."""
    ramp = np.tile(np.arange(48, dtype=np.uint16), (32, 1))
    rgb = np.zeros((32, 48, 3), np.uint8)
    rgb[..., 0] = 200
    return [
        write_image(folder / "MT_Crack" / "crack_01.png", (ramp * 5).astype(np.uint8)),
        write_image(folder / "MT_Crack" / "crack_02.png", ramp * 1000 + 3000),
        write_image(folder / "MT_Blowhole" / "blow_01.png", rgb),
        write_image(folder / "MT_Free" / "free_01.png", np.full((32, 48), 90, np.uint8)),
    ]


@pytest.fixture
def project_path(tmp_path) -> Path:
    """A closed project with 4 images: 1 labeled crack (train), 1 in progress, 2 unlabeled."""
    path = tmp_path / "parts.dsproj"
    images = sample_images(tmp_path / "images")
    with Project.create(path) as p:
        crack = p.classes.add("crack", "#ff3030")
        p.classes.add("blowhole", "#30a0ff")
        classes = ["crack", "crack", "blowhole", None]
        items = [dataclasses.replace(i, source_class=c)
                 for i, c in zip(images, classes, strict=True)]
        ids = p.images.add_many(items).added
        mask = np.zeros((32, 48), np.uint8)
        mask[4:10, 4:20] = crack.value
        p.masks.save(ids[0], mask)
        p.images.set_status([ids[0]], "labeled")
        p.masks.save(ids[1], np.zeros((32, 48), np.uint8))  # -> in_progress
        p.images.set_split([ids[0], ids[1]], "train")
        p.images.set_split([ids[2]], "val")
    return path


class FakeWorkspace(Workspace):
    """Records the hooks the main window calls; embeds the real ImageListPanel."""

    title = "Label"
    saving_changed = Signal(bool)

    def __init__(self):
        super().__init__()
        self.calls: list[str] = []
        self.project = None
        self.panel = ImageListPanel()
        QVBoxLayout(self).addWidget(self.panel)
        self.brush = QAction("Brush", self)
        self.brush.setShortcut("B")
        self.fill = QAction("Fill", self)  # no shortcut: absent from the shortcuts table
        self.slot_error = QAction("Raise", self)
        self.slot_error.triggered.connect(self.raise_in_slot)

    def set_project(self, project):
        self.calls.append("set_project" if project else "set_project(None)")
        self.project = project
        self.panel.set_project(project)

    def workspace_actions(self):
        return [self.brush, self.fill, self.slot_error]

    def activated(self):
        self.calls.append("activated")

    def flush(self):
        self.calls.append("flush")

    def shutdown(self):
        self.calls.append("shutdown")
        self.panel.shutdown()

    def raise_in_slot(self):
        raise ValueError("boom in a slot")


class RecordingDialogs:
    """An error-dialog factory that shows a real, non-blocking box and keeps it."""

    def __init__(self):
        self.shown = []

    def __call__(self, parent, record, log_path):
        from app.ui.errors import message_box

        box = message_box(parent, record, log_path)
        self.shown.append((record, box))
        return box


@pytest.fixture
def error_handler(tmp_path):
    from app.ui.errors import ErrorHandler

    handler = ErrorHandler(log_dir=tmp_path / "logs", dialog_factory=RecordingDialogs())
    handler.install()
    yield handler
    handler.uninstall()


@pytest.fixture
def opened(project_path):
    p = Project.open(project_path)
    yield p
    p.close()


def fake_registry():
    """Label (a recording workspace with the image list), plus a broken and a missing one."""
    def broken():
        raise RuntimeError("the grade workspace is broken on purpose")

    from app.ui.workspaces import lazy

    return [("Label", FakeWorkspace), ("Grade", broken),
            ("Review", lazy("app.ui.no_such_workspace", "Nope"))]


@pytest.fixture
def workspace_registry():
    """Override in a test module to build the window with other workspaces."""
    return fake_registry()


@pytest.fixture
def bare_window(qtbot, settings_sandbox, error_handler, workspace_registry):
    """The main window on its welcome page (no project)."""
    from app.ui.main_window import MainWindow

    window = MainWindow(settings=settings_sandbox, error_handler=error_handler,
                        registry=workspace_registry)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()


@pytest.fixture
def main_window(bare_window, project_path):
    """The main window with `project_path` open; closed (flushed, threads joined) after."""
    window = bare_window
    assert window.open_project(project_path)
    yield window
    window.close()
    assert window.project is None
