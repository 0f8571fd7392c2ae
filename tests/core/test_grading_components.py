"""The fast component path equals full-frame 8-connected connectedComponentsWithStats."""

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from app.core.grading.components import (
    binarize,
    box_sides,
    components_fullframe,
    find_components,
    mask_components,
    threshold_components,
    threshold_level,
)

FAST = settings(max_examples=150, deadline=None)


def key(c):
    return (c.area_px, c.bbox, round(c.centroid[0], 6), round(c.centroid[1], 6))


def assert_same(binary, prob=None, min_area_px=0):
    fast = find_components(binary, prob, min_area_px)
    ref = [c for c in components_fullframe(binary, prob) if c.area_px >= min_area_px]
    assert sorted(map(key, fast)) == sorted(map(key, ref))
    by_key = {key(c): c for c in ref}
    for c in fast:
        r = by_key[key(c)]
        assert c.mask.dtype == bool and c.mask.shape == (c.bbox[3], c.bbox[2])
        np.testing.assert_array_equal(c.mask, r.mask)
        assert c.length_px == pytest.approx(r.length_px, abs=1e-3)
        assert c.width_px == pytest.approx(r.width_px, abs=1e-3)
        assert c.length_px >= c.width_px > 0
        if prob is not None:
            assert c.mean_prob == pytest.approx(r.mean_prob, abs=1e-9)
            assert c.max_prob == pytest.approx(r.max_prob, abs=1e-9)
        # the contour is the component's outer border, inside its bbox, on its pixels
        x, y, w, h = c.bbox
        assert cv2.boundingRect(c.contour.reshape(-1, 1, 2)) == c.bbox
        assert c.mask[c.contour[:, 1] - y, c.contour[:, 0] - x].all()
    return fast


masks = arrays(np.bool_, st.tuples(st.integers(1, 24), st.integers(1, 24)))


@FAST
@given(masks)
def test_random_masks_equal_fullframe(mask):
    assert_same(mask.astype(np.uint8) * 255)


@FAST
@given(st.integers(0, 2**32 - 1), st.floats(0.05, 0.7), st.integers(0, 6))
def test_dense_random_masks_with_prob_and_floor(seed, density, floor):
    rng = np.random.default_rng(seed)
    prob = (rng.random((40, 50)) * 255).astype(np.uint8)
    binary = ((rng.random((40, 50)) < density) * 255).astype(np.uint8)
    assert_same(binary, prob, floor)


@st.composite
def nested_rings(draw):
    """Squares inside holes of squares: islands in holes, holes in islands, touching borders."""
    h, w = draw(st.integers(8, 40)), draw(st.integers(8, 40))
    img = np.zeros((h, w), np.uint8)
    for _ in range(draw(st.integers(1, 4))):
        x, y = draw(st.integers(-3, w - 1)), draw(st.integers(-3, h - 1))
        size = draw(st.integers(1, 30))
        for level in range(0, size, draw(st.integers(1, 3))):
            color = 255 if level % 2 == 0 else 0
            s = size - 2 * level
            if s <= 0:
                break
            cv2.rectangle(
                img, (x + level, y + level), (x + level + s - 1, y + level + s - 1), color, -1
            )
    if draw(st.booleans()):  # diagonal strokes touch other shapes only at corners
        x0, y0 = draw(st.integers(0, w - 1)), draw(st.integers(0, h - 1))
        cv2.line(img, (x0, y0), (x0 + 20, y0 + 20), 255, 1, lineType=cv2.LINE_8)
    return img


@FAST
@given(nested_rings())
def test_nested_rings_diagonals_borders(img):
    assert_same(img)


@pytest.mark.parametrize(
    "rows",
    [
        ["10", "01"],  # diagonal touch: one component
        ["01", "10"],  # anti-diagonal touch
        ["11111", "10001", "10101", "10001", "11111"],  # island in a hole
        ["1111111", "1000001", "1011101", "1010101", "1011101", "1000001", "1111111"],
        ["111", "111"],  # fills the frame, on every border
        ["000", "000"],
        ["1"],
        ["1010", "0101", "1010"],  # checkerboard: all one component
        ["1100", "1100", "0011", "0011"],  # two blocks meeting at one corner
    ],
)
def test_hand_made_cases(rows):
    binary = np.array([[int(ch) * 255 for ch in r] for r in rows], np.uint8)
    fast = assert_same(binary)
    n = cv2.connectedComponents(binary, connectivity=8)[0] - 1
    assert len(fast) == n


def test_threshold_is_prob_ge_round_t_times_255():
    prob = np.array([[126, 127, 128, 255, 0]], np.uint8)
    assert threshold_level(0.5) == 128
    np.testing.assert_array_equal(binarize(prob, 0.5), [[0, 0, 255, 255, 0]])
    np.testing.assert_array_equal(binarize(prob, 0.0), [[255] * 5])
    np.testing.assert_array_equal(binarize(prob, 1.0), [[0, 0, 0, 255, 0]])
    with pytest.raises(ValueError):
        threshold_level(1.5)


def test_threshold_components_skips_clean_maps_and_measures_prob():
    prob = np.full((30, 30), 100, np.uint8)
    assert threshold_components(prob, 0.5) == []
    prob[5:8, 5:9] = 200
    prob[6, 6] = 250
    (c,) = threshold_components(prob, 0.5)
    assert c.bbox == (5, 5, 4, 3) and c.area_px == 12
    assert c.max_prob == pytest.approx(250 / 255)
    assert c.mean_prob == pytest.approx((11 * 200 + 250) / 12 / 255)
    assert (c.length_px, c.width_px) == pytest.approx((4.0, 3.0))


def test_mask_components_picks_one_class_value():
    mask = np.zeros((20, 20), np.uint8)
    mask[2:5, 2:5] = 1
    mask[5:8, 5:8] = 2  # touches class 1 diagonally: still separate classes
    mask[10:12, 10:19] = 1
    ones = mask_components(mask, 1)
    assert sorted(c.area_px for c in ones) == [9, 18]
    assert all(c.mean_prob is None for c in ones)
    assert [c.area_px for c in mask_components(mask, 2)] == [9]
    assert mask_components(mask, 3) == []


def test_box_sides_breaks_ties_by_the_longest_box_whatever_the_point_order():
    # a 7 x 5 box and a tilted 7.91 x 4.43 box have the same area (35 px) for this shape;
    # cv2.minAreaRect returns either depending on point order
    rows = ["0100100", "1101010", "1010100", "0001110", "0000001"]
    ys, xs = np.nonzero(np.array([[c == "1" for c in r] for r in rows]))
    pts = np.stack([xs, ys], axis=1)
    rng = np.random.default_rng(0)
    for _ in range(20):
        length, width = box_sides(rng.permutation(pts))
        assert (length, width) == pytest.approx((np.sqrt(62.5), 35 / np.sqrt(62.5)))
