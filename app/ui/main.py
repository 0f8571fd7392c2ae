"""Start the desktop app: `run_app(argv)` (called by `python -m app` with no subcommand)."""

from __future__ import annotations

import sys

from app.ui import system_libs

ORGANIZATION = "DefectStudio"
APPLICATION = "Defect Studio"


def configure_application(app) -> None:
    """Names (QSettings and the data folder follow them) and the theme."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QGuiApplication

    from app.ui.theme import apply_theme

    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QGuiApplication.setApplicationDisplayName(APPLICATION)
    QGuiApplication.setDesktopFileName("defect-studio")  # matches resources/*.desktop
    from app.ui.icons import app_icon

    app.setWindowIcon(app_icon())
    apply_theme(app)


def run_app(argv: list[str] | None = None) -> int:
    """Run the GUI until the last window closes; a `*.dsproj` argument is opened at start."""
    argv = list(sys.argv if argv is None else argv) or ["defect-studio"]
    # Qt is imported only after the system libraries it needs are known to be there: a missing
    # one is named with its apt-get line, not "could not load the Qt platform plugin xcb".
    if (problem := system_libs.check(argv)) is not None:
        print(problem, file=sys.stderr)
        return 1
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    # Fractional scale factors (150%) as they are: rounding them blurs or crops the canvas.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(argv)
    configure_application(app)

    from app.ui.errors import ErrorHandler
    from app.ui.main_window import MainWindow

    handler = ErrorHandler().install()
    window = MainWindow(error_handler=handler)
    window.restore_layout()
    window.show()
    from app.store.location import is_team_url

    project = next((a for a in argv[1:] if a.endswith(".dsproj") or is_team_url(a)), None)
    if project:
        window.open_project(project)  # a wrong path shows why, on the welcome page
    try:
        return app.exec()
    finally:
        handler.uninstall()
