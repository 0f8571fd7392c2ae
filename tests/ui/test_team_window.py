"""Team projects in the window, on the real server: File > Open team project (address and
password typed, title user@host/db, the password never in the settings), reopening asks for the
password again in a new session, and an image whose storage root is not mapped here offers
File > Storage roots, where mapping the root shows the image."""

import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog
from sqlalchemy.engine import make_url

from app.store import Project
from app.store.team_roles import add_member, ensure_roles
from app.ui.label.workspace import LabelWorkspace
from tests.store.helpers import make_image_file

PASSWORD = "s3cret-Pa55"


@pytest.fixture
def workspace_registry():
    return [("Label", LabelWorkspace)]


@pytest.fixture
def anna(pg_url, pg_cluster, monkeypatch):
    """A labeler login with a password the server asks for; returns (address, login)."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")  # nothing for libpq to find
    login = f"anna_{make_url(pg_url).database}"
    with Project.open(pg_url) as p, p.db.session() as s:
        ensure_roles(s.connection())  # a copy of the tests' template: its own roles
        add_member(s.connection(), login, "labeler", PASSWORD)
    pg_cluster.require_password(login)
    return make_url(pg_url).set(username=login).render_as_string(), login


def _type_and_open(qtbot, dialog, address: str | None, password: str) -> None:
    if address is not None:
        dialog.url.clear()
        qtbot.keyClicks(dialog.url, address)
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, password)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def _settings_text(settings) -> str:
    settings.sync()
    folder = Path(settings._q.fileName()).parent
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


def test_open_team_project_by_address_and_password(qtbot, bare_window, anna, settings_sandbox):
    address, login = anna
    window = bare_window
    window.welcome.team_link.linkActivated.emit("team")  # "Join a team project…"
    assert not window.team.dialog.create
    window.team.dialog.close()
    window.action_map["file.open_team"].trigger()
    dialog = window.team.dialog
    assert dialog.password.echoMode() == dialog.password.EchoMode.Password
    _type_and_open(qtbot, dialog, address, "not-it")  # a wrong password: asked again, why
    again = window.team.dialog
    assert again is not dialog and window.project is None
    assert "did not accept the password" in again.message.text()
    assert again.url.text() == address  # kept; the password is typed again
    _type_and_open(qtbot, again, None, PASSWORD)
    assert window.project is not None and window.project.role == "labeler"
    u = make_url(address)
    assert window.windowTitle().startswith(f"{login}@127.0.0.1:{u.port}/{u.database}")
    assert settings_sandbox.recent_projects()[0] == window.project.location == address
    text = _settings_text(settings_sandbox)
    assert address in text and PASSWORD not in text and "not-it" not in text
    # the same session reopens it from the recent list without asking
    assert window.close_project()
    window.welcome.recent.itemClicked.emit(window.welcome.recent.item(0))
    assert window.project is not None and window.team.dialog is again


def test_a_new_session_asks_for_the_password_again(qtbot, anna, settings_sandbox,
                                                   error_handler, workspace_registry):
    from app.ui.main_window import MainWindow

    address, _login = anna
    settings_sandbox.add_recent_project(address)
    window = MainWindow(settings=settings_sandbox, error_handler=error_handler,
                        registry=workspace_registry)
    qtbot.addWidget(window)
    window.show()
    assert window.welcome.recent_paths() == [(address, False)]
    window.welcome.recent.itemClicked.emit(window.welcome.recent.item(0))
    dialog = window.team.dialog
    assert window.project is None and dialog is not None
    assert "asks a password" in dialog.message.text() and dialog.url.text() == address
    _type_and_open(qtbot, dialog, None, PASSWORD)
    assert window.project is not None
    window.close()


def test_unmapped_root_offers_the_storage_roots_dialog(qtbot, bare_window, pg_url, tmp_path,
                                                       monkeypatch):
    folder = tmp_path / "nas" / "parts"
    image = make_image_file(folder, "a.png", value=120)
    with Project.open(pg_url) as p:
        p.roots.add("parts")
        p.roots.map("parts", folder)
        p.images.add_many([image])
        team_folder = p.root
    (team_folder / "roots.json").write_text("{}")  # this workstation: mapped nowhere
    window = bare_window
    assert window.open_project(pg_url)
    ws = window.workspaces()[0]
    qtbot.waitUntil(lambda: not ws.roots_notice.isHidden(), timeout=5000)
    assert "not mapped on this workstation" in ws.roots_notice.text.text()
    assert window.action_map["file.roots"].isEnabled()

    qtbot.mouseClick(ws.roots_notice.button, Qt.MouseButton.LeftButton)
    dialog = window.team.roots_dialog
    assert dialog.rows() == [("parts", "not mapped here")]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(folder)))
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.map_button, Qt.MouseButton.LeftButton)
    assert dialog.rows() == [("parts", str(folder.resolve()))]
    assert json.loads((team_folder / "roots.json").read_text()) == {"parts": str(folder.resolve())}
    qtbot.waitUntil(lambda: ws.current is not None, timeout=5000)  # the image loads now
    assert ws.roots_notice.isHidden()
    assert np.array_equal(ws.current.pixels, np.full((30, 40), 120, np.uint8))


def test_new_team_project_in_an_empty_database(qtbot, bare_window, pg_empty_url):
    window = bare_window
    window.action_map["file.new_team"].trigger()
    dialog = window.team.dialog
    assert dialog.create
    _type_and_open(qtbot, dialog, pg_empty_url, "")
    assert window.project is not None and window.project.role == "admin"
    u = make_url(pg_empty_url)
    assert window.windowTitle().startswith(f"{u.username}@127.0.0.1:{u.port}/{u.database}")
    from sqlalchemy import text

    with window.project.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_roles WHERE rolname LIKE :p"),
                            {"p": f"ds_{u.database}_%"}).scalar() == 4


def test_an_unreachable_server_is_said_plainly(qtbot, bare_window):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    window = bare_window
    window.action_map["file.open_team"].trigger()
    _type_and_open(qtbot, window.team.dialog, f"postgresql+psycopg://x@127.0.0.1:{port}/db", "")
    assert window.project is None
    assert "Cannot reach the server" in window.last_message.text()
    window.action_map["file.open_team"].trigger()
    _type_and_open(qtbot, window.team.dialog, "not an address", "")
    assert "is not a team project address" in window.team.dialog.message.text()
    assert window.team.dialog.isVisible()  # stays open to correct it


def test_grade_shows_the_roots_notice_too(qtbot, pg_url, tmp_path):
    from app.ui.grade.workspace import GradeWorkspace

    folder = tmp_path / "nas" / "parts"
    image = make_image_file(folder, "a.png", value=80)
    with Project.open(pg_url) as p:
        p.roots.add("parts")
        p.roots.map("parts", folder)
        p.images.add_many([image])
        (p.root / "roots.json").write_text(json.dumps({"parts": str(tmp_path)}))  # wrong one
        ws = GradeWorkspace()
        qtbot.addWidget(ws)
        ws.show()
        ws.set_project(p)
        qtbot.waitUntil(lambda: not ws.roots_notice.isHidden(), timeout=5000)
        assert "check where storage root 'parts' is mapped" in ws.roots_notice.text.text()
        requested = []
        ws.roots_notice.roots_requested.connect(lambda: requested.append(True))
        qtbot.mouseClick(ws.roots_notice.button, Qt.MouseButton.LeftButton)
        assert requested == [True]
        p.roots.map("parts", folder)
        ws.roots_notice.roots_changed()  # what the window does after the dialog maps it
        qtbot.waitUntil(lambda: ws.session.part is not None, timeout=5000)
        assert ws.roots_notice.isHidden()
        assert np.array_equal(ws.session.part.pixels, np.full((30, 40), 80, np.uint8))
        ws.shutdown()
        ws.set_project(None)
