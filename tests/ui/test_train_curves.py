"""Training curves: text instead of empty axes, a legend naming each class once, whole-number
epoch ticks, and classes with equal values still told apart on screen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from app.ui.train.curves import IDLE, WAITING_VAL, IntegerAxis, TrainingCurves, class_styles


@pytest.fixture
def curves(qtbot):
    c = TrainingCurves()
    qtbot.addWidget(c)
    c.resize(500, 500)
    c.show()
    qtbot.waitExposed(c)
    yield c
    c.timer.stop()


def test_empty_state_is_text_not_axes(curves):
    for plot in (curves.loss_plot, curves.val_plot):
        assert not plot.isVisibleTo(curves)  # no axes drawn
    assert curves.loss_panel.empty.isVisibleTo(curves) and curves.loss_panel.empty.text() == IDLE

    curves.start([("1", "crack", "#ff0000")])  # running, no step yet: still text
    assert not curves.loss_plot.isVisibleTo(curves) and not curves.val_plot.isVisibleTo(curves)
    assert curves.val_panel.empty.text() == WAITING_VAL
    curves.add_step(1, 0.9)
    curves.redraw()
    assert curves.loss_plot.isVisibleTo(curves) and not curves.val_plot.isVisibleTo(curves)
    curves.add_epoch(0, {"miou": 0.5, "iou": {"1": 0.5}})
    curves.redraw()
    assert curves.val_plot.isVisibleTo(curves)

    curves.clear()  # another project: back to the text
    assert not curves.loss_plot.isVisibleTo(curves) and curves.loss_panel.empty.text() == IDLE


def test_legend_has_one_entry_per_class(curves):
    curves.start([("1", "spot", "#ff0000")])
    assert curves.legend_names() == ["spot"]  # one class: its mean is itself, not drawn twice
    assert curves.loss_legend.items and len(curves.loss_legend.items) == 2
    classes = [("1", "crack", "#ff3030"), ("2", "blowhole", "#ff3131"), ("4", "dent", "#000010")]
    curves.start(classes)
    names = curves.legend_names()
    assert [n for n in names if n != "mean"] == ["crack", "blowhole", "dent"]
    assert names.count("mean") == 1 and len(names) == 4


def test_alike_colours_are_replaced_and_styles_differ():
    styles = class_styles([("1", "a", "#ff3030"), ("2", "b", "#ff3131"), ("3", "c", "#000010"),
                           ("4", "d", "#30a0ff")])
    colors = [s["color"].name() for s in styles]
    assert colors[0] == "#ff3030" and colors[3] == "#30a0ff"  # own colours kept when distinct
    assert len(set(colors)) == 4 and colors[1] != "#ff3131" and colors[2] != "#000010"
    assert len({s["symbol"] for s in styles}) == 4 and len({s["dash"] for s in styles}) == 4
    assert [s["size"] for s in styles] == sorted((s["size"] for s in styles), reverse=True)


def test_epoch_ticks_are_whole_numbers(curves):
    axis = curves.val_plot.getAxis("bottom")
    assert isinstance(axis, IntegerAxis)
    for lo, hi in ((0.6, 1.4), (0.5, 3.5), (1, 40)):
        values = [v for _spacing, vs in axis.tickValues(lo, hi, 400) for v in vs]
        assert values and all(float(v).is_integer() for v in values)
        assert axis.tickStrings(values, 1, 1) == [str(int(v)) for v in values]


def test_equal_values_stay_visible(curves, qtbot):
    curves.start([("1", "crack", "#ff0000"), ("2", "blowhole", "#00a0ff")])
    for e in range(3):
        curves.add_step(e + 1, 1.0 / (e + 1))
        curves.add_epoch(e, {"miou": 0.5, "iou": {"1": 0.5, "2": 0.5}})  # the lines coincide
    curves.redraw()
    curves.legend.hide()  # count the plotted pixels only
    qtbot.wait(50)
    img = curves.val_plot.grab().toImage()
    rgb = np.array([[QColor(img.pixel(x, y)).getRgb()[:3] for x in range(0, img.width())]
                    for y in range(0, img.height())], np.int32)

    def count(color):
        return int((np.abs(rgb - np.array(color)).sum(axis=2) < 60).sum())

    assert count((255, 0, 0)) > 20 and count((0, 160, 255)) > 20  # both classes show
