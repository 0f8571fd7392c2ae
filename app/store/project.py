"""A Defect Studio project: one SQLite file, opened by path, one writer at a time; or a team
project: a PostgreSQL database, opened by URL, shared by many clients at once.

Opening a file checks, in order and before anything is written: the file is SQLite, it carries
our application_id, its schema is not newer than ours, and no other process writes it. Opening a
team database checks that it is ours (or empty, for create) and not newer. Only then are missing
migration steps applied.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import DBAPIError

from .audit_chain import ChainCheck
from .audit_chain import verify as verify_chain
from .audit_repo import AuditRepo
from .classes_repo import ClassesRepo
from .database import Database
from .errors import (
    DamagedProjectError,
    EmptyTeamError,
    ForeignFileError,
    NewerSchemaError,
    ProjectError,
    TeamAuthError,
    TeamConnectionError,
)
from .header import APPLICATION_ID, read_header
from .images_repo import ImagesRepo
from .jobs_repo import JobsRepo
from .leases_repo import LeasesRepo
from .location import TeamUrl, is_team_url
from .lock import WriterLock
from .masks_repo import MasksRepo
from .migrations import CHAIN_VERSION, SCHEMA_VERSION, current_version, migrate
from .models_repo import ModelsRepo
from .recipes_repo import RecipesRepo
from .runs_repo import RunsRepo
from .settings_repo import SettingsRepo
from .storage_roots import StorageRoots
from .team_folder import team_folder
from .team_members import TeamMembers
from .team_roles import ensure_roles, may, roles_exist, why_not

EXTENSION = ".dsproj"


class Project:
    """Composes the repositories over one open project file. Use as a context manager."""

    def __init__(self, path: Path, db: Database, lock: WriterLock | None, warning: str = ""):
        # A team project has no file: `path` is its stand-in in this workstation's team folder
        # (app/store/team_folder.py), which holds its model cache and training runs.
        self.path = path
        self.warning = warning  # why a project asked for writing opened read-only ("": none)
        self.root = path.parent
        self._db = db
        self._lock = lock
        self.settings = SettingsRepo(db)
        self.classes = ClassesRepo(db)
        self.roots = StorageRoots(db, self.root) if db.team is not None else None
        self.members = TeamMembers(db) if db.team is not None else None
        self.images = ImagesRepo(db, self.root, self.roots)
        self.masks = MasksRepo(db)
        self.leases = LeasesRepo(db)
        self.models = ModelsRepo(db, path, self.settings)
        self.recipes = RecipesRepo(db)
        self.runs = RunsRepo(db)
        self.audit = AuditRepo(db)
        self.jobs = JobsRepo(db)  # heavy jobs queued for a worker (app/jobs/worker.py)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def team(self) -> TeamUrl | None:
        """The team database this project is (None: a project file)."""
        return self._db.team

    @property
    def is_team(self) -> bool:
        return self._db.team is not None

    @property
    def location(self) -> str:
        """What reopens it: the file path, or the team URL without its password."""
        return self._db.team.display() if self._db.team is not None else str(self.path)

    @property
    def readonly(self) -> bool:
        return self._db.readonly

    @property
    def role(self) -> str | None:
        """This login's team role (app/store/team_roles.py); "admin" for a project file."""
        return self._db.role

    def may(self, ability: str) -> bool:
        """Whether this login's role may do `ability` (a key of team_roles.ABILITIES)."""
        return may(self.role, ability)

    def why_not(self, ability: str) -> str:
        """Why this login cannot do `ability`, for a tooltip ("" when it can)."""
        return why_not(self.role, ability)

    @property
    def db(self) -> Database:
        return self._db

    # lifecycle ----------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path | TeamUrl) -> Project:
        if isinstance(path, TeamUrl) or is_team_url(str(path)):
            return cls._create_team(_team(path))
        path = Path(path).resolve()
        if path.suffix != EXTENSION:
            path = path.with_name(path.name + EXTENSION)
        if path.exists():
            raise ProjectError(f"{path} already exists; open it instead")
        if not path.parent.is_dir():
            raise ProjectError(f"folder {path.parent} does not exist")
        lock = WriterLock(path)
        lock.acquire()
        try:
            db = Database(path, readonly=False)
            with db.engine.connect() as conn:
                lock.lock_identity()  # the connection made the file: it has an inode now
                migrate(conn)
            # Put the header (application_id, user_version) into the main file now, so another
            # process reading only the header sees a project of ours while we hold the WAL.
            db.checkpoint()
            project = cls(path, db, lock)
            project.audit.record("project.create", "project", None, path=str(path))
            return project
        except BaseException:
            lock.release()
            raise

    @classmethod
    def open(cls, path: str | Path | TeamUrl, readonly: bool = False) -> Project:
        if isinstance(path, TeamUrl) or is_team_url(str(path)):
            return cls._open_team(_team(path), readonly)
        path = Path(path).resolve()
        if not path.is_file():
            raise ProjectError(f"no project file at {path}")
        check_file(path)
        lock = None
        if not readonly:
            lock = WriterLock(path)
            lock.acquire()
        db = None
        try:
            db = Database(path, readonly=readonly)
            with db.engine.connect() as conn:
                # The header on disk can lag behind a WAL the last writer did not checkpoint.
                version = current_version(conn)
                if version > SCHEMA_VERSION:
                    raise NewerSchemaError(_newer_message(path, version))
                if version < 1:
                    raise ForeignFileError(f"{path.name} is not a Defect Studio project (project "
                                           f"format {version}); it was left as it is")
                migrated = not readonly and migrate(conn) != version
            if migrated:
                db.checkpoint()
            check = check_audit_chain(db)
            if check.ok:
                return cls(path, db, lock)
        except BaseException as e:
            if db is not None:
                db.engine.dispose()  # never checkpoint (write) a file that failed to open
            if lock:
                lock.release()
            if isinstance(e, DBAPIError) and is_damage(e):
                raise damaged(path, str(e.orig)) from None
            raise
        warning = check.sentence() + (" The project opens read-only: keep this file as evidence "
                                      "and continue from a backup." if not readonly else "")
        if readonly:
            return cls(path, db, lock, warning)
        db.dispose()
        if lock:
            lock.release()
        return cls(path, Database(path, readonly=True), None, warning)

    @classmethod
    def _create_team(cls, url: TeamUrl) -> Project:
        db = _connect(url, readonly=False)
        try:
            with db.engine.connect() as conn:
                version = current_version(conn)
                if version != 0:
                    raise ProjectError(f"{url} already holds tables ("
                                       + ("a Defect Studio project: open it instead"
                                          if version > 0 else "of another program")
                                       + "); create a team project in an empty database")
                migrate(conn)
            warning = _set_up_roles(db)
            project = cls(team_folder(url), db, None, warning)
            project.audit.record("project.create", "project", None, url=url.display())
            return project
        except BaseException:
            db.engine.dispose()
            raise

    @classmethod
    def _open_team(cls, url: TeamUrl, readonly: bool) -> Project:
        db = _connect(url, readonly)
        try:
            with db.engine.connect() as conn:
                version = current_version(conn)
                if version > SCHEMA_VERSION:
                    raise NewerSchemaError(
                        f"{url} was set up by a newer Defect Studio (its project format is "
                        f"newer than {SCHEMA_VERSION}, which this version reads). Update "
                        "Defect Studio to open it.")
                if version < 1:
                    raise (EmptyTeamError if version == 0 else ForeignFileError)(
                        f"{url} is not a Defect Studio team project ("
                        + ("it is empty: create one there instead" if version == 0 else
                           "it holds tables of another program") + "); it was left as it is")
                migrated, refresh = not readonly and version < SCHEMA_VERSION, False
                if migrated:
                    migrate(conn)
                    refresh = roles_exist(conn)  # new tables get their place in the grants
            if migrated and refresh:
                _set_up_roles(db)
            check = check_audit_chain(db)
        except BaseException:
            db.engine.dispose()
            raise
        if check.ok:
            return cls(team_folder(url), db, None)
        db.engine.dispose()
        warning = check.sentence() + (" The project opens read-only: ask the database's "
                                      "administrator to restore it from a backup.")
        return cls(team_folder(url), Database.for_url(url, readonly=True), None, warning)

    def close(self) -> None:
        if self._db is None:
            return
        try:
            self._db.dispose()
        finally:
            self._db = None  # type: ignore[assignment]  # closed: a later call fails at once
            if self._lock:
                self._lock.release()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _set_up_roles(db: Database) -> str:
    """The team roles of a new team project (team_roles.ensure_roles); a creator who may not
    create roles gets the project without them and a warning saying who can finish it."""
    from sqlalchemy.exc import DBAPIError

    try:
        with db.engine.begin() as conn:
            ensure_roles(conn)
    except DBAPIError as e:
        first = str(e.orig).strip().splitlines()[0]
        return (f"The team roles were not set up ({first}): until the server's administrator "
                f"runs defect-studio team init-roles \"{db.label}\", only the database's "
                "owner can work in it.")
    return ""


def _team(location: str | Path | TeamUrl) -> TeamUrl:
    return location if isinstance(location, TeamUrl) else TeamUrl.parse(str(location))


def _connect(url: TeamUrl, readonly: bool) -> Database:
    """The team database, or a ProjectError that says why not in the user's words."""
    from sqlalchemy.exc import OperationalError

    try:
        return Database.for_url(url, readonly)
    except OperationalError as e:
        raise connection_error(url, str(e.orig)) from None


def connection_error(url: TeamUrl, detail: str) -> ProjectError:
    """libpq's reason for a failed connection, said for a person (TeamAuthError when a password
    is missing or wrong: a window asks for it)."""
    lines = [ln.strip() for ln in detail.strip().splitlines() if ln.strip()]
    reason = next((ln for ln in lines if "FATAL" in ln), lines[-1] if lines else detail)
    reason = reason.split("FATAL:", 1)[-1].strip()
    server = f"{url.url.host or 'the local server'}" + (f":{url.url.port}" if url.url.port else "")
    low = detail.lower()
    if "no password supplied" in low:
        return TeamAuthError(f"The server {server} asks a password for {url.user or 'you'} "
                             f"to open {url}.", wrong=False)
    if "password authentication failed" in low:
        return TeamAuthError(f"The server {server} did not accept the password of "
                             f"{url.user or 'this login'} ({url}). Type it again.", wrong=True)
    if 'database "' in low and "does not exist" in low:
        return TeamConnectionError(f"The server {server} has no database {url.database!r}: "
                                   "check the address, or create the team project there.")
    if 'role "' in low and "does not exist" in low:
        return TeamConnectionError(f"The server {server} has no login {url.user!r}: ask the "
                                   "team's admin to add you (defect-studio team PROJECT members "
                                   "add LOGIN --role ROLE).")
    if "permission denied for database" in low or "not permitted to log in" in low:
        return TeamConnectionError(f"{url.user or 'This login'} may not open {url} ({reason}): "
                                   "ask the team's admin to add you as a member.")
    return TeamConnectionError(f"Cannot reach the server of the team project {url} ({reason}). "
                               "Is the server running, and are the host and port right?")


def check_audit_chain(db: Database) -> ChainCheck:
    """The audit chain of a project at v5 or later (older files have none yet: nothing to check)."""
    with db.engine.connect() as conn, conn.begin():
        if current_version(conn) < CHAIN_VERSION:
            return ChainCheck(0)
        return verify_chain(conn)


def check_file(path: Path) -> None:
    """Raises if `path` is not a project we can open; reads the header only."""
    header = read_header(path)
    if not header.is_sqlite:
        raise ForeignFileError(f"{path.name} is not a Defect Studio project (not a SQLite file)")
    if header.application_id != APPLICATION_ID:
        raise ForeignFileError(
            f"{path.name} is a SQLite database of another program "
            f"(application_id {header.application_id:#x}), not a Defect Studio project"
        )
    if header.user_version > SCHEMA_VERSION:
        raise NewerSchemaError(_newer_message(path, header.user_version))
    if header.user_version < 1:  # we never write 0 or a negative version: not a file of ours
        raise ForeignFileError(
            f"{path.name} is not a Defect Studio project (its project format number "
            f"{header.user_version} is not one Defect Studio writes); it was left as it is")
    if header.truncated:
        raise damaged(path, f"{header.file_bytes} of its {header.size_bytes} bytes are there: "
                            "it was cut short")


def damaged(path: Path, detail: str) -> DamagedProjectError:
    from .salvage import can_save_copy

    text = f"This project file is damaged: {path.name} ({detail}). It was left as it is."
    salvageable = can_save_copy(path)
    if salvageable:
        text += (" Defect Studio can save a copy of what can still be read beside it (the "
                 f"open dialog offers it; on the command line: defect-studio recover \"{path}\").")
    else:
        text += " Not even its list of tables can be read: restore it from a backup."
    return DamagedProjectError(text, path, salvageable)


def is_damage(error: BaseException) -> bool:
    """SQLite's own words for a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB)."""
    orig = getattr(error, "orig", error)
    return (getattr(orig, "sqlite_errorcode", 0) & 0xFF) in (11, 26)


def _newer_message(path: Path, version: int) -> str:
    return (f"{path.name} was saved by a newer Defect Studio (project format {version}; this "
            f"version reads up to {SCHEMA_VERSION}). Update Defect Studio to open it.")
