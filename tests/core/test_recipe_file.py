"""Recipe files: canonical text, round trips, class names mapped, the documented example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core.grading import ClassSetting, Polygon, Recipe, Rule, Zone, ZoneSet
from app.core.grading.recipe_file import RecipeFileError, dumps, loads, map_classes

DOC = Path(__file__).resolve().parents[2] / "docs" / "RECIPE_FORMAT.md"


def sample() -> Recipe:
    ring = ((10.5, 10.0), (90.25, 10.0), (90.0, 60.0), (10.0, 60.0))
    hole = ((40.0, 30.0), (60.0, 30.0), (50.0, 45.0))
    zones = ZoneSet((Zone("face", (Polygon(ring, (hole,)),), 3),), reference_size=(100, 80))
    return Recipe(
        name="line-3",
        classes=(ClassSetting(7, "crack", 0.35, 0.1), ClassSetting(2, "pore", 0.6)),
        zones=zones,
        rules=(Rule(7, "face", "SCRAP", max_area_mm2=0.3), Rule(2, max_count=3, grade="REWORK"),
               Rule(7, max_length_mm=1.1)),
    ).with_mm_per_pixel(0.013)


def test_round_trip_is_the_same_recipe_and_the_same_text():
    names = {7: "crack", 2: "pore"}
    text = dumps(sample(), names, "why")
    recipe, note = loads(text, {"crack": 7, "pore": 2})
    assert note == "why" and recipe.content_hash == sample().content_hash
    assert dumps(recipe, names, note) == text
    assert text.endswith("}\n") and '"reference_size": [100, 80]' in text
    assert "[90.25, 10.0]" in text  # floats as their shortest repr, points on one line


def test_classes_travel_by_name_to_other_values():
    text = dumps(sample(), {7: "crack", 2: "pore"})
    recipe, _ = loads(text, {"Crack": 1, "pore": 4, "spatter": 2})
    assert {c.value: c.name for c in recipe.classes} == {1: "Crack", 4: "pore"}
    assert [r.class_value for r in recipe.rules] == [1, 4, 1]
    assert recipe.threshold(1) == pytest.approx(0.35)


def test_an_ambiguous_or_missing_name_is_refused_with_the_project_classes():
    with pytest.raises(RecipeFileError, match="crack. This project's classes: CRACK, Crack"):
        map_classes(["crack"], {"Crack": 1, "CRACK": 2})
    assert map_classes(["crack"], {"crack": 3, "CRACK": 2}) == {"crack": 3}  # exact wins


def test_a_class_without_a_name_cannot_be_exported():
    with pytest.raises(RecipeFileError, match="class value 9 has no name"):
        dumps(Recipe(classes=(ClassSetting(9),)), {})


@pytest.mark.parametrize(("text", "message"), [
    ('{"format": "defect-studio-recipe"}', "bad format_version None"),
    ('{"format": "defect-studio-recipe", "format_version": true}', "bad format_version"),
    ('[1, 2]', "needs \"format\""),
    ('{"format": "defect-studio-recipe", "format_version": 1, "calibration": '
     '{"mm_per_pixel": 0}}', "mm_per_pixel must be > 0"),
    ('{"format": "defect-studio-recipe", "format_version": 1, "zones": {"zones": '
     '[{"name": "a", "polygons": [{"outer": [[0, 0], [1, 1]]}]}]}}', "at least 3 vertices"),
    ('{"format": "defect-studio-recipe", "format_version": 1, "zones": {"zones": '
     '[{"name": "a", "polygons": [{"outer": [[0, "x"], [1, 1], [2, 2]]}]}]}}',
     "list of \\[x, y\\] numbers"),
    ('{"format": "defect-studio-recipe", "format_version": 1, "classes": '
     '[{"name": "crack"}, {"name": "crack"}]}', "listed once"),
    ('{"format": "defect-studio-recipe", "format_version": 1, "rules": '
     '[{"class": "crack", "grade": "SCRAP", "max_count": 1.5}]}', "max_count must be a whole"),
    ('{"format": "defect-studio-recipe", "format_version": 1, "grades": ["OK"]}',
     "2\\+ unique"),
])
def test_bad_documents_are_refused_plainly(text, message):
    with pytest.raises(RecipeFileError, match=message):
        loads(text, {"crack": 1})


def test_the_documented_example_imports():
    block = re.search(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    recipe, note = loads(block, {"crack": 1})
    assert note.startswith("tighter")
    assert recipe.calibration.mm_per_pixel == 0.05
    assert recipe.zones.names == ("whole-image", "sealing face")
    assert [r.grade for r in recipe.rules] == ["SCRAP", "REWORK"]
