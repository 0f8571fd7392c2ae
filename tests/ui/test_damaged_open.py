"""Opening a damaged project in the window: a sentence, the file untouched, and a copy of what
can still be read saved by a button of the message."""

from __future__ import annotations

import hashlib
import os
import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.store import Project
from tests.support.store_files import make_project


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_truncated_project_is_called_damaged(bare_window, tmp_path):
    path = make_project(tmp_path)
    os.truncate(path, 61440)
    before = digest(path)
    assert not bare_window.open_project(path)
    box = bare_window.last_message
    assert box.isVisible() and "This project file is damaged" in box.text()
    assert bare_window.project is None and digest(path) == before
    assert not (tmp_path / "part.dsproj-wal").exists()


def test_user_version_minus_one_is_refused_as_foreign(bare_window, tmp_path):
    path = make_project(tmp_path, images=1)
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = -1")
    con.close()
    before = digest(path)
    assert not bare_window.open_project(path)
    assert "not a Defect Studio project" in bare_window.last_message.text()
    assert digest(path) == before


def test_the_message_saves_a_copy_of_what_can_be_read(bare_window, qtbot, tmp_path):
    path = make_project(tmp_path)
    os.truncate(path, path.stat().st_size // 2)
    before = digest(path)
    assert not bare_window.open_project(path)
    box = bare_window.last_message
    button = next(b for b in box.buttons() if b.text().startswith("Save a Copy"))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    done = bare_window.last_message
    assert done is not box and done.icon() == QMessageBox.Icon.Information
    assert "part-recovered.dsproj" in done.text() and "cut short by damage" in done.text()
    assert digest(path) == before
    assert bare_window.open_project(tmp_path / "part-recovered.dsproj")  # the copy opens
    assert bare_window.project.images.count() == 20
    bare_window.close_project()
    with Project.open(tmp_path / "part-recovered.dsproj", readonly=True) as p:
        assert p.images.count() == 20


def test_altered_audit_trail_opens_read_only_with_a_warning(bare_window, tmp_path):
    path = make_project(tmp_path, images=1)
    con = sqlite3.connect(path)
    con.executescript("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log;")
    con.close()
    assert bare_window.open_project(path)
    box = bare_window.last_message
    assert box.isVisible() and box.windowTitle() == "Opened read-only"
    assert "audit trail was altered" in box.text() and "audit_log_no_delete" in box.text()
    assert bare_window.project.readonly
    assert "(read-only)" in bare_window.windowTitle()
    assert not bare_window.action_map["file.import"].isEnabled()


def test_the_audit_view_checks_the_trail(qtbot, tmp_path):
    from app.ui.audit import AuditView

    path = make_project(tmp_path, images=1)
    with Project.open(path, readonly=True) as p:
        view = AuditView(p)
        qtbot.addWidget(view)
        qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
        assert view.chain.text().startswith("The audit trail holds:")
    con = sqlite3.connect(path)
    con.executescript("""
        DROP TRIGGER audit_log_no_update;
        UPDATE audit_log SET author = 'QA-Manager (approved)' WHERE id = 2;
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    """)
    con.close()
    with Project.open(path) as p:  # opens read-only; the view says why before any click
        view = AuditView(p)
        qtbot.addWidget(view)
        assert "at row 2: its content was changed" in view.chain.text()
        qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
        assert "at row 2: its content was changed" in view.chain.text()


def test_a_hard_linked_project_says_why_and_opens_read_only_on_request(bare_window, qtbot,
                                                                     tmp_path):
    path = make_project(tmp_path, images=1)
    os.link(path, tmp_path / "alias.dsproj")
    assert not bare_window.open_project(tmp_path / "alias.dsproj")
    box = bare_window.last_message
    assert "2 names on disk (hard links)" in box.text()
    button = next(b for b in box.buttons() if b.text() == "Open Read-Only")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert bare_window.project is not None and bare_window.project.readonly
    assert "(read-only)" in bare_window.windowTitle()
    bare_window.close_project()
