"""pytest fixtures of the throw-away PostgreSQL cluster (tests/support/postgres.py).

`pg_cluster` starts one server for the whole session, on first use; `pg_url` is the URL of a
fresh team project database (a copy of a template migrated once, so each test starts at once);
`pg_empty_url` an empty database; `store_engine` parametrizes a test over both engines.
"""

from __future__ import annotations

import pytest

from .postgres import PgCluster, bin_dir, require_pg


@pytest.fixture(scope="session")
def pg_cluster():
    if bin_dir() is None and not require_pg():
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql); "
                    ".ci/run installs it and runs these tests")
    cluster = PgCluster()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster, tmp_path_factory):
    import os

    from app.store import Project

    os.environ.setdefault("DEFECT_STUDIO_TEAM_DIR", str(tmp_path_factory.mktemp("team")))
    name = pg_cluster.new_database("tmpl")
    Project.create(pg_cluster.url(name)).close()
    return name


@pytest.fixture
def pg_url(pg_cluster, pg_template, tmp_path, monkeypatch):
    """A new team project (already created) in its own database; its team folder in tmp_path."""
    monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(tmp_path / "team"))
    return pg_cluster.url(pg_cluster.new_database(template=pg_template))


@pytest.fixture
def pg_empty_url(pg_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("DEFECT_STUDIO_TEAM_DIR", str(tmp_path / "team"))
    return pg_cluster.url(pg_cluster.new_database())


@pytest.fixture(params=["sqlite", "postgresql"])
def store_engine(request):
    return request.param


@pytest.fixture
def any_project(store_engine, tmp_path, request):
    """An open new project on each engine: a .dsproj file, then a team database."""
    from app.store import Project

    if store_engine == "sqlite":
        p = Project.create(tmp_path / "test.dsproj")
    else:
        p = Project.open(request.getfixturevalue("pg_url"))
    yield p
    p.close()
