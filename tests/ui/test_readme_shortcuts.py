"""The README's shortcut sheet is the live actions' sheet (docs/make_shortcuts.py writes it)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_script():
    spec = importlib.util.spec_from_file_location(
        "make_shortcuts", ROOT / "docs" / "make_shortcuts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_sheet_is_up_to_date(qapp):
    script = load_script()
    sheet = script.current_sheet()
    for row in ("| Label | Brush | `B` |", "| Review | Confirm verdict | `C`, `Return`, `Enter` |",
                "| File | Open project | `Ctrl+O` |"):
        assert row in sheet
    in_readme = script.readme_sheet((ROOT / "README.md").read_text(encoding="utf-8"))
    assert in_readme == sheet, "run: QT_QPA_PLATFORM=offscreen python docs/make_shortcuts.py"
