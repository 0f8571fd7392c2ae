"""polygons.to_layers: masks as labelme-style painted polygons, on the shapes that break naive
contour export. TRICKY is shared with the interchange job tests."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from app.core.interchange.polygons import paint, to_layers
from app.core.labelme import LabelmeFile, Shape, rasterize
from tests.support.polygons import TRICKY, _nested_islands, self_reaching_hole


def labelme_paint(layers, shape):
    """The importer's rasterizer (app.core.labelme), fed the layers as labelme shapes."""
    shapes = tuple(Shape(str(x.value) if x.value else "_background_", "polygon",
                         tuple(map(tuple, x.points.tolist()))) for x in layers)
    return rasterize(LabelmeFile(None, None, shapes), shape, {str(v): v for v in range(1, 256)})


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_layers_reproduce_tricky_masks(name):
    mask = TRICKY[name]
    layers, exact = to_layers(mask)
    assert exact
    assert np.array_equal(paint(layers, mask.shape), mask)
    assert np.array_equal(labelme_paint(layers, mask.shape), mask)
    assert all(len(x.points) >= 3 for x in layers)  # valid labelme polygons


def test_holes_are_background_layers_after_their_region():
    layers, _ = to_layers(_nested_islands())
    assert [x.value for x in layers] == [1, 0, 2, 0, 1]


def test_a_region_reaching_into_its_own_hole_needs_a_repair_round():
    mask = self_reaching_hole()
    _, exact_in_one = to_layers(mask, max_rounds=1)
    layers, exact = to_layers(mask)
    assert not exact_in_one and exact
    assert np.array_equal(paint(layers, mask.shape), mask)


def test_vertices_are_integer_pixel_indices_on_the_boundary():
    mask = np.zeros((10, 10), np.uint8)
    mask[2:5, 3:8] = 1
    (layer,), _ = to_layers(mask)
    assert layer.points.dtype == np.int32
    assert {tuple(p) for p in layer.points.tolist()} == {(3, 2), (3, 4), (7, 4), (7, 2)}


@settings(max_examples=150, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 14), st.integers(1, 14)),
              elements=st.integers(0, 3)))
def test_layers_reproduce_any_small_mask(mask):
    layers, exact = to_layers(mask)
    if exact:
        assert np.array_equal(labelme_paint(layers, mask.shape), mask)
    else:  # allowed, but then the labelme writer keeps an exact copy (tested there)
        assert not np.array_equal(paint(layers, mask.shape), mask)
