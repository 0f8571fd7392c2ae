"""What every format reads and writes: defect classes, images with their masks, refusals.

Masks inside a dataset carry the dataset's own class values (``ClassSpec.value``); the import job
maps them to the project's classes by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np


class DatasetError(ValueError):
    """A dataset cannot be read or written as asked; the message says why in plain words."""


@dataclass(frozen=True)
class ClassSpec:
    value: int  # the pixel value in this dataset's masks, 1..255
    name: str
    color: str | None = None

    def to_json(self) -> dict:
        return {"value": self.value, "name": self.name, "color": self.color}


@dataclass(frozen=True)
class ImageMeta:
    """Project facts about an image that no format has a field for; each format stores them."""

    good: bool = False
    split: str | None = None
    status: str | None = None
    source_class: str | None = None

    def to_json(self) -> dict:
        return {"good": self.good, "split": self.split, "status": self.status,
                "source_class": self.source_class}

    @classmethod
    def from_json(cls, doc, where: str) -> ImageMeta:
        if doc is None:
            return cls()
        if not isinstance(doc, dict):
            raise DatasetError(f"{where}: image facts must be an object")
        good = doc.get("good", False)
        if not isinstance(good, bool):
            raise DatasetError(f"{where}: 'good' must be true or false")
        fields = {k: doc.get(k) for k in ("split", "status", "source_class")}
        for k, v in fields.items():
            if v is not None and not isinstance(v, str):
                raise DatasetError(f"{where}: {k!r} must be text or null")
        return cls(good, **fields)


@dataclass(frozen=True)
class ExportItem:
    """One project image handed to a writer."""

    image: Path  # absolute
    name: str  # unique, safe relative stem (paths.export_names), e.g. "MT_Crack/Imgs/x"
    sha256: str
    width: int
    height: int
    mask: np.ndarray | None  # None: never labeled
    meta: ImageMeta = ImageMeta()


MaskLoader = Callable[[tuple[int, int]], "np.ndarray | None"]


@dataclass(frozen=True)
class DatasetItem:
    """One image a reader found. ``mask((H, W))`` decodes its mask on demand (None: unlabeled)
    and raises DatasetError when it cannot."""

    image: Path  # absolute; already checked to stay inside the dataset folder when relative
    where: str  # where it is described, for messages: "manifest.json, images[3]"
    mask: MaskLoader
    size: tuple[int, int] | None = None  # (H, W) as the dataset states it, if it does
    sha256: str | None = None  # the image's hash as the dataset states it, if it does
    meta: ImageMeta = ImageMeta()


@dataclass
class Dataset:
    root: Path
    classes: list[ClassSpec]
    items: list[DatasetItem]
    warnings: list[str] = field(default_factory=list)


class DatasetWriter(Protocol):
    def add(self, item: ExportItem) -> None: ...

    def finish(self) -> list[Path]:
        """Writes the index files last (an interrupted export has none); returns them."""
        ...


def check_classes(classes: list[ClassSpec], where: str) -> None:
    """Values 1..255 and names unique and non-empty, or DatasetError."""
    values, names = set(), set()
    for c in classes:
        if not isinstance(c.value, int) or not 1 <= c.value <= 255:
            raise DatasetError(f"{where}: class value {c.value!r} is not an integer 1..255")
        if not c.name.strip():
            raise DatasetError(f"{where}: class {c.value} has no name")
        if c.value in values or c.name in names:
            raise DatasetError(f"{where}: class {c.name!r} (value {c.value}) is listed twice")
        values.add(c.value)
        names.add(c.name)
