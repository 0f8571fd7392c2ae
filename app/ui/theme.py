"""Fusion style with a light or dark palette that follows the platform's colour scheme.

Fusion looks the same on every platform, so screenshots, docs and support see one app.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

_Role = QPalette.ColorRole
_Group = QPalette.ColorGroup

LIGHT = {
    _Role.Window: "#efefef", _Role.WindowText: "#1e1e1e", _Role.Base: "#ffffff",
    _Role.AlternateBase: "#f5f5f5", _Role.ToolTipBase: "#ffffdc", _Role.ToolTipText: "#1e1e1e",
    _Role.Text: "#1e1e1e", _Role.Button: "#e8e8e8", _Role.ButtonText: "#1e1e1e",
    _Role.BrightText: "#d32f2f", _Role.Link: "#1565c0", _Role.Highlight: "#2f6fbf",
    _Role.HighlightedText: "#ffffff", _Role.PlaceholderText: "#8a8a8a", _Role.Mid: "#c4c4c4",
}
DARK = {
    _Role.Window: "#2b2b2b", _Role.WindowText: "#e6e6e6", _Role.Base: "#1f1f1f",
    _Role.AlternateBase: "#262626", _Role.ToolTipBase: "#3a3a3a", _Role.ToolTipText: "#e6e6e6",
    _Role.Text: "#e6e6e6", _Role.Button: "#353535", _Role.ButtonText: "#e6e6e6",
    _Role.BrightText: "#ff6b6b", _Role.Link: "#64a8ff", _Role.Highlight: "#3d7bd9",
    _Role.HighlightedText: "#ffffff", _Role.PlaceholderText: "#8a8a8a", _Role.Mid: "#4a4a4a",
}
# Disabled text is greyed in both schemes (Fusion's default is too faint on dark).
DISABLED = {"light": "#a0a0a0", "dark": "#6e6e6e"}


def platform_is_dark() -> bool:
    scheme = QGuiApplication.styleHints().colorScheme()
    return scheme == Qt.ColorScheme.Dark


def make_palette(dark: bool) -> QPalette:
    palette = QPalette()
    for role, color in (DARK if dark else LIGHT).items():
        palette.setColor(role, QColor(color))
    grey = QColor(DISABLED["dark" if dark else "light"])
    for role in (_Role.WindowText, _Role.Text, _Role.ButtonText):
        palette.setColor(_Group.Disabled, role, grey)
    return palette


def apply_theme(app: QApplication, dark: bool | None = None) -> None:
    """Fusion + palette; with dark=None, follow the platform now and when it changes."""
    app.setStyle("Fusion")
    app.setPalette(make_palette(platform_is_dark() if dark is None else dark))
    if dark is None and not app.property("_ds_follows_scheme"):
        app.setProperty("_ds_follows_scheme", True)
        QGuiApplication.styleHints().colorSchemeChanged.connect(
            lambda scheme: app.setPalette(make_palette(scheme == Qt.ColorScheme.Dark)))


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the palette in use is a dark one (panels pick their accent colours from it)."""
    palette = palette or QGuiApplication.palette()
    return palette.color(_Role.Window).lightness() < 128
