"""Window/level for display (app.core.display)."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.display import apply_window, auto_window, window_lut

RNG = np.random.default_rng(1)


def reference(img, lo, hi):
    scaled = np.rint((img.astype(np.float64) - lo) * (255.0 / (hi - lo)))
    return np.clip(scaled, 0, 255).astype(np.uint8)


def test_auto_window_matches_percentiles_of_the_image():
    img = RNG.normal(20000, 3000, (1200, 1500)).clip(0, 65535).astype(np.uint16)
    lo, hi = auto_window(img, max_samples=200_000)  # a subsample: about 1 pixel in 9
    p_lo, p_hi = np.percentile(img, [0.5, 99.5])
    assert abs(lo - p_lo) < 150 and abs(hi - p_hi) < 150  # 150 = 0.05 sigma


def test_auto_window_exact_on_a_ramp():
    ramp = np.tile(np.arange(1000, dtype=np.uint16), (10, 1))
    assert auto_window(ramp, 0, 100) == (0, 999)
    lo, hi = auto_window(ramp)
    assert (lo, hi) == (5, 994)


@pytest.mark.parametrize("dtype, value", [(np.uint8, 0), (np.uint8, 255), (np.uint16, 65535),
                                          (np.uint16, 1234)])
def test_auto_window_flat_image_keeps_lo_below_hi(dtype, value):
    lo, hi = auto_window(np.full((50, 60), value, dtype))
    assert lo < hi and lo <= value <= hi


def test_auto_window_rgb_uses_one_window_for_all_channels():
    img = np.zeros((100, 100, 3), np.uint8)
    img[..., 0], img[..., 1], img[..., 2] = 10, 100, 200
    assert auto_window(img, 0, 100) == (10, 200)


def test_apply_window_uint16_maps_lo_to_0_and_hi_to_255():
    img = np.array([[0, 999, 1000, 1500, 2000, 2001, 65535]], np.uint16)
    out = apply_window(img, 1000, 2000)
    assert out.dtype == np.uint8
    assert out.tolist() == [[0, 0, 0, 128, 255, 255, 255]]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("shape", [(123, 457), (123, 457, 3), (3000, 5)],
                         ids=["gray", "rgb", "tall"])
def test_apply_window_equals_the_formula(dtype, shape):
    top = np.iinfo(dtype).max
    img = RNG.integers(0, top + 1, shape, dtype=dtype)
    lo, hi = int(top * 0.2), int(top * 0.7)
    np.testing.assert_array_equal(apply_window(img, lo, hi), reference(img, lo, hi))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [1, 3])
def test_apply_window_on_a_visible_sub_rectangle(dtype, channels):
    shape = (400, 600) if channels == 1 else (400, 600, 3)
    img = RNG.integers(0, np.iinfo(dtype).max + 1, shape, dtype=dtype)
    screen = np.zeros(shape, np.uint8)
    view = (slice(50, 170), slice(300, 520))
    result = apply_window(img[view], 100, 200, out=screen[view])
    assert np.shares_memory(result, screen)
    np.testing.assert_array_equal(screen[view], reference(img[view], 100, 200))
    untouched = np.ones(screen.shape[:2], bool)
    untouched[view] = False
    assert not screen[untouched].any()


def test_apply_window_refuses_bad_arguments():
    img = np.zeros((4, 4), np.uint16)
    with pytest.raises(ValueError, match="out must be"):
        apply_window(img, 0, 10, out=np.zeros((4, 5), np.uint8))
    with pytest.raises(ValueError, match="lo < hi"):
        apply_window(img, 10, 10)
    with pytest.raises(TypeError, match="uint8 and uint16"):
        apply_window(img.astype(np.float32), 0, 1)
    with pytest.raises(TypeError, match="uint8 and uint16"):
        auto_window(img.astype(np.int16))


def test_window_lut_is_cached_and_read_only():
    lut = window_lut(np.uint16, 100, 4000)
    assert lut.shape == (65536,) and lut is window_lut(np.dtype("uint16"), 100, 4000)
    assert not lut.flags.writeable
