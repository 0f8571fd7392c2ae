"""A model's checkpoint files kept in the database (`model_files`), for team projects.

A project file keeps its checkpoints as folders beside it (`<project>.models/<name>/`). A team
project has no shared folder: on register, every file of the checkpoint folder goes into
`model_files` (name, bytes, sha256) in the same transaction as the model's row, and a client
that needs the model unpacks it into its team folder (app/store/team_folder.py) under the
model's `rel_dir`: when the folder is missing or a file's sha256 differs, the files are written
to a temporary folder beside it, checked against their sha256 and renamed into place, so a
half-written checkpoint is never used. Files are bytes (JSON + safetensors): nothing is
unpickled here or anywhere.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from .database import Database
from .digests import DigestCache
from .errors import ProjectError
from .schema import ModelFile


class ModelFilesError(ProjectError):
    """A model's files cannot be stored or unpacked (missing, altered, unsafe name)."""


def safe_relative(rel: str, what: str) -> PurePosixPath:
    """`rel` as a relative path that stays inside its folder; ModelFilesError otherwise (a
    database row must never make a client write outside its team folder)."""
    p = PurePosixPath(rel)
    if not rel or "\\" in rel or p.is_absolute() or any(part in ("", "..") for part in p.parts):
        raise ModelFilesError(f"{what} {rel!r} is not a relative path inside its folder")
    return p


def folder_files(folder: Path) -> Iterator[tuple[str, bytes]]:
    """(name relative to `folder`, bytes) of every file below it, in name order."""
    if not folder.is_dir():
        raise ModelFilesError(f"the checkpoint folder {folder} does not exist")
    for p in sorted(q for q in folder.rglob("*") if q.is_file()):
        yield p.relative_to(folder).as_posix(), p.read_bytes()


def store(s: Session, model_id: int, files: Iterable[tuple[str, bytes]]) -> int:
    """Adds the files of model `model_id` inside the caller's transaction; how many."""
    n = 0
    for name, data in files:
        safe_relative(name, "model file")
        s.add(ModelFile(model_id=model_id, name=name, data=data,
                        sha256=hashlib.sha256(data).hexdigest()))
        n += 1
    s.flush()
    return n


def stored_files(s: Session | Connection, model_id: int) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of model `model_id`'s stored files, each checked against its sha256."""
    for name, data, sha in s.execute(select(ModelFile.name, ModelFile.data, ModelFile.sha256)
                                     .where(ModelFile.model_id == model_id)
                                     .order_by(ModelFile.name)):
        data = bytes(data)
        if hashlib.sha256(data).hexdigest() != sha:
            raise ModelFilesError(f"model file {name!r} of model {model_id} in the database "
                                  "does not match its recorded sha256")
        yield name, data


def write_folder(dest: Path, files: Iterable[tuple[str, bytes]]) -> None:
    """Writes `files` as the folder `dest`, atomically: into a temporary folder beside it,
    then renamed into place (an older `dest` is replaced only once the new one is whole)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.mkdir()
        for name, data in files:
            target = tmp / safe_relative(name, "model file")
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        old = None
        if dest.exists():
            old = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.old")
            os.rename(dest, old)
        os.rename(tmp, dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class ModelCache:
    """This workstation's unpacked copies of a team project's models (under its team folder).

    A file's state (size, modification time) seen to hash right is remembered, so using a model
    again costs a stat, not a hash of its weights."""

    def __init__(self, db: Database, root: Path):
        self._db = db
        self.root = root
        self._digests = DigestCache()

    def folder(self, model_id: int, rel_dir: str) -> Path:
        """The model's checkpoint folder, unpacked from the database when missing or when a
        file differs from what is stored; ModelFilesError when the database has no files."""
        dest = self.root / safe_relative(rel_dir, "model folder")
        with self._db.session() as s:
            listing = s.execute(select(ModelFile.name, ModelFile.sha256)
                                .where(ModelFile.model_id == model_id)).all()
        if not listing:
            if dest.is_dir():  # registered before files were stored, here: the folder is it
                return dest
            raise ModelFilesError(
                f"model {model_id} has no files in the team database (registered before its "
                "files were stored?): it cannot be used on this workstation")
        if all(self._holds(dest / safe_relative(n, "model file"), sha) for n, sha in listing):
            return dest
        with self._db.session() as s:
            files = list(stored_files(s, model_id))
        try:
            write_folder(dest, files)
        except OSError:
            # another process of this workstation may have unpacked it at the same moment
            if not all(self._holds(dest / n, sha) for n, sha in listing):
                raise
        if not all(self._holds(dest / n, sha) for n, sha in listing):
            raise ModelFilesError(f"the unpacked model {dest} does not match the database")
        return dest

    def _holds(self, path: Path, sha256: str) -> bool:
        return self._digests.digest(path) == sha256
