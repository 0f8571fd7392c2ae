"""A segmentation model's channels and a good-parts-only model's anomaly map, stacked and graded
by the one grading path: the anomaly map is a class with its own threshold, floor and rules."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from app.core.grading import (
    WHOLE_IMAGE,
    ClassSetting,
    Polygon,
    Recipe,
    Rule,
    Zone,
    ZoneSet,
    grade,
    merge_channels,
)
from app.core.grading.recipe_file import dumps, loads

CRACK, ANOMALY = 2, 9
SEAL = Zone("seal", (Polygon(((0, 0), (59, 0), (59, 59), (0, 59))),), 2)  # left 60 x 60 px
RECIPE = Recipe(
    classes=(ClassSetting(CRACK, "crack", 0.5),
             ClassSetting(ANOMALY, "anomaly", threshold=0.3, min_area_mm2=0.05)),
    zones=ZoneSet((SEAL,)),
    rules=(Rule(CRACK, "seal", "SCRAP", max_count=0),
           Rule(ANOMALY, "seal", "REWORK", max_area_mm2=0.3)),  # anomaly over 0.3 mm² in seal
).with_mm_per_pixel(0.1)  # 1 px = 0.01 mm²
DOC = Path(__file__).resolve().parents[2] / "docs" / "RECIPE_FORMAT.md"


def segmentation() -> np.ndarray:
    probs = np.zeros((1, 60, 120), np.uint8)
    probs[0, 20:30, 80:83] = 200  # a crack outside the seal: no rule there
    return probs


def anomaly_map() -> np.ndarray:
    m = np.zeros((1, 60, 120), np.uint8)
    m[0, 5:11, 5:11] = 100  # 6 x 6 = 0.36 mm² at 0.39 >= 0.3: over 0.3 mm² in seal -> REWORK
    m[0, 30:34, 10:14] = 100  # 4 x 4 = 0.16 mm²: under the limit, graded OK
    m[0, 50:52, 40:42] = 255  # 2 x 2 = 0.04 mm²: under the 0.05 mm² floor, never graded
    m[0, 40:48, 20:28] = 60  # 0.235 < 0.3: not anomalous at this threshold
    m[0, 40:48, 90:98] = 220  # 8 x 8 outside the seal: no anomaly rule there
    return m


def test_merged_channels_are_graded_with_the_anomaly_class_exactly():
    probs, values = merge_channels([(segmentation(), [CRACK]), (anomaly_map(), [ANOMALY])])
    assert probs.shape == (2, 60, 120) and values == [CRACK, ANOMALY]
    v = grade(probs, values, RECIPE)
    got = [(c.class_value, c.bbox, c.component.area_px, c.grade,
            tuple(o.zone for o in c.overlaps)) for c in v.components]
    assert got == [
        (CRACK, (80, 20, 3, 10), 30, "OK", (WHOLE_IMAGE,)),
        (ANOMALY, (5, 5, 6, 6), 36, "REWORK", ("seal",)),
        (ANOMALY, (10, 30, 4, 4), 16, "OK", ("seal",)),
        (ANOMALY, (90, 40, 8, 8), 64, "OK", (WHOLE_IMAGE,)),
    ]
    assert v.grade == "REWORK"
    (reason,) = v.reasons
    assert (reason.kind, reason.class_value, reason.zone) == ("area", ANOMALY, "seal")
    assert "anomaly" in reason.text
    # its own threshold: at 0.2 the faint patch becomes a component too (64 px, in seal)
    lower = grade(probs, values, RECIPE.with_threshold(ANOMALY, 0.2))
    assert sum(c.class_value == ANOMALY for c in lower.components) == 4
    # the same maps graded one model at a time give the same components, class by class
    alone = grade(anomaly_map(), [ANOMALY], RECIPE)
    assert [c.bbox for c in alone.components] == [c.bbox for c in v.components[1:]]


def test_a_crack_in_the_seal_from_the_other_model_still_scraps():
    seg = segmentation()
    seg[0, 40:44, 30:31] = 255
    probs, values = merge_channels([(seg, [CRACK]), (anomaly_map(), [ANOMALY])])
    assert grade(probs, values, RECIPE).grade == "SCRAP"


@pytest.mark.parametrize("maps, message", [
    ([(np.zeros((1, 60, 120), np.uint8), [CRACK]), (np.zeros((1, 50, 120), np.uint8), [ANOMALY])],
     "different sizes"),
    ([(np.zeros((1, 8, 8), np.uint8), [CRACK]), (np.zeros((1, 8, 8), np.uint8), [CRACK])],
     "class value 2 comes from two models"),
    ([(np.zeros((1, 8, 8), np.float32), [CRACK])], "uint8"),
    ([(np.zeros((2, 8, 8), np.uint8), [CRACK])], "2 channels but 1 class values"),
    ([], "no probability maps"),
])
def test_maps_that_do_not_fit_together_are_refused(maps, message):
    with pytest.raises(ValueError, match=message):
        merge_channels(maps)


def test_recipe_files_name_the_anomaly_class_like_any_class():
    text = dumps(RECIPE, {CRACK: "crack", ANOMALY: "anomaly"})
    back, _note = loads(text, {"crack": 4, "anomaly": 12})  # other values in another project
    assert [r.class_value for r in back.rules] == [4, 12]
    assert back.class_setting(12).threshold == 0.3 and back.class_setting(12).min_area_mm2 == 0.05
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    documented, _ = loads(blocks[1], {"crack": 1, "anomaly": 5})  # the anomaly example
    assert [(r.class_value, r.zone, r.grade, r.max_area_mm2) for r in documented.rules
            if r.class_value == 5] == [(5, "sealing face", "REWORK", 0.3)]
