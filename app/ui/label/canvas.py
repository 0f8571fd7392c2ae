"""LabelCanvas: a QWidget that paints the image, the class overlay and the tool preview.

Why a plain QWidget and not QGraphicsView: every paint draws only the exposed region, mapped
to image pixels, from the two layers (a 20 MP image costs what the viewport shows, not what the
image holds), and an edit repaints just its dirty rectangle. Pixels are sampled nearest
(no SmoothPixmapTransform), so they stay crisp when zoomed in.

Pre-labels (a PreLabelLayer, optional) are drawn over the class overlay as outlines, at full
opacity whatever the mask opacity, and hidden on their own toggle.

Navigation lives here (wheel zoom about the cursor, middle-drag or Space+drag pan); everything
else goes to the controller in image coordinates: ``press(pt, qt_modifiers)``, ``move(pt)``,
``release(pt)``, ``double_click(pt)``, ``key(qt_key) -> bool``, and the tool preview
``preview_region(view, cursor) -> QRegion`` / ``paint_preview(painter, view, cursor)``.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QRegion
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QWidget

from .viewport import ViewTransform

BACKGROUND = QColor(40, 40, 40)
WHEEL_STEP = 1.25  # zoom factor per wheel notch
_MAX_RECTS = 64  # a region with more rectangles is painted through its bounding rectangle


class LabelCanvas(QWidget):
    hovered = Signal(object)  # (x, y) image point under the cursor, or None when it leaves
    view_changed = Signal()  # zoom or pan changed

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # we fill every pixel
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.view = ViewTransform()
        self.layer = None  # ImageLayer
        self.overlay = None  # MaskOverlay
        self.prelabels = None  # PreLabelLayer
        self.controller = None
        self.opacity = 0.5
        self.overlay_visible = True
        self.prelabels_visible = True
        self.placeholder = "No image"
        self._fitted = True
        self._pan_last: QPointF | None = None
        self._space = False
        self._cursor: QPointF | None = None  # widget position of the mouse
        self._preview = QRegion()

    # content --------------------------------------------------------------------------------
    def set_layers(self, layer, overlay) -> None:
        """Show a new image; keeps the zoom and pan when it has the size of the last one."""
        same_size = (layer is not None and self.layer is not None
                     and (layer.width, layer.height) == (self.layer.width, self.layer.height))
        self.layer, self.overlay = layer, overlay
        if not same_size or self._fitted:
            self.fit()
        self.update()

    def set_placeholder(self, text: str) -> None:
        """Show only a line of text (no image, loading, an error)."""
        self.layer = self.overlay = self.prelabels = None
        self.placeholder = text
        self.update()

    def set_overlay_style(self, opacity: float, visible: bool) -> None:
        self.opacity, self.overlay_visible = opacity, visible
        self.update()

    def set_prelabels(self, layer) -> None:
        """Show a PreLabelLayer over the mask (None: none)."""
        self.prelabels = layer
        self.update()

    def set_prelabels_visible(self, visible: bool) -> None:
        self.prelabels_visible = visible
        self.update()

    def update_image_rect(self, rect) -> None:
        """Repaint the widget pixels showing image rectangle (x0, y0, x1, y1)."""
        x0, y0, x1, y1 = self.view.image_rect_to_widget(rect)
        self.update(QRect(x0, y0, x1 - x0, y1 - y0))

    def refresh_preview(self) -> None:
        """The tool preview changed (a vertex, the brush size): repaint old and new."""
        region = self._preview_region()
        self.update(self._preview | region)
        self._preview = region

    # view -----------------------------------------------------------------------------------
    def fit(self) -> None:
        if self.layer is not None:
            self.view.fit(self.layer.width, self.layer.height, self.width(), self.height())
        self._fitted = True
        self._view_moved()

    def actual_size(self) -> None:
        """100 %: one image pixel per screen pixel, about the widget centre."""
        self.view.set_zoom_about(1.0, self.width() / 2, self.height() / 2)
        self._fitted = False
        self._view_moved()

    def zoom_by(self, factor: float, at: QPointF | None = None) -> None:
        at = at or QPointF(self.width() / 2, self.height() / 2)
        self.view.set_zoom_about(self.view.zoom * factor, at.x(), at.y())
        self._fitted = False
        self._view_moved()

    def _view_moved(self) -> None:
        self._preview = self._preview_region()
        self.update()
        self.view_changed.emit()

    def image_point(self, pos: QPointF) -> tuple[float, float]:
        return self.view.to_image(pos.x(), pos.y())

    # painting -------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        region = event.region()
        p.fillRect(event.rect(), BACKGROUND)
        if self.layer is None:
            p.setPen(QColor(200, 200, 200))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        rects = list(region) if region.rectCount() <= _MAX_RECTS else [region.boundingRect()]
        v, layer = self.view, self.layer
        p.save()
        p.translate(v.ox, v.oy)
        p.scale(v.zoom, v.zoom)
        for r in rects:
            irect = v.widget_rect_to_image((r.left(), r.top(), r.right() + 1, r.bottom() + 1),
                                           layer.width, layer.height)
            if irect is None:
                continue
            x0, y0, x1, y1 = irect
            src = QRect(x0, y0, x1 - x0, y1 - y0)
            p.drawImage(src, layer.qimage, src)
            if self.overlay is not None and self.overlay_visible and self.opacity > 0:
                p.setOpacity(self.opacity)
                self.overlay.paint(p, irect)
                p.setOpacity(1.0)
        if self.prelabels is not None and self.prelabels_visible:
            b = region.boundingRect()
            irect = v.widget_rect_to_image((b.left(), b.top(), b.right() + 1, b.bottom() + 1),
                                           layer.width, layer.height)
            if irect is not None:  # one pass: the system clip keeps it inside the region
                self.prelabels.paint(p, irect, v.zoom)
        p.restore()
        if self.controller is not None and self._cursor is not None:
            self.controller.paint_preview(p, self.view, self._cursor)

    def _preview_region(self) -> QRegion:
        if self.controller is None or self._cursor is None or self.layer is None:
            return QRegion()
        return self.controller.preview_region(self.view, self._cursor)

    def _move_cursor(self, pos: QPointF | None) -> None:
        self._cursor = pos
        self.refresh_preview()

    # input ----------------------------------------------------------------------------------
    def mousePressEvent(self, e) -> None:
        if e.button() == Qt.MouseButton.MiddleButton or (
                e.button() == Qt.MouseButton.LeftButton and self._space):
            self._pan_last = e.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif e.button() == Qt.MouseButton.LeftButton and self._ready():
            self.controller.press(self.image_point(e.position()), e.modifiers())

    def mouseMoveEvent(self, e) -> None:
        if self._pan_last is not None:
            d = e.position() - self._pan_last
            dx, dy = round(d.x()), round(d.y())
            if dx or dy:
                self._pan_last += QPointF(dx, dy)
                self.view.pan(dx, dy)
                self._fitted = False
                self.scroll(dx, dy)  # moves the painted pixels; only the exposed strip repaints
                # The cursor moved with the image: the preview scrolled along, still right.
                self._cursor = e.position()
                self._preview.translate(dx, dy)
                self.view_changed.emit()
            return
        pt = self.image_point(e.position())
        if self._ready():
            self.controller.move(pt)
        self._move_cursor(e.position())
        self.hovered.emit(pt if self.layer is not None else None)

    def mouseReleaseEvent(self, e) -> None:
        if self._pan_last is not None and e.button() in (Qt.MouseButton.MiddleButton,
                                                         Qt.MouseButton.LeftButton):
            self._pan_last = None
            self._set_idle_cursor()
        elif e.button() == Qt.MouseButton.LeftButton and self._ready():
            self.controller.release(self.image_point(e.position()))

    def mouseDoubleClickEvent(self, e) -> None:
        if e.button() == Qt.MouseButton.LeftButton and self._ready() and not self._space:
            self.controller.double_click(self.image_point(e.position()))

    def wheelEvent(self, e) -> None:
        steps = e.angleDelta().y() / 120
        if steps:
            self.zoom_by(WHEEL_STEP ** steps, e.position())
        e.accept()

    def keyPressEvent(self, e) -> None:
        if e.key() == Qt.Key.Key_Space:
            if not e.isAutoRepeat():
                self._space = True
                self._set_idle_cursor()
            return
        if self._ready() and self.controller.key(e.key()):
            return
        super().keyPressEvent(e)

    def keyReleaseEvent(self, e) -> None:
        if e.key() == Qt.Key.Key_Space and not e.isAutoRepeat():
            self._space = False
            self._set_idle_cursor()
            return
        super().keyReleaseEvent(e)

    def enterEvent(self, e) -> None:
        # Space+drag needs the keyboard; take it unless someone is typing a number.
        focus = QApplication.focusWidget()
        if not isinstance(focus, (QLineEdit, QAbstractSpinBox)):
            self.setFocus(Qt.FocusReason.MouseFocusReason)
        super().enterEvent(e)

    def leaveEvent(self, e) -> None:
        self._move_cursor(None)
        self.hovered.emit(None)
        super().leaveEvent(e)

    def focusOutEvent(self, e) -> None:
        self._space = False
        self._set_idle_cursor()
        super().focusOutEvent(e)

    def resizeEvent(self, e) -> None:
        if self._fitted:
            self.fit()
        super().resizeEvent(e)

    def _ready(self) -> bool:
        return self.controller is not None and self.layer is not None

    def _set_idle_cursor(self) -> None:
        self.setCursor(Qt.CursorShape.OpenHandCursor if self._space
                       else Qt.CursorShape.CrossCursor)
