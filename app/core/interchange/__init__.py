"""Datasets in and out of a project: PNG label masks, COCO JSON, labelme JSON.

Pure numpy/OpenCV/json, no store: a writer takes ``ExportItem``s, a reader gives a ``Dataset``
whose masks decode on demand. app.jobs.interchange runs them against a project. Each format's
module doc describes its layout; paths.py the rules every import applies to paths.

    fmt = get_format("coco")
    writer = fmt.writer(out_dir, classes, copy_images=False); writer.add(item); writer.finish()
    dataset = fmt.read(path)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import coco_format, labelme_format, png_format
from .model import (
    ClassSpec,
    Dataset,
    DatasetError,
    DatasetItem,
    DatasetWriter,
    ExportItem,
    ImageMeta,
)
from .paths import export_names


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    writer: Callable[[Path, list[ClassSpec], bool], DatasetWriter]
    read: Callable[[Path], Dataset]
    reserved: tuple[str, ...] = ()  # image names the format's own files use


FORMATS = {f.name: f for f in (
    Format("png", "PNG label masks + classes.json + manifest.json",
           png_format.PngWriter, png_format.read_dataset),
    Format("coco", "COCO instance segmentation JSON (RLE)",
           coco_format.CocoWriter, coco_format.read_dataset),
    Format("labelme", "labelme JSON, one file per image (polygons)",
           labelme_format.LabelmeWriter, labelme_format.read_dataset, reserved=("classes",)),
)}


def get_format(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise DatasetError(f"unknown format {name!r}; choose one of "
                           f"{', '.join(FORMATS)}") from None


__all__ = ["FORMATS", "ClassSpec", "Dataset", "DatasetError", "DatasetItem", "ExportItem",
           "Format", "ImageMeta", "export_names", "get_format"]
