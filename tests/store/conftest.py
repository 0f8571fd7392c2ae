"""The store tests run on both engines: `project` is a new project file, then a new team
database on the test session's PostgreSQL server (tests/support/pg_fixtures.py)."""

import pytest


@pytest.fixture
def project(any_project):
    return any_project
