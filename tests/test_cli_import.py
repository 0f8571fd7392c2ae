"""`defect-studio import`, `--version`, the bare command, and the text progress bar."""

import io
import signal
import sys
import types

import cv2
import numpy as np
import pytest

from app.cli import main
from app.cli_cmds.progress import TextProgress
from app.store import Project


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "parts"
    for name, has_defect in [("MT_Crack/a", True), ("MT_Crack/b", True), ("MT_Free/c", False)]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / f"{name}.jpg"), np.full((30, 40), 120, np.uint8))
        mask = np.zeros((30, 40), np.uint8)
        mask[5:10, 5:20] = 255 if has_defect else 0
        cv2.imwrite(str(root / f"{name}.png"), mask)
    (root / "broken.bmp").write_bytes(b"BM" + bytes(10))
    return root


def test_import_creates_the_project_and_prints_a_summary(tmp_path, folder, capsys):
    proj = tmp_path / "p.dsproj"
    rc = main(["import", str(proj), str(folder), "--create", "--class-from-folder", r"MT_(\w+)"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Imported 3 image(s)" in out
    assert "with defects, by class: Crack 2" in out and "good parts: 1" in out
    assert "broken.bmp: the file is truncated" in out
    assert "100% 3/3" in err  # the progress bar, on stderr
    with Project.open(proj) as p:
        assert len(p.images.list()) == 3 and [c.name for c in p.classes.list()] == ["Crack"]

    assert main(["import", str(proj), str(folder)]) == 0
    assert "Already in project: 3 image(s)" in capsys.readouterr().out


def test_missing_project_needs_create(tmp_path, folder, capsys):
    assert main(["import", str(tmp_path / "none.dsproj"), str(folder)]) == 1
    assert "pass --create" in capsys.readouterr().err
    assert not (tmp_path / "none.dsproj").exists()


def test_missing_folder_is_an_error(tmp_path, capsys):
    assert main(["import", str(tmp_path / "p.dsproj"), str(tmp_path / "nope"), "--create"]) == 1
    assert "is not a folder" in capsys.readouterr().err


def test_locked_project_is_a_clear_error(tmp_path, folder, capsys):
    with Project.create(tmp_path / "p.dsproj"):
        assert main(["import", str(tmp_path / "p.dsproj"), str(folder)]) == 1
        assert "already open for writing" in capsys.readouterr().err
    with Project.open(tmp_path / "p.dsproj") as p:
        assert p.images.list() == []


def test_bad_pattern_is_a_usage_error(tmp_path, folder, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["import", str(tmp_path / "p.dsproj"), str(folder), "--class-from-folder", "MT_("])
    assert exc.value.code == 2
    assert "not a valid regular expression" in capsys.readouterr().err


def test_ctrl_c_cancels_and_imports_nothing(tmp_path, folder, capsys, monkeypatch):
    import app.jobs.importing as importing

    real = importing.import_folder

    def interrupted(project, path, options, ctx):
        signal.raise_signal(signal.SIGINT)  # as if the user pressed Ctrl-C mid-import
        return real(project, path, options, ctx)

    monkeypatch.setattr(importing, "import_folder", interrupted)
    before = signal.getsignal(signal.SIGINT)
    assert main(["import", str(tmp_path / "p.dsproj"), str(folder), "--create"]) == 130
    assert "nothing was imported" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is before
    with Project.open(tmp_path / "p.dsproj") as p:
        assert p.images.list() == [] and p.classes.list() == []


def test_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"defect-studio {version('defect-studio')}"


def test_no_command_opens_the_window(monkeypatch):
    calls = []
    fake = types.ModuleType("app.ui.main")
    fake.run_app = lambda argv: calls.append(argv) or 0
    monkeypatch.setitem(sys.modules, "app.ui.main", fake)
    assert main([]) == 0 and main(["line 3.dsproj"]) == 0
    assert calls == [["defect-studio"], ["defect-studio", "line 3.dsproj"]]


def test_progress_bar_into_a_file_writes_few_lines():
    out = io.StringIO()
    bar = TextProgress(out)
    bar(0, 0, "Looking for images")
    for i in range(1, 101):
        bar(i, 100, f"Checking {i}.png")
    bar.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "Looking for images" and len(lines) == 12  # + phase start, 10 deciles
    assert lines[-1] == "[" + "#" * 28 + "] 100% 100/100  Checking 100.png"


def test_progress_bar_on_a_terminal_redraws_one_line():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    bar = TextProgress(out, width=10, interval=3600)
    for i in range(1, 6):
        bar(i, 5, "Saving masks")
    bar.close()
    text = out.getvalue()
    assert text.count("\r") == 2  # the first draw and the last; the rest are throttled
    assert "[##########] 100% 5/5  Saving masks" in text and text.endswith("\n")
