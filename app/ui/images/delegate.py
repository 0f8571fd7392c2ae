"""Paints one image row: thumbnail, name, then status · class · split."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from .model import EntryRole, ImageEntry, ThumbnailRole

THUMB = 64  # logical px on screen; thumbnails are made at 96 px for high-DPI screens
PAD = 4
STATUS_COLORS = {"unlabeled": "#9e9e9e", "in_progress": "#f0a020", "labeled": "#3fae49",
                 "good": "#2f8fd8"}


class ImageRowDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        return QSize(200, THUMB + 2 * PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        entry: ImageEntry | None = index.data(EntryRole)
        if entry is None:
            return
        style = option.widget.style() if option.widget else QApplication.style()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text, opt.icon = "", QIcon()  # we draw the content ourselves
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)

        painter.save()
        rect = option.rect
        thumb_rect = QRect(rect.left() + PAD, rect.top() + PAD, THUMB, THUMB)
        self._paint_thumbnail(painter, thumb_rect, entry, index.data(ThumbnailRole), style)

        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Normal
        text_color = option.palette.color(
            group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        x = thumb_rect.right() + 2 * PAD
        width = rect.right() - x - PAD
        bold = QFont(option.font)
        bold.setBold(True)
        fm_bold, fm = QFontMetrics(bold), QFontMetrics(option.font)
        y = rect.top() + PAD + 2
        painter.setFont(bold)
        painter.setPen(text_color)
        name = fm_bold.elidedText(entry.row.name, Qt.TextElideMode.ElideMiddle, width)
        painter.drawText(QRect(x, y, width, fm_bold.height()), Qt.AlignmentFlag.AlignLeft, name)

        y += fm_bold.height() + 2
        status = "good" if entry.row.is_good else entry.row.status
        dot = QColor(STATUS_COLORS.get(status, "#9e9e9e"))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(dot)
        d = fm.height() // 2
        painter.drawEllipse(QRect(x, y + (fm.height() - d) // 2, d, d))
        painter.setFont(option.font)
        painter.setPen(text_color)
        parts = [entry.status_text, entry.class_text, entry.row.split or ""]
        line = " · ".join(p for p in parts if p)
        line = fm.elidedText(line, Qt.TextElideMode.ElideRight, width - d - PAD)
        painter.drawText(QRect(x + d + PAD, y, width - d - PAD, fm.height()),
                         Qt.AlignmentFlag.AlignLeft, line)

        if entry.missing or entry.error:
            y += fm.height() + 2
            painter.setPen(QColor("#e06c00" if not selected else text_color))
            msg = "file missing" if entry.missing else fm.elidedText(
                entry.error, Qt.TextElideMode.ElideRight, width)
            painter.drawText(QRect(x, y, width, fm.height()), Qt.AlignmentFlag.AlignLeft, msg)
        elif entry.team_text:
            y += fm.height() + 2
            painter.setPen(QColor("#8e44ad" if not selected else text_color))
            msg = fm.elidedText(entry.team_text, Qt.TextElideMode.ElideRight, width)
            painter.drawText(QRect(x, y, width, fm.height()), Qt.AlignmentFlag.AlignLeft, msg)
        painter.restore()

    def _paint_thumbnail(self, painter, rect: QRect, entry: ImageEntry, image, style) -> None:
        painter.fillRect(rect, QColor(128, 128, 128, 40))
        if entry.missing or entry.error:
            icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            side = THUMB // 2
            icon.paint(painter, rect.adjusted(side // 2, side // 2, -side // 2, -side // 2))
            return
        if image is None or image.isNull():
            return  # still loading: the grey square says so without a spinner's distraction
        scaled = image.size().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, scaled.width(), scaled.height())
        target.moveCenter(rect.center())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, image)
