"""Render resources/defect-studio.svg into the icon files that platforms and PyInstaller need.

    python packaging/make_icons.py          # regenerate everything
    python packaging/make_icons.py --check  # exit 1 if a generated file is out of date

Writes resources/icons/defect-studio-{16..256}.png (Qt's SVG renderer, so the PNGs look exactly
like the icon the running app draws), resources/defect-studio.ico (those PNGs packed; Windows
Vista and later read PNG entries) and the runtime copy app/resources/icon.svg. The outputs are
committed, so building the app needs no rendering step. Run it after editing the SVG.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "defect-studio.svg"
PNG_DIR = ROOT / "resources" / "icons"
ICO = ROOT / "resources" / "defect-studio.ico"
RUNTIME_SVG = ROOT / "app" / "resources" / "icon.svg"
SIZES = (16, 32, 48, 64, 128, 256)


def png_path(size: int) -> Path:
    return PNG_DIR / f"defect-studio-{size}.png"


def render_png(svg: bytes, size: int) -> bytes:
    """The SVG drawn into a transparent size x size image, encoded as PNG."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError("the SVG does not parse")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError(f"could not encode the {size}px PNG")
    buffer.close()
    return bytes(data)


def pack_ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file whose entries are the given PNGs (size -> PNG bytes), smallest first.

    Layout: ICONDIR (reserved 0, type 1, count), one 16-byte ICONDIRENTRY per image (width and
    height as a byte, 0 meaning 256; colors 0; reserved 0; planes 1; bits 32; data size; offset),
    then the image data.
    """
    sizes = sorted(pngs)
    if any(not 1 <= s <= 256 for s in sizes):
        raise ValueError(f"ICO sizes must be 1..256, got {sizes}")
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = [], []
    for s in sizes:
        blob = pngs[s]
        entries.append(struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, len(blob), offset))
        blobs.append(blob)
        offset += len(blob)
    return header + b"".join(entries) + b"".join(blobs)


def outputs() -> dict[Path, bytes]:
    """Every generated file and its content."""
    svg = SVG.read_bytes()
    pngs = {s: render_png(svg, s) for s in SIZES}
    files = {png_path(s): data for s, data in pngs.items()}
    files[ICO] = pack_ico(pngs)
    files[RUNTIME_SVG] = svg
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a generated file differs")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(["make_icons"])  # noqa: F841 - fonts
    stale = []
    for path, data in outputs().items():
        if path.exists() and path.read_bytes() == data:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    verb = "out of date" if args.check else "written"
    for path in stale:
        print(f"{verb}: {path.relative_to(ROOT)}")
    if not stale:
        print("icons up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
