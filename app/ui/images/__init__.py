"""The image list panel that workspaces embed (thumbnails, filters, next/prev, relink)."""

from .model import ImageEntry, ImageFilter
from .panel import ImageListPanel

__all__ = ["ImageEntry", "ImageFilter", "ImageListPanel"]
