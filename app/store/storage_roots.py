"""Storage roots: where a team project's images live, named once for the team and mapped to a
folder on each workstation (`parts` -> `\\\\nas\\parts` on Windows, `/mnt/parts` on Linux).

An image of a team project is stored as `<root>/<path inside the root>` with its root's name in
`images.root`; each workstation keeps its own mapping of names to folders beside its team
folder (roots.json, app/store/team_folder.py). When an image loads, its sha256 is checked
against the one recorded at import, so a wrong mapping is reported instead of showing another
part (checked once per file state: size and modification time).

A team project copied from a project file (app/store/project_copy.py) keeps that file's image
rows as they were: no root, paths relative to the file's folder. The project setting
`file_root` names the storage root those paths start from (made by the copy, mapped to the
file's folder on the workstation that copied it); paths may start with `../`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from sqlalchemy import select

from .audit_repo import record
from .database import Database, utcnow
from .digests import DigestCache
from .errors import ProjectError
from .schema import StorageRoot

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
FILE_ROOT = "file_root"  # project setting: the root of image paths that have none (see above)


_UNREAD = object()


class StorageRootError(ProjectError):
    """A storage root is unknown, not mapped here, or maps to the wrong files."""


class StorageRoots:
    """The roots of one team project: names in the database, folders on this workstation."""

    def __init__(self, db: Database, team_folder: Path):
        self._db = db
        self._file = team_folder / "roots.json"
        self._digests = DigestCache()
        self._file_root: object = _UNREAD

    # the team's names ---------------------------------------------------------------------
    def names(self) -> list[str]:
        with self._db.session() as s:
            return list(s.scalars(select(StorageRoot.name).order_by(StorageRoot.name)))

    def add(self, name: str, note: str = "") -> None:
        if not _NAME.match(name):
            raise StorageRootError(f"{name!r} cannot name a storage root: use letters, digits, "
                                   "'.', '_' or '-' (up to 64), starting with a letter or digit")
        with self._db.session() as s:
            if s.get(StorageRoot, name) is None:
                s.add(StorageRoot(name=name, note=note, created_at=utcnow()))
                record(s, "root.add", "storage_root", None, name=name)

    # this workstation's folders -----------------------------------------------------------
    def mapping(self) -> dict[str, str]:
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def map(self, name: str, folder: str | Path) -> None:
        """Maps `name` to `folder` on this workstation (the folder must exist here)."""
        if name not in self.names():
            raise StorageRootError(f"this project has no storage root {name!r} "
                                   f"(it has: {', '.join(self.names()) or 'none yet'})")
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            raise StorageRootError(f"{folder} is not a folder on this workstation")
        data = self.mapping()
        data[name] = str(folder.resolve())
        tmp = self._file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self._file)

    def folder(self, name: str) -> Path:
        mapped = self.mapping().get(name)
        if mapped is None:
            raise StorageRootError(
                f"storage root {name!r} is not mapped on this workstation: say where its "
                f"folder is (File > Storage roots, or defect-studio roots map PROJECT {name} "
                "FOLDER)")
        return Path(mapped)

    # paths --------------------------------------------------------------------------------
    def locate(self, path: str | Path) -> str:
        """`<root>/<relative path>` of a file under a mapped root. A file under none makes a
        root of its folder, named after it (a second `parts` becomes `parts-2`)."""
        p = Path(path).resolve()
        found = self.mapped_path(p)
        if found is not None:
            return found
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", p.parent.name).strip("-.") or "images"
        taken, name, k = set(self.names()), base, 1
        while name in taken:
            k += 1
            name = f"{base}-{k}"
        self.add(name, note=f"made on import from {p.parent}")
        self.map(name, p.parent)
        return f"{name}/{p.name}"

    def mapped_path(self, path: str | Path) -> str | None:
        """`<root>/<relative path>` of a file under a root mapped here, else None (nothing is
        added: `locate` makes a root of its folder)."""
        p = Path(path).resolve()
        for name, folder in sorted(self.mapping().items(), key=lambda kv: -len(kv[1])):
            try:
                return f"{name}/{p.relative_to(folder).as_posix()}"
            except ValueError:
                continue
        return None

    def resolve(self, stored: str) -> Path:
        name, _, rest = stored.partition("/")
        return self.folder(name) / rest

    def file_root(self) -> str | None:
        """The storage root of image paths without one (a project copied from a file)."""
        from .settings_repo import SettingsRepo

        if self._file_root is _UNREAD:
            self._file_root = SettingsRepo(self._db).get(FILE_ROOT)
        return self._file_root  # type: ignore[return-value]  # read above

    def path_of(self, rel_path: str, root: str | None) -> Path:
        """Where an image row's file is on this workstation: under its root, or, without
        one, under the file root (`..` allowed: the paths a project file stored)."""
        if root is not None:
            return self.resolve(rel_path)
        name = self.file_root()
        if name is None:
            raise StorageRootError(f"{rel_path} names no storage root and this project has no "
                                   "file root to find it under")
        return Path(os.path.normpath(self.folder(name) / rel_path))

    def stored_name(self, rel_path: str, root: str | None) -> str:
        """`<root>/<path>` of an image row, for messages."""
        return rel_path if root is not None else f"{self.file_root()}/{rel_path}"

    def verify(self, path: Path, sha256: str, stored: str) -> Path:
        """`path` when its content is the recorded image; StorageRootError otherwise."""
        known = self._digests.digest(path)
        if known is None:
            raise StorageRootError(
                f"{stored} is not at {path} on this workstation: check where storage root "
                f"{stored.partition('/')[0]!r} is mapped (File > Storage roots)")
        if known != sha256:
            raise StorageRootError(
                f"{path} is not the image this project recorded as {stored} (its content "
                f"differs): storage root {stored.partition('/')[0]!r} may be mapped to the "
                "wrong folder on this workstation (File > Storage roots)")
        return path
