"""The members of a team project and their roles (app/store/team_roles.py), as a repository:
`project.members` (None for a project file). Refusals (a labeler adding members) come back as
RoleRefusedError through `Database.session`, like any other write."""

from __future__ import annotations

import builtins

from .database import Database
from .team_roles import Member, add_member, ensure_roles, members, role_of, roles_exist


class TeamMembers:
    def __init__(self, db: Database):
        self._db = db

    def list(self) -> list[Member]:
        with self._db.session() as s:
            return members(s.connection())

    def add(self, login: str, role: str, password: str | None = None) -> Member:
        """Adds `login` as `role` (creating the login), or gives a member another role."""
        with self._db.session() as s:
            return add_member(s.connection(), login, role, password)

    def role_of(self, login: str) -> str | None:
        """The highest role `login` holds in this project (None: none)."""
        with self._db.session() as s:
            return role_of(s.connection(), login)

    def roles_set_up(self) -> bool:
        with self._db.session() as s:
            return roles_exist(s.connection())

    def set_up_roles(self) -> builtins.list[str]:
        """Creates or repairs the roles and grants (the database's owner)."""
        with self._db.session() as s:
            return ensure_roles(s.connection())
