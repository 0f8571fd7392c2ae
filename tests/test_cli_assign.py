"""`defect-studio assign PROJECT --to NAME IMAGE...` on a project file and on a team project."""

import pytest

from app.cli import main
from app.store import Project
from tests.store.helpers import make_image_file


@pytest.fixture
def location(store_engine, tmp_path, request):
    """A project (file or team URL) with three images, closed."""
    where = (str(tmp_path / "p.dsproj") if store_engine == "sqlite"
             else request.getfixturevalue("pg_url"))
    p = Project.create(where) if store_engine == "sqlite" else Project.open(where)
    with p:
        folder = p.root / "imgs"
        p.images.add_many([make_image_file(folder, f"p{i}.png") for i in range(3)])
    return where


def test_assign_and_unassign_by_id_and_path(location, capsys):
    with Project.open(location) as p:
        a, b, c = (r.id for r in p.images.list())
        path_b = str(p.images.abspath(p.images.get(b)))
    assert main(["assign", location, "--to", "anna", str(a), path_b]) == 0
    assert "2 images assigned to anna" in capsys.readouterr().out
    assert main(["assign", location, "--nobody", str(a)]) == 0
    with Project.open(location) as p:
        assert {r.id: r.assignee for r in p.images.list()} == {a: None, b: "anna", c: None}
        row = p.audit.list(action="image.assign", limit=1)[0]
        assert row.detail == {"ids": [a], "assignee": None}


def test_an_unknown_image_changes_nothing(location, capsys):
    with Project.open(location) as p:
        a = p.images.list()[0].id
        audit = len(p.audit.list())
    assert main(["assign", location, "--to", "anna", str(a), "999"]) == 1
    assert "no image with id 999" in capsys.readouterr().err
    assert main(["assign", location, "--to", " ", str(a)]) == 1
    with Project.open(location) as p:
        assert p.images.get(a).assignee is None and len(p.audit.list()) == audit
