"""Before Qt starts: a missing system library is named with its apt-get line (fake loader)."""

import subprocess
import sys

from app.ui.system_libs import GUI_LIBS, XCB_LIBS, check, platform_name


def loader(missing=()):
    loaded = []

    def load(name):
        loaded.append(name)
        if name in missing:
            raise OSError(f"{name}: cannot open shared object file")
        return object()

    load.loaded = loaded
    return load


def test_nothing_missing_starts_qt():
    load = loader()
    assert check(["defect-studio"], load=load, env={"DISPLAY": ":0"}, system="linux") is None
    assert set(load.loaded) == set(GUI_LIBS) | set(XCB_LIBS)


def test_missing_xcb_libraries_are_named_with_one_apt_line():
    load = loader({"libxcb-cursor.so.0", "libxcb-icccm.so.4"})
    text = check(["defect-studio"], load=load, env={"DISPLAY": ":0"}, system="linux")
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4" in text
    assert "    sudo apt-get install libxcb-cursor0 libxcb-icccm4\n" in text
    assert "xcb" in text


def test_one_package_listed_once_and_gui_libraries_for_every_platform():
    load = loader({"libglib-2.0.so.0", "libEGL.so.1"})
    text = check(["defect-studio", "-platform", "offscreen"], load=load, env={},
                 system="linux")
    assert "sudo apt-get install libegl1 libglib2.0-0\n" in text
    assert not set(load.loaded) & set(XCB_LIBS)  # offscreen needs no xcb


def test_which_platform_qt_will_use():
    assert platform_name(["x"], {}) == "xcb"
    assert platform_name(["x"], {"WAYLAND_DISPLAY": "wayland-0"}) == "wayland"
    assert platform_name(["x"], {"QT_QPA_PLATFORM": "xcb;wayland"}) == "xcb"
    assert platform_name(["x", "-platform", "offscreen"], {"QT_QPA_PLATFORM": "xcb"}) == "offscreen"
    assert platform_name(["x"], {"QT_QPA_PLATFORM": "vnc:size=800x600"}) == "vnc"


def test_other_systems_are_not_checked():
    load = loader(set(GUI_LIBS))
    assert check(["defect-studio"], load=load, env={}, system="win32") is None
    assert load.loaded == []


def test_run_app_prints_the_message_and_does_not_start_qt():
    code = """
import sys
from app.ui import main, system_libs
system_libs.ctypes.CDLL = lambda name: (_ for _ in ()).throw(OSError(name))
code = main.run_app(["defect-studio", "-platform", "xcb"])
print(code, "PySide6.QtWidgets" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["1", "False"], out.stderr
    assert "sudo apt-get install libegl1" in out.stderr and "libxcb-cursor0" in out.stderr


def test_real_loader_on_this_machine():
    # Qt's own tests run here offscreen, so Qt Gui's libraries are installed.
    assert check(["defect-studio"], env={"QT_QPA_PLATFORM": "offscreen"}) is None


def test_readme_apt_line_installs_what_the_check_asks_for():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    line = next(ln for ln in readme.splitlines() if ln.startswith("sudo apt-get install "))
    assert set(line.split()[3:]) == set(GUI_LIBS.values()) | set(XCB_LIBS.values())
