"""Captions of outlines never overlap, in the pure layout and in the real part view."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.grading import GradeScale
from app.core.inspection_record import StoredComponent
from app.ui.review.caption_layout import overlaps, place_captions
from app.ui.review.part_view import PartView, outlines_for


def test_captions_of_touching_boxes_step_apart():
    boxes = [(100.0 + 4 * i, 100.0 + 3 * i, 20.0, 20.0) for i in range(5)]
    spots = place_captions(boxes, [(80.0, 16.0)] * 5, (800.0, 600.0))
    assert all(s is not None for s in spots)
    assert spots[0] == (100.0, 100.0 - 16.0 - 1.5, 80.0, 16.0)  # first: just above its box
    for a, b in itertools.combinations(spots, 2):
        assert not overlaps(a, b)


def test_captions_stay_inside_and_below_the_title():
    spots = place_captions([(-10.0, 2.0, 30.0, 30.0)], [(90.0, 16.0)], (400.0, 300.0), top=24)
    x, y, w, h = spots[0]
    assert x == 0.0 and y >= 24 and y + h <= 300


def test_no_free_spot_leaves_a_caption_out_rather_than_overlap():
    spots = place_captions([(0.0, 0.0, 10.0, 10.0)] * 3, [(100.0, 20.0)] * 3, (100.0, 20.0))
    assert spots[0] is not None and spots[1:] == [None, None]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 500), st.floats(0, 400), st.floats(1, 80),
                          st.floats(1, 80)), min_size=1, max_size=25))
def test_placed_captions_never_overlap(boxes):
    spots = [s for s in place_captions(boxes, [(70.0, 16.0)] * len(boxes), (600.0, 480.0))
             if s is not None]
    for a, b in itertools.combinations(spots, 2):
        assert not overlaps(a, b)


def test_part_view_captions_do_not_overlap(qtbot):
    view = PartView()
    qtbot.addWidget(view)
    view.resize(640, 480)
    view.show()
    pixels = np.full((120, 160), 90, np.uint8)
    comps = [StoredComponent(1, "crack", "SCRAP", (40 + 3 * i, 50 + 2 * i, 8, 8))
             for i in range(5)]
    outlines = outlines_for(comps, GradeScale(), lambda c: f"{c.class_name} {c.grade}")
    view.show_part(pixels, pixels, None, outlines)
    view.title = "part-07.png"
    view.fit()
    rects = view.caption_rects([view.widget_box(o) for o in view.outlines])
    assert all(r is not None for r in rects)  # room enough at this size: every caption shows
    for a, b in itertools.combinations(rects, 2):
        assert not a.intersects(b)
    assert all(r.top() >= 24 for r in rects)
    view.grab()  # paints without error
