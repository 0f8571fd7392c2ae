"""Before Qt starts on Linux: name the missing system libraries and the apt-get line.

Without them Qt says only "could not load the Qt platform plugin xcb" (or an ImportError of
libQt6Gui). The lists below are the NEEDED entries of PySide6 6.11's libQt6Gui/libQt6DBus
(every platform) and of the xcb platform plugin (libqxcb + libQt6XcbQpa), each with the
Debian/Ubuntu package that ships it. No Qt import here: it runs before Qt can load.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Iterable

# Qt Gui itself, whatever the platform plugin (soname -> Debian/Ubuntu package).
GUI_LIBS = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11.so.6": "libx11-6",
    "libdbus-1.so.3": "libdbus-1-3",
}
# The xcb platform plugin (an X11 or XWayland desktop).
XCB_LIBS = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}

Loader = Callable[[str], object]  # raises OSError when the library cannot be loaded


def platform_name(argv: Iterable[str], env=os.environ) -> str:
    """The Qt platform plugin this start will use: `-platform x`, QT_QPA_PLATFORM, or the
    default (wayland in a Wayland session, else xcb)."""
    args = list(argv)
    for i, a in enumerate(args[:-1]):
        if a in ("-platform", "--platform"):
            return args[i + 1].split(":")[0].split(";")[0]
    if env.get("QT_QPA_PLATFORM"):
        return env["QT_QPA_PLATFORM"].split(":")[0].split(";")[0]
    return "wayland" if env.get("WAYLAND_DISPLAY") else "xcb"


def needed_libs(platform: str) -> dict[str, str]:
    return {**GUI_LIBS, **(XCB_LIBS if platform == "xcb" else {})}


def missing_libs(platform: str, load: Loader | None = None) -> dict[str, str]:
    """soname -> package, for each library the platform needs that cannot be loaded."""
    load = load or ctypes.CDLL
    missing = {}
    for soname, package in needed_libs(platform).items():
        try:
            load(soname)
        except OSError:
            missing[soname] = package
    return missing


def explain(missing: dict[str, str], platform: str) -> str:
    packages = " ".join(dict.fromkeys(missing.values()))
    files = ", ".join(missing)
    return (
        f"Defect Studio cannot start its window: the Qt {platform} platform needs system "
        f"libraries that are not installed ({files}).\n"
        f"On Debian or Ubuntu, install them with:\n\n"
        f"    sudo apt-get install {packages}\n\n"
        "On other Linux distributions, install the packages that provide these files.\n"
        "The command line (defect-studio --help) works without them."
    )


def check(argv: Iterable[str], *, load: Loader | None = None, env=None,
          system: str = sys.platform) -> str | None:
    """The message to print instead of starting Qt, or None when nothing is missing."""
    if not system.startswith("linux"):
        return None
    # offscreen / wayland: Qt Gui's own libraries only
    platform = platform_name(argv, os.environ if env is None else env)
    missing = missing_libs(platform, load)
    return explain(missing, platform) if missing else None
