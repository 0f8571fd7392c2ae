"""Synthetic input at image coordinates, for tests and benchmarks.

Tests go through QTest, as a person's input would: in Qt 6 QTest.mouseMove after
QTest.mousePress carries the held button (checked on the offscreen platform), so a drag is
press, moves, release. ``send_move`` builds the QMouseEvent itself and delivers it with
QApplication.sendEvent: the benchmark uses it to time the canvas handler alone, and it is the
fallback where QTest cannot hold a button during a move.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

LEFT = Qt.MouseButton.LeftButton
NO_MODS = Qt.KeyboardModifier.NoModifier


def widget_point(canvas, x: float, y: float) -> QPointF:
    """Where image point (x, y) is on the canvas now."""
    return QPointF(*canvas.view.to_widget(x, y))


def pixel_point(canvas, px: int, py: int) -> QPoint:
    """The widget pixel at the centre of image pixel (px, py)."""
    wx, wy = canvas.view.to_widget(px + 0.5, py + 0.5)
    return QPoint(int(wx), int(wy))


def send_mouse(canvas, kind: QEvent.Type, pos: QPointF, button=Qt.MouseButton.NoButton,
               buttons=Qt.MouseButton.NoButton, modifiers=NO_MODS) -> None:
    global_pos = QPointF(canvas.mapToGlobal(pos.toPoint()))
    event = QMouseEvent(kind, pos, global_pos, button, buttons, modifiers)
    QApplication.sendEvent(canvas, event)


def press(canvas, px: int, py: int, modifiers=NO_MODS) -> None:
    QTest.mousePress(canvas, LEFT, modifiers, pixel_point(canvas, px, py))


def release(canvas, px: int, py: int, modifiers=NO_MODS) -> None:
    QTest.mouseRelease(canvas, LEFT, modifiers, pixel_point(canvas, px, py))


def drag_to(canvas, px: int, py: int) -> None:
    """Move to pixel (px, py)'s centre (with the button held after ``press``)."""
    QTest.mouseMove(canvas, pixel_point(canvas, px, py))


def send_move(canvas, x: float, y: float, buttons=LEFT) -> None:
    """A mouse-move event at image point (x, y), straight to the canvas handler."""
    send_mouse(canvas, QEvent.Type.MouseMove, widget_point(canvas, x, y),
               Qt.MouseButton.NoButton, buttons)


def stroke(canvas, pixels, modifiers=NO_MODS) -> None:
    """Press at the first pixel, drag through the others, release at the last."""
    (x0, y0), *rest = pixels
    press(canvas, x0, y0, modifiers)
    for x, y in rest:
        drag_to(canvas, x, y)
    xl, yl = pixels[-1]
    release(canvas, xl, yl, modifiers)


def click(canvas, px: int, py: int, modifiers=NO_MODS) -> None:
    QTest.mouseClick(canvas, LEFT, modifiers, pixel_point(canvas, px, py))


def double_click(canvas, px: int, py: int) -> None:
    """What a double-click delivers: press, release, double-click, release."""
    pos = pixel_point(canvas, px, py)
    QTest.mousePress(canvas, LEFT, NO_MODS, pos)
    QTest.mouseRelease(canvas, LEFT, NO_MODS, pos)
    QTest.mouseDClick(canvas, LEFT, NO_MODS, pos)  # Qt 6: the double-click event only
    QTest.mouseRelease(canvas, LEFT, NO_MODS, pos)


def key(widget, qt_key, modifiers=NO_MODS) -> None:
    QTest.keyClick(widget, qt_key, modifiers)
