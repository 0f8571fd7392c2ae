"""Recipe versions: a bad reference is a sentence (not "invalid literal for int()" or an
OverflowError), and a body the grading model refuses (a negative threshold) is not stored."""

import pytest

from app.cli import main
from app.store import Project

GOOD = {"classes": [{"value": 1, "threshold": 0.4}]}


@pytest.fixture
def project(any_project):  # on both engines
    any_project.recipes.save("housing", GOOD)
    return any_project


@pytest.mark.parametrize("ref", ["housing@abc", "housing@99999999999999999999999", "housing@-1",
                                 "housing@1.5", "housing@"])
def test_bad_version_reference_is_a_sentence(project, ref):
    if ref.endswith("@"):  # an empty version means the latest
        assert project.recipes.get(ref).version == 1
        return
    with pytest.raises(KeyError, match="a version is a whole number"):
        project.recipes.get(ref)


def test_cli_bad_version_reference(tmp_path, capsys):
    path = tmp_path / "p.dsproj"
    with Project.create(path) as p:
        p.recipes.save("housing", GOOD)
    rc = main(["recipe", "show", str(path), "housing@99999999999999999999999"])
    err = capsys.readouterr().err
    assert rc == 1 and "a version is a whole number" in err and "Traceback" not in err


@pytest.mark.parametrize("body,message", [
    ({"classes": [{"value": 1, "threshold": -0.5}]}, "threshold must be within 0..1"),
    ({"classes": [{"value": 300}]}, "class value must be 1..255"),
    ({"classes": ["crack"]}, "the recipe was not saved"),
])
def test_a_body_the_model_refuses_is_not_stored(project, body, message):
    with pytest.raises(ValueError, match=message):
        project.recipes.save("housing", body)
    assert [r.version for r in project.recipes.versions("housing")] == [1]
