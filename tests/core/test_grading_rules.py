"""Rules: precedence, noise floors, counts, zone pieces at edges, fallback, reason texts."""

import numpy as np
import pytest

from app.core.grading import (
    WHOLE_IMAGE,
    ClassSetting,
    GradeScale,
    Polygon,
    Recipe,
    Rule,
    Zone,
    ZoneSet,
    grade_mask,
)

CRACK, SCRATCH = 1, 2
CLASSES = (ClassSetting(CRACK, "crack"), ClassSetting(SCRATCH, "scratch"))
# sealing-face: columns 0..49 of a 100 x 100 image; the rest is WHOLE_IMAGE
FACE = ZoneSet((Zone("sealing-face", (Polygon(((0, 0), (49, 0), (49, 99), (0, 99))),), 2),))


def recipe(*rules, zones=FACE, mmpp=1.0, classes=CLASSES, scale=None):
    r = Recipe(classes=classes, zones=zones, rules=rules, scale=scale or GradeScale())
    return r.with_mm_per_pixel(mmpp)


def image(*boxes):
    """Label mask 100 x 100 with (value, x, y, w, h) boxes."""
    m = np.zeros((100, 100), np.uint8)
    for v, x, y, w, h in boxes:
        m[y : y + h, x : x + w] = v
    return m


def test_most_severe_wins_for_component_and_part():
    r = recipe(
        Rule(CRACK, "sealing-face", "REWORK", max_area_mm2=10),
        Rule(CRACK, "sealing-face", "SCRAP", max_area_mm2=20),
        Rule(SCRATCH, WHOLE_IMAGE, "REWORK", max_length_mm=3),
    )
    v = grade_mask(image((CRACK, 0, 0, 5, 5), (SCRATCH, 60, 60, 5, 1)), [CRACK, SCRATCH], r)
    crack, scratch = v.components
    assert crack.grade == "SCRAP" and [x.grade for x in crack.reasons] == ["SCRAP", "REWORK"]
    assert scratch.grade == "REWORK"
    assert v.grade == "SCRAP"
    assert [x.grade for x in v.reasons] == ["SCRAP", "REWORK", "REWORK"]  # most severe first


def test_reason_text_in_words_and_numbers():
    r = recipe(Rule(CRACK, "sealing-face", "SCRAP", max_area_mm2=0.5), mmpp=0.1)
    v = grade_mask(image((CRACK, 5, 10, 41, 2)), [CRACK], r)  # 82 px = 0.82 mm²
    assert v.grade == "SCRAP"
    (reason,) = v.reasons
    assert reason.text == "crack 0.82 mm² in sealing-face exceeds max area 0.50 mm² -> SCRAP"
    assert (reason.kind, reason.zone, reason.class_value) == ("area", "sealing-face", CRACK)
    assert (reason.value, reason.limit) == (pytest.approx(0.82), 0.5)


def test_limits_are_exclusive_and_units_follow_calibration():
    r = recipe(Rule(CRACK, "sealing-face", "SCRAP", max_area_mm2=25, max_length_mm=5))
    assert grade_mask(image((CRACK, 0, 0, 5, 5)), [CRACK], r).grade == "OK"
    v = grade_mask(image((CRACK, 0, 0, 6, 5)), [CRACK], r)
    assert [x.text for x in v.reasons] == [
        "crack 30 px in sealing-face exceeds max area 25 px -> SCRAP",
        "crack 6 px long in sealing-face exceeds max length 5 px -> SCRAP",
    ]
    assert (v.reasons[0].kind, v.reasons[0].value, v.reasons[0].limit) == ("area", 30, 25)


def test_class_min_area_drops_noise_entirely():
    r = recipe(Rule(CRACK, WHOLE_IMAGE, "SCRAP", max_count=0)).with_min_area(CRACK, 0.05)
    r = r.with_mm_per_pixel(0.1)  # 4 px = 0.04 mm² < 0.05: noise; 9 px = 0.09 mm²: a defect
    v = grade_mask(image((CRACK, 60, 60, 2, 2), (CRACK, 80, 80, 3, 3)), [CRACK], r)
    assert [c.component.area_px for c in v.components] == [9]
    assert v.grade == "SCRAP"


def test_rule_min_area_excludes_from_judgement_and_count():
    r = recipe(Rule(CRACK, WHOLE_IMAGE, "REWORK", min_area_mm2=5, max_count=1, max_length_mm=1))
    small = [(CRACK, 60 + 6 * i, 10, 2, 2) for i in range(5)]  # 4 px each: below min area
    v = grade_mask(image(*small, (CRACK, 60, 50, 3, 3)), [CRACK], r)
    assert len(v.components) == 6  # still reported, just not judged
    assert [c.grade for c in v.components] == ["OK"] * 5 + ["REWORK"]
    assert [x.kind for x in v.reasons] == ["length"]


def test_count_rule_counts_components_and_grades_each():
    r = recipe(Rule(SCRATCH, WHOLE_IMAGE, "REWORK", max_count=2))
    two = [(SCRATCH, 60, 10 + 10 * i, 3, 3) for i in range(2)]
    assert grade_mask(image(*two), [SCRATCH], r).grade == "OK"
    v = grade_mask(image(*two, (SCRATCH, 60, 50, 3, 3)), [SCRATCH], r)
    assert v.grade == "REWORK"
    assert [x.text for x in v.reasons] == [
        "3 scratch defects in whole-image exceed max count 2 -> REWORK"
    ]
    assert all(c.grade == "REWORK" and c.reasons == v.reasons for c in v.components)


def test_component_straddling_zone_edge_is_judged_piecewise():
    r = recipe(
        Rule(CRACK, "sealing-face", "SCRAP", max_area_mm2=50),
        Rule(CRACK, WHOLE_IMAGE, "REWORK", max_area_mm2=50),
    )
    v = grade_mask(image((CRACK, 45, 0, 15, 6)), [CRACK], r)  # 5 cols in face, 10 cols out
    (c,) = v.components
    assert {o.zone: o.area_px for o in c.overlaps} == {"sealing-face": 30, WHOLE_IMAGE: 60}
    assert [x.text for x in v.reasons] == [
        "crack 60 px in whole-image exceeds max area 50 px -> REWORK"
    ]
    v = grade_mask(image((CRACK, 40, 0, 15, 6)), [CRACK], r)  # now 10 cols in face, 5 out
    assert [x.text for x in v.reasons] == [
        "crack 60 px in sealing-face exceeds max area 50 px -> SCRAP"
    ]
    assert v.grade == "SCRAP"


def test_piece_length_is_measured_on_the_piece():
    r = recipe(Rule(CRACK, "sealing-face", "SCRAP", max_length_mm=10))
    v = grade_mask(image((CRACK, 41, 5, 40, 1)), [CRACK], r)  # 9 px in the face, 31 outside
    assert v.grade == "OK" and v.components[0].length_mm == pytest.approx(40)
    v = grade_mask(image((CRACK, 39, 5, 40, 1)), [CRACK], r)  # 11 px in the face
    assert v.reasons[0].value == pytest.approx(11)


def test_fallback_to_whole_image_merges_pieces_and_unruled_is_ignored():
    zones = ZoneSet(
        FACE.zones + (Zone("thread", (Polygon(((0, 50), (99, 50), (99, 99), (0, 99))),), 3),)
    )
    r = recipe(Rule(CRACK, WHOLE_IMAGE, "SCRAP", max_area_mm2=80), zones=zones)
    # 100 px over sealing-face, thread and the rest: no zone rule, so one whole-image piece
    v = grade_mask(image((CRACK, 45, 45, 10, 10)), [CRACK, SCRATCH], r)
    assert len(v.components[0].overlaps) == 3
    assert [x.text for x in v.reasons] == [
        "crack 100 px in whole-image exceeds max area 80 px -> SCRAP"
    ]
    # a rule without limits for the thread stops the fallback there: 75 px left, passes
    r2 = r.with_rules(r.rules + (Rule(CRACK, "thread", "SCRAP"),))
    assert grade_mask(image((CRACK, 45, 45, 10, 10)), [CRACK], r2).grade == "OK"
    # scratch has no rule anywhere: reported, never graded
    v = grade_mask(image((SCRATCH, 0, 0, 99, 99)), [SCRATCH], r)
    assert v.grade == "OK" and v.components[0].reasons == ()


def test_custom_grade_scale():
    scale = GradeScale(("PASS", "COSMETIC", "REWORK", "SCRAP"))
    r = recipe(
        Rule(SCRATCH, WHOLE_IMAGE, "COSMETIC", max_area_mm2=0),
        Rule(SCRATCH, WHOLE_IMAGE, "SCRAP", max_area_mm2=1000),
        scale=scale,
    )
    assert grade_mask(image(), [SCRATCH], r).grade == "PASS"
    assert grade_mask(image((SCRATCH, 70, 70, 2, 2)), [SCRATCH], r).grade == "COSMETIC"
    with pytest.raises(KeyError, match="PASS"):
        recipe(Rule(SCRATCH, WHOLE_IMAGE, "OK"), scale=scale)
    assert scale.most_severe(["COSMETIC", "SCRAP", "PASS"]) == "SCRAP"
