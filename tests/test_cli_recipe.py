"""`defect-studio recipe list|show|export|import`: the demo recipe travels to another project
and back byte for byte; bad files are refused with a clear message and change nothing."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.cli import main
from app.core.grading import Recipe
from app.demo import build_demo_project
from app.store import Project


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    build_demo_project(folder)
    return folder


@pytest.fixture
def demo(demo_folder, tmp_path):
    """A private copy of the demo project file (the images stay where they are)."""
    path = tmp_path / "demo.dsproj"
    path.write_bytes((demo_folder / "demo.dsproj").read_bytes())
    return path


def other_project(tmp_path, classes=(("pore", "#00ff00"), ("crack", "#ff0000"))):
    """Another project whose classes have other values (and maybe another spelling)."""
    path = tmp_path / "line2.dsproj"
    with Project.create(path) as p:
        p.classes.add("spatter", "#0000ff")  # takes value 1: the values differ from the demo's
        for name, color in classes:
            p.classes.add(name, color)
    return path


def recipe_rows(path):
    con = sqlite3.connect(path)
    rows = con.execute("SELECT * FROM recipes ORDER BY id").fetchall()
    con.close()
    return rows


def test_list_and_show(demo, capsys):
    assert main(["recipe", "list", str(demo)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("housing@1 ")
    assert main(["recipe", "show", str(demo), "housing"]) == 0
    out = capsys.readouterr().out
    assert "housing@1" in out and "Calibration: 0.05 mm/px" in out
    assert "crack" in out and "pore" in out and "sealing face" in out
    assert "Grades: OK < REWORK < SCRAP" in out
    assert main(["recipe", "show", str(demo), "housing@1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "defect-studio-recipe" and doc["format_version"] == 1
    assert {c["name"] for c in doc["classes"]} == {"crack", "pore"}


def test_export_import_export_is_byte_identical(demo, tmp_path, capsys):
    first, second = tmp_path / "housing.json", tmp_path / "again.json"
    assert main(["recipe", "export", str(demo), "housing@1", str(first)]) == 0
    target = other_project(tmp_path)
    assert main(["recipe", "import", str(target), str(first), "--note", "from line 1"]) == 0
    assert "as housing@1" in capsys.readouterr().out
    with Project.open(demo) as a, Project.open(target) as b:
        ra, rb = a.recipes.get("housing"), b.recipes.get("housing")
        assert rb.note == "from line 1"
        crack_a, crack_b = a.classes.by_name("crack").value, b.classes.by_name("crack").value
        assert crack_a != crack_b  # mapped by name to the other project's values
        got = Recipe.from_dict(rb.body)
        want = Recipe.from_dict(ra.body)
        assert got.threshold(crack_b) == want.threshold(crack_a)
        name_a = {c.value: c.name for c in a.classes.list()}
        assert [r.class_value for r in got.rules] == [
            b.classes.by_name(name_a[r.class_value]).value for r in want.rules]
    # the note travels in the file: drop it to compare the exports of the two projects
    assert main(["recipe", "import", str(target), str(first), "--name", "copy"]) == 0
    assert main(["recipe", "export", str(target), "copy", str(second)]) == 0
    assert second.read_bytes() == first.read_bytes().replace(b'"name": "housing"',
                                                             b'"name": "copy"')
    # same project: an import equal to the latest saves nothing; export again: same bytes
    before = recipe_rows(demo)
    assert main(["recipe", "import", str(demo), str(first)]) == 0
    assert "Nothing imported" in capsys.readouterr().out
    assert recipe_rows(demo) == before
    assert main(["recipe", "export", str(demo), "housing", str(second)]) == 0
    assert second.read_bytes() == first.read_bytes()


def test_import_into_a_fresh_project_exports_the_same_bytes(demo, tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["recipe", "export", str(demo), "housing", str(first)]) == 0
    target = other_project(tmp_path, classes=(("Pore", "#00ff00"), ("CRACK", "#ff0000")))
    assert main(["recipe", "import", str(target), str(first)]) == 0
    with Project.open(target) as p:  # mapped ignoring case, stored in this project's spelling
        names = {c["name"] for c in p.recipes.get("housing").body["classes"]}
        assert names == {"Pore", "CRACK"}
    assert main(["recipe", "export", str(target), "housing", str(second)]) == 0
    assert second.read_bytes() == (first.read_bytes().replace(b'"crack"', b'"CRACK"')
                                   .replace(b'"pore"', b'"Pore"'))


def _good(demo, tmp_path) -> dict:
    out = tmp_path / "good.json"
    assert main(["recipe", "export", str(demo), "housing", str(out)]) == 0
    return json.loads(out.read_text())


BAD = {
    "not json": (lambda d: "this is { not json", "not valid JSON"),
    "newer format": (lambda d: {**d, "format_version": 2}, "newer Defect Studio"),
    "not a recipe": (lambda d: {"hello": 1}, "not a recipe file"),
    "unknown class": (lambda d: {**d, "classes": [*d["classes"], {"name": "scratch",
                                                                  "threshold": 0.5}]},
                      "scratch. This project's classes: crack, pore"),
    "deeply nested": (lambda d: '{"format": ' + "[" * 50_000 + "]" * 50_000 + "}",
                      "nested too deeply"),
    "nested past the limit": (lambda d: {**d, "note": [[[[[[[[[[[[["x"]]]]]]]]]]]]]},
                              "levels deep"),
    "negative threshold": (lambda d: {**d, "classes": [{**d["classes"][0], "threshold": -0.1}]},
                           "threshold must be within 0..1, got -0.1"),
    "negative limit": (lambda d: {**d, "rules": [{**d["rules"][0], "max_area_mm2": -1}]},
                       "max_area_mm2 must be >= 0"),
    "NaN": (lambda d: json.dumps(d).replace('"threshold": 0.5', '"threshold": NaN', 1),
            "NaN is not a number"),
    "rule in an unknown zone": (lambda d: {**d, "rules": [{**d["rules"][0], "zone": "rim"}]},
                                "unknown zone"),
    "unknown grade": (lambda d: {**d, "rules": [{**d["rules"][0], "grade": "MELT"}]},
                      "unknown grade 'MELT'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_is_refused_and_changes_nothing(demo, tmp_path, capsys, case):
    make, message = BAD[case]
    doc = make(_good(demo, tmp_path))
    bad = tmp_path / "bad.json"
    bad.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    before = recipe_rows(demo)
    capsys.readouterr()
    assert main(["recipe", "import", str(demo), str(bad), "--name", "x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("defect-studio recipe: error: ") and message in err, err
    assert "Traceback" not in err
    assert recipe_rows(demo) == before


def test_unknown_recipe_and_missing_file(demo, tmp_path, capsys):
    assert main(["recipe", "show", str(demo), "nope"]) == 1
    assert "no recipe 'nope'; recipes here: housing" in capsys.readouterr().err
    assert main(["recipe", "import", str(demo), str(tmp_path / "missing.json")]) == 1
    assert "cannot read missing.json" in capsys.readouterr().err
