"""grade() on probability maps, grade_mask() on ground truth, overlay helpers, no Qt."""

import subprocess
import sys

import cv2
import numpy as np
import pytest

from app.core.grading import (
    WHOLE_IMAGE,
    ClassSetting,
    Polygon,
    Recipe,
    Rule,
    Zone,
    ZoneCache,
    ZoneSet,
    component_index_image,
    grade,
    grade_image,
    grade_mask,
)

CRACK, DENT = 3, 7
RECIPE = Recipe(
    classes=(ClassSetting(CRACK, "crack", 0.5), ClassSetting(DENT, "dent", 0.8)),
    zones=ZoneSet((Zone("face", (Polygon(((0, 0), (59, 0), (59, 79), (0, 79))),), 2),)),
    rules=(
        Rule(CRACK, "face", "SCRAP", max_length_mm=1.0),
        Rule(DENT, WHOLE_IMAGE, "REWORK", max_area_mm2=0.3),
    ),
).with_mm_per_pixel(0.05)


def maps():
    probs = np.full((2, 80, 120), 20, np.uint8)
    cv2.line(probs[0], (5, 10), (40, 30), 230, 2)  # crack in the face, ~2 mm long
    cv2.circle(probs[1], (90, 40), 8, 210, -1)  # dent: 0.82 is over its 0.8 threshold
    cv2.circle(probs[1], (90, 70), 8, 190, -1)  # 0.75: under the dent threshold
    return probs


def test_grade_end_to_end():
    v = grade(maps(), [CRACK, DENT], RECIPE)
    assert [c.class_value for c in v.components] == [CRACK, DENT]
    crack, dent = v.components
    assert crack.overlaps[0].zone == "face" and crack.length_mm == pytest.approx(2.0, abs=0.2)
    assert crack.component.max_prob == pytest.approx(230 / 255)
    assert dent.area_mm2 == pytest.approx(dent.component.area_px * 0.0025)
    assert v.grade == "SCRAP"
    assert [r.kind for r in v.reasons] == ["length", "area"]
    assert v.recipe_hash == RECIPE.content_hash
    d = v.to_dict()
    assert d["grade"] == "SCRAP" and d["components"][1]["zones"] == {WHOLE_IMAGE: dent.area_mm2}


def test_thresholds_come_from_the_recipe():
    v = grade(maps(), [CRACK, DENT], RECIPE.with_threshold(DENT, 0.7))
    assert sum(c.class_value == DENT for c in v.components) == 2
    assert grade(maps(), [CRACK, DENT], RECIPE.with_threshold(CRACK, 0.95)).grade == "REWORK"


def test_grade_mask_matches_grade_on_the_same_pixels():
    probs = maps()
    labels = np.zeros(probs.shape[1:], np.uint8)
    labels[probs[0] >= 128] = CRACK
    labels[probs[1] >= 204] = DENT
    a, b = grade(probs, [CRACK, DENT], RECIPE), grade_mask(labels, [CRACK, DENT], RECIPE)
    assert a.grade == b.grade and [r.text for r in a.reasons] == [r.text for r in b.reasons]
    assert [c.component.bbox for c in a.components] == [c.component.bbox for c in b.components]
    assert b.components[0].component.mean_prob is None


def test_zone_cache_is_used_and_results_equal():
    cache = ZoneCache()
    a = grade(maps(), [CRACK, DENT], RECIPE, zones_cache=cache)
    b = grade(maps(), [CRACK, DENT], RECIPE, zones_cache=cache)
    assert a.to_dict() == b.to_dict() == grade(maps(), [CRACK, DENT], RECIPE).to_dict()
    assert cache.get(RECIPE.zones, (80, 120)) is cache.get(RECIPE.zones, (80, 120))


def test_empty_maps_grade_best():
    v = grade(np.zeros((2, 50, 50), np.uint8), [CRACK, DENT], RECIPE)
    assert (v.grade, v.reasons, v.components) == ("OK", (), ())


def test_bad_inputs():
    with pytest.raises(ValueError, match="channels"):
        grade(maps(), [CRACK], RECIPE)
    with pytest.raises(ValueError, match="uint8"):
        grade(maps().astype(np.float32), [CRACK, DENT], RECIPE)
    with pytest.raises(ValueError, match="uint8"):
        grade_mask(np.zeros((2, 3, 4), np.uint8), [CRACK], RECIPE)


def test_overlay_images_paint_components_by_grade():
    v = grade(maps(), [CRACK, DENT], RECIPE)
    img = grade_image(v, (80, 120))
    idx = component_index_image(v, (80, 120))
    for i, c in enumerate(v.components):
        x, y, w, h = c.bbox
        assert (idx[y : y + h, x : x + w][c.mask] == i + 1).all()
        assert (img[y : y + h, x : x + w][c.mask] == 1 + v.scale.rank(c.grade)).all()
    assert (img > 0).sum() == sum(c.component.area_px for c in v.components)


def test_grading_imports_no_qt_torch_or_sqlalchemy():
    code = (
        "import sys, app.core.grading; "
        "bad = [m for m in ('PySide6', 'torch', 'sqlalchemy', 'pyqtgraph') if m in sys.modules]; "
        "sys.exit(str(bad) if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
