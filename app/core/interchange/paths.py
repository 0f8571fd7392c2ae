"""Path rules of every format: names in an export, and which references an import accepts.

Import rule (refused with a DatasetError before anything is written):
- a relative path (image or mask) must resolve, symlinks followed, inside the dataset folder.
  ``..`` is fine while it stays inside (a labelme file in a subfolder pointing at ``../x.jpg``);
  one that leads out is refused. Backslashes count as separators, so a Windows-made
  ``..\\..\\x`` is caught on every system.
- an absolute path is accepted for an **image** only (exports reference images where they lie
  unless asked to copy them, so their manifests must point outside the export folder), never for
  a mask or a class list. Images are only ever read, and must pass the image checks.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from .model import DatasetError

_WINDOWS_ABSOLUTE = re.compile(r"^([A-Za-z]:)?[\\/]")


def resolve_ref(ref, root: Path, base: Path | None = None, *, what: str,
                absolute_ok: bool = False) -> Path:
    """The file `ref` names, relative to `base` (default `root`); see the module doc."""
    if not isinstance(ref, str) or not ref.strip():
        raise DatasetError(f"{what}: the path is missing")
    if "\0" in ref:
        raise DatasetError(f"{what}: the path {ref!r} contains a NUL character")
    root = root.resolve()
    if _WINDOWS_ABSOLUTE.match(ref) or Path(ref).is_absolute():
        if not absolute_ok:
            raise DatasetError(f"{what}: absolute path {ref!r} refused; only paths inside "
                               f"the dataset folder {root} are accepted")
        if not Path(ref).is_absolute():  # a Windows path read on another system
            raise DatasetError(f"{what}: {ref!r} is not an absolute path on this system")
        return Path(ref).resolve()
    parts = PurePosixPath(ref.replace("\\", "/")).parts
    target = Path(base or root, *parts).resolve()
    if not target.is_relative_to(root):
        raise DatasetError(f"{what}: the path {ref!r} leads outside the dataset folder "
                           f"{root}; refused")
    return target


def image_ref(image: Path, root: Path, base: Path | None = None) -> str:
    """How an export names an image: relative to `base` (default `root`) when the image lies
    inside the export folder `root`, else absolute (see the module doc)."""
    image, root = image.resolve(), root.resolve()
    if image.is_relative_to(root):
        return Path(os.path.relpath(image, (base or root).resolve())).as_posix()
    return str(image)


def export_names(rel_paths: Sequence[str], reserved: Iterable[str] = ()) -> list[str]:
    """A unique, safe relative stem per image path, e.g. ``MT_Crack/Imgs/x``.

    ``..`` and ``.`` parts are dropped and the folders every path shares are stripped, so
    names are short and never climb out of the export; a leading dot becomes ``_`` so no
    part is hidden. Clashes (``x.jpg`` and ``x.png``, or
    names equal but for case, which Windows and macOS would merge) get ``-2``, ``-3``...
    in the order given. `reserved` stems (the format's own files) are never used.
    """
    parts = [[_visible(p) for p in PurePosixPath(r.replace("\\", "/")).parts
              if p not in ("..", ".", "/")] for r in rel_paths]
    common = _common_folders([p[:-1] for p in parts])
    taken = {r.lower() for r in reserved}
    out = []
    for p in parts:
        tail = p[common:] or ["image"]
        stem = PurePosixPath(*tail[:-1], PurePosixPath(tail[-1]).stem or tail[-1]).as_posix()
        name, n = stem, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.lower())
        out.append(name)
    return out


def _visible(part: str) -> str:
    # Readers (ours and app.core.discover) skip hidden files and folders.
    return "_" + part[1:] if part.startswith(".") else part


def _common_folders(folders: list[list[str]]) -> int:
    if not folders:
        return 0
    n = 0
    for level in zip(*folders, strict=False):
        if len(set(level)) != 1:
            break
        n += 1
    return n
