"""Masks made by other tools, read into a small label map plus the class name of each label.

Raster masks (PNG, BMP, TIFF; gray, or colour with equal channels) are read one of two ways:

- **binary**: any value >= 128 (>= 32768 when 16-bit). Anti-aliased masks are the usual case:
  a pixel is defect where its value is >= half scale, every other pixel is background.
- **label**: every value < 128. Each value v is a class index. With a folder class, every
  nonzero pixel is that class (one defect type per folder); without one, value v names the
  class ``class_<v>``.
A binary mask's defect pixels, and unnamed labelme shapes, belong to the folder class when
there is one, else to ``default_class``. labelme files are read by app.core.labelme.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .imageio import ImageReadError, load_image, read_header
from .labelme import LabelmeError, rasterize, read_labelme

LABEL_CLASS_NAME = "class_{}"


class MaskFileError(ValueError):
    """A mask file cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class LocalMask:
    """labels: uint8 (H, W), 0 background, 1..n local labels; names: local label -> class."""

    labels: np.ndarray
    names: dict[int, str]
    ignored_shapes: int = 0  # labelme shapes without an area (lines, points)


def read_mask(path: str | Path, size: tuple[int, int], *, folder_class: str | None = None,
              default_class: str = "defect", max_pixels: int) -> LocalMask:
    """Reads the mask of an image of ``size`` (H, W). Raises MaskFileError."""
    path = Path(path)
    fallback = folder_class or default_class
    if path.suffix.lower() == ".json":
        return _read_labelme(path, size, fallback)
    try:
        header = read_header(path)
        if (header.height, header.width) != tuple(size):
            raise MaskFileError(f"mask {path.name} is {header.width} x {header.height} but "
                                f"the image is {size[1]} x {size[0]}")
        raw = load_image(path, max_pixels)
    except ImageReadError as e:
        raise MaskFileError(f"mask {path.name}: {e.reason}") from None
    return interpret(_gray(raw, path), folder_class, fallback)


def interpret(raw: np.ndarray, folder_class: str | None, fallback: str) -> LocalMask:
    """Binary or label reading of a gray uint8/uint16 mask (see the module doc)."""
    half = 128 if raw.dtype == np.uint8 else 32768
    top = int(raw.max()) if raw.size else 0
    if top >= half:
        return LocalMask((raw >= half).view(np.uint8), {1: fallback})
    if top > 255:
        raise MaskFileError(f"16-bit mask with values up to {top}: neither class indices "
                            "(below 128) nor a binary mask (values from 32768)")
    if folder_class:
        return LocalMask((raw > 0).view(np.uint8), {1: folder_class})
    labels = raw.astype(np.uint8, copy=False)
    present = np.flatnonzero(np.bincount(labels.ravel(), minlength=256)[1:]) + 1
    return LocalMask(labels, {int(v): LABEL_CLASS_NAME.format(int(v)) for v in present})


def _gray(raw: np.ndarray, path: Path) -> np.ndarray:
    if raw.ndim == 2:
        return raw
    if (raw[..., 0] == raw[..., 1]).all() and (raw[..., 0] == raw[..., 2]).all():
        return raw[..., 0]
    raise MaskFileError(f"mask {path.name} is a colour image; masks must be gray "
                        "(class indices, or binary with defect >= 128)")


def _read_labelme(path: Path, size: tuple[int, int], fallback: str) -> LocalMask:
    try:
        doc = read_labelme(path)
    except LabelmeError as e:
        raise MaskFileError(f"labelme file {path.name}: {e}") from None
    if doc.width is not None and doc.height is not None and (doc.height, doc.width) != size:
        raise MaskFileError(f"labelme file {path.name} is for a {doc.width} x {doc.height} "
                            f"image but the image is {size[1]} x {size[0]}")
    labels = doc.labels()
    if len(labels) > 255:
        raise MaskFileError(f"labelme file {path.name} has more than 255 labels")
    local = {name: i for i, name in enumerate(labels, start=1)}
    mask = rasterize(doc, size, local)
    # Unnamed shapes (empty label) take the folder class, like a binary mask's pixels.
    return LocalMask(mask, {i: name or fallback for name, i in local.items()}, doc.ignored)
