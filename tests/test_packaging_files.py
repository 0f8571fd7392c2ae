"""The packaging files parse and the app's icon and About dialog work (fast; no bundle is built).

The bundle itself is checked by tests/test_packaging.py (marker `packaging`,
packaging/smoke_test.sh).
"""

from __future__ import annotations

import configparser
import importlib.util
import struct
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"
PACKAGING = ROOT / "packaging"
SVG = RESOURCES / "defect-studio.svg"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def load_make_icons():
    # packaging/ is not a package (and `import packaging` is PyPI's library): load by path
    spec = importlib.util.spec_from_file_location("make_icons", PACKAGING / "make_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(RESOURCES / "defect-studio.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


# -- Linux desktop integration ---------------------------------------------------------------

def test_desktop_file_has_the_required_keys():
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Defect Studio"
    assert entry["Comment"]
    assert entry["Exec"] == "defect-studio %f"
    assert entry["Icon"] == "defect-studio"
    assert {"Graphics", "Science", "Engineering"} <= set(entry["Categories"].split(";"))
    assert entry["Categories"].endswith(";") and entry["MimeType"].endswith(";")


def test_mime_type_claims_dsproj_and_matches_the_desktop_file():
    from app.store import EXTENSION

    root = ET.parse(RESOURCES / "defect-studio-mime.xml").getroot()
    (mime,) = root.findall(f"{MIME_NS}mime-type")
    globs = [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")]
    assert globs == [f"*{EXTENSION}"]
    assert mime.get("type") in desktop_entry()["MimeType"].split(";")


# -- the icon --------------------------------------------------------------------------------

def test_svg_is_valid_xml_and_renders(qapp):
    from PySide6.QtCore import QByteArray
    from PySide6.QtSvg import QSvgRenderer

    from app.ui.icons import render_svg

    root = ET.parse(SVG).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert QSvgRenderer(QByteArray(SVG.read_bytes())).isValid()
    image = render_svg(SVG.read_bytes(), 64)
    assert (image.width(), image.height()) == (64, 64)
    center, corner = image.pixelColor(32, 32), image.pixelColor(0, 0)
    assert center.alpha() == 255 and corner.alpha() == 0  # drawn, with rounded corners


def test_runtime_icon_is_the_resources_svg():
    assert (ROOT / "app" / "resources" / "icon.svg").read_bytes() == SVG.read_bytes()


def test_pngs_exist_at_every_size(qapp):
    from PySide6.QtGui import QImage

    make_icons = load_make_icons()
    for size in make_icons.SIZES:
        image = QImage(str(make_icons.png_path(size)))
        assert (image.width(), image.height()) == (size, size)


def test_ico_holds_every_size_and_qt_reads_it(qapp):
    from PySide6.QtGui import QImageReader

    make_icons = load_make_icons()
    data = make_icons.ICO.read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, len(make_icons.SIZES))
    sizes = []
    for i in range(count):
        w, h, _c, _r, planes, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i)
        assert data[offset:offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + length <= len(data)
        assert (planes, bits, w) == (1, 32, h)
        sizes.append(w or 256)
    assert sizes == sorted(make_icons.SIZES)
    reader = QImageReader(str(make_icons.ICO))
    assert reader.imageCount() == count


def test_pack_ico_writes_256_as_zero():
    ico = load_make_icons().pack_ico({256: b"A" * 3, 16: b"BB"})
    assert struct.unpack_from("<HHH", ico) == (0, 1, 2)
    first = struct.unpack_from("<BBBBHHII", ico, 6)
    second = struct.unpack_from("<BBBBHHII", ico, 22)
    assert first[:2] == (16, 16) and second[:2] == (0, 0)
    assert ico[first[7]:first[7] + first[6]] == b"BB"
    assert ico[second[7]:] == b"AAA"


def test_app_icon_is_not_null(qapp):
    from app.ui.icons import app_icon

    icon = app_icon()
    assert not icon.isNull()
    sizes = {s.width() for s in icon.availableSizes()}
    assert {16, 32, 256} <= sizes
    assert not icon.pixmap(48, 48).isNull()


# -- PyInstaller inputs ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["defect_studio.spec", "launcher.py", "selftest.py",
                                  "make_icons.py"])
def test_packaging_python_compiles(name):
    path = PACKAGING / name
    compile(path.read_text(encoding="utf-8"), str(path), "exec")


@pytest.mark.parametrize("name", ["build.sh", "smoke_test.sh", "install-linux.sh"])
def test_shell_scripts_parse(name):
    out = subprocess.run(["bash", "-n", str(PACKAGING / name)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_spec_ships_the_sources_deploy_copies_into_packages():
    from app.jobs.deploy_kinds import PIXEL_SOURCES, RUNNER_SOURCE

    spec = (PACKAGING / "defect_studio.spec").read_text(encoding="utf-8")
    for source in (RUNNER_SOURCE, *PIXEL_SOURCES.values()):
        assert f'"{source.relative_to(ROOT).as_posix()}"' in spec


def test_spec_collects_resources_and_icon():
    spec = (PACKAGING / "defect_studio.spec").read_text(encoding="utf-8")
    assert '"app" / "resources"' in spec and "defect-studio.ico" in spec
    assert 'copy_metadata' in spec and '"defect-studio"' in spec  # --version needs it


# -- About -----------------------------------------------------------------------------------

def test_about_dialog_shows_version_and_credits(qtbot, tmp_path):
    import app
    from app.ui.about_dialog import show_about

    dialog = show_about(None, log_path=tmp_path / "defect-studio.log")
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    assert app.__version__ in dialog.version_label.text()
    details = dialog.details.toPlainText()
    assert f"Defect Studio: {app.__version__}" in details
    assert "Qt: " in details and "PySide6: " in details and "Python: " in details
    assert str(tmp_path / "defect-studio.log") in details
    assert "Surface defect saliency of magnetic tile" in dialog.credits.text()
    dialog.copy_details()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == details


def test_about_lists_torch_only_when_already_imported(monkeypatch):
    from app.ui.about_dialog import environment

    monkeypatch.delitem(sys.modules, "torch", raising=False)
    assert "torch" not in dict(environment())
    assert "torch" not in sys.modules  # and did not import it
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(__version__="9.9.9"))
    assert dict(environment())["torch"] == "9.9.9"
