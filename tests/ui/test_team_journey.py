"""A team walks the whole loop in the GUI, on the real PostgreSQL server: an admin creates the
team project (File > New team project), adds a labeler and a recipe owner (File > Team members),
imports a folder of parts (a storage root is made) and adds classes; the labeler, on another
workstation (its own team folder), maps the storage root (File > Storage roots), paints and
marks parts labeled (Ctrl+Enter); the admin sees the labeler's revisions under the labeler's
login; the recipe owner queues a training on the team worker (Run on: Team worker), a worker
trains it and the client sees the model; the labeler, who did not train, gets pre-labels from
it (its files unpacked from the database, model_files); the recipe owner queues an inspection
on the team worker from Review and reviews a part by key; the labeler cannot save a recipe.

Each person has their own MainWindow and workstation folder (DEFECT_STUDIO_TEAM_DIR, read when
a project opens). Widgets are driven; the database is read only to check what each step left.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QInputDialog
from sqlalchemy.engine import make_url

from app.jobs.worker import Worker
from app.store import Project
from app.ui.import_dialog import ImportDialog
from app.ui.label import drive
from tests.support.menus import click_menu_item, right_click_menu
from tests.support.tiny_project import make_part
from tests.support.train_ui import tiny_settings

pytestmark = pytest.mark.usefixtures("offline", "one_thread")

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
SIZE = 32
N_PARTS = 4
LENA_PW, ROB_PW = "lena-Pa55", "rob-Pa55"
DEFECTS: dict[str, tuple[int, int]] = {}  # part name -> the centre of its defect (x, y)


@pytest.fixture
def parts(tmp_path):
    """The team's parts on the NAS, as each workstation mounts it (the same files)."""
    rng = np.random.default_rng(3)
    nas = tmp_path / "nas" / "parts"
    nas.mkdir(parents=True)
    for k in range(1, N_PARTS + 1):
        image, mask = make_part(rng, SIZE, defect=True)
        cv2.imwrite(str(nas / f"part-{k}.png"), image)
        ys, xs = np.nonzero(mask)
        DEFECTS[f"part-{k}.png"] = (int(xs.mean()), int(ys.mean()))
    lot = tmp_path / "nas" / "lot"
    lot.mkdir()
    for k in range(1, 3):
        image, _mask = make_part(rng, SIZE, defect=True)
        cv2.imwrite(str(lot / f"new-{k}.png"), image)
    return tmp_path / "nas"


def new_window(qtbot, settings, error_handler, team_dir, monkeypatch):
    """A person's window on their own workstation (the team folder moves with the env)."""
    from app.ui.main_window import MainWindow

    monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(team_dir))
    window = MainWindow(settings=settings, error_handler=error_handler)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


def focus(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)


def type_and_ok(qtbot, dialog, address: str | None, password: str) -> None:
    if address is not None:
        dialog.url.clear()
        qtbot.keyClicks(dialog.url, address)
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, password)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), LEFT)


def add_member(qtbot, dialog, login: str, role: str, password: str) -> None:
    dialog.login.clear()
    qtbot.keyClicks(dialog.login, login)
    dialog.role.setCurrentText(role)
    qtbot.keyClicks(dialog.password, password)
    qtbot.mouseClick(dialog.add_button, LEFT)
    assert dialog.message.text() == f"{login} is now {role}.", dialog.message.text()


def open_as(qtbot, window, address: str, password: str, monkeypatch, team_dir) -> None:
    monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(team_dir))
    window.action_map["file.open_team"].trigger()
    type_and_ok(qtbot, window.team.dialog, address, password)
    assert window.project is not None, window.last_message.text()


def tab(qtbot, window, title: str):
    bar = window.tabs.tabBar()
    i = next(i for i in range(bar.count()) if bar.tabText(i) == title)
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(i).center())
    assert window.current_workspace().title == title
    return window.current_workspace()


def shown(label) -> str | None:
    return label.current.row.name if label.current is not None else None


def answer_assign_dialog(qtbot, name: str) -> None:
    """Types `name` into the Assign to… dialog when it opens, and presses Return."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QComboBox

    def step(tries=0):
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            if tries < 200:
                QTimer.singleShot(20, lambda: step(tries + 1))
            return
        combo = dialog.findChild(QComboBox)
        combo.lineEdit().clear()
        qtbot.keyClicks(combo.lineEdit(), name)
        qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
    QTimer.singleShot(0, step)


def select_image(qtbot, panel, image_id: int) -> None:
    from app.ui.images.model import IdRole

    view = panel.view
    model = view.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(IdRole) == image_id)
    qtbot.mouseClick(view.viewport(), LEFT, pos=view.visualRect(model.index(row, 0)).center())


def run_worker(url: str, team_dir, monkeypatch, until, qtbot, timeout: int) -> None:
    """The team worker (its own workstation, where the NAS is mounted elsewhere) takes one job
    while the client waits for `until`."""
    monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(team_dir))
    with Project.open(url) as server:
        worker = Worker(server, "gpu-box", "cpu", poll_s=0.2)
        thread = threading.Thread(target=worker.run, kwargs={"once": True})
        thread.start()
        try:
            qtbot.waitUntil(until, timeout=timeout)
        finally:
            worker.stop()
            thread.join(60)


def test_a_team_walks_the_loop(qtbot, settings_sandbox, error_handler, pg_empty_url, pg_cluster,
                               parts, tmp_path, monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    db = make_url(pg_empty_url).database
    lena, rob = f"lena_{db}", f"rob_{db}"
    as_login = lambda login: make_url(pg_empty_url).set(username=login).render_as_string()  # noqa: E731

    # -- the admin: File > New team project, File > Team members --------------------------------
    admin = new_window(qtbot, settings_sandbox, error_handler, tmp_path / "ws-admin", monkeypatch)
    admin.action_map["file.new_team"].trigger()
    type_and_ok(qtbot, admin.team.dialog, pg_empty_url, "")
    assert admin.project is not None and admin.project.role == "admin"
    admin.action_map["file.members"].trigger()
    members = admin.team.members_dialog
    add_member(qtbot, members, lena, "labeler", LENA_PW)
    add_member(qtbot, members, rob, "recipe-owner", ROB_PW)
    assert (lena, "labeler") in members.rows() and (rob, "recipe-owner") in members.rows()
    members.close()
    pg_cluster.require_password(lena)
    pg_cluster.require_password(rob)

    # -- the admin imports the folder of parts (a storage root "parts") and adds two classes ----
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(parts / "parts")))
    focus(qtbot, admin)
    admin.action_map["file.import"].trigger()
    dialog = admin.findChild(ImportDialog)
    qtbot.mouseClick(dialog.folder.button, LEFT)
    with qtbot.waitSignal(dialog.imported, timeout=20_000):
        qtbot.mouseClick(dialog.import_button, LEFT)
    qtbot.mouseClick(dialog.close_button, LEFT)
    team = admin.project
    assert team.roots.names() == ["parts"]
    rows = {r.name: r for r in team.images.list()}
    assert sorted(rows) == [f"part-{k}.png" for k in range(1, N_PARTS + 1)]
    assert {r.rel_path for r in rows.values()} == {f"parts/part-{k}.png"
                                                  for k in range(1, N_PARTS + 1)}
    admin.show_workspace("Label")
    label_a = admin.current_workspace()
    queue = ["spot", "scratch"]
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda *a, **k: (queue.pop(0), True)))
    qtbot.mouseClick(label_a.toolbar.add_class, LEFT)
    qtbot.mouseClick(label_a.toolbar.add_class, LEFT)
    classes = {c.name: c.value for c in team.classes.list()}
    assert list(classes) == ["spot", "scratch"]
    # the admin assigns part-3 to the labeler (the image list's Assign to…)
    part3 = rows["part-3.png"].id
    select_image(qtbot, label_a.panel, part3)
    answer_assign_dialog(qtbot, lena)
    click_menu_item(qtbot, right_click_menu(label_a.panel, part3), "assign.to")
    qtbot.waitUntil(lambda: team.images.get(part3).assignee == lena, timeout=5_000)
    assert label_a.panel.model.entry(part3).team_text == f"for {lena}"

    # -- the labeler, on another workstation: opens it, maps the storage root, paints ---------
    lena_dir = tmp_path / "ws-lena"
    mount = tmp_path / "lena-mnt" / "parts"  # the NAS, where this workstation mounts it
    import shutil

    shutil.copytree(parts / "parts", mount)
    labeler = new_window(qtbot, settings_sandbox, error_handler, lena_dir, monkeypatch)
    open_as(qtbot, labeler, as_login(lena), LENA_PW, monkeypatch, lena_dir)
    assert labeler.project.role == "labeler" and labeler.project.db.identity == lena
    label = labeler.workspaces()[0]
    assert labeler.current_workspace() is label
    qtbot.waitUntil(lambda: not label.roots_notice.isHidden(), timeout=10_000)
    assert "not mapped on this workstation" in label.roots_notice.text.text()
    labeler.action_map["file.roots"].trigger()
    roots = labeler.team.roots_dialog
    assert roots.rows() == [("parts", "not mapped here")]
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(mount)))
    qtbot.mouseClick(roots.map_button, LEFT)
    assert roots.rows() == [("parts", str(mount.resolve()))]
    roots.close()
    qtbot.waitUntil(lambda: label.current is not None, timeout=10_000)
    assert label.roots_notice.isHidden()
    focus(qtbot, labeler)
    canvas = label.canvas
    painted = {}
    # Ctrl+Enter goes on with the part assigned to her, then the unclaimed ones after it; the
    # end of the list stays on the last part, and she picks part-2 from the list
    for name in ("part-1.png", "part-3.png", "part-4.png", "part-2.png"):
        if name == "part-2.png":
            qtbot.wait(200)
            assert shown(label) == "part-4.png"
            select_image(qtbot, label.panel, rows[name].id)
        qtbot.waitUntil(lambda n=name: shown(label) == n, timeout=10_000)
        canvas.setFocus()
        qtbot.keyClick(canvas, Qt.Key.Key_B)
        qtbot.keyClick(canvas, Qt.Key.Key_1)
        x, y = DEFECTS[name]
        drive.stroke(canvas, [(x - 2, y), (x + 2, y)])
        painted[name] = label.doc.mask.copy()
        assert painted[name].any()
        qtbot.keyClick(canvas, Qt.Key.Key_Return, CTRL)
    label.flush()

    # -- the admin sees the labeler's masks, with the labeler's login as their author ---------
    for name, mask in painted.items():
        image_id = rows[name].id
        np.testing.assert_array_equal(team.masks.load(image_id), mask)
        assert [r.author for r in team.masks.revisions(image_id)] == [lena]
        assert team.images.get(image_id).status == "labeled"
    focus(qtbot, admin)
    select_image(qtbot, label_a.panel, rows["part-2.png"].id)
    qtbot.waitUntil(lambda: shown(label_a) == "part-2.png", timeout=10_000)
    qtbot.waitUntil(lambda: np.array_equal(label_a.doc.mask, painted["part-2.png"]),
                    timeout=10_000)

    # -- the recipe owner queues a training on the team worker; the worker trains it ----------
    rob_dir, gpu_dir = tmp_path / "ws-rob", tmp_path / "ws-gpu"
    owner = new_window(qtbot, settings_sandbox, error_handler, rob_dir, monkeypatch)
    open_as(qtbot, owner, as_login(rob), ROB_PW, monkeypatch, rob_dir)
    assert owner.project.role == "recipe-owner"
    focus(qtbot, owner)
    train = tab(qtbot, owner, "Train")
    tiny_settings(train, epochs=1)
    qtbot.mouseClick(train.predict_after, LEFT)  # the admin predicts with it afterwards
    assert not train.predict_after.isChecked()
    run_on = train.run_on
    assert run_on.isVisibleTo(train)
    run_on.combo.setFocus()
    qtbot.keyClick(run_on.combo, Qt.Key.Key_Down)
    assert run_on.combo.currentText() == "Team worker"
    qtbot.mouseClick(train.start_button, LEFT)
    [job] = team.jobs.list()
    assert (job.kind, job.status, job.created_by) == ("train", "queued", rob)
    qtbot.mouseClick(run_on.jobs_button, LEFT)  # the team's jobs: the queued training
    jobs = run_on.jobs_dialog
    assert [jobs.table.item(0, c).text() for c in (1, 2)][1] == "queued"
    jobs.close()

    gpu_mount = tmp_path / "gpu-mnt" / "parts"
    shutil.copytree(parts / "parts", gpu_mount)
    monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(gpu_dir))
    with Project.open(pg_empty_url) as gpu:
        gpu.roots.map("parts", gpu_mount)  # `defect-studio roots map` on the worker
    run_worker(pg_empty_url, gpu_dir, monkeypatch, lambda: not train.training, qtbot, 120_000)
    row = team.jobs.get(job.id)
    assert row.status == "done", row.error
    model = team.models.get(row.result["model_id"])
    assert model.author == "ds_admin"  # the worker's login registers it; rob queued it
    assert [(r.action, r.author) for r in team.audit.list(entity="job")][-1] == \
        ("job.enqueue", rob)
    assert f"Model {model.id} ({model.name}) trained" in train.log_view.toPlainText()
    assert train.models.table.rowCount() == 1  # the client lists the worker's model
    with team.db.session() as s:
        from sqlalchemy import select

        from app.store.schema import ModelFile

        stored = {f.name: f.sha256 for f in s.scalars(
            select(ModelFile).where(ModelFile.model_id == model.id))}
    assert "config.json" in stored and any(n.endswith(".safetensors") for n in stored)
    assert team.models.predicted_image_ids(model.id) == set()
    if team.models.active_id() != model.id:  # one epoch may find little: the owner says so
        assert model.verdict.useful is False
        table = train.models.table
        qtbot.mouseClick(table.viewport(), LEFT,
                         pos=table.visualRect(table.model().index(0, 1)).center())
        qtbot.mouseClick(train.models.activate, LEFT)
    assert team.models.active_id() == model.id

    # -- the admin, who did not train, predicts with it: its files come from the database -----
    import hashlib

    local = tmp_path / "ws-admin"
    assert not any(local.rglob("*.safetensors"))
    focus(qtbot, admin)
    admin_train = tab(qtbot, admin, "Train")
    table = admin_train.models.table
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=10_000)
    qtbot.mouseClick(table.viewport(), LEFT,
                     pos=table.visualRect(table.model().index(0, 1)).center())
    qtbot.mouseClick(admin_train.models.predict_all, LEFT)
    qtbot.waitUntil(lambda: len(team.models.predicted_image_ids(model.id)) == N_PARTS,
                    timeout=60_000)
    qtbot.waitUntil(lambda: not admin_train.models.cancel.isVisible(), timeout=10_000)
    unpacked = team.models.path(model)
    assert unpacked.is_relative_to(local)
    assert {f.name: hashlib.sha256(f.read_bytes()).hexdigest()
            for f in unpacked.rglob("*") if f.is_file()} == stored

    # -- the labeler sees the pre-labels and accepts them on a part ----------------------------
    focus(qtbot, labeler)
    select_image(qtbot, label.panel, rows["part-1.png"].id)
    qtbot.waitUntil(lambda: shown(label) == "part-1.png", timeout=10_000)
    qtbot.waitUntil(lambda: label.prelabel_layer is not None, timeout=20_000)
    label_a.panel.refresh_editors()  # the admin's image list names who has it open
    assert label_a.panel.editors() == {rows["part-1.png"].id: lena}
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)  # accept all
    accepted = label.doc.mask.copy()
    qtbot.keyClick(canvas, Qt.Key.Key_Return, CTRL)
    label.flush()
    part1 = rows["part-1.png"].id
    np.testing.assert_array_equal(team.masks.load(part1), accepted)
    assert [r.author for r in team.masks.revisions(part1)] == [lena] * (
        1 + (not np.array_equal(accepted, painted["part-1.png"])))

    # -- Grade: the labeler cannot save a recipe (greyed, says why); the recipe owner saves v1 -
    grade_l = tab(qtbot, labeler, "Grade")
    qtbot.waitUntil(lambda: bool(grade_l.classes.rows), timeout=10_000)
    assert not grade_l.recipe_bar.save_button.isEnabled()
    assert grade_l.recipe_bar.save_button.toolTip().startswith(
        "Your role labeler cannot save recipe versions")
    focus(qtbot, owner)
    grade = tab(qtbot, owner, "Grade")
    qtbot.waitUntil(lambda: bool(grade.classes.rows), timeout=10_000)
    assert grade.recipe_bar.save_button.isEnabled()
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda *a, **k: ("first team recipe", True)))
    qtbot.mouseClick(grade.recipe_bar.save_button, LEFT)
    [recipe] = team.recipes.versions("default")
    assert (recipe.version, recipe.author, recipe.note) == (1, rob, "first team recipe")

    # -- Review: the owner queues an inspection of a new lot on the team worker ---------------
    review = tab(qtbot, owner, "Review")
    lot_here = tmp_path / "rob-mnt" / "lot"
    shutil.copytree(parts / "lot", lot_here)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(lot_here)))
    qtbot.mouseClick(review.run_bar.new, LEFT)
    dialog = review.launcher.dialog
    qtbot.mouseClick(dialog.folder_button, LEFT)
    # the lot is under no storage root, and a recipe owner may not add one: said, not started
    start = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not start.isEnabled() and "under no storage root" in dialog.hint.text()
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), LEFT)
    assert team.roots.names() == ["parts"] and [j.id for j in team.jobs.list()] == [job.id]
    focus(qtbot, admin)  # the admin adds the root "lot" (File > Storage roots > Add root)
    admin.action_map["file.roots"].trigger()
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("lot", True)))
    qtbot.mouseClick(admin.team.roots_dialog.add_button, LEFT)
    assert team.roots.names() == ["lot", "parts"]
    admin.team.roots_dialog.close()
    focus(qtbot, owner)  # the owner maps it on this workstation
    owner.action_map["file.roots"].trigger()
    roots = owner.team.roots_dialog
    assert roots.rows() == [("lot", "not mapped here"), ("parts", "not mapped here")]
    assert not roots.add_button.isEnabled()
    roots.table.selectRow(0)
    qtbot.mouseClick(roots.map_button, LEFT)
    assert roots.rows()[0] == ("lot", str(lot_here.resolve()))
    roots.close()
    qtbot.mouseClick(review.run_bar.new, LEFT)
    dialog = review.launcher.dialog
    qtbot.mouseClick(dialog.folder_button, LEFT)
    assert dialog.hint.text() == ""
    assert dialog.recipe.currentData() == "default@1" and dialog.model.currentData() == model.id
    dialog.run_on.combo.setFocus()
    qtbot.keyClick(dialog.run_on.combo, Qt.Key.Key_Down)
    assert dialog.run_on.combo.currentText() == "Team worker"
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), LEFT)
    inspect = team.jobs.list()[0]  # newest first
    assert (inspect.kind, inspect.status, inspect.created_by) == ("inspect", "queued", rob)
    lot_root = "lot"
    assert sorted(inspect.params["images"]) == [f"lot/new-{k}.png" for k in (1, 2)]
    gpu_lot = tmp_path / "gpu-mnt" / "lot"
    shutil.copytree(parts / "lot", gpu_lot)
    monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(gpu_dir))
    with Project.open(pg_empty_url) as gpu:
        gpu.roots.map(lot_root, gpu_lot)
    with qtbot.waitSignal(review.launcher.finished, timeout=60_000) as ended:
        run_worker(pg_empty_url, gpu_dir, monkeypatch,
                   lambda: team.jobs.get(inspect.id).status in ("done", "failed"), qtbot, 60_000)
    done = team.jobs.get(inspect.id)
    assert done.status == "done", done.error
    run = team.runs.get(done.result["run_id"])
    assert ended.args == [run.id] and review.run is not None and review.run.id == run.id
    results = team.runs.results(run.id)
    assert sorted(r.image_path for r in results) == inspect.params["images"]
    assert (run.status, run.model_id) == ("done", model.id)

    # -- the owner reviews a part by key: C confirms the model's grade -----------------------
    focus(qtbot, owner)
    qtbot.waitUntil(lambda: review.current is not None, timeout=10_000)
    part = review.current
    review.view.setFocus()
    qtbot.waitUntil(review.view.hasFocus)
    with qtbot.waitSignal(review.decided, timeout=10_000):
        qtbot.keyClick(review.view, Qt.Key.Key_C)
    [decision] = team.runs.decisions(part.id)
    assert (decision.decision, decision.author) == ("confirm", rob)
    assert decision.grade == next(r for r in results if r.id == part.id).grade

    # -- the labeler may not inspect: Review's New run is greyed, and a job they queue anyway
    # (the database lets a labeler queue jobs) is refused by the worker, nothing run ----------
    focus(qtbot, labeler)
    review_l = tab(qtbot, labeler, "Review")
    assert not review_l.run_bar.new.isEnabled()
    assert review_l.run_bar.new.toolTip().startswith("Your role labeler cannot run inspections")
    from app.jobs.queue_kinds import inspect_params

    sneaky = labeler.project.jobs.enqueue("inspect", inspect_params(
        ["lot/new-1.png"], model.id, "default@1"))
    run_worker(pg_empty_url, gpu_dir, monkeypatch,
               lambda: team.jobs.get(sneaky.id).finished, qtbot, 30_000)
    refused = team.jobs.get(sneaky.id)
    assert refused.status == "failed" and refused.error.startswith(
        f"Not allowed: {lena} queued it, and their role (labeler) cannot run inspections")
    assert [r.id for r in team.runs.list()] == [run.id]
    assert error_handler.records == []
    for window in (labeler, owner, admin):
        window.close()


def test_a_cached_neighbour_a_teammate_saved_since_shows_their_mask(qtbot, pg_url, pg_cluster):
    """The Label workspace prefetches the next part; a teammate saves that part's mask; going
    there shows their mask, not the one cached before (and edits start from their revision)."""
    from tests.support.label_ui import H, W, close_workspace, gradient, open_workspace
    from tests.support.label_ui import write_image as write_part
    from tests.support.pg_roles import as_role

    with Project.open(pg_url) as project:
        folder = project.root / "parts"
        folder.mkdir(parents=True)
        project.images.add_many([write_part(folder, f"p{i}.png", gradient(i * 10))
                                 for i in range(3)])
        project.classes.add("pore")
        ws = open_workspace(qtbot, project)
        other = Project.open(as_role(pg_cluster, pg_url, "anna"))
        try:
            first, second = ws.panel.visible_ids()[:2]
            assert ws.current_id == first
            qtbot.waitUntil(lambda: ws.loader.cached(second), timeout=10_000)
            theirs = np.zeros((H, W), np.uint8)
            theirs[2:6, 3:9] = 1
            their_rev = other.masks.save(second, theirs, base_revision=None)
            select_image(qtbot, ws.panel, second)  # a click on the next part
            qtbot.waitUntil(lambda: ws.current_id == second, timeout=10_000)
            np.testing.assert_array_equal(ws.doc.mask, theirs)
            assert ws.current.revision == their_rev
        finally:
            other.close()
            close_workspace(ws)
