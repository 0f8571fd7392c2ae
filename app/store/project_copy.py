"""Copy a project between a project file and a team database, in either direction (or file to
file, team to team), with every row intact: `defect-studio project copy SRC DST`, File > Copy
project to...

How (the round trip file -> team -> file gives back the same rows, table by table):
- The destination must be new: a file that does not exist, or an empty database. It is made at
  this version's format and filled with the source's rows verbatim, ids included, table by table
  in foreign-key order, read from one snapshot of the source. Nothing is added to the audit
  trail: its rows, hashes and head carry over as they are, so `audit verify` holds on the copy
  exactly as on the source. The history guards refuse UPDATE, DELETE and an INSERT over an
  existing id; a copy inserts new ids only, so they stay on throughout. `audit_head`, kept by a
  trigger as audit rows go in, is set to the source's at the end. On PostgreSQL the id
  sequences are then moved past the copied ids, so new rows get fresh ones.
- All or nothing: a file is built under a hidden temporary name beside the destination and
  renamed when whole; a database is filled in one transaction, its tables included (PostgreSQL
  DDL is transactional). A failed copy leaves the destination as it was.
- Image paths. A project file stores paths relative to its folder (`images.root` NULL); a team
  project stores `<root>/<path>` under a storage root (app/store/storage_roots.py).
  File -> team: the rows stay as they are (no root); the team project gets a storage root named
  after the file's folder, recorded as its file root (project setting `file_root`) and mapped on
  this workstation to that folder; paths without a root resolve against it (`..` allowed).
  Team -> file: each image is found through this workstation's mapping (every root its images
  use must be mapped here) and stored relative to the new file; copied into the folder the file
  root maps to, a path without root is unchanged: the round trip is exact. The file root's
  setting and storage root are left out of a file (it has no use for them); other storage
  roots are kept as rows.
- Models. A project file keeps checkpoints as folders beside it (`models.rel_dir`), a team
  project in `model_files` (app/store/model_files.py). File -> team: each folder's files go into
  model_files; team -> file: they are written as folders beside the new file (a folder already
  there with the same files is kept, one with other files stops the copy before anything is
  written). A project file never holds model_files rows. A model whose checkpoint the source
  lacks is copied as a row and reported.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Table, delete, insert, select, text

from .database import Database, utcnow
from .errors import ProjectError
from .location import TeamUrl, is_team_url
from .migrations import SCHEMA_VERSION, current_version, migrate, table_names
from .model_files import folder_files, safe_relative, stored_files, write_folder
from .schema import AuditHead, Base, Image, Model, ModelFile, ProjectSetting, StorageRoot
from .storage_roots import FILE_ROOT, StorageRootError, StorageRoots
from .team_folder import team_folder

BATCH = 500
_SKIPPED = {"alembic_version"}  # made by migrate() at the destination


class CopyError(ProjectError):
    """The copy cannot be made (destination not new, source not readable, image root not
    mapped); nothing was changed."""


@dataclass
class CopyReport:
    destination: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    model_files: int = 0  # checkpoint files stored in or written from the database
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"Copied to {self.destination}: {sum(self.rows.values())} rows in "
                f"{len(self.rows)} tables, {self.model_files} model files.")


def copy_location(src: str | Path | TeamUrl, dst: str | Path | TeamUrl,
                  log: Callable[[str], None] | None = None) -> CopyReport:
    """Opens `src` read-only, copies it to `dst` (see the module docstring), closes it."""
    from .project import Project

    target = destination(dst)
    check_new(target)
    with Project.open(src, readonly=True) as source:
        return copy_project(source, target, log)


def destination(dst: str | Path | TeamUrl) -> Path | TeamUrl:
    """A file path (with .dsproj) or a team URL."""
    from .project import EXTENSION

    if isinstance(dst, TeamUrl):
        return dst
    if is_team_url(str(dst)):
        return TeamUrl.parse(str(dst))
    path = Path(dst).expanduser().resolve()
    return path if path.suffix == EXTENSION else path.with_name(path.name + EXTENSION)


def check_new(target: Path | TeamUrl) -> None:
    """CopyError unless `target` is a file that does not exist yet (in a folder that does) or
    an empty database."""
    if isinstance(target, Path):
        if target.exists():
            raise CopyError(f"{target} already exists: a copy goes to a new file")
        if not target.parent.is_dir():
            raise CopyError(f"folder {target.parent} does not exist")
        return
    db = _connect(target)
    try:
        with db.engine.connect() as conn:
            version = current_version(conn)
    finally:
        db.engine.dispose()
    if version != 0:
        raise CopyError(f"{target} is not empty (it holds "
                        + ("a Defect Studio project" if version > 0 else "tables of another "
                           "program") + "): a copy goes to an empty database")


def copy_project(source, dst: str | Path | TeamUrl,
                 log: Callable[[str], None] | None = None) -> CopyReport:
    """Copies the open project `source` to the new `dst`; a CopyReport. CopyError (or
    ProjectError) when it cannot, with the destination left as it was."""
    target = destination(dst)
    check_new(target)
    log = log or (lambda _m: None)
    with _snapshot(source) as conn:
        version = current_version(conn)
        if version != SCHEMA_VERSION:
            raise CopyError(f"{source.location} is at project format {version}; open it once "
                            f"in this Defect Studio (format {SCHEMA_VERSION}) before copying it")
        unknown = table_names(conn) - _SKIPPED - set(Base.metadata.tables)
        if unknown:
            raise CopyError(f"{source.location} holds tables this version does not know "
                            f"({', '.join(sorted(unknown))}): copy it with the version that "
                            "made them")
        plan = _Plan(source, target, conn)
        if isinstance(target, Path):
            return _to_file(plan, target, log)
        return _to_team(plan, target, log)


# the source ---------------------------------------------------------------------------------
@contextmanager
def _snapshot(source) -> Iterator[Connection]:
    """One read transaction over the whole source: every table as of one moment. A file is read
    through a read-only connection of its own, so the copy never holds its write lock (the
    window that has it open keeps saving)."""
    if source.is_team:
        with source.db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
        return
    db = Database(source.path, readonly=True)
    try:
        with db.engine.connect() as conn, conn.begin():
            yield conn
    finally:
        db.engine.dispose()


def _rows(conn: Connection, table: Table) -> Iterator[list[dict]]:
    q = select(table).order_by(*table.primary_key.columns)
    result = conn.execute(q, execution_options={"stream_results": True})
    while batch := result.mappings().fetchmany(BATCH):
        yield [dict(r) for r in batch]


class _Plan:
    """What changes on the way: image paths, the file root, where model files come from."""

    def __init__(self, source, target: Path | TeamUrl, conn: Connection):
        self.source = source
        self.conn = conn
        self.to_file = isinstance(target, Path)
        self.dest_folder = target.parent if isinstance(target, Path) else None
        settings = {r.key: r.value for r in conn.execute(select(ProjectSetting))}
        raw = settings.get(FILE_ROOT)
        self.source_file_root: str | None = json.loads(raw) if raw else None
        roots = {r[0] for r in conn.execute(select(StorageRoot.name))}
        self.new_file_root: str | None = None
        if not source.is_team and not self.to_file:
            self.new_file_root = _free_root_name(source.root.name, roots)
        if self.to_file and source.is_team:
            self._check_mapped(conn)

    # images
    def _check_mapped(self, conn: Connection) -> None:
        roots = {r[0] for r in conn.execute(select(Image.root).distinct())}
        used = {r for r in roots if r is not None}
        if None in roots:
            if self.source_file_root is None:
                raise CopyError(f"{self.source.location} has images without a storage root and "
                                "no file root to find them under")
            used.add(self.source_file_root)
        mapping = self.source.roots.mapping()
        missing = sorted(n for n in used if n not in mapping)
        if missing:
            raise CopyError(
                "to copy this team project to a file, its images must be found on this "
                f"workstation: map storage root(s) {', '.join(missing)} first (File > Storage "
                "roots, or defect-studio roots map)")

    def source_path(self, rel_path: str, root: str | None) -> Path:
        if self.source.is_team:
            try:
                return self.source.roots.path_of(rel_path, root)
            except StorageRootError as e:
                raise CopyError(str(e)) from None
        return Path(os.path.normpath(self.source.root / rel_path))

    def image(self, row: dict) -> dict:
        if not self.to_file:
            return row  # verbatim: rooted, or (from a file) relative to the file root
        if not self.source.is_team and self.dest_folder == self.source.root:
            return row
        where = self.source_path(row["rel_path"], row["root"])
        rel = Path(os.path.relpath(where, self.dest_folder)).as_posix()
        return {**row, "rel_path": rel, "root": None}

    def setting(self, row: dict) -> dict | None:
        return None if self.to_file and row["key"] == FILE_ROOT else row

    def storage_root(self, row: dict) -> dict | None:
        return None if self.to_file and row["name"] == self.source_file_root else row

    # models
    def listing(self, model: dict) -> dict[str, str] | None:
        """name -> sha256 of a model's checkpoint files at the source (None: it has none)."""
        stored = {n: sha for n, sha in self.conn.execute(
            select(ModelFile.name, ModelFile.sha256).where(ModelFile.model_id == model["id"]))}
        if stored:
            return stored
        folder = self._folder(model)
        if folder is None:
            return None
        return {n: hashlib.sha256(d).hexdigest() for n, d in folder_files(folder)}

    def files(self, model: dict) -> Iterator[tuple[str, bytes]]:
        folder = self._folder(model)
        if folder is not None and not self._has_stored(model):
            return folder_files(folder)
        return stored_files(self.conn, model["id"])

    def _has_stored(self, model: dict) -> bool:
        return self.conn.execute(select(ModelFile.name).where(
            ModelFile.model_id == model["id"]).limit(1)).first() is not None

    def _folder(self, model: dict) -> Path | None:
        if self.source.is_team:
            return None
        folder = self.source.root / safe_relative(model["rel_dir"], "model folder")
        return folder if folder.is_dir() else None


def _free_root_name(folder_name: str, taken: set[str]) -> str:
    import re

    base = re.sub(r"[^A-Za-z0-9._-]+", "-", folder_name).strip("-.") or "project"
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}-{k}"
    return name


# the destination ----------------------------------------------------------------------------
_TRANSFORMS: dict[str, str] = {"images": "image", "project_settings": "setting",
                               "storage_roots": "storage_root"}


def _copy_rows(plan: _Plan, dst: Connection, report: CopyReport,
               log: Callable[[str], None]) -> None:
    """Every table but model_files and audit_head, in foreign-key order, then the head."""
    for table in Base.metadata.sorted_tables:
        if table.name in ("model_files", AuditHead.__tablename__):
            continue
        transform = getattr(plan, _TRANSFORMS.get(table.name, ""), None)
        n = 0
        for batch in _rows(plan.conn, table):
            if transform is not None:
                batch = [r for r in map(transform, batch) if r is not None]
            if batch:
                dst.execute(insert(table), batch)
            n += len(batch)
        report.rows[table.name] = n
        log(f"{table.name}: {n} rows")
    head = Base.metadata.tables[AuditHead.__tablename__]
    heads = [dict(r) for r in plan.conn.execute(select(head)).mappings()]
    dst.execute(delete(head))  # the trigger's, as audit rows went in
    if heads:
        dst.execute(insert(head), heads)
    report.rows[AuditHead.__tablename__] = len(heads)


def _models(plan: _Plan) -> list[dict]:
    return [dict(r) for r in plan.conn.execute(select(Model.__table__).order_by(Model.id))
            .mappings()]


def _to_team(plan: _Plan, url: TeamUrl, log: Callable[[str], None]) -> CopyReport:
    report = CopyReport(url.display())
    db = _connect(url)
    try:
        with db.engine.connect() as conn:
            with conn.begin():
                if current_version(conn) != 0:
                    raise CopyError(f"{url.display()} is not empty: a copy goes to an empty "
                                    "database")
                migrate(conn)  # inside this transaction: a failed copy leaves no tables
                _copy_rows(plan, conn, report, log)
                if plan.new_file_root is not None:
                    conn.execute(insert(StorageRoot), [dict(
                        name=plan.new_file_root, created_at=utcnow(),
                        note=f"the folder of {plan.source.path.name}, copied to the team")])
                    conn.execute(insert(ProjectSetting), [dict(
                        key=FILE_ROOT, value=json.dumps(plan.new_file_root))])
                    report.rows["storage_roots"] += 1
                    report.rows["project_settings"] += 1
                files = 0
                for model in _models(plan):
                    if plan.listing(model) is None:
                        report.warnings.append(f"model {model['name']!r} has no checkpoint at "
                                               f"{plan.source.location}: copied without files")
                        continue
                    rows = [dict(model_id=model["id"], name=n, data=d,
                                 sha256=hashlib.sha256(d).hexdigest())
                            for n, d in plan.files(model)]
                    for r in rows:
                        safe_relative(r["name"], "model file")
                    conn.execute(insert(ModelFile), rows)
                    files += len(rows)
                report.model_files = files
                report.rows["model_files"] = files
                _reset_sequences(conn)
        _map_roots(plan, db, url)
    finally:
        db.engine.dispose()
    return report


def _reset_sequences(conn: Connection) -> None:
    """Moves each id sequence past the copied ids (PostgreSQL hands out the next one)."""
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].type.python_type is not int:
            continue
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                           {"t": table.name, "c": pk[0].name}).scalar()
        if seq is None:
            continue
        top = conn.execute(select(pk[0]).order_by(pk[0].desc()).limit(1)).scalar()
        conn.execute(text("SELECT setval(:s, :v, :called)"),
                     {"s": seq, "v": top if top is not None else 1, "called": top is not None})


def _map_roots(plan: _Plan, db: Database, url: TeamUrl) -> None:
    """This workstation's mapping of the new team project's roots (its team folder)."""
    roots = StorageRoots(db, team_folder(url).parent)
    if plan.new_file_root is not None:
        roots.map(plan.new_file_root, plan.source.root)
    if plan.source.is_team:
        for name, folder in plan.source.roots.mapping().items():
            if Path(folder).is_dir() and name in roots.names():
                roots.map(name, folder)


def _to_file(plan: _Plan, path: Path, log: Callable[[str], None]) -> CopyReport:
    report = CopyReport(str(path))
    folder = path.parent
    models = _models(plan)
    keep: set[int] = set()  # models whose identical folder is there already
    for model in models:
        listing = plan.listing(model)
        dest = folder / safe_relative(model["rel_dir"], "model folder")
        if listing is None:
            report.warnings.append(f"model {model['name']!r} has no checkpoint at "
                                   f"{plan.source.location}: copied without files")
            keep.add(model["id"])
        elif dest.exists():
            there = {n: hashlib.sha256(d).hexdigest() for n, d in folder_files(dest)} \
                if dest.is_dir() else {}
            if there != listing:
                raise CopyError(f"{dest} exists and holds other files than model "
                                f"{model['name']!r}: move it away or copy to another folder")
            keep.add(model["id"])
    tmp = folder / f".{path.stem}.{uuid.uuid4().hex[:8]}.copying"
    made: list[Path] = []
    try:
        db = Database(tmp, readonly=False)
        try:
            with db.engine.connect() as conn:
                migrate(conn)
                with conn.begin():
                    _copy_rows(plan, conn, report, log)
        finally:
            db.dispose()
        files = 0
        for model in models:
            if model["id"] in keep:
                continue
            dest = folder / safe_relative(model["rel_dir"], "model folder")
            written = list(plan.files(model))
            write_folder(dest, written)
            made.append(dest)
            files += len(written)
        report.model_files = files
        if path.exists():
            raise CopyError(f"{path} appeared while copying: the copy was not saved")
        os.rename(tmp, path)
    except BaseException:
        for dest in made:
            shutil.rmtree(dest, ignore_errors=True)
        raise
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)
    report.rows["model_files"] = 0
    return report


def _connect(url: TeamUrl) -> Database:
    from .project import _connect as connect

    return connect(url, readonly=False)
