"""Help > About: name, versions (for bug reports), license and credits.

Versions are read when the dialog opens. torch is listed only when something already imported
it: importing it here would cost seconds for a version string.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from app.ui.icons import app_icon

APP_NAME = "Defect Studio"
SUMMARY = "Label defects, train segmentation models, grade parts, review results."
CREDITS = (
    "Built with Qt through PySide6 (LGPLv3), PyTorch, segmentation-models-pytorch, timm, "
    "OpenCV, NumPy, pyqtgraph and SQLAlchemy."
)
DATASET_CITATION = (
    "Tests and benchmarks use the magnetic tile defect dataset of Huang, Qiu and Yuan, "
    "\u201cSurface defect saliency of magnetic tile\u201d, The Visual Computer (2020)."
)


def app_version() -> str:
    import app

    return app.__version__  # resolved lazily from the installed metadata


def app_license() -> str:
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("defect-studio")
    except PackageNotFoundError:
        return "Proprietary"
    return meta.get("License-Expression") or meta.get("License") or "Proprietary"


def environment() -> list[tuple[str, str]]:
    """(name, version) rows shown in the dialog and copied for bug reports."""
    import PySide6

    rows = [
        (APP_NAME, app_version() + (" (bundle)" if getattr(sys, "frozen", False) else "")),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("OS", platform.platform(terse=True)),
    ]
    torch = sys.modules.get("torch")
    version = getattr(torch, "__version__", None) if torch is not None else None
    if version:
        rows.append(("torch", str(version)))
    return rows


def environment_text(rows: list[tuple[str, str]] | None = None) -> str:
    return "\n".join(f"{name}: {value}" for name, value in (rows or environment()))


class AboutDialog(QDialog):
    def __init__(self, parent=None, log_path: str | Path | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.rows = environment()
        if log_path is not None:
            self.rows.append(("Log file", str(log_path)))

        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = QLabel(f"<h2>{APP_NAME}</h2>")
        self.version_label = QLabel(f"Version {app_version()}")
        summary = QLabel(SUMMARY)
        summary.setWordWrap(True)

        self.details = QPlainTextEdit(environment_text(self.rows))
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(self.fontMetrics().lineSpacing() * (len(self.rows) + 2))
        self.credits = QLabel(f"License: {app_license()}.\n\n{CREDITS}\n\n{DATASET_CITATION}")
        self.credits.setWordWrap(True)
        self.credits.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy details")
        copy.setToolTip("Copy the versions above, for a bug report")
        copy.clicked.connect(self.copy_details)
        about_qt = QPushButton("About Qt")
        about_qt.clicked.connect(lambda: QApplication.aboutQt(self, "About Qt"))
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(about_qt, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        text = QVBoxLayout()
        for w in (title, self.version_label, summary, self.details, self.credits):
            text.addWidget(w)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(environment_text(self.rows))


def show_about(parent=None, log_path: str | Path | None = None) -> AboutDialog:
    """Open the About dialog without blocking (window-modal) and return it."""
    dialog = AboutDialog(parent, log_path)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
