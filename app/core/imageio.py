"""Image files in and masks out: header checks before decoding, RGB/gray arrays, mask PNGs.

Images come back as uint8/uint16 arrays, (H, W) gray or (H, W, 3) RGB. Every reading
failure is an ``ImageReadError`` with a reason a person can read.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np

from .hashing import sha256_file  # noqa: F401 - the project's file hash, named here too

DEFAULT_MAX_PIXELS = 60_000_000

# Masks are label maps: PNG row filters only cost time on them (5x slower for the same size),
# and zlib level 1 keeps a 20 MP mask at about 25 ms to encode.
_MASK_PNG_PARAMS = [
    cv2.IMWRITE_PNG_COMPRESSION, 1,
    cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE,
]
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class ImageReadError(Exception):
    """An image or mask file cannot be read; ``reason`` says why in plain words."""

    def __init__(self, reason: str, path: str | os.PathLike | None = None):
        self.reason = reason
        self.path = None if path is None else Path(path)
        super().__init__(f"{self.path.name}: {reason}" if self.path else reason)


@dataclass(frozen=True)
class ImageHeader:
    """What a file header says. ``bit_depth`` is bits per sample as stored (palette images: 8)."""

    width: int
    height: int
    channels: int
    bit_depth: int
    format: str  # "png", "jpeg", "bmp" or "tiff"

    @property
    def pixels(self) -> int:
        return self.width * self.height


def read_header(path: str | os.PathLike) -> ImageHeader:
    """Parse the header of a PNG, JPEG, BMP or TIFF file without decoding any pixels."""
    try:
        f = open(path, "rb")
    except OSError as e:
        raise ImageReadError(f"cannot open the file ({e.strerror})", path) from e
    with f:
        try:
            return _parse_header(f)
        except ImageReadError as e:
            raise ImageReadError(e.reason, path) from None


def load_image(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode an image as uint8/uint16, gray (H, W) or RGB (H, W, 3).

    The size is checked from the header before anything is decoded. Alpha is dropped;
    float and signed images are refused (no scaling is guessed). EXIF orientation is
    ignored on purpose: masks must line up with the stored pixels.
    """
    header = read_header(path)
    if header.pixels > max_pixels:
        raise ImageReadError(
            f"image is {header.width} x {header.height} ({header.pixels / 1e6:.1f} MP), "
            f"over the limit of {max_pixels / 1e6:.1f} MP", path)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ImageReadError(f"cannot read the file ({e.strerror})", path) from e
    # OpenCV 4.x decodes a JPEG without its end marker, grey-filling the missing part.
    if header.format == "jpeg" and data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda"):
        raise ImageReadError("cannot decode the image: the file is truncated", path)
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ImageReadError("cannot decode the image: the file is truncated or corrupt", path)
    if img.shape[:2] != (header.height, header.width):
        raise ImageReadError(
            f"decoded size {img.shape[1]} x {img.shape[0]} differs from the header", path)
    return _to_app_layout(img, path)


def _to_app_layout(img: np.ndarray, path) -> np.ndarray:
    if img.dtype not in (np.uint8, np.uint16):
        raise ImageReadError(f"{img.dtype} pixels are not supported (8- or 16-bit only)", path)
    if img.ndim == 2:
        return img
    channels = img.shape[2]
    if channels in (1, 2):  # gray, gray + alpha
        return np.ascontiguousarray(img[:, :, 0])
    if channels == 3:
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if channels == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2RGB)
    raise ImageReadError(f"{channels}-channel images are not supported", path)


# --- masks -------------------------------------------------------------------------------

def encode_mask_png(mask: np.ndarray) -> bytes:
    """Encode a label mask (uint8, (H, W)) as a lossless PNG, tuned for speed."""
    _check_mask(mask)
    ok, buf = cv2.imencode(".png", mask, _MASK_PNG_PARAMS)
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


def decode_mask_png(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode a mask PNG into uint8 (H, W); refuses anything but 8-bit single-channel PNG."""
    if not data:
        raise ImageReadError("empty mask data (0 bytes)")
    if not data.startswith(_PNG_MAGIC):
        raise ImageReadError("mask is not a PNG file")
    header = _parse_png(_BytesReader(data))  # type: ignore[arg-type]  # a bytes reader with the read() that _parse_png uses
    if header.channels != 1 or header.bit_depth != 8:
        raise ImageReadError(
            f"mask PNG must be 8-bit single-channel, got {header.channels} channel(s) "
            f"of {header.bit_depth} bits")
    if header.pixels > max_pixels:
        raise ImageReadError(f"mask is {header.width} x {header.height}, over the limit")
    mask = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if mask is None:
        raise ImageReadError("cannot decode the mask: the data is truncated or corrupt")
    return mask


def load_mask_png(path: str | os.PathLike) -> np.ndarray:
    """Read a mask PNG file into uint8 (H, W)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ImageReadError(f"cannot read the file ({e.strerror})", path) from e
    try:
        return decode_mask_png(data)
    except ImageReadError as e:
        raise ImageReadError(e.reason, path) from None


def save_mask_png(path: str | os.PathLike, mask: np.ndarray) -> None:
    """Write a mask PNG atomically (a crash never leaves half a mask behind)."""
    data = encode_mask_png(mask)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _check_mask(mask: np.ndarray) -> None:
    if mask.dtype != np.uint8 or mask.ndim != 2:
        raise ValueError(f"a mask must be uint8 (H, W), got {mask.dtype} {mask.shape}")


# --- header parsers ----------------------------------------------------------------------

class _BytesReader:
    """The three file methods the parsers use, over bytes already in memory."""

    def __init__(self, data: bytes):
        self._data, self._pos = data, 0

    def read(self, n: int) -> bytes:
        out = self._data[self._pos:self._pos + n]
        self._pos += len(out)
        return out

    def seek(self, pos: int) -> None:
        self._pos = pos

    def tell(self) -> int:
        return self._pos


def _read(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) < n:
        raise ImageReadError("the file is truncated (incomplete header)")
    return data


def _parse_header(f: BinaryIO) -> ImageHeader:
    magic = f.read(8)
    if not magic:
        raise ImageReadError("the file is empty (0 bytes)")
    for prefixes, parser in _PARSERS:
        if magic.startswith(prefixes):
            f.seek(0)
            return parser(f)
    raise ImageReadError(
        f"unsupported format (starts with {magic[:4].hex(' ')}); "
        "expected PNG, JPEG, BMP or TIFF")


def _checked(width: int, height: int, channels: int, depth: int, fmt: str) -> ImageHeader:
    if width <= 0 or height <= 0:
        raise ImageReadError(f"invalid {fmt.upper()} header: size {width} x {height}")
    return ImageHeader(width, height, channels, depth, fmt)


def _parse_png(f: BinaryIO) -> ImageHeader:
    _read(f, 8)
    length, kind = struct.unpack(">I4s", _read(f, 8))
    if kind != b"IHDR" or length != 13:
        raise ImageReadError("corrupt PNG: the IHDR chunk is missing")
    width, height, depth, color_type = struct.unpack(">IIBB", _read(f, 10))
    channels = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}.get(color_type)
    if channels is None:
        raise ImageReadError(f"corrupt PNG: colour type {color_type}")
    return _checked(width, height, channels, 8 if color_type == 3 else depth, "png")


# SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_NO_LENGTH = frozenset([0x01, *range(0xD0, 0xD8)])


def _parse_jpeg(f: BinaryIO) -> ImageHeader:
    _read(f, 2)  # SOI
    while True:
        if _read(f, 1) != b"\xff":
            raise ImageReadError("corrupt JPEG: a marker was expected")
        marker = _read(f, 1)[0]
        while marker == 0xFF:  # fill bytes
            marker = _read(f, 1)[0]
        if marker in _JPEG_NO_LENGTH:
            continue
        (length,) = struct.unpack(">H", _read(f, 2))
        if marker in _JPEG_SOF:
            depth, height, width, channels = struct.unpack(">BHHB", _read(f, 6))
            return _checked(width, height, channels, depth, "jpeg")
        if marker in (0xDA, 0xD9):
            raise ImageReadError("corrupt JPEG: no frame header before the image data")
        f.seek(f.tell() + length - 2)


_BMP_INFO_SIZES = (40, 52, 56, 64, 108, 124)


def _parse_bmp(f: BinaryIO) -> ImageHeader:
    _read(f, 14)
    (info_size,) = struct.unpack("<I", _read(f, 4))
    if info_size == 12:  # OS/2 BITMAPCOREHEADER, 3-byte palette entries
        width, height, _, bpp = struct.unpack("<HHHH", _read(f, 8))
        n_colors, entry = 0, 3
    elif info_size in _BMP_INFO_SIZES:
        width, height, _, bpp, _, _, _, _, n_colors = struct.unpack("<iiHHIIiiI", _read(f, 32))
        height, entry = abs(height), 4  # negative height = rows stored top-down
    else:
        raise ImageReadError(f"unsupported BMP header (size {info_size})")
    if bpp not in (1, 4, 8, 16, 24, 32):
        raise ImageReadError(f"unsupported BMP bit count {bpp}")
    if bpp > 8:
        return _checked(width, height, 4 if bpp == 32 else 3, 5 if bpp == 16 else 8, "bmp")
    # Palette images decode to gray when every palette entry is gray, as OpenCV does.
    f.seek(14 + info_size)
    n_colors = min(n_colors or 1 << bpp, 1 << bpp)
    palette = np.frombuffer(_read(f, n_colors * entry), np.uint8)
    palette = palette.reshape(-1, entry)[:, :3]
    gray = bool((palette == palette[:, :1]).all())
    return _checked(width, height, 1 if gray else 3, 8, "bmp")


_TIFF_TYPE_SIZES = {1: 1, 3: 2, 4: 4, 16: 8}  # BYTE, SHORT, LONG, LONG8
_TIFF_TYPE_CODES = {1: "B", 3: "H", 4: "I", 16: "Q"}


def _parse_tiff(f: BinaryIO) -> ImageHeader:
    head = _read(f, 4)
    e = "<" if head[:2] == b"II" else ">"
    if struct.unpack(e + "H", head[2:])[0] == 42:
        (ifd,) = struct.unpack(e + "I", _read(f, 4))
        # entry count, then entries: tag, type, value count, value slot
        n_code, c_code, slot = "H", "I", 4
    else:  # BigTIFF (43): 64-bit counts and offsets
        _read(f, 4)
        (ifd,) = struct.unpack(e + "Q", _read(f, 8))
        n_code, c_code, slot = "Q", "Q", 8
    f.seek(ifd)
    (n,) = struct.unpack(e + n_code, _read(f, struct.calcsize(n_code)))
    entry_size = 4 + struct.calcsize(c_code) + slot
    entries = _read(f, n * entry_size)
    tags: dict[int, int] = {}
    for i in range(0, n * entry_size, entry_size):
        tag, kind, count = struct.unpack_from(e + "HH" + c_code, entries, i)
        if tag in (256, 257, 258, 262, 277) and kind in _TIFF_TYPE_SIZES:
            value_slot = entries[i + entry_size - slot:i + entry_size]
            tags[tag] = _tiff_first_value(f, e, kind, count, value_slot)
    if 256 not in tags or 257 not in tags:
        raise ImageReadError("corrupt TIFF: the image size is missing")
    channels, depth = tags.get(277, 1), tags.get(258, 1)
    if tags.get(262) == 3:  # palette: decoded as 8-bit colour
        channels, depth = 3, 8
    return _checked(tags[256], tags[257], channels, depth, "tiff")


def _tiff_first_value(f: BinaryIO, e: str, kind: int, count: int, slot: bytes) -> int:
    size, code = _TIFF_TYPE_SIZES[kind], _TIFF_TYPE_CODES[kind]
    if size * count <= len(slot):  # the value sits in the entry itself
        return struct.unpack(e + code, slot[:size])[0]
    (offset,) = struct.unpack(e + ("I" if len(slot) == 4 else "Q"), slot)
    f.seek(offset)
    return struct.unpack(e + code, _read(f, size))[0]


_PARSERS = (
    (_PNG_MAGIC, _parse_png),
    (b"\xff\xd8\xff", _parse_jpeg),
    (b"BM", _parse_bmp),
    ((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"), _parse_tiff),
)
