"""Icons shipped in app/resources, loaded through importlib.resources.

The SVG is rendered here with QSvgRenderer into pixmaps at the sizes desktops ask for, rather than
handed to QIcon as a file: that needs no SVG icon-engine plugin (a frozen build may lack it) and
no real file path (works from any package loader).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def resource_bytes(name: str) -> bytes:
    """The content of app/resources/<name>; FileNotFoundError when it is not shipped."""
    return resources.files("app").joinpath("resources", name).read_bytes()


def render_svg(svg: bytes, size: int) -> QImage:
    """`svg` drawn into a transparent size x size image (empty image if the SVG is invalid)."""
    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        return QImage()
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


@cache
def svg_icon(name: str) -> QIcon:
    """A QIcon from app/resources/<name>.svg, pre-rendered at ICON_SIZES. Needs a
    QGuiApplication.
    """
    svg = resource_bytes(f"{name}.svg")
    icon = QIcon()
    for size in ICON_SIZES:
        image = render_svg(svg, size)
        if not image.isNull():
            icon.addPixmap(QPixmap.fromImage(image))
    return icon


def app_icon() -> QIcon:
    """The Defect Studio application icon (window, taskbar, About)."""
    return svg_icon("icon")
