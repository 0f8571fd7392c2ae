"""Every CLI command takes a team project's URL as PROJECT; `roots` and `team` manage its
storage roots, roles and members; what goes wrong is one clear line (tests on the real server)."""

import io
import json
import socket

from sqlalchemy.engine import make_url

from app.cli import main
from app.store import Project


def _cli(capsys, *args, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    rc = main([str(a) for a in args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _login(url: str, user: str, password: str | None = None) -> str:
    return make_url(url).set(username=user, password=password).render_as_string(
        hide_password=False)


def test_classes_and_roots_take_a_url(pg_url, tmp_path, capsys):
    rc, out, err = _cli(capsys, "classes", pg_url, "add", "pore")
    assert rc == 0, err
    rc, out, _ = _cli(capsys, "classes", pg_url, "list")
    assert rc == 0 and "pore" in out
    assert _cli(capsys, "roots", pg_url, "add", "parts")[0] == 0
    rc, out, _ = _cli(capsys, "roots", pg_url, "list")
    assert out.splitlines() == ["parts\tnot mapped here"]
    folder = tmp_path / "nas" / "parts"
    folder.mkdir(parents=True)
    rc, out, _ = _cli(capsys, "roots", pg_url, "map", "parts", folder)
    assert rc == 0
    rc, out, _ = _cli(capsys, "roots", pg_url, "list")
    assert out.splitlines() == [f"parts\t{folder.resolve()}"]
    with Project.open(pg_url) as p:
        assert p.roots.folder("parts") == folder.resolve()
        assert [c.name for c in p.classes.list()] == ["pore"]
    rc, _, err = _cli(capsys, "roots", pg_url, "map", "nothere", folder)
    assert rc == 1 and "no storage root 'nothere'" in err


def test_team_members_and_a_labelers_refusal(pg_url, tmp_path, capsys, monkeypatch, pg_cluster):
    db = make_url(pg_url).database
    anna = f"anna_{db}"
    rc, out, err = _cli(capsys, "team", pg_url, "init-roles")
    assert rc == 0 and f"ds_{db}_labeler" in out, err
    rc, out, err = _cli(capsys, "team", pg_url, "members", "add", anna, "--role", "labeler",
                        "--password-stdin", stdin="s3cret pass\n", monkeypatch=monkeypatch)
    assert rc == 0 and f"{anna} is now labeler" in out, err
    rc, out, _ = _cli(capsys, "team", pg_url, "members", "list")
    assert out.splitlines() == [f"{anna}\tlabeler"]
    # anna's password works (the server asks for it), and is read from stdin, not the command
    pg_cluster.require_password(anna)
    recipe = tmp_path / "r.json"
    with Project.open(pg_url) as p:  # a recipe file as the team exchanges them
        from app.core.grading import Recipe
        from app.jobs.recipe_files import export_recipe

        p.recipes.save("housing", Recipe().to_dict())
        export_recipe(p, "housing", recipe)
    data = json.loads(recipe.read_text())
    data["name"] = "other"
    recipe.write_text(json.dumps(data))
    rc, out, err = _cli(capsys, "recipe", "import", _login(pg_url, anna), recipe,
                        "--password-stdin", stdin="s3cret pass\n", monkeypatch=monkeypatch)
    assert rc == 1
    assert "labeler cannot save recipe versions" in err and "Traceback" not in err
    monkeypatch.delenv("PGPASSWORD", raising=False)
    rc, _, err = _cli(capsys, "classes", _login(pg_url, anna), "--password-stdin", "list",
                      stdin="wrong\n", monkeypatch=monkeypatch)
    assert rc == 1 and "did not accept the password" in err and "wrong" not in err
    rc, _, err = _cli(capsys, "classes", _login(pg_url, anna, "s3cret pass"), "list")
    assert rc == 0, err
    rc, _, err = _cli(capsys, "classes", _login(pg_url, anna, "oops-typo"), "list")
    assert rc == 1 and "oops-typo" not in err  # a password in the URL is never echoed
    rc, out, err = _cli(capsys, "team", pg_url, "members", "set-role", anna, "reviewer")
    assert rc == 0 and f"{anna} is now reviewer" in out, err


def test_clear_messages_for_what_goes_wrong(pg_cluster, pg_empty_url, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    rc, _, err = _cli(capsys, "classes", f"postgresql+psycopg://x@127.0.0.1:{closed}/db", "list")
    assert rc == 1 and "Cannot reach the server" in err and "Is the server running" in err
    rc, _, err = _cli(capsys, "classes", pg_cluster.url("no_such_db"), "list")
    assert rc == 1 and "has no database 'no_such_db'" in err
    rc, _, err = _cli(capsys, "classes", pg_cluster.url(user="nobody_here"), "list")
    assert rc == 1 and "has no login 'nobody_here'" in err
    rc, _, err = _cli(capsys, "classes", pg_empty_url, "list")
    assert rc == 1 and "holds no project yet" in err
    name = make_url(pg_empty_url).database
    pg_cluster.admin("CREATE TABLE invoices (id int)", database=name)
    rc, _, err = _cli(capsys, "classes", pg_empty_url, "list")
    assert rc == 1 and "holds tables of another program" in err


def test_newer_schema_is_refused_with_a_clear_line(pg_url, pg_cluster, capsys):
    pg_cluster.admin("UPDATE alembic_version SET version_num = '0099_future'",
                     database=make_url(pg_url).database)
    rc, _, err = _cli(capsys, "classes", pg_url, "list")
    assert rc == 1 and "newer Defect Studio" in err and "Update Defect Studio" in err


def test_import_folder_creates_a_team_project_in_an_empty_database(pg_empty_url, tmp_path,
                                                                   capsys):
    import cv2
    import numpy as np

    folder = tmp_path / "lot"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.full((20, 30), 90, np.uint8))
    rc, out, err = _cli(capsys, "import", pg_empty_url, folder, "--create")
    assert rc == 0, err
    with Project.open(pg_empty_url) as p:
        assert p.images.count() == 1
        assert p.roots.names() == ["lot"]
