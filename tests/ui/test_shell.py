"""The main window shell: projects, recent list, workspaces, actions, errors, import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QAction

from app.store import Project
from app.ui import actions, errors
from app.ui.app_settings import MAX_RECENT, AppSettings
from app.ui.import_dialog import ImportDialog
from app.ui.workspaces import BrokenWorkspace

from .conftest import FakeWorkspace, sample_images, write_image

# -- projects --------------------------------------------------------------------------------


def test_open_and_close_project(bare_window, project_path):
    w = bare_window
    assert w.stack.currentWidget() is w.welcome
    assert w.windowTitle() == "Defect Studio"
    assert not w.action_map["file.close"].isEnabled()
    assert not w._ws_menu.menuAction().isVisible()  # no workspace keys on the welcome page

    assert w.open_project(project_path)
    assert w.project is not None and w.project.name == "parts"
    assert w.stack.currentWidget() is w.tabs
    assert w.windowTitle().startswith("parts")
    assert w.image_count.text() == "4 images"
    label = w.workspaces()[0]
    assert label.calls == ["set_project", "activated"]
    assert w._ws_menu.menuAction().isVisible()
    assert label.panel.visible_ids() == [1, 2, 3, 4]

    assert w.close_project()
    assert w.project is None
    assert w.stack.currentWidget() is w.welcome
    assert label.calls[-2:] == ["flush", "set_project(None)"]
    assert not w._ws_menu.menuAction().isVisible()
    Project.open(project_path).close()  # the writer lock was released


def test_foreign_file_shows_the_error_and_stays_on_welcome(bare_window, tmp_path):
    foreign = tmp_path / "notes.dsproj"
    foreign.write_text("not a database")
    assert not bare_window.open_project(foreign)
    box = bare_window.last_message
    assert box.isVisible() and "not a Defect Studio project" in box.text()
    assert bare_window.project is None
    assert bare_window.stack.currentWidget() is bare_window.welcome
    assert str(foreign) not in bare_window.settings.recent_projects()


def test_a_failed_open_keeps_the_current_project(main_window, tmp_path):
    (tmp_path / "bad.dsproj").write_bytes(b"")
    assert not main_window.open_project(tmp_path / "bad.dsproj")
    assert main_window.project.name == "parts"
    assert main_window.stack.currentWidget() is main_window.tabs


def test_recent_list_updates_and_greys_missing_projects(bare_window, project_path, tmp_path):
    w = bare_window
    other = tmp_path / "other.dsproj"
    assert w.new_project(other)
    assert w.stack.currentWidget() is w.empty_page  # no images yet
    assert w.open_project(project_path)
    assert w.settings.recent_projects() == [str(project_path), str(other)]
    other.unlink()
    w.close_project()
    assert w.welcome.recent_paths() == [(str(project_path), False), (str(other), True)]
    # a click on a recent project opens it
    w.welcome.recent_activated.emit(str(project_path))
    assert w.project is not None and w.project.path == project_path


def test_settings_model_keeps_ten_recent_and_types(settings_sandbox):
    s = AppSettings()
    changes = []
    s.changed.connect(changes.append)
    for i in range(MAX_RECENT + 3):
        s.add_recent_project(f"/p/{i}.dsproj")
    assert len(s.recent_projects()) == MAX_RECENT
    assert s.recent_projects()[0] == f"/p/{MAX_RECENT + 2}.dsproj"
    s.set_overlay_opacity(3)
    assert s.overlay_opacity() == 1.0
    s.set_class_color_override("crack", "#00ff00")
    assert AppSettings().class_color_overrides() == {"crack": "#00ff00"}  # persisted
    with pytest.raises(ValueError):
        s.set_default_device("tpu")
    assert "display/overlay_opacity" in changes


# -- workspaces, title, actions ---------------------------------------------------------------


def test_broken_and_missing_workspaces_explain_in_their_tabs(main_window):
    titles = [main_window.tabs.tabText(i) for i in range(main_window.tabs.count())]
    assert titles == ["Label", "Grade", "Review"]
    broken, missing = main_window.workspaces()[1:]
    assert isinstance(broken, BrokenWorkspace) and "broken on purpose" in broken.error
    # every workspace ships: a missing module is a bug to see, not a tab to hide
    assert isinstance(missing, BrokenWorkspace) and "app.ui.no_such_workspace" in missing.error


def test_title_marks_unsaved_and_saving(main_window):
    label = main_window.workspaces()[0]
    label.dirty_changed.emit(True)
    assert main_window.windowTitle() == "parts • — Defect Studio"
    label.saving_changed.emit(True)
    assert "(saving…)" in main_window.windowTitle()
    label.saving_changed.emit(False)
    label.dirty_changed.emit(False)
    assert main_window.windowTitle() == "parts — Defect Studio"


def test_workspace_menu_and_switching(main_window):
    menu = main_window._ws_menu
    assert menu.title() == "&Label"
    assert [a.text() for a in menu.actions()] == ["Brush", "Fill", "Raise"]
    assert main_window.workspaces()[0].brush.toolTip() == "Brush (B)"
    main_window.action_map["view.workspace.grade"].trigger()
    assert main_window.tabs.currentIndex() == 1
    assert not menu.menuAction().isVisible()  # the broken workspace has no actions


def test_shortcuts_dialog_lists_every_action_with_a_shortcut(main_window):
    dialog = main_window.show_shortcuts()
    listed = {(name, keys) for name, keys, _where in dialog.shortcuts()}
    with_keys = [a for a in main_window.findChildren(QAction) if not a.shortcut().isEmpty()]
    assert len(with_keys) >= 10
    for action in with_keys:
        assert (actions.plain_text(action.text()), actions.shortcut_text(action)) in listed
        assert action.toolTip().endswith(f"({actions.shortcut_keys(action)[0]})")
    assert ("Brush", "B") in listed and ("Import images", "Ctrl+I") in listed
    assert not any(name == "Fill" for name, _k in listed)
    assert actions.conflicts(actions.shortcut_rows(main_window)) == {}
    dialog.filter.setText("brush")
    visible = [i for i in range(dialog.table.rowCount()) if not dialog.table.isRowHidden(i)]
    assert len(visible) == 1
    dialog.close()


def test_close_flushes_then_shuts_down_and_saves_layout(bare_window, project_path):
    bare_window.open_project(project_path)
    label = bare_window.workspaces()[0]
    bare_window.close()
    assert label.calls[-4:] == ["flush", "shutdown", "flush", "set_project(None)"]
    assert bare_window.project is None
    assert bare_window.settings.window_geometry() is not None
    Project.open(project_path).close()


RUN_APP = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import app.ui.main as m

configure = m.configure_application

def closing_soon(app):
    configure(app)
    QTimer.singleShot(300, lambda: [w.close() for w in QApplication.topLevelWidgets()])

m.configure_application = closing_soon
code = m.run_app(["defect-studio", sys.argv[1]])
print("torch" in sys.modules, code)
"""


def test_run_app_starts_opens_the_project_and_quits(project_path, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "XDG_DATA_HOME": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-c", RUN_APP, str(project_path)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "0"], out.stderr
    settings = next((tmp_path / "cfg").rglob("*.conf")).read_text()
    assert "parts.dsproj" in settings and "geometry" in settings
    assert next((tmp_path / "data").rglob("defect-studio.log")).exists()


def test_importing_the_main_window_does_not_import_torch():
    code = "import app.ui.main_window, app.ui.main, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "False", out.stderr


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_is_logged_shown_and_the_app_goes_on(main_window, error_handler,
                                                                 qtbot):
    label = main_window.workspaces()[0]
    label.slot_error.trigger()  # raises ValueError inside a Qt slot
    assert error_handler.last_error.message == "ValueError: boom in a slot"
    assert "raise_in_slot" in error_handler.last_error.details
    assert "flush" in label.calls  # pending edits committed before the dialog
    record, box = error_handler.dialog_factory.shown[-1]
    assert box.isVisible() and str(error_handler.log_path) in box.informativeText()
    assert "boom in a slot" in error_handler.log_path.read_text()
    # a second error while the dialog shows is logged, not stacked
    QTimer.singleShot(0, label.raise_in_slot)
    qtbot.waitUntil(lambda: len(error_handler.records) == 2)
    assert len(error_handler.dialog_factory.shown) == 1
    box.close()
    assert main_window.open_project(main_window.project.path)  # still working


@pytest.mark.qt_no_exception_capture
def test_errors_from_threads_and_jobs_arrive_on_the_ui_thread(main_window, error_handler, qtbot):
    def work():
        raise OSError("disk gone")

    t = threading.Thread(target=work, name="exporter")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: error_handler.last_error is not None)
    assert error_handler.last_error.message == "OSError in exporter: disk gone"
    errors.report_job_failure("RuntimeError: training diverged", "Traceback…")
    assert error_handler.last_error.title == "A background job failed"
    assert "training diverged" in error_handler.log_path.read_text()


# -- import ----------------------------------------------------------------------------------


def test_import_dialog_imports_with_progress_and_refreshes(main_window, tmp_path, qtbot):
    pytest.importorskip("app.jobs.importing")
    folder = tmp_path / "new"
    sample_images(folder)
    shutil.copy(folder / "MT_Crack" / "crack_01.png", folder / "MT_Crack" / "crack_01b.png")
    (folder / "MT_Crack" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    dialog = main_window.import_images()
    assert isinstance(dialog, ImportDialog) and dialog.isVisible()
    progress = []
    dialog.runner.progress.connect(lambda d, t, m: progress.append((d, t)))
    dialog.set_values(folder, pattern=r"MT_(\w+)")
    with qtbot.waitSignal(dialog.runner.finished, timeout=20_000):
        assert dialog.start()
    assert progress and dialog.report is not None
    assert len(dialog.report.added) == 5
    assert "Added 5 images" in dialog.message.text()
    assert any("broken.png" in dialog.skipped.item(i).text()
               for i in range(dialog.skipped.count()))
    panel = main_window.workspaces()[0].panel
    assert len(panel.visible_ids()) == 9
    assert main_window.image_count.text() == "9 images"
    dialog.accept()


def test_import_dialog_cancel_adds_nothing(main_window, tmp_path, qtbot):
    pytest.importorskip("app.jobs.importing")
    folder = tmp_path / "many"
    for i in range(3):
        sample_images(folder / f"batch{i}")
    dialog = main_window.import_images()
    dialog.set_values(folder)
    with qtbot.waitSignal(dialog.runner.canceled, timeout=20_000):
        dialog.start()
        dialog.cancel()
    assert "canceled" in dialog.message.text()
    assert main_window.project.images.count() == 4
    dialog.reject()
    assert not dialog.isVisible()


def test_import_dialog_validates_before_running(main_window, tmp_path):
    dialog = main_window.import_images()
    dialog.set_values(tmp_path / "nowhere")
    assert not dialog.start() and "is not a folder" in dialog.message.text()
    dialog.set_values(tmp_path, pattern="MT_\\w+")
    assert not dialog.start() and "group" in dialog.message.text()
    assert not dialog.runner.running
    dialog.reject()


def test_empty_project_page_leads_to_import(bare_window, tmp_path):
    bare_window.new_project(tmp_path / "empty.dsproj")
    assert bare_window.stack.currentWidget() is bare_window.empty_page
    bare_window.empty_page.import_button.click()
    dialog = bare_window.findChild(ImportDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.reject()


def test_about_box_does_not_block(main_window):
    from app import __version__

    box = main_window.show_about()
    assert box.isVisible()
    assert __version__ in box.version_label.text()
    box.close()


def test_real_workspaces_open_a_project(qtbot, settings_sandbox, error_handler, project_path):
    """The shipped registry: whatever workspaces exist load, take a project, and close."""
    from app.ui.main_window import MainWindow

    w = MainWindow(settings=settings_sandbox, error_handler=error_handler)
    qtbot.addWidget(w)
    w.show()
    assert all(not isinstance(ws, FakeWorkspace | BrokenWorkspace) for ws in w.workspaces())
    assert w.open_project(project_path)
    qtbot.wait(50)
    assert actions.conflicts(actions.shortcut_rows(w)) == {}
    assert error_handler.records == []
    w.close()
    assert w.project is None


def test_open_the_demo(bare_window, tmp_path, qtbot):
    pytest.importorskip("app.demo")
    assert bare_window.welcome.demo_button.isVisibleTo(bare_window.welcome)
    with qtbot.waitSignal(bare_window.project_changed, timeout=20_000):
        bare_window.build_demo(tmp_path / "demo")
    assert bare_window.project.name == "demo"
    assert bare_window.stack.currentWidget() is bare_window.tabs


def test_theme_palettes(qapp):
    from app.ui import theme

    assert theme.is_dark(theme.make_palette(dark=True))
    assert not theme.is_dark(theme.make_palette(dark=False))


def tick(qtbot, box):
    """Click a check box on its indicator, as a person does."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def test_import_dialog_class_from_folder_name_is_one_tick(main_window, tmp_path, qtbot):
    pytest.importorskip("app.jobs.importing")
    folder = tmp_path / "lot"
    gray = np.full((32, 48), 90, np.uint8)
    for rel in ("crack/a.png", "pore/Imgs/b.png", "good/c.png"):
        write_image(folder / rel, gray)
    dialog = main_window.import_images()
    qtbot.waitExposed(dialog)
    dialog.folder.edit.setText(str(folder))
    assert not dialog.pattern.isVisible() and not dialog.advanced.isVisible()
    tick(qtbot, dialog.by_folder)
    assert dialog.by_folder.isChecked() and dialog.advanced.isVisible()
    assert not dialog.pattern.isVisible()  # no regular expression asked for
    with qtbot.waitSignal(dialog.runner.finished, timeout=20_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    rows = {Path(r.rel_path).name: r for r in main_window.project.images.list()}
    assert rows["a.png"].source_class == "crack" and rows["b.png"].source_class == "pore"
    assert rows["c.png"].is_good
    dialog.accept()


def test_import_dialog_regex_stays_under_advanced(main_window, tmp_path, qtbot):
    dialog = main_window.import_images()
    qtbot.waitExposed(dialog)
    dialog.folder.edit.setText(str(tmp_path))
    tick(qtbot, dialog.by_folder)
    tick(qtbot, dialog.advanced)
    assert dialog.pattern.isVisible()
    assert not dialog.start() and "regular expression" in dialog.message.text()
    qtbot.keyClicks(dialog.pattern, r"MT_(\w+)")
    assert dialog.class_pattern() == r"MT_(\w+)"
    tick(qtbot, dialog.by_folder)  # untick: no folder classes
    assert dialog.class_pattern() == "" and not dialog.pattern.isVisible()
    dialog.reject()
