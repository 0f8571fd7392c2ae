"""Small file chores shared by the format writers and readers."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from .model import ClassSpec, DatasetError, ExportItem, check_classes

CLASSES_FILE = "classes.json"


def write_json(path: Path, doc, indent: int | None = 1) -> None:
    """Atomic write: a reader never sees half an index file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    separators = (",", ":") if indent is None else None
    tmp.write_text(json.dumps(doc, indent=indent, separators=separators, ensure_ascii=False),
                   encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path, what: str):
    try:
        return json.loads(path.read_bytes())
    except OSError as e:
        raise DatasetError(f"{what}: cannot read {path.name} ({e.strerror})") from None
    except ValueError as e:  # JSON and Unicode errors alike
        raise DatasetError(f"{what}: {path.name} is not valid JSON ({e})") from None
    except RecursionError:  # e.g. '[' * 100000: Python's parser recurses once per level
        raise DatasetError(f"{what}: {path.name} is nested too deeply to be a dataset "
                           "file") from None


def place_image(item: ExportItem, out_dir: Path, dest_stem: str, copy: bool) -> Path:
    """The image file an export points at: a copy under `out_dir` when asked, else the original."""
    if not copy:
        return item.image
    dest = out_dir / (dest_stem + item.image.suffix)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(item.image, dest)
    return dest


def classes_to_json(classes: list[ClassSpec]) -> list[dict]:
    return [c.to_json() for c in sorted(classes, key=lambda c: c.value)]


def classes_from_json(doc, what: str) -> list[ClassSpec]:
    """[{value, name, color}] -> ClassSpecs, or DatasetError."""
    if not isinstance(doc, list):
        raise DatasetError(f"{what}: the class list must be a JSON list")
    out = []
    for i, c in enumerate(doc):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise DatasetError(f"{what}: entry {i} needs a 'name' and a 'value'")
        value, color = c.get("value"), c.get("color")
        if isinstance(value, bool) or not isinstance(value, int):
            raise DatasetError(f"{what}: class {c['name']!r} has no integer 'value'")
        if color is not None and not isinstance(color, str):
            raise DatasetError(f"{what}: class {c['name']!r} has a 'color' that is not text")
        out.append(ClassSpec(value, c["name"].strip(), color))
    check_classes(out, what)
    return out
