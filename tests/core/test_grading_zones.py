"""Zones (rasterization, holes, severity, cache) and calibration (mm scaling)."""

import math

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.grading.calibration import Calibration, calibrate_from_line
from app.core.grading.components import find_components, mask_components
from app.core.grading.zones import WHOLE_IMAGE, Polygon, Zone, ZoneCache, ZoneSet

FAST = settings(max_examples=100, deadline=None)
mm_per_px = st.floats(0.001, 10.0, allow_nan=False)


@st.composite
def convex_polygons(draw):
    pts = draw(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=3, max_size=12))
    hull = cv2.convexHull(np.array(pts, np.int32)).reshape(-1, 2)
    if len(hull) < 3 or cv2.contourArea(hull) == 0:
        hull = np.array([[0, 0], [10, 0], [0, 10]])
    return [tuple(map(int, p)) for p in hull]


@FAST
@given(convex_polygons(), mm_per_px)
def test_raster_area_mm2_matches_shoelace_within_perimeter(ring, mmpp):
    cal = Calibration(mmpp)
    poly = Polygon(ring)
    raster = ZoneSet((Zone("z", (poly,)),)).rasterize((64, 64))
    raster_mm2 = cal.area_mm2(int(raster.mask("z").sum()))
    # fillPoly owns boundary pixels: the error is at most a one-pixel band along the outline
    tolerance = cal.area_mm2(poly.perimeter() + 1)
    assert abs(raster_mm2 - cal.area_mm2(poly.area())) <= tolerance


@FAST
@given(st.integers(1, 40), st.integers(1, 40), mm_per_px)
def test_rectangle_measures_exactly(w, h, mmpp):
    img = np.zeros((50, 50), np.uint8)
    img[3 : 3 + h, 4 : 4 + w] = 255
    (c,) = find_components(img)
    cal = Calibration(mmpp)
    assert c.area_px == w * h
    assert cal.area_mm2(c.area_px) == pytest.approx(w * h * mmpp**2)
    assert cal.length_mm(c.length_px) == pytest.approx(max(w, h) * mmpp, rel=1e-4)
    assert cal.length_mm(c.width_px) == pytest.approx(min(w, h) * mmpp, rel=1e-4)


@FAST
@given(mm_per_px, st.floats(0.01, 100), st.floats(0, 1e6), st.floats(0, 1e4))
def test_area_scales_by_square_length_linearly(mmpp, k, area_px, length_px):
    a, b = Calibration(mmpp), Calibration(mmpp * k)
    assert b.area_mm2(area_px) == pytest.approx(a.area_mm2(area_px) * k * k)
    assert b.length_mm(length_px) == pytest.approx(a.length_mm(length_px) * k)
    assert a.area_px(a.area_mm2(area_px)) == pytest.approx(area_px)


@FAST
@given(
    st.tuples(st.floats(-500, 500), st.floats(-500, 500)),
    st.floats(0.0, 2 * math.pi),
    st.floats(1.0, 1000.0),
    st.floats(0.01, 100.0),
)
def test_calibrate_from_line(p0, angle, length_px, known_mm):
    p1 = (p0[0] + length_px * math.cos(angle), p0[1] + length_px * math.sin(angle))
    mmpp = calibrate_from_line(p0, p1, known_mm)
    assert Calibration(mmpp).length_mm(length_px) == pytest.approx(known_mm)


def test_calibration_rejects_bad_input():
    with pytest.raises(ValueError):
        calibrate_from_line((1, 1), (1, 1), 5.0)
    with pytest.raises(ValueError):
        calibrate_from_line((0, 0), (1, 1), 0)
    with pytest.raises(ValueError):
        Calibration(0)
    assert not Calibration().is_calibrated and Calibration().area_unit == "px"
    assert Calibration(0.02).area_unit == "mm²"


def square(x0, y0, x1, y1):
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def test_holes_and_several_polygons():
    ring = Polygon(square(0, 0, 19, 19), holes=(square(5, 5, 14, 14),))
    other = Polygon(square(10, 10, 12, 12))  # inside the first polygon's hole: still in the zone
    raster = ZoneSet((Zone("face", (ring, other)),)).rasterize((30, 30))
    m = raster.mask("face")
    assert m.sum() == 20 * 20 - 10 * 10 + 3 * 3
    assert not m[6, 6] and m[11, 11] and m[0, 0] and not m[5, 5]  # hole border is the hole's
    assert raster.mask(WHOLE_IMAGE).sum() == 30 * 30 - m.sum()


def test_zones_are_clipped_to_the_image():
    zones = ZoneSet(
        (
            Zone("corner", (Polygon(square(-10, -10, 4, 4)),)),
            Zone("off", (Polygon(square(20, 20, 30, 30)),)),
        )
    )
    raster = zones.rasterize((10, 10))
    assert raster.mask("corner").sum() == 25 and raster.mask("off").sum() == 0


def test_many_zones_use_uint16_labels():
    zones = ZoneSet(
        tuple(
            Zone(
                f"z{i}",
                (
                    Polygon(
                        square(2 * (i % 20), 2 * (i // 20), 2 * (i % 20) + 1, 2 * (i // 20) + 1)
                    ),
                ),
            )
            for i in range(300)
        )
    )
    raster = zones.rasterize((40, 40))
    assert raster.labels.dtype == np.uint16 and raster.mask("z299").sum() == 4
    mask = np.ones((40, 40), bool)
    got = dict(raster.overlaps((0, 0, 40, 40), mask, 1600))
    assert len(got) == 301 and got[0] == 1600 - 1200


def test_most_severe_zone_owns_overlap_regardless_of_order():
    low = Zone("cosmetic", (Polygon(square(0, 0, 9, 9)),), severity=1)
    high = Zone("sealing", (Polygon(square(5, 0, 14, 9)),), severity=5)
    for zones in [(low, high), (high, low)]:
        raster = ZoneSet(zones).rasterize((10, 20))
        assert raster.mask("sealing").sum() == 100
        assert raster.mask("cosmetic").sum() == 50
        assert raster.mask(WHOLE_IMAGE).sum() == 200 - 150


def test_reference_size_scales_zones():
    zones = ZoneSet((Zone("left", (Polygon(square(0, 0, 49, 99)),)),), reference_size=(100, 100))
    assert zones.rasterize((100, 100)).mask("left").sum() == 50 * 100
    big = zones.rasterize((200, 400)).mask("left")  # (h, w): 2x taller, 4x wider
    # vertices are mapped one by one, so the scaled outline may be off by a pixel or two
    assert big[2:-2, 2:198].all() and not big[:, 202:].any()
    assert abs(int(big.sum()) - 200 * 200) <= 2 * (200 + 200)


@FAST
@given(convex_polygons(), st.integers(0, 2**32 - 1))
def test_overlaps_sum_to_area_and_match_full_frame_count(ring, seed):
    rng = np.random.default_rng(seed)
    zones = ZoneSet(
        (Zone("a", (Polygon(ring),), 2), Zone("b", (Polygon(square(20, 0, 40, 63)),), 1))
    )
    raster = zones.rasterize((64, 64))
    mask = np.zeros((64, 64), np.uint8)
    cv2.circle(mask, tuple(int(v) for v in rng.integers(0, 64, 2)), int(rng.integers(1, 25)), 1, -1)
    for c in mask_components(mask, 1):
        got = dict(raster.overlaps(c.bbox, c.mask, c.area_px))
        assert sum(got.values()) == c.area_px
        for z, name in enumerate(raster.names):
            assert got.get(z, 0) == int(((raster.labels == z) & (mask == 1)).sum()), name


def test_zone_cache_rasterizes_once_per_size():
    cache = ZoneCache(max_entries=2)
    zones = ZoneSet((Zone("z", (Polygon(square(0, 0, 3, 3)),)),))
    a = cache.get(zones, (10, 10))
    assert cache.get(ZoneSet.from_dict(zones.to_dict()), (10, 10)) is a  # equal content hits
    assert cache.get(zones, (20, 10)) is not a
    assert not a.labels.flags.writeable


def test_zone_validation():
    with pytest.raises(ValueError):
        Zone(WHOLE_IMAGE, (Polygon(square(0, 0, 1, 1)),))
    with pytest.raises(ValueError):
        Polygon(((0, 0), (1, 1)))
    z = Zone("z", (Polygon(square(0, 0, 1, 1)),))
    with pytest.raises(ValueError):
        ZoneSet((z, z))
