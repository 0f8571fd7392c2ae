"""Live model in the real main window, driven like a person: Shift+L turns it on, strokes on
one bright scratch of a part make it retrain in the background, and a pre-label appears on
the other scratch, not painted; Shift+A accepts it into the saved mask; Shift+L off saves
the live model as a project model that predicts like any other."""

from __future__ import annotations

import hashlib

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.store import NewImage, Project
from app.ui.label import drive
from app.ui.label.workspace import LabelWorkspace

H, W = 96, 144
PAINTED_Y, OTHER_Y = 24, 70  # two horizontal scratches, 3 px thick, x 10..133
SHIFT = Qt.KeyboardModifier.ShiftModifier


def scratched_part(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = rng.normal(90, 12, (H, W)).clip(0, 255).astype(np.uint8)
    for y in (PAINTED_Y, OTHER_Y):
        img[y - 1:y + 2, 10:134] = np.clip(img[y - 1:y + 2, 10:134].astype(int) + 90, 0, 255)
    return img


@pytest.fixture
def workspace_registry():
    return [("Label", LabelWorkspace)]


@pytest.fixture
def live_project(tmp_path):
    path = tmp_path / "live.dsproj"
    items = []
    for i in range(2):
        file = tmp_path / "parts" / f"part{i}.png"
        file.parent.mkdir(exist_ok=True)
        cv2.imwrite(str(file), scratched_part(i))
        data = file.read_bytes()
        items.append(NewImage(str(file), hashlib.sha256(data).hexdigest(), len(data), W, H, 8, 1))
    with Project.create(path) as p:
        p.classes.add("scratch", "#ff3030")
        p.images.add_many(items)
    return path


def test_live_model_prelabels_the_unpainted_scratch(qtbot, bare_window, live_project):
    window = bare_window
    window.resize(1200, 800)
    assert window.open_project(live_project)
    (ws,) = window.workspaces()
    qtbot.waitUntil(lambda: ws.current is not None, timeout=10_000)
    image_id = ws.current_id
    messages = []
    ws.status_message.connect(messages.append)
    ws.canvas.setFocus()
    drive.key(ws.canvas, Qt.Key.Key_L, SHIFT)
    assert ws.action("label.live_model").isChecked() and ws.live.enabled

    drive.key(ws.canvas, Qt.Key.Key_B)
    ws.settings.brush_size = 3
    for x0, x1 in ((14, 30), (34, 50), (54, 66)):  # three strokes on the upper scratch
        drive.stroke(ws.canvas, [(x, PAINTED_Y) for x in range(x0, x1 + 1, 4)])
    qtbot.waitUntil(lambda: not ws.committer.pending and not ws.live.busy
                    and ws.prelabels is not None and ws.prelabels.model_name == "live model",
                    timeout=60_000)
    assert "live model: " in messages[-1] and "pre-labels" in messages[-1]
    pre = ws.prelabels.prelabels
    drawn = pre.to_mask()
    assert (drawn[OTHER_Y, 20:124] > 0).mean() > 0.8, "the unpainted scratch is not pre-labelled"
    assert (drawn[40:55] == 0).all()  # nothing on the plain surface between
    assert ws.prelabel_layer is not None and ws.prelabel_layer.shown_count >= 1

    drive.key(ws.canvas, Qt.Key.Key_A, SHIFT)  # accept all: through the committer
    ws.flush()
    with Project.open(live_project, readonly=True) as p:
        saved = p.masks.load(image_id)
        value = p.classes.list()[0].value
    scratch = saved[OTHER_Y - 1:OTHER_Y + 2, 20:124]
    assert (scratch == value).mean() > 0.8
    assert (saved[40:55] == 0).all()  # plain surface stays background

    with qtbot.waitSignal(ws.live.saved, timeout=60_000) as saved_model:
        drive.key(ws.canvas, Qt.Key.Key_L, SHIFT)
    assert not ws.live.enabled
    row = saved_model.args[0]
    assert window.project.models.get(row.id).config["spec"]["architecture"] == "PixelClassifier"

    from app.jobs.prediction import predict_images

    other = [r.id for r in window.project.images.list() if r.id != image_id][0]
    report = predict_images(window.project, row.id, [other])
    probs, _values = window.project.models.load_prediction(other, row.id)
    assert report.predicted == [other]
    assert (probs[0, OTHER_Y, 20:124] >= 128).mean() > 0.8


def test_live_model_off_trains_nothing_and_on_asks_for_paint(qtbot, bare_window, live_project):
    window = bare_window
    assert window.open_project(live_project)
    (ws,) = window.workspaces()
    qtbot.waitUntil(lambda: ws.current is not None, timeout=10_000)
    messages = []
    ws.status_message.connect(messages.append)
    ws.canvas.setFocus()
    drive.key(ws.canvas, Qt.Key.Key_B)
    drive.stroke(ws.canvas, [(20, PAINTED_Y), (40, PAINTED_Y)])  # live model off
    ws.flush()
    qtbot.wait(400)
    assert not ws.live.busy and ws.live._result is None and ws.prelabels is None

    drive.key(ws.canvas, Qt.Key.Key_E)  # erase it: nothing painted now
    drive.stroke(ws.canvas, [(16, PAINTED_Y), (44, PAINTED_Y)])
    ws.flush()
    assert not ws.doc.mask.any()
    drive.key(ws.canvas, Qt.Key.Key_L, SHIFT)
    qtbot.waitUntil(lambda: not ws.live.busy and "paint a defect first" in messages[-1],
                    timeout=30_000)
    drive.key(ws.canvas, Qt.Key.Key_L, SHIFT)  # off again: no model was trained, none saved
    assert not ws.live.busy
    assert window.project.models.list() == []
