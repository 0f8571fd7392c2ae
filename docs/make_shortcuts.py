"""Writes the keyboard shortcut sheet into README.md from the live actions, offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_shortcuts.py

The sheet sits between the `shortcuts:begin` / `shortcuts:end` markers; tests/ui/
test_readme_shortcuts.py fails when it is out of date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- shortcuts:begin -->\n)(.*?)(<!-- shortcuts:end -->)", re.S)


def current_sheet() -> str:
    from PySide6.QtWidgets import QApplication

    from app.ui import actions
    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)  # noqa: F841 (keeps Qt alive)
    window = MainWindow()
    try:
        return actions.markdown_sheet(actions.shortcut_rows(window))
    finally:
        window.close()
        window.deleteLater()


def readme_sheet(text: str) -> str | None:
    m = BLOCK.search(text)
    return m.group(2) if m else None


def main() -> int:
    text = README.read_text(encoding="utf-8")
    if readme_sheet(text) is None:
        print("README.md has no <!-- shortcuts:begin --> ... <!-- shortcuts:end --> block")
        return 1
    README.write_text(BLOCK.sub(lambda m: m.group(1) + current_sheet() + m.group(3), text),
                      encoding="utf-8")
    print(f"shortcut sheet written to {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
