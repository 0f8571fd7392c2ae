"""Team roles enforced by PostgreSQL (app/store/team_roles.py), on the real server: each role's
connection is refused what it may not do, raw SQL and through the repositories alike, and every
history row names the login that wrote it."""

import numpy as np
import psycopg
import pytest
from sqlalchemy.engine import make_url

from app.core.inspection_record import InspectionRecord
from app.store import Project, RoleRefusedError
from app.store.team_roles import add_member, ensure_roles, members, role_of
from tests.store.helpers import make_image_file
from tests.support.raw_sql import outside_sql


def _as(url: str, login: str) -> str:
    return make_url(url).set(username=login).render_as_string(hide_password=False)


@pytest.fixture
def team(pg_url, tmp_path):
    """A team project with one image and one recipe, its roles set up, and four logins; yields
    (owner's project, {role: url of that member's login})."""
    owner = Project.open(pg_url)
    owner.classes.add("crack", "#ff0000")
    owner.images.add_many([make_image_file(tmp_path / "parts")])
    recipe = owner.recipes.save("housing", {"t": 0.5})
    run = owner.runs.create("lot 1", None, recipe.id)
    owner.runs.add_result(run.id, "a.png", InspectionRecord("OK", sha256="h", risk=0.1))
    db = make_url(pg_url).database
    logins = {}
    with owner.db.session() as s:
        ensure_roles(s.connection())
        ensure_roles(s.connection())  # idempotent
        for role in ("labeler", "reviewer", "recipe-owner", "admin"):
            login = f"{role.replace('-', '_')}_{db}"
            add_member(s.connection(), login, role)
            logins[role] = _as(pg_url, login)
    yield owner, logins
    owner.close()


def _raw(url: str, sql: str) -> None:
    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database) as con:
        con.execute(sql)


def test_roles_are_listed_and_read_back(team):
    owner, logins = team
    assert owner.role == "admin"  # a superuser / the owner
    with owner.db.session() as s:
        listed = {m.login: m.role for m in members(s.connection())}
    assert listed == {make_url(u).username: r for r, u in logins.items()}
    for role, url in logins.items():
        with Project.open(url) as p:
            assert p.role == role
            with p.db.engine.connect() as conn:
                assert role_of(conn) == role


def test_a_labeler_cannot_write_a_recipe_version(team):
    _owner, logins = team
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _raw(logins["labeler"], "INSERT INTO recipes (name, version, body, content_hash, "
                                "created_at, author) VALUES ('x', 9, '{}', 'h', 'now', "
                                f"'{make_url(logins['labeler']).username}')")
    with Project.open(logins["labeler"]) as p:
        assert not p.may("recipe.save")
        assert "labeler cannot save recipe versions" in p.why_not("recipe.save")
        with pytest.raises(RoleRefusedError, match="labeler cannot save recipe versions"):
            p.recipes.save("housing", {"t": 0.7})
        assert [r.version for r in p.recipes.versions("housing")] == [1]  # nothing written


@pytest.mark.parametrize("sql", [
    "DELETE FROM audit_log",
    "UPDATE audit_log SET author = 'someone'",
    "TRUNCATE audit_log",
    "TRUNCATE images CASCADE",
    "DELETE FROM images",
    "INSERT INTO storage_roots (name, created_at) VALUES ('x', 'now')",
])
def test_a_labeler_cannot_rewrite_history_or_the_images(team, sql):
    owner, logins = team
    before = owner.audit.list()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _raw(logins["labeler"], sql)
    assert owner.images.count() == 1
    assert owner.audit.list() == before


def test_a_labeler_saves_masks_under_their_own_name(team):
    owner, logins = team
    login = make_url(logins["labeler"]).username
    image_id = owner.images.list()[0].id
    mask = np.zeros((30, 40), np.uint8)
    mask[5:9, 6:10] = 1
    with Project.open(logins["labeler"]) as p:
        p.masks.save(image_id, mask, source="edit")
        p.images.set_status([image_id], "labeled")
    revision = owner.masks.revisions(image_id)[-1]
    assert revision.author == login
    assert np.array_equal(owner.masks.load(image_id), mask)
    assert owner.images.get(image_id).status == "labeled"
    with owner.db.engine.connect() as conn:
        authors = {a for (a,) in conn.exec_driver_sql(
            "SELECT author FROM audit_log WHERE action IN ('mask.revision', 'image.status')")}
    assert authors == {login}


def test_nobody_writes_history_under_another_name(team):
    owner, logins = team
    image_id = owner.images.list()[0].id
    login = make_url(logins["admin"]).username  # even a project admin (not the owner)
    insert = ("INSERT INTO mask_revisions (image_id, mask_png, defect_pixels, class_values, "
              "source, author, created_at) VALUES ({}, '\\x00', 0, '[]', 'edit', '{}', 'now')")
    with pytest.raises(psycopg.errors.CheckViolation, match="author"):
        _raw(logins["admin"], insert.format(image_id, "the-boss"))
    _raw(logins["admin"], insert.format(image_id, login))  # their own name: accepted
    assert [r.author for r in owner.masks.revisions(image_id)] == [login]


def test_a_reviewer_decides_and_a_labeler_may_not(team):
    owner, logins = team
    result = owner.runs.results(owner.runs.list()[0].id)[0]
    with Project.open(logins["labeler"]) as p, pytest.raises(
            RoleRefusedError, match="labeler cannot record review decisions"):
        p.runs.decide(result.id, "confirm", "OK")
    with Project.open(logins["reviewer"]) as p:
        assert p.may("review.decide") and not p.may("recipe.save")
        p.runs.decide(result.id, "override", "SCRAP", reason="crack at the edge")
    decisions = owner.runs.decisions(result.id)
    assert [(d.grade, d.author) for d in decisions] == [
        ("SCRAP", make_url(logins["reviewer"]).username)]


def test_a_recipe_owner_saves_recipes_and_only_an_admin_adds_classes(team):
    owner, logins = team
    with Project.open(logins["recipe-owner"]) as p:
        row = p.recipes.save("housing", {"t": 0.7}, note="tighter")
        assert row.version == 2 and row.author == make_url(logins["recipe-owner"]).username
        with pytest.raises(RoleRefusedError, match="recipe-owner cannot add, change or delete"):
            p.classes.add("dent", "#00ff00")
    with Project.open(logins["admin"]) as p:
        p.classes.add("dent", "#00ff00")
    assert [c.name for c in owner.classes.list()] == ["crack", "dent"]


def test_members_are_managed_by_an_admin_only(team):
    owner, logins = team
    db = make_url(logins["admin"]).database
    with Project.open(logins["labeler"]) as p, pytest.raises(RoleRefusedError):
        with p.db.session() as s:
            add_member(s.connection(), f"mallory_{db}", "admin")
    with Project.open(logins["admin"]) as p:
        with p.db.session() as s:
            add_member(s.connection(), f"newbie_{db}", "labeler")
            add_member(s.connection(), f"newbie_{db}", "reviewer")  # set-role: one group
            listed = {m.login: m.role for m in members(s.connection())}
    assert listed[f"newbie_{db}"] == "reviewer"
    assert f"mallory_{db}" not in listed


def test_outside_sql_as_labeler_cannot_truncate_recipes(team):
    owner, logins = team
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        outside_sql(owner, "TRUNCATE recipes CASCADE", url=logins["labeler"])
    assert [r.version for r in owner.recipes.versions("housing")] == [1]
