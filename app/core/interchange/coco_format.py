"""COCO instance segmentation JSON: ``OUT/annotations.json`` (+ ``OUT/images/`` when copied).

- categories: ``id`` = class value, ``name``, ``supercategory`` "defect", ``color``.
- images: ``id``, ``file_name`` (relative to OUT when the image is inside it, else absolute),
  ``width``, ``height`` and ``"defect_studio"``: the image's facts (good part, split, status,
  source class, sha256, ``labeled``). A good part is an image with no annotations and
  ``good: true``; ``labeled: false`` marks an image never labeled (no mask at all).
- annotations: one per 8-connected component per class, ``segmentation`` a compressed RLE
  (``{"size": [h, w], "counts": "<string>"}``, exact, holes included), ``area`` in pixels,
  ``bbox`` ``[x, y, w, h]``, and ``iscrowd: 0``.

Why ``iscrowd: 0`` with RLE: COCO writes RLE for its crowd regions, but ``iscrowd: 1`` tells
COCO evaluation to ignore a region, and each of these is one real defect. pycocotools and
detectron2 decode RLE whatever ``iscrowd`` says.

Reading accepts any COCO instance file: RLE counts compressed or as a list, polygons
(``[[x0, y0, x1, y1, ...], ...]``, rasterized like labelme polygons), ``iscrowd`` 0 or 1.
Annotations are painted in file order (a later one wins where two overlap). An image with no
annotations and no ``defect_studio`` record is labeled empty (COCO lists negatives that way).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from app.core.labelme import LabelmeFile, Shape, rasterize

from . import rle
from .files import place_image, read_json, write_json
from .model import (
    ClassSpec,
    Dataset,
    DatasetError,
    DatasetItem,
    ExportItem,
    ImageMeta,
    check_classes,
)
from .paths import image_ref, resolve_ref

ANNOTATIONS = "annotations.json"
FACTS_KEY = "defect_studio"


class CocoWriter:
    def __init__(self, out_dir: Path, classes: list[ClassSpec], copy_images: bool = False):
        self.out = out_dir
        self.copy = copy_images
        self.categories = [{"id": c.value, "name": c.name, "supercategory": "defect",
                            "color": c.color} for c in sorted(classes, key=lambda c: c.value)]
        self.images: list[dict] = []
        self.annotations: list[dict] = []

    def add(self, item: ExportItem) -> None:
        image_id = len(self.images) + 1
        image = place_image(item, self.out, f"images/{item.name}", self.copy)
        self.images.append({
            "id": image_id, "file_name": image_ref(image, self.out), "width": item.width,
            "height": item.height,
            FACTS_KEY: {"sha256": item.sha256, "labeled": item.mask is not None,
                        **item.meta.to_json()}})
        if item.mask is not None:
            for ann in mask_annotations(item.mask):
                ann.update(id=len(self.annotations) + 1, image_id=image_id)
                self.annotations.append(ann)

    def finish(self) -> list[Path]:
        doc = {"info": {"description": "Defect Studio export", "version": "1"},
               "licenses": [], "categories": self.categories, "images": self.images,
               "annotations": self.annotations}
        write_json(self.out / ANNOTATIONS, doc, indent=None)  # can be large: compact
        return [self.out / ANNOTATIONS]


def mask_annotations(mask: np.ndarray) -> list[dict]:
    """One annotation (no ids) per 8-connected component per class value of a label mask,
    ordered by class value, then top to bottom, left to right."""
    h, w = mask.shape
    out = []
    # Label the defect clusters once, then each class only inside its cluster's box: on large
    # images a full-image pass per class costs far more than the defects themselves.
    n, clusters, boxes, _ = cv2.connectedComponentsWithStats(
        (mask > 0).view(np.uint8), connectivity=8)
    for k in range(1, n):
        x0, y0, cw, ch = boxes[k, :4].tolist()
        crop = np.where(clusters[y0:y0 + ch, x0:x0 + cw] == k, mask[y0:y0 + ch, x0:x0 + cw], 0)
        for value in np.flatnonzero(np.bincount(crop.ravel(), minlength=256)[1:]) + 1:
            m, labels, stats, _ = cv2.connectedComponentsWithStats(
                (crop == value).view(np.uint8), connectivity=8)
            for i in range(1, m):
                x, y, bw, bh, area = stats[i].tolist()
                own = labels[y:y + bh, x:x + bw] == i
                counts = _component_counts(own, x0 + x, y0 + y, h, w)
                out.append({"category_id": int(value),
                            "segmentation": {"size": [h, w], "counts": rle.to_string(counts)},
                            "area": area, "bbox": [x0 + x, y0 + y, bw, bh], "iscrowd": 0})
    out.sort(key=lambda a: (a["category_id"], a["bbox"][1], a["bbox"][0]))
    return out


def _component_counts(own: np.ndarray, x: int, y: int, h: int, w: int) -> list[int]:
    """RLE counts of a component from its bounding-box crop: only the crop is scanned."""
    cols = np.pad(own.T, ((0, 0), (1, 1))).view(np.int8)  # one row per image column
    step = np.diff(cols, axis=1)
    c0, r0 = np.nonzero(step == 1)  # both come out ordered column by column, then by row
    c1, r1 = np.nonzero(step == -1)
    return rle.encode_runs((c0 + x) * h + r0 + y, (c1 + x) * h + r1 + y, h * w)


def read_dataset(path: Path) -> Dataset:
    """Reads a COCO file (or a folder holding annotations.json); paths are checked now,
    masks decoded on demand."""
    path = Path(path)
    file = path if path.is_file() else path / ANNOTATIONS
    if not file.is_file():
        raise DatasetError(f"no {ANNOTATIONS} in {path}: not a COCO export")
    root = file.parent.resolve()
    name = file.name
    doc = read_json(file, name)
    if not isinstance(doc, dict):
        raise DatasetError(f"{name} is not a COCO file (not a JSON object)")
    images, anns, cats = (_list(doc, k, name) for k in ("images", "annotations", "categories"))
    classes, value_of = _classes(cats, name)
    by_image: dict[int, list[dict]] = defaultdict(list)
    for i, a in enumerate(anns):
        if not isinstance(a, dict) or a.get("category_id") not in value_of:
            raise DatasetError(f"{name}, annotations[{i}]: unknown or missing category_id")
        by_image[a.get("image_id")].append(a)  # type: ignore[index]  # the JSON value as read; ids no image lists are refused below
    items, ids = [], set()
    for i, im in enumerate(images):
        where = f"{name}, images[{i}]"
        if not isinstance(im, dict) or isinstance(im.get("id"), bool) or im.get("id") in ids:
            raise DatasetError(f"{where}: missing or repeated 'id'")
        ids.add(im["id"])
        items.append(_item(im, by_image.get(im["id"], []), value_of, root, where))
    orphans = set(by_image) - ids
    if orphans:
        raise DatasetError(f"{name}: annotations refer to image id(s) not listed: "
                           f"{sorted(map(str, orphans))[:5]}")
    return Dataset(root, classes, items)


def _list(doc: dict, key: str, name: str) -> list:
    value = doc.get(key, [] if key == "annotations" else None)
    if not isinstance(value, list):
        raise DatasetError(f"{name} has no '{key}' list")
    return value


def _classes(cats: list, name: str) -> tuple[list[ClassSpec], dict[int, int]]:
    """ClassSpecs and category id -> mask value (the id itself when 1..255, else 1, 2...)."""
    for c in cats:
        if not (isinstance(c, dict) and isinstance(c.get("id"), int)
                and isinstance(c.get("name"), str)):
            raise DatasetError(f"{name}: every category needs an integer 'id' and a 'name'")
    ids = [c["id"] for c in cats]
    keep = all(1 <= i <= 255 for i in ids)
    value_of = {c["id"]: c["id"] if keep else n for n, c in enumerate(cats, start=1)}
    color = [c.get("color") if isinstance(c.get("color"), str) else None for c in cats]
    classes = [ClassSpec(value_of[c["id"]], c["name"].strip(), col)
               for c, col in zip(cats, color, strict=True)]
    check_classes(classes, f"{name} categories")
    return classes, value_of


def _item(im: dict, anns: list[dict], value_of: dict[int, int], root: Path,
          where: str) -> DatasetItem:
    image = resolve_ref(im.get("file_name"), root, what=f"{where} file_name", absolute_ok=True)
    w, h = im.get("width"), im.get("height")
    if not (isinstance(w, int) and isinstance(h, int)) or isinstance(w, bool):
        raise DatasetError(f"{where}: 'width' and 'height' must be integers")
    facts = im.get(FACTS_KEY) or {}
    meta = ImageMeta.from_json(facts, where)
    labeled = bool(anns) or facts.get("labeled", True) is not False
    sha = facts.get("sha256") if isinstance(facts.get("sha256"), str) else None

    def load(shape: tuple[int, int]):
        if not labeled:
            return None
        if (h, w) != tuple(shape):
            raise DatasetError(f"{where}: listed as {w} x {h} but the image is "
                               f"{shape[1]} x {shape[0]}")
        canvas = np.zeros(shape, np.uint8, order="F")
        for a in anns:
            _paint(canvas, a, value_of[a["category_id"]], where)
        return np.ascontiguousarray(canvas)
    return DatasetItem(image, where, load, (h, w), sha, meta)


def _paint(canvas: np.ndarray, ann: dict, value: int, where: str) -> None:
    seg = ann.get("segmentation")
    what = f"{where}, annotation {ann.get('id')!r}"
    if isinstance(seg, dict):
        counts = seg.get("counts")
        if seg.get("size") != list(canvas.shape):
            raise DatasetError(f"{what}: RLE size {seg.get('size')} is not the image's "
                               f"{list(canvas.shape)}")
        try:
            if isinstance(counts, str):
                counts = rle.from_string(counts)
            elif not (isinstance(counts, list) and all(type(c) is int for c in counts)):
                raise DatasetError(f"{what}: RLE counts must be a string or a list of integers")
            rle.paint(canvas, counts, value)
        except rle.RleError as e:
            raise DatasetError(f"{what}: {e}") from None
    elif isinstance(seg, list):
        try:
            shapes = tuple(Shape("x", "polygon", tuple(zip(p[0::2], p[1::2], strict=True)))
                           for p in seg)
            points = [np.asarray(s.points, np.float64) for s in shapes]
        except (TypeError, ValueError) as e:
            raise DatasetError(f"{what}: a polygon is not a flat list of x, y numbers") from e
        _check_coordinates(points, canvas.shape, what)
        try:
            drawn = rasterize(LabelmeFile(None, None, shapes), canvas.shape, {"x": value})
        except (TypeError, ValueError) as e:
            raise DatasetError(f"{what}: a polygon is not a flat list of x, y numbers") from e
        np.copyto(canvas, drawn, where=drawn > 0)
    else:
        raise DatasetError(f"{what}: 'segmentation' is neither RLE nor polygons")


# A polygon point further out than this many image sizes is a broken file, not a shape: 1e308
# would otherwise clip to the border and mark the whole part as defect.
FAR = 4


def _check_coordinates(points: list[np.ndarray], shape: tuple[int, int], what: str) -> None:
    h, w = shape
    limit = FAR * max(h, w)
    for p in points:
        if p.size and not np.isfinite(p).all():
            raise DatasetError(f"{what}: a polygon has a coordinate that is not a number")
        if p.size and np.abs(p).max() > limit:
            raise DatasetError(f"{what}: a polygon coordinate ({np.abs(p).max():g}) lies far "
                               f"outside the {w} x {h} image")
