"""Qt-free grading: defect components, zones, rules, recipes -> a part's grade with reasons.

from app.core.grading import Recipe, ClassSetting, Rule, Zone, ZoneSet, grade
recipe = Recipe(classes=(ClassSetting(1, "crack", threshold=0.5),),
                zones=ZoneSet((Zone("sealing-face", ([(0, 0), (99, 0), (99, 49)],), 2),)),
                rules=(Rule(1, "sealing-face", "SCRAP", max_area_mm2=0.5),),
                ).with_mm_per_pixel(0.02)
verdict = grade(probs_uint8, [1], recipe)   # verdict.grade, verdict.reasons[0].text
probs, values = merge_channels([(seg_probs, [1]), (anomaly_map, [9])])  # two models, one grade
"""

from .calibration import Calibration, calibrate_from_line
from .channels import merge_channels
from .components import (
    Component,
    components_fullframe,
    find_components,
    mask_components,
    threshold_components,
)
from .overlay import class_image, component_index_image, grade_image
from .pipeline import grade, grade_mask
from .recipe import ClassSetting, Recipe, starter_recipe
from .rules import GradeScale, Reason, Rule
from .verdict import ComponentResult, Verdict, ZoneOverlap
from .zones import WHOLE_IMAGE, Polygon, Zone, ZoneCache, ZoneRaster, ZoneSet

__all__ = [
    "WHOLE_IMAGE",
    "Calibration",
    "ClassSetting",
    "Component",
    "ComponentResult",
    "GradeScale",
    "Polygon",
    "Reason",
    "Recipe",
    "Rule",
    "Verdict",
    "Zone",
    "ZoneCache",
    "ZoneOverlap",
    "ZoneRaster",
    "ZoneSet",
    "calibrate_from_line",
    "class_image",
    "component_index_image",
    "components_fullframe",
    "find_components",
    "grade",
    "grade_image",
    "grade_mask",
    "mask_components",
    "merge_channels",
    "starter_recipe",
    "threshold_components",
]
