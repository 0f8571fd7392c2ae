"""Who may do what in a team project, enforced by PostgreSQL itself (grants, not only the UI).

Four group roles per team database, each holding the rights of the one before:

    labeler       masks, image status/split/assignee, leases, audit rows, pre-labels, queue jobs
    reviewer      + review decisions, inspection runs and results
    recipe-owner  + recipe versions, project settings (the active model), models, running jobs
    admin         + everything else: defect classes, storage roots, images, team members

Roles are cluster-wide in PostgreSQL while grants are per database, so the group roles are
named per database (`ds_<database>_labeler`, ...): one server can hold several team projects
(and the tests' one cluster holds many databases) without a labeler of one being a labeler of
all. People log in as their own LOGIN role, a member of one group (`add_member`).

`ensure_roles(conn)` sets the whole set up idempotently (run at team-project create and by
`defect-studio team init-roles`); it needs the database's owner or a superuser. It also puts the
author check on the history tables: a revision, decision or audit row must carry the connected
role's name (session_user), so a client cannot write another name; the owner and superusers,
who could drop the trigger anyway, may (copying a project's history in keeps its authors).

A project file (SQLite) has one person and no roles: `role_of` says "admin" there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

ROLES = ("labeler", "reviewer", "recipe-owner", "admin")  # each holds the rights of the one before
_ALL_TABLES = "ALL TABLES IN SCHEMA public"

# role -> (privileges, tables) granted on top of the role before it. Column lists are
# PostgreSQL column privileges: a labeler may change an image's status, never its path.
GRANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "labeler": (
        ("SELECT", _ALL_TABLES),
        ("INSERT", "mask_revisions"),
        ("INSERT, UPDATE, DELETE", "annotations"),
        ("UPDATE (status, split, is_good, assignee)", "images"),
        ("INSERT, UPDATE, DELETE", "image_leases"),
        ("INSERT", "audit_log"),
        ("INSERT, DELETE", "predictions"),
        ("INSERT", "jobs"),
        ("UPDATE (cancel_requested)", "jobs"),
        ("INSERT", "job_events"),
    ),
    "reviewer": (
        ("INSERT", "review_decisions"),
        ("INSERT, UPDATE", "inspection_runs"),
        ("INSERT", "inspection_results"),
    ),
    "recipe-owner": (
        ("INSERT", "recipes"),
        ("INSERT, UPDATE, DELETE", "project_settings"),
        ("INSERT, UPDATE, DELETE", "models"),
        ("INSERT, UPDATE, DELETE", "model_files"),
        ("UPDATE, DELETE", "jobs"),
    ),
    "admin": (
        ("SELECT, INSERT, UPDATE, DELETE", _ALL_TABLES),
    ),
}

# What a person can do, the least role that may, and the words for it ("your role X cannot ...").
ABILITIES: dict[str, tuple[str, str]] = {
    "masks.save": ("labeler", "save masks"),
    "review.decide": ("reviewer", "record review decisions"),
    "inspect.run": ("reviewer", "run inspections"),
    "recipe.save": ("recipe-owner", "save recipe versions"),
    "settings.change": ("recipe-owner", "change project settings (such as the active model)"),
    "models.change": ("recipe-owner", "add or change models"),
    "classes.change": ("admin", "add, change or delete defect classes"),
    "images.import": ("admin", "import images"),
    "roots.add": ("admin", "add storage roots"),
    "members.manage": ("admin", "manage team members"),
}

# The table a refused statement named -> the ability it needed (for the message).
_TABLE_ABILITY = {
    "mask_revisions": "masks.save", "annotations": "masks.save",
    "review_decisions": "review.decide",
    "inspection_runs": "inspect.run", "inspection_results": "inspect.run",
    "recipes": "recipe.save", "project_settings": "settings.change",
    "models": "models.change", "model_files": "models.change",
    "defect_classes": "classes.change", "images": "images.import",
    "storage_roots": "roots.add",
}

# History tables and the column naming who wrote the row.
AUTHORED = (("audit_log", "author"), ("mask_revisions", "author"), ("recipes", "author"),
            ("review_decisions", "author"), ("inspection_runs", "author"), ("models", "author"))

_AUTHOR_FUNCTION = """
CREATE OR REPLACE FUNCTION ds_author_is_session_user() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE who text := to_jsonb(NEW) ->> TG_ARGV[0];
BEGIN
    IF who IS DISTINCT FROM session_user::text
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
       AND NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID),
                           'MEMBER') THEN
        RAISE EXCEPTION 'a % row must name the connected role % as its author, not %',
            TG_TABLE_NAME, session_user, who USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$"""

_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$")


class RoleError(Exception):
    """A role name or a member change that cannot be done; the message says why."""


def normalize_role(name: str) -> str:
    """'recipe_owner', 'Recipe-Owner' -> 'recipe-owner'; RoleError for anything else."""
    role = str(name).strip().lower().replace("_", "-")
    if role not in ROLES:
        raise RoleError(f"{name!r} is not a role: use one of {', '.join(ROLES)}")
    return role


def group_name(database: str, role: str) -> str:
    """The group role of `role` in `database` (at most 63 characters, PostgreSQL's limit)."""
    base = re.sub(r"[^a-z0-9_]+", "_", database.lower()).strip("_") or "db"
    suffix = "_" + normalize_role(role).replace("-", "_")
    if len(base) + len(suffix) + 3 > 63:
        digest = hashlib.sha256(database.encode()).hexdigest()[:8]
        base = base[:63 - len(suffix) - 3 - 9] + "_" + digest
    return f"ds_{base}{suffix}"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _run(conn: Connection, sql: str) -> None:
    """A statement without parameters (psycopg reads '%' as a placeholder: doubled here)."""
    conn.exec_driver_sql(sql.replace("%", "%%"))


def _database(conn: Connection) -> str:
    return str(conn.exec_driver_sql("SELECT current_database()").scalar_one())


def ensure_roles(conn: Connection) -> list[str]:
    """Creates (when missing) the four group roles of this database, makes their grants exactly
    GRANTS, revokes PUBLIC's rights and puts the author check on the history tables. Idempotent;
    runs in the caller's transaction. Returns the group role names, labeler first."""
    db = _database(conn)
    groups = [group_name(db, r) for r in ROLES]
    for name in groups:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
        if exists.first() is None:
            _run(conn, f"CREATE ROLE {quote(name)} NOLOGIN")
    # each holds the rights of the one before
    for lower, upper in zip(groups, groups[1:], strict=False):
        _run(conn, f"GRANT {quote(lower)} TO {quote(upper)}")
    def run(sql: str) -> None:
        _run(conn, sql)

    run(f"REVOKE ALL ON DATABASE {quote(db)} FROM PUBLIC")
    run("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    run(f"REVOKE ALL ON {_ALL_TABLES} FROM PUBLIC")
    run("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC")
    run(f"GRANT CONNECT, TEMPORARY ON DATABASE {quote(db)} TO {quote(groups[0])}")
    run(f"GRANT USAGE ON SCHEMA public TO {quote(groups[0])}")
    run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(groups[0])}")
    # Tables a later migration adds (made by this same owner): readable by every role, written
    # by admins, until init-roles gives them their place in GRANTS.
    defaults = "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT"
    run(f"{defaults} SELECT ON TABLES TO {quote(groups[0])}")
    run(f"{defaults} SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quote(groups[-1])}")
    run(f"{defaults} USAGE, SELECT ON SEQUENCES TO {quote(groups[0])}")
    for role, name in zip(ROLES, groups, strict=True):
        run(f"REVOKE ALL ON {_ALL_TABLES} FROM {quote(name)}")  # column grants go with it
        for privileges, tables in GRANTS[role]:
            run(f"GRANT {privileges} ON {tables} TO {quote(name)}")
    run(_AUTHOR_FUNCTION)
    for table, column in AUTHORED:
        trigger = f"{table}_author_is_session_user"
        run(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        run(f"CREATE TRIGGER {trigger} BEFORE INSERT ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION ds_author_is_session_user('{column}')")
    return groups


def roles_exist(conn: Connection) -> bool:
    """Whether this database's group roles were set up (ensure_roles ran here)."""
    found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"),
                         {"n": group_name(_database(conn), "labeler")})
    return found.first() is not None


def role_of(conn: Connection, login: str | None = None) -> str | None:
    """The highest role `login` (default: the connected login) holds here: "admin" for the
    database's owner and superusers, None for a login with no role in this project."""
    if conn.dialect.name != "postgresql":
        return "admin"  # a project file: one person, every right
    who = login if login is not None else str(conn.exec_driver_sql("SELECT session_user").scalar())
    owner = conn.execute(text(
        "SELECT r.rolsuper OR pg_has_role(r.oid, d.datdba, 'MEMBER') FROM pg_database d, "
        "pg_roles r WHERE d.datname = current_database() AND r.rolname = :who"), {"who": who}
    ).scalar()
    if owner is None:
        return None  # no such login
    if owner:
        return "admin"
    db = _database(conn)
    held = None
    for role in ROLES:
        found = conn.execute(text(
            "SELECT pg_has_role(m.oid, g.oid, 'MEMBER') FROM pg_roles g, pg_roles m "
            "WHERE g.rolname = :g AND m.rolname = :who"),
            {"g": group_name(db, role), "who": who}).scalar()
        if found:
            held = role
    return held


def may(role: str | None, ability: str) -> bool:
    """Whether `role` may do `ability` (a key of ABILITIES)."""
    least = ABILITIES[ability][0]
    return role is not None and ROLES.index(role) >= ROLES.index(least)


def why_not(role: str | None, ability: str) -> str:
    """The sentence shown beside something a role cannot do ("" when it can)."""
    if may(role, ability):
        return ""
    least, words = ABILITIES[ability]
    who = f"your role {role}" if role else "your login has no role in this project and"
    article = "an" if least[0] in "aeiou" else "a"
    return f"{who} cannot {words} ({article} {least} can; an admin changes roles)"


def refusal_message(role: str | None, error_text: str) -> str:
    """The database's "permission denied for table X" in the user's words."""
    m = re.search(r"permission denied for (?:table|relation|sequence) \"?([A-Za-z0-9_]+)",
                  error_text)
    table = m.group(1) if m else ""
    ability = _TABLE_ABILITY.get(table)
    if re.search(r"create role|admin option|grant role|alter role|must be owner", error_text):
        ability = "members.manage"  # roles and grants: an admin's (or the owner's) work
    if ability is not None:
        sentence = why_not(role, ability) or f"the database refused: {error_text.strip()}"
    else:
        who = f"your role {role}" if role else "your login has no role in this project and"
        sentence = f"{who} cannot change {table or 'this'} (the database refused it)"
    return sentence[0].upper() + sentence[1:] + "."


def is_refusal(error: BaseException) -> bool:
    """A DBAPI error that is PostgreSQL's insufficient_privilege (42501)."""
    orig = getattr(error, "orig", error)
    return getattr(orig, "sqlstate", None) == "42501"


# members ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Member:
    login: str
    role: str


def members(conn: Connection) -> list[Member]:
    """Every login of this project with its highest role, by name."""
    db = _database(conn)
    best: dict[str, str] = {}
    for role in ROLES:
        rows = conn.execute(text(
            "SELECT m.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
            "JOIN pg_roles m ON m.oid = a.member WHERE g.rolname = :g AND m.rolcanlogin"),
            {"g": group_name(db, role)})
        for (login,) in rows:
            best[str(login)] = role
    return [Member(k, best[k]) for k in sorted(best)]


def add_member(conn: Connection, login: str, role: str, password: str | None = None) -> Member:
    """Makes `login` (a LOGIN role, created when missing, with `password` when given) a member
    of exactly one of this project's groups. Needs an admin of the project (or the owner)."""
    role = normalize_role(role)
    if not _USER.match(login):
        raise RoleError(f"{login!r} cannot name a login: use letters, digits, '_', '.', '@' or "
                        "'-', starting with a letter or '_' (up to 63)")
    db = _database(conn)
    groups = {r: group_name(db, r) for r in ROLES}
    if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"),
                    {"n": groups["labeler"]}).first() is None:
        raise RoleError(f"the roles of {db} are not set up yet: the database's owner runs "
                        "defect-studio team init-roles PROJECT first")
    if login in groups.values():
        raise RoleError(f"{login} is a group role of this project, not a person's login")
    found = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :n"), {"n": login})
    row = found.first()
    if row is not None and row[0]:
        raise RoleError(f"{login} is a superuser of the server: every right already")
    extra = " CREATEROLE" if role == "admin" else ""
    secret = f" PASSWORD '{scram_verifier(password)}'" if password else ""
    if row is None:
        _run(conn, f"CREATE ROLE {quote(login)} LOGIN{extra}{secret}")
    else:
        if secret:
            _run(conn, f"ALTER ROLE {quote(login)}{secret}")
        if role == "admin":
            _run(conn, f"ALTER ROLE {quote(login)} CREATEROLE")
    held = {str(r) for (r,) in conn.execute(text(
        "SELECT g.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
        "JOIN pg_roles m ON m.oid = a.member WHERE m.rolname = :n"), {"n": login})}
    if role != "admin" and groups["admin"] in held:  # no longer grants roles
        _run(conn, f"ALTER ROLE {quote(login)} NOCREATEROLE")
    for name in groups.values():
        if name in held and name != groups[role]:
            _run(conn, f"REVOKE {quote(name)} FROM {quote(login)}")
    if role == "admin":  # an admin grants the groups to others (PostgreSQL 16 asks ADMIN OPTION)
        for name in groups.values():
            _run(conn, f"GRANT {quote(name)} TO {quote(login)} WITH ADMIN OPTION")
    else:
        _run(conn, f"GRANT {quote(groups[role])} TO {quote(login)}")
    return Member(login, role)


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores (RFC 5802/7677), made here so the password
    itself never travels in a statement (nor lands in a server log)."""
    if "\0" in password:
        raise RoleError("a password cannot hold a NUL character")
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"
