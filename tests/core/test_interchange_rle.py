"""COCO RLE in numpy: column-major counts and the compressed string, against pycocotools'
own outputs and hand-worked examples."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from app.core.interchange import rle

masks = arrays(bool, st.tuples(st.integers(0, 12), st.integers(0, 12)))


def square(lo, hi, size=25):
    m = np.zeros((size, size), np.uint8)
    m[lo:hi, lo:hi] = 1
    return m


# pycocotools.mask.encode outputs for 25 x 25 masks with a square [lo:hi, lo:hi] set, as
# recorded in pytorchcocotools' parity tests (tests/mask/test_encode.py).
PYCOCOTOOLS = [((0, 5), "05d00000000d?"), ((5, 10), "R45d00000000b;"),
               ((20, 25), "X`05d00000000"), ((0, 25), "0ac0")]
# A real 427 x 640 COCO annotation string from the same tests (decoded there by pycocotools).
REAL = r"\`_3;j<6M3E_OjCd0T<:O1O2O001O00001O00001O001O0000O1K6J5J6A^C0g<N=O001O0O2Omk^4"


@pytest.mark.parametrize(("box", "expected"), PYCOCOTOOLS)
def test_matches_pycocotools(box, expected):
    mask = square(*box)
    assert rle.to_string(rle.encode(mask)) == expected
    assert np.array_equal(rle.decode(rle.from_string(expected), (25, 25)), mask.astype(bool))


def test_a_real_coco_string_decodes_and_encodes_back_identically():
    counts = rle.from_string(REAL)
    mask = rle.decode(counts, (427, 640))
    assert rle.to_string(rle.encode(mask)) == REAL
    assert mask.sum() == rle.area(counts) > 0


def test_hand_worked_example_is_column_major():
    mask = np.array([[0, 1],
                     [1, 1],
                     [0, 0]], np.uint8)
    # down column 0: 0 1 0, then column 1: 1 1 0  ->  runs 1, 1, 1, 2, 1
    assert rle.encode(mask) == [1, 1, 1, 2, 1]  # row-major would give [1, 3, 2]
    # chars: 48 + count, except the 4th and 5th are deltas to the count two before: 2-1, 1-1
    assert rle.to_string([1, 1, 1, 2, 1]) == "11110"


def test_hand_worked_negative_delta_and_multi_char_counts():
    # [5, 2, 3, 1]: the 4th is written as 1 - 2 = -1: low 5 bits 31, sign bit set, no more
    # groups -> chr(48 + 31) = "O".
    assert rle.to_string([5, 2, 3, 1]) == "523O"
    # 100 = 3 * 32 + 4: group 4 with the "more" bit (48 + 36 = "T"), then 3.
    assert rle.to_string([0, 100]) == "0T3"
    assert rle.from_string("523O") == [5, 2, 3, 1] and rle.from_string("0T3") == [0, 100]


def test_first_pixel_set_starts_with_an_empty_zero_run():
    assert rle.encode(np.ones((2, 2), bool)) == [0, 4]
    assert rle.encode(np.zeros((2, 3), bool)) == [6]


@settings(max_examples=200, deadline=None)
@given(masks)
def test_encode_decode_round_trip(mask):
    counts = rle.encode(mask)
    assert sum(counts) == mask.size and rle.area(counts) == mask.sum()
    assert np.array_equal(rle.decode(counts, mask.shape), mask)
    assert rle.from_string(rle.to_string(counts)) == counts


@settings(max_examples=100, deadline=None)
@given(masks)
def test_encode_runs_agrees_with_encode(mask):
    flat = np.concatenate(([False], mask.ravel(order="F"), [False])).view(np.int8)
    starts, stops = np.flatnonzero(np.diff(flat) == 1), np.flatnonzero(np.diff(flat) == -1)
    assert rle.encode_runs(starts, stops, mask.size) == rle.encode(mask)


def test_encode_runs_merges_runs_that_touch_across_columns():
    # column 0 ends with ones, column 1 starts with ones: one run in COCO order
    assert rle.encode_runs([1, 3], [3, 4], 6) == [1, 3, 2]


def test_paint_sets_only_the_runs_on_a_column_major_canvas():
    canvas = np.full((3, 2), 7, np.uint8, order="F")
    rle.paint(canvas, [1, 1, 1, 2, 1], 4)
    assert canvas.tolist() == [[7, 4], [4, 4], [7, 7]]
    with pytest.raises(ValueError):
        rle.paint(np.zeros((3, 2), np.uint8), [6], 1)  # C order: refused, not scrambled


@pytest.mark.parametrize("bad", ["0a\x7f", "05d00000000d", "0 1"])
def test_malformed_strings_are_refused(bad):
    with pytest.raises(rle.RleError):
        rle.decode(rle.from_string(bad), (25, 25))


def test_counts_that_do_not_fill_the_mask_are_refused():
    with pytest.raises(rle.RleError, match="cover 5 pixels"):
        rle.decode([2, 3], (2, 3))
    with pytest.raises(rle.RleError, match="negative"):
        rle.decode([7, -1], (2, 3))
