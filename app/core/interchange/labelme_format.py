"""labelme JSON: one file per image, ``OUT/<name>.json``, polygons painted in file order.

Shapes are polygons from polygons.to_layers: each defect region's outer contour with its class
name as label, holes as ``_background_`` shapes after it (app.core.labelme paints those 0),
islands after the hole. Vertices are integer pixel indices. With copy_images the image lies
beside its JSON (``OUT/<name>.jpg``), so labelme opens the folder as it is; otherwise
``imagePath`` is absolute. ``OUT/classes.json`` keeps class values and colours.

Exactness: when the polygons do not reproduce the mask pixel for pixel (rare; see polygons.py)
the file also holds ``"defect_studio_rle"``: per class name a COCO compressed RLE of its pixels,
plus ``shapes_sha256``, a digest of the shapes written. An import uses the RLE only while the
shapes still match that digest: if someone edited the polygons in labelme, the edit wins.

Extra keys (labelme keeps unknown top-level keys when it saves): ``"defect_studio"`` holds the
image's facts (good part, split, status, source class, sha256, and ``labeled``: false for an
image that was never labeled, so it does not come back as labeled-empty).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from app.core.labelme import HOLE_LABELS, LabelmeError, LabelmeFile, Shape, rasterize, read_labelme

from . import rle
from .files import (
    CLASSES_FILE,
    classes_from_json,
    classes_to_json,
    place_image,
    read_json,
    write_json,
)
from .model import ClassSpec, Dataset, DatasetError, DatasetItem, ExportItem, ImageMeta
from .paths import image_ref, resolve_ref
from .polygons import to_layers

LABELME_VERSION = "5.5.0"
HOLE_LABEL = "_background_"
UNNAMED_CLASS = "defect"  # class of shapes with an empty label
RLE_KEY = "defect_studio_rle"
FACTS_KEY = "defect_studio"


class LabelmeWriter:
    def __init__(self, out_dir: Path, classes: list[ClassSpec], copy_images: bool = False):
        clash = sorted(c.name for c in classes if c.name in HOLE_LABELS)
        if clash:
            raise DatasetError(f"class name(s) {', '.join(clash)} mean a hole in labelme "
                               "files; rename them before exporting to labelme")
        self.out = out_dir
        self.classes = classes
        self.names = {c.value: c.name for c in classes}
        self.copy = copy_images

    def add(self, item: ExportItem) -> None:
        json_path = self.out / f"{item.name}.json"
        image = place_image(item, self.out, item.name, self.copy)
        doc = encode(item, self.names, image_ref(image, self.out, json_path.parent))
        write_json(json_path, doc, indent=2)

    def finish(self) -> list[Path]:
        write_json(self.out / CLASSES_FILE, classes_to_json(self.classes))
        return [self.out / CLASSES_FILE]


def encode(item: ExportItem, names: dict[int, str], image_path: str) -> dict:
    """The labelme document of one image (see the module doc)."""
    h, w = item.height, item.width
    shapes: list[Shape] = []
    exact_copy = None
    if item.mask is not None:
        layers, _ = to_layers(item.mask)
        shapes = [Shape(names[x.value] if x.value else HOLE_LABEL, "polygon",
                        tuple(map(tuple, x.points.tolist()))) for x in layers]
        # Checked with the very rasterizer an import uses, not with to_layers' own verdict.
        values = {n: v for v, n in names.items()}
        if not np.array_equal(rasterize(LabelmeFile(w, h, tuple(shapes)), (h, w), values),
                              item.mask):
            exact_copy = {"size": [h, w], "shapes_sha256": shapes_digest(shapes),
                          "counts": {names[v]: rle.to_string(rle.encode(item.mask == v))
                                     for v in np.unique(item.mask).tolist() if v}}
    doc: dict[str, Any] = {
        "version": LABELME_VERSION, "flags": {},
        "shapes": [{"label": s.label, "points": [list(p) for p in _ints(s.points)],
                    "group_id": None, "description": "", "shape_type": s.kind, "flags": {},
                    "mask": None} for s in shapes],
        "imagePath": image_path, "imageData": None, "imageHeight": h, "imageWidth": w,
        FACTS_KEY: {"sha256": item.sha256, "labeled": item.mask is not None,
                    **item.meta.to_json()},
    }
    if exact_copy is not None:
        doc[RLE_KEY] = exact_copy
    return doc


def shapes_digest(shapes) -> str:
    canon = [[s.label, s.kind, [[round(float(x), 3), round(float(y), 3)] for x, y in s.points]]
             for s in shapes]
    return hashlib.sha256(json.dumps(canon, separators=(",", ":")).encode()).hexdigest()


def _ints(points):
    return [[int(x), int(y)] for x, y in points]


def read_dataset(path: Path) -> Dataset:
    """Every labelme file under `path` (recursively; hidden folders and non-labelme JSON
    skipped) with its image; classes from classes.json when present, then by first use."""
    root = Path(path).resolve()
    if not root.is_dir():
        raise DatasetError(f"{path} is not a folder of labelme files")
    classes = []
    if (root / CLASSES_FILE).is_file():
        classes = classes_from_json(read_json(root / CLASSES_FILE, CLASSES_FILE), CLASSES_FILE)
    values = {c.name: c.value for c in classes}  # filled in below; the loaders read it later
    ds = Dataset(root, classes, [])
    for f in _json_files(root):
        rel = f.relative_to(root).as_posix()
        doc = read_json(f, rel)
        if not isinstance(doc, dict) or not isinstance(doc.get("shapes"), list):
            ds.warnings.append(f"{rel}: not a labelme file, ignored")
            continue
        try:
            lm = read_labelme(f)
        except LabelmeError as e:
            raise DatasetError(f"{rel}: {e}") from None
        ds.items.append(_item(doc, lm, f, rel, root, values, ds.warnings))
        for label in [*lm.labels(), *_exact_labels(doc, lm)]:
            _add_class(ds.classes, values, label or UNNAMED_CLASS)
    if UNNAMED_CLASS in values:
        values.setdefault("", values[UNNAMED_CLASS])
    return ds


def _json_files(root: Path) -> list[Path]:
    out = []
    for f in sorted(root.rglob("*.json")):
        rel = f.relative_to(root)
        if any(p.startswith(".") for p in rel.parts) or rel.as_posix() == CLASSES_FILE:
            continue
        out.append(f)
    return out


def _add_class(classes: list[ClassSpec], values: dict[str, int], name: str) -> None:
    if name in values:
        return
    value = max(values.values(), default=0) + 1
    if value > 255:
        raise DatasetError("the labelme files name more than 255 classes")
    classes.append(ClassSpec(value, name))
    values[name] = value


def _item(doc: dict, lm: LabelmeFile, f: Path, rel: str, root: Path, values: dict[str, int],
          warnings: list[str]) -> DatasetItem:
    image = resolve_ref(doc.get("imagePath"), root, f.parent, what=f"{rel} imagePath",
                        absolute_ok=True)
    facts = doc.get(FACTS_KEY) or {}
    meta = ImageMeta.from_json(facts, rel)
    labeled = bool(lm.shapes) or facts.get("labeled", True) is not False
    exact = _exact_copy(doc, lm, rel, warnings)
    if lm.ignored:
        warnings.append(f"{rel}: {lm.ignored} shape(s) without an area (line, point) ignored")
    size = (lm.height, lm.width) if lm.width is not None and lm.height is not None else None
    sha = facts.get("sha256")
    if sha is not None and not isinstance(sha, str):
        raise DatasetError(f"{rel}: {FACTS_KEY}.sha256 must be text")

    def load(shape: tuple[int, int]):
        if not labeled:
            return None
        if size is not None and size != tuple(shape):
            raise DatasetError(f"{rel} is for a {size[1]} x {size[0]} image but the image is "
                               f"{shape[1]} x {shape[0]}")
        hw = (int(shape[0]), int(shape[1]))
        if exact is None:
            return rasterize(lm, hw, values)
        return _from_exact(exact, hw, values, rel)
    return DatasetItem(image, rel, load, size, sha, meta)


def _exact_copy(doc: dict, lm: LabelmeFile, rel: str, warnings: list[str]) -> dict | None:
    """The RLE copy when present and the shapes are still those it was written with."""
    exact = doc.get(RLE_KEY)
    if exact is None:
        return None
    if not isinstance(exact, dict) or not isinstance(exact.get("counts"), dict):
        raise DatasetError(f"{rel}: {RLE_KEY} is malformed")
    if exact.get("shapes_sha256") != shapes_digest(lm.shapes):
        warnings.append(f"{rel}: the shapes were edited after export; they are used instead "
                        "of the exact copy")
        return None
    return exact


def _exact_labels(doc: dict, lm: LabelmeFile) -> list[str]:
    exact = doc.get(RLE_KEY)
    if isinstance(exact, dict) and isinstance(exact.get("counts"), dict):
        return [str(k) for k in exact["counts"]]
    return []


def _from_exact(exact: dict, shape: tuple[int, int], values: dict[str, int],
                rel: str) -> np.ndarray:
    if exact.get("size") != list(shape):
        raise DatasetError(f"{rel}: {RLE_KEY} is for size {exact.get('size')}, the image is "
                           f"{list(shape)}")
    canvas = np.zeros(shape, np.uint8, order="F")
    for label, counts in exact["counts"].items():
        if not isinstance(counts, str):
            raise DatasetError(f"{rel}: {RLE_KEY} counts of {label!r} must be a string")
        try:
            rle.paint(canvas, rle.from_string(counts), values[label])
        except rle.RleError as e:
            raise DatasetError(f"{rel}: {RLE_KEY} of {label!r}: {e}") from None
    return np.ascontiguousarray(canvas)
