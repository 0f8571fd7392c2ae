"""Fixtures shared by the job tests."""

import pytest

from app.store import Project
from tests.support.inspection import make_inspection_project


@pytest.fixture
def line(tmp_path):
    path, model_id, folder = make_inspection_project(tmp_path)
    with Project.open(path) as p:
        p.classes.update(p.classes.by_name("spot").value, color="#00ff00")
        yield p, model_id, folder
