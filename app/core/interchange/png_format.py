"""PNG label masks + classes.json + manifest.json.

    OUT/classes.json           [{"value": 1, "name": "crack", "color": "#e6194b"}, ...]
    OUT/masks/<name>.png       uint8 label mask: 0 background, else the class value
    OUT/images/<name>.<ext>    only with copy_images
    OUT/manifest.json          {"format": "defect-studio-png-masks", "version": 1,
                                "images": [{"image": ..., "sha256": ..., "width", "height",
                                            "mask": "masks/<name>.png" | null,
                                            "good", "split", "status", "source_class"}]}

``image`` is relative to OUT when the image lies inside it, else absolute (paths.py has the
rules an import applies). ``mask`` null means the image was never labeled; a good part with
an empty mask has an all-zero PNG. The manifest is written last: without it, the folder is not
an export.
"""

from __future__ import annotations

from pathlib import Path

from app.core.imageio import ImageReadError, load_mask_png, save_mask_png

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

MANIFEST = "manifest.json"
FORMAT_TAG = "defect-studio-png-masks"
VERSION = 1


class PngWriter:
    def __init__(self, out_dir: Path, classes: list[ClassSpec], copy_images: bool = False):
        self.out = out_dir
        self.classes = classes
        self.copy = copy_images
        self.entries: list[dict] = []

    def add(self, item: ExportItem) -> None:
        image = place_image(item, self.out, f"images/{item.name}", self.copy)
        mask_ref = None
        if item.mask is not None:
            mask_ref = f"masks/{item.name}.png"
            path = self.out / mask_ref
            path.parent.mkdir(parents=True, exist_ok=True)
            save_mask_png(path, item.mask)
        self.entries.append({"image": image_ref(image, self.out), "sha256": item.sha256,
                             "width": item.width, "height": item.height, "mask": mask_ref,
                             **item.meta.to_json()})

    def finish(self) -> list[Path]:
        write_json(self.out / CLASSES_FILE, classes_to_json(self.classes))
        write_json(self.out / MANIFEST, {"format": FORMAT_TAG, "version": VERSION,
                                         "classes": CLASSES_FILE, "images": self.entries})
        return [self.out / CLASSES_FILE, self.out / MANIFEST]


def read_dataset(path: Path) -> Dataset:
    """Reads OUT (or OUT/manifest.json); every path is checked, no mask is decoded yet."""
    path = Path(path)
    manifest = path if path.is_file() else path / MANIFEST
    if not manifest.is_file():
        raise DatasetError(f"no {MANIFEST} in {path}: not a PNG-mask export")
    root = manifest.parent.resolve()
    doc = read_json(manifest, MANIFEST)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_TAG:
        raise DatasetError(f"{MANIFEST} is not a Defect Studio PNG-mask manifest")
    if not isinstance(doc.get("version"), int) or doc["version"] > VERSION:
        raise DatasetError(f"{MANIFEST} has version {doc.get('version')!r}; this Defect "
                           f"Studio reads up to {VERSION}")
    classes_path = resolve_ref(doc.get("classes", CLASSES_FILE), root, what=f"{MANIFEST} classes")
    classes = classes_from_json(read_json(classes_path, CLASSES_FILE), CLASSES_FILE)
    entries = doc.get("images")
    if not isinstance(entries, list):
        raise DatasetError(f"{MANIFEST} has no 'images' list")
    return Dataset(root, classes, [_item(e, i, root) for i, e in enumerate(entries)])


def _item(e, i: int, root: Path) -> DatasetItem:
    where = f"{MANIFEST}, images[{i}]"
    if not isinstance(e, dict):
        raise DatasetError(f"{where}: not an object")
    image = resolve_ref(e.get("image"), root, what=f"{where} image", absolute_ok=True)
    mask = None
    if e.get("mask") is not None:
        mask = resolve_ref(e["mask"], root, what=f"{where} mask")
    size = None
    if e.get("width") is not None or e.get("height") is not None:
        w, h = e.get("width"), e.get("height")
        if not (isinstance(w, int) and isinstance(h, int)) or isinstance(w, bool):
            raise DatasetError(f"{where}: 'width' and 'height' must be integers")
        size = (h, w)
    sha = e.get("sha256")
    if sha is not None and not isinstance(sha, str):
        raise DatasetError(f"{where}: 'sha256' must be text")
    return DatasetItem(image, where, _loader(mask, where), size, sha,
                       ImageMeta.from_json(e, where))


def _loader(mask: Path | None, where: str):
    def load(size: tuple[int, int]):
        if mask is None:
            return None
        try:
            m = load_mask_png(mask)
        except ImageReadError as err:
            raise DatasetError(f"{where}: {err}") from None
        if m.shape != tuple(size):
            raise DatasetError(f"{where}: mask {mask.name} is {m.shape[1]} x {m.shape[0]} but "
                               f"the image is {size[1]} x {size[0]}")
        return m
    return load
