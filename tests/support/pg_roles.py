"""Other people on the test server: a team project's URL as another database role."""

from __future__ import annotations

from sqlalchemy.engine import make_url


def as_role(pg_cluster, pg_url: str, role: str) -> str:
    """`pg_url` as database role `role` (created once per server, superuser: these tests are
    about concurrent edits, not about permissions)."""
    pg_cluster.admin(f"DO $$ BEGIN CREATE ROLE {role} LOGIN SUPERUSER; "
                     "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    return make_url(pg_url).set(username=role).render_as_string(hide_password=False)
