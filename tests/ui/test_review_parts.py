"""The Review workspace's Qt-free parts: the queue, result facts, the boxes pre-label."""

import numpy as np

from app.core.grading import GradeScale
from app.core.inspection_record import StoredComponent
from app.jobs.review_labeling import boxes_mask
from app.store.rows import DecisionRow, ResultRow
from app.ui.review.parts import merged_lines, result_classes, result_zones
from app.ui.review.queue import QueueFilter, ReviewQueue


def result(rid, grade, risk, flagged=False, comps=(), decided=None, error=None):
    decision = None if decided is None else DecisionRow(
        1, rid, "confirm", decided, "", 2.0, "me", "t")
    return ResultRow(rid, 1, f"p{rid}.png", "", grade, [],
                     [StoredComponent.from_dict(c) for c in comps], risk, flagged, error,
                     "t", decision)


def comp(cls, zone, grade="SCRAP"):
    return {"class": cls, "class_value": 1, "zones": {zone: 1.0}, "grade": grade}


def test_queue_holds_flagged_and_not_ok_parts_by_risk():
    rows = [result(1, "OK", 0.0), result(2, "REWORK", 0.5), result(3, "OK", 0.3, True),
            result(4, "SCRAP", 0.9), result(5, None, 1.0, True, error="unreadable"),
            result(6, "SCRAP", 0.9)]
    q = ReviewQueue(rows, GradeScale())
    assert [r.id for r in q.items] == [4, 6, 2, 3]
    assert q.current.id == 4 and q.next() and q.next() and q.current.id == 2
    assert q.prev() and q.current.id == 6
    assert not ReviewQueue([]).next() and ReviewQueue([]).current is None


def test_filters_keep_the_current_part_when_it_passes():
    rows = [result(1, "SCRAP", 0.9, comps=[comp("crack", "seal")]),
            result(2, "REWORK", 0.5, comps=[comp("pore", "whole-image")], decided="OK"),
            result(3, "REWORK", 0.4, comps=[comp("crack", "whole-image")])]
    q = ReviewQueue(rows)
    q.next()
    q.set_filter(QueueFilter(grade="REWORK"))
    assert [r.id for r in q.visible_items()] == [2, 3] and q.current.id == 2
    q.set_filter(QueueFilter(defect_class="crack"))
    assert [r.id for r in q.visible_items()] == [1, 3] and q.current.id == 1
    q.set_filter(QueueFilter(zone="whole-image", reviewed=False))
    assert [r.id for r in q.visible_items()] == [3]
    assert q.reviewed == 1 and q.total == 3 and q.mean_seconds() == 2.0
    assert q.choices() == (["REWORK", "SCRAP"], ["crack", "pore"], ["seal", "whole-image"])


def test_queue_takes_parts_as_they_are_graded_and_keeps_the_current_one():
    q = ReviewQueue([], GradeScale())
    assert q.current is None
    assert q.add([result(1, "REWORK", 0.5), result(2, "OK", 0.0)]) == 1  # OK parts stay out
    assert q.current.id == 1
    q.set_filter(QueueFilter(grade="REWORK"))
    assert q.add([result(3, "SCRAP", 0.9), result(4, "REWORK", 0.8), result(1, "REWORK", 0.5)]) == 2
    assert [r.id for r in q.items] == [3, 4, 1]  # most risky first
    assert [r.id for r in q.visible_items()] == [4, 1] and q.current.id == 1
    assert q.total == 3


def test_repeated_lines_are_merged_with_a_count():
    lines = ["borderline: crack near threshold"] * 5 + ["crack too long", "borderline: pore"]
    assert merged_lines(lines) == ["borderline: crack near threshold (×5)", "crack too long",
                                   "borderline: pore"]
    assert merged_lines([]) == []


def test_result_facts_name_classes_and_zones_of_old_and_new_rows():
    r = result(1, "SCRAP", 0.9, comps=[{"class_value": 2, "zones": ["a", "b"]},  # version 0
                                       comp("crack", "seal")])
    assert result_classes(r, {2: "pore"}) == {"pore", "crack"}
    assert result_classes(r) == {"class 2", "crack"}
    assert result_zones(r) == {"a", "b", "seal"}


def test_boxes_mask_fills_each_box_with_its_class_small_on_top():
    comps = [{"class_value": 2, "bbox": [1, 1, 2, 2], "area_px": 4},
             {"class_value": 1, "bbox": [0, 0, 5, 4], "area_px": 20},
             {"class_value": 0, "bbox": [0, 0, 9, 9]}]
    mask = boxes_mask([StoredComponent.from_dict(c) for c in comps], (6, 8))
    assert mask[0, 0] == 1 and mask[1, 1] == 2 and mask[5, 7] == 0
    assert np.count_nonzero(mask) == 20
