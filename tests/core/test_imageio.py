"""Image headers, loading and mask PNGs (app.core.imageio)."""

from __future__ import annotations

import hashlib
import struct
import time
import tracemalloc
import zlib

import cv2
import numpy as np
import pytest

from app.core import imageio
from app.core.imageio import (
    ImageReadError,
    decode_mask_png,
    encode_mask_png,
    load_image,
    load_mask_png,
    read_header,
    save_mask_png,
    sha256_file,
)

RNG = np.random.default_rng(0)
GRAY8 = RNG.integers(0, 256, (37, 53), dtype=np.uint8)
RGB8 = RNG.integers(0, 256, (37, 53, 3), dtype=np.uint8)
GRAY16 = RNG.integers(0, 65536, (37, 53), dtype=np.uint16)
RGB16 = RNG.integers(0, 65536, (37, 53, 3), dtype=np.uint16)


def write(path, rgb_or_gray, params=()):
    """Write an app-layout image (RGB) with OpenCV (which wants BGR)."""
    img = rgb_or_gray
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR if img.shape[2] == 3 else cv2.COLOR_RGBA2BGRA)
    ok, buf = cv2.imencode(path.suffix, img, list(params))
    assert ok
    buf.tofile(path)
    return path


LOSSLESS = [
    ("png", GRAY8), ("png", RGB8), ("png", GRAY16), ("png", RGB16),
    ("tif", GRAY8), ("tif", RGB8), ("tif", GRAY16), ("tif", RGB16),
    ("bmp", GRAY8), ("bmp", RGB8),
]


@pytest.mark.parametrize("ext, img", LOSSLESS,
                         ids=[f"{e}-{i.dtype}-{i.ndim}d" for e, i in LOSSLESS])
def test_lossless_round_trip(tmp_path, ext, img):
    path = write(tmp_path / f"part.{ext}", img)
    header = read_header(path)
    channels = 1 if img.ndim == 2 else 3
    expected_format = {"png": "png", "tif": "tiff", "bmp": "bmp"}[ext]
    assert (header.width, header.height, header.channels) == (53, 37, channels)
    assert header.bit_depth == img.dtype.itemsize * 8
    assert header.format == expected_format
    loaded = load_image(path)
    assert loaded.dtype == img.dtype and loaded.shape == img.shape
    np.testing.assert_array_equal(loaded, img)


@pytest.mark.parametrize("img", [GRAY8, RGB8], ids=["gray", "rgb"])
@pytest.mark.parametrize("progressive", [0, 1])
def test_jpeg_round_trip(tmp_path, img, progressive):
    smooth = cv2.GaussianBlur(img, (0, 0), 3)
    path = write(tmp_path / "part.jpg", smooth,
                 [cv2.IMWRITE_JPEG_QUALITY, 98, cv2.IMWRITE_JPEG_PROGRESSIVE, progressive])
    header = read_header(path)
    assert (header.width, header.height, header.bit_depth, header.format) == (53, 37, 8, "jpeg")
    assert header.channels == (1 if img.ndim == 2 else 3)
    loaded = load_image(path)
    assert loaded.shape == img.shape and loaded.dtype == np.uint8
    assert np.abs(loaded.astype(int) - smooth).mean() < 3  # RGB order kept, lossy only


def test_jpeg_header_after_large_app_segments(tmp_path):
    data = bytearray((write(tmp_path / "a.jpg", RGB8)).read_bytes())
    junk = b"\xff\xe1" + struct.pack(">H", 60002) + b"Exif\x00\x00" + bytes(59994)
    path = tmp_path / "exif.jpg"
    path.write_bytes(bytes(data[:2]) + junk * 3 + bytes(data[2:]))
    assert (read_header(path).width, read_header(path).height) == (53, 37)
    assert load_image(path).shape == RGB8.shape


def test_alpha_is_dropped(tmp_path):
    rgba = RNG.integers(0, 256, (9, 11, 4), dtype=np.uint8)
    path = write(tmp_path / "a.png", rgba)
    assert read_header(path).channels == 4
    np.testing.assert_array_equal(load_image(path), rgba[:, :, :3])


def test_bmp_top_down_rows(tmp_path):
    data = bytearray(write(tmp_path / "a.bmp", RGB8).read_bytes())
    offset, width, height = struct.unpack_from("<I", data, 10)[0], 53, 37
    stride = (width * 3 + 3) // 4 * 4
    rows = [data[offset + i * stride:offset + (i + 1) * stride] for i in range(height)]
    struct.pack_into("<i", data, 22, -height)  # negative height: first row is the top one
    path = tmp_path / "top_down.bmp"
    path.write_bytes(bytes(data[:offset]) + b"".join(reversed(rows)))
    assert read_header(path).height == 37
    np.testing.assert_array_equal(load_image(path), RGB8)


def _tiff(endian: str, big: bool) -> bytes:
    """A TIFF header with one IFD: 70000 x 40 px, 3 x 16-bit samples (no pixel data)."""
    e = "<" if endian == "II" else ">"
    # classic: u16 entry count, entries (tag, type, u32 count, 4-byte slot), u32 next IFD
    # BigTIFF: u64 entry count, entries (tag, type, u64 count, 8-byte slot), u64 next IFD
    n_code, c_code, slot = ("Q", "Q", 8) if big else ("H", "I", 4)
    head = endian.encode() + (struct.pack(e + "HHHQ", 43, 8, 0, 16) if big
                              else struct.pack(e + "HI", 42, 8))
    n = 4
    entry_size = 4 + struct.calcsize(c_code) + slot
    after_ifd = len(head) + struct.calcsize(n_code) + n * entry_size + slot

    def entry(tag, kind, count, value: bytes):
        return struct.pack(e + "HH" + c_code, tag, kind, count) + value.ljust(slot, b"\0")

    bits = struct.pack(e + "HHH", 16, 16, 16)  # 6 bytes: inline in BigTIFF, else at an offset
    bits_slot = bits if big else struct.pack(e + "I", after_ifd)
    entries = [
        entry(256, 4, 1, struct.pack(e + "I", 70000)),
        entry(257, 3, 1, struct.pack(e + "H", 40)),
        entry(258, 3, 3, bits_slot),
        entry(277, 3, 1, struct.pack(e + "H", 3)),
    ]
    ifd = struct.pack(e + n_code, n) + b"".join(entries) + bytes(slot)
    return head + ifd + (b"" if big else bits)


@pytest.mark.parametrize("endian", ["II", "MM"])
@pytest.mark.parametrize("big", [False, True], ids=["tiff", "bigtiff"])
def test_tiff_header_both_byte_orders(tmp_path, endian, big):
    path = tmp_path / "h.tif"
    path.write_bytes(_tiff(endian, big))
    assert read_header(path) == imageio.ImageHeader(70000, 40, 3, 16, "tiff")


def test_unicode_path(tmp_path):
    path = write(tmp_path / "défaut_缺陷.png", RGB16)
    np.testing.assert_array_equal(load_image(path), RGB16)
    save_mask_png(tmp_path / "masque_掩码.png", GRAY8)
    np.testing.assert_array_equal(load_mask_png(tmp_path / "masque_掩码.png"), GRAY8)


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ImageReadError, match="empty"):
        load_image(path)


def test_missing_file(tmp_path):
    with pytest.raises(ImageReadError, match="cannot open"):
        read_header(tmp_path / "nope.png")


def test_unsupported_format_by_magic_not_extension(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is not an image\n")
    with pytest.raises(ImageReadError, match="unsupported format") as info:
        load_image(path)
    assert info.value.path == path and "notes.png" in str(info.value)


@pytest.mark.parametrize("ext, keep", [("png", 20), ("jpg", 10), ("bmp", 20), ("tif", 6)])
def test_truncated_header(tmp_path, ext, keep):
    data = write(tmp_path / f"a.{ext}", RGB8).read_bytes()
    path = tmp_path / f"cut.{ext}"
    path.write_bytes(data[:keep])
    with pytest.raises(ImageReadError, match="truncated"):
        read_header(path)


@pytest.mark.parametrize("ext", ["png", "jpg", "bmp", "tif"])
def test_truncated_body(tmp_path, ext):
    img = cv2.GaussianBlur(RNG.integers(0, 256, (300, 400, 3), dtype=np.uint8), (0, 0), 2)
    data = write(tmp_path / f"a.{ext}", img).read_bytes()
    path = tmp_path / f"half.{ext}"
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(ImageReadError, match="truncated"):
        load_image(path)


def test_jpeg_without_end_marker_is_refused(tmp_path):
    data = write(tmp_path / "a.jpg", RGB8).read_bytes()
    path = tmp_path / "no_eoi.jpg"
    path.write_bytes(data[:-2])
    with pytest.raises(ImageReadError, match="truncated"):
        load_image(path)


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + chunk + struct.pack(">I", zlib.crc32(chunk[4:]))


def test_huge_header_is_refused_before_decoding(tmp_path, monkeypatch):
    path = tmp_path / "huge.png"
    path.write_bytes(_png_header_only(100_000, 100_000))

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded a refused image")

    monkeypatch.setattr(imageio.cv2, "imdecode", no_decoding)
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(ImageReadError, match="over the limit") as info:
        load_image(path)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "100000 x 100000" in info.value.reason
    assert elapsed < 0.5 and peak < 1_000_000


def test_max_pixels_is_a_parameter(tmp_path):
    path = write(tmp_path / "a.png", GRAY8)
    with pytest.raises(ImageReadError, match="over the limit"):
        load_image(path, max_pixels=37 * 53 - 1)
    assert load_image(path, max_pixels=37 * 53).shape == GRAY8.shape


def test_float_images_are_refused(tmp_path):
    path = tmp_path / "f.tif"
    ok, buf = cv2.imencode(".tif", RNG.random((8, 8)).astype(np.float32))
    assert ok
    buf.tofile(path)
    with pytest.raises(ImageReadError, match="float32 pixels are not supported"):
        load_image(path)


# --- masks ---

def test_mask_png_round_trip():
    mask = np.zeros((300, 400), np.uint8)
    cv2.circle(mask, (200, 150), 60, 3, -1)
    mask[10:20, 10:30] = 255
    data = encode_mask_png(mask)
    assert data.startswith(b"\x89PNG")
    assert len(data) < 10_000  # mostly background compresses to almost nothing
    out = decode_mask_png(data)
    assert out.dtype == np.uint8 and out.shape == mask.shape
    np.testing.assert_array_equal(out, mask)


def test_save_mask_png_replaces_atomically(tmp_path):
    path = tmp_path / "m.png"
    save_mask_png(path, np.ones((5, 6), np.uint8))
    save_mask_png(path, np.full((5, 6), 7, np.uint8))
    np.testing.assert_array_equal(load_mask_png(path), np.full((5, 6), 7, np.uint8))
    assert [p.name for p in tmp_path.iterdir()] == ["m.png"]


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.uint16), np.zeros((4, 4, 3), np.uint8)])
def test_encode_mask_refuses_non_masks(bad):
    with pytest.raises(ValueError, match="uint8"):
        encode_mask_png(bad)


def test_decode_mask_refuses_colour_and_non_png():
    ok, colour = cv2.imencode(".png", RGB8)
    with pytest.raises(ImageReadError, match="single-channel"):
        decode_mask_png(colour.tobytes())
    with pytest.raises(ImageReadError, match="not a PNG"):
        decode_mask_png(b"GIF89a....")
    with pytest.raises(ImageReadError, match="empty"):
        decode_mask_png(b"")
    with pytest.raises(ImageReadError, match="truncated or corrupt"):
        data = encode_mask_png(GRAY8)
        decode_mask_png(data[: len(data) // 2])


def test_sha256_file_streams_in_chunks(tmp_path):
    path = tmp_path / "blob.bin"
    data = RNG.integers(0, 256, 100_003, dtype=np.uint8).tobytes()
    path.write_bytes(data)
    assert sha256_file(path, chunk_size=4096) == hashlib.sha256(data).hexdigest()
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
