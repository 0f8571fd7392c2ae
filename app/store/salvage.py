"""A copy of what can still be read from a damaged project, saved beside it; the original is
only read.

The sqlite3 backup API copies the file whole when every page reads; when some do not, each table
is copied row by row up to the first row that cannot be read, and the copy says how much came."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ProjectError


@dataclass
class SalvageReport:
    path: Path  # the copy
    whole: bool  # the backup API copied every page
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    incomplete: list[str] = field(default_factory=list)  # tables cut short by damage

    def summary(self) -> str:
        if self.whole:
            return f"Saved a full copy as {self.path.name}."
        cut = f"; cut short by damage: {', '.join(self.incomplete)}" if self.incomplete else ""
        rows = sum(self.rows.values())
        return (f"Saved what could be read as {self.path.name}: {rows} rows from "
                f"{len(self.rows)} tables{cut}.")


def copy_path_for(path: Path) -> Path:
    n = 1
    while True:
        suffix = "" if n == 1 else f"-{n}"
        candidate = path.with_name(f"{path.stem}-recovered{suffix}{path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


def _open_readonly(path: Path) -> sqlite3.Connection:
    # immutable: no -wal/-shm made beside the file; only a WAL left by a crash is worth reading.
    wal = path.with_name(path.name + "-wal")
    mode = "mode=ro" if wal.exists() else "immutable=1"
    src = sqlite3.connect(f"file:{path.as_posix()}?{mode}", uri=True)
    # Lets SQLite read a file shorter than its header says (it refuses one otherwise); the
    # connection is read-only, so nothing can be written through it.
    src.execute("PRAGMA writable_schema = ON")
    return src


def can_save_copy(path: str | Path) -> bool:
    """True when the list of tables still reads: then a copy of what can be read is possible."""
    try:
        src = _open_readonly(Path(path))
        try:
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return True
        finally:
            src.close()
    except sqlite3.Error:
        return False


def save_readable_copy(path: str | Path) -> SalvageReport:
    path = Path(path)
    dest = copy_path_for(path)
    try:
        src = _open_readonly(path)
    except sqlite3.Error as e:
        raise ProjectError(f"{path.name} cannot be read at all ({e}); nothing was saved") from None
    try:
        out = sqlite3.connect(dest)
        try:
            if _backup_is_whole(src, out):
                return SalvageReport(dest, whole=True)
            out.close()
            dest.unlink(missing_ok=True)
            out = sqlite3.connect(dest)
            return _copy_rows(src, out, dest)
        finally:
            out.close()
    finally:
        src.close()


def _backup_is_whole(src: sqlite3.Connection, out: sqlite3.Connection) -> bool:
    # The backup API copies pages; pages missing from a cut-short file come out as zeros, so
    # the copy counts as whole only when it passes SQLite's own check.
    try:
        src.backup(out)
        return out.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        return False


def _copy_rows(src: sqlite3.Connection, out: sqlite3.Connection, dest: Path) -> SalvageReport:
    try:
        schema = src.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                             "AND name NOT LIKE 'sqlite_%'").fetchall()
        header = [src.execute(f"PRAGMA {p}").fetchone()[0]
                  for p in ("user_version", "application_id")]
    except sqlite3.DatabaseError as e:
        out.close()
        dest.unlink(missing_ok=True)
        raise ProjectError("not even the list of tables in this file can be read "
                           f"({e}); nothing was saved") from None
    report = SalvageReport(dest, whole=False)
    out.isolation_level = None
    out.execute("BEGIN")
    for kind, name, sql in schema:
        if kind == "table":
            out.execute(sql)
            report.rows[name] = _copy_table(src, out, name, report)
    for kind, _name, sql in schema:  # indexes and guards after the rows
        if kind != "table":
            try:
                out.execute(sql)
            except sqlite3.DatabaseError:
                pass  # e.g. a unique index the surviving rows no longer satisfy
    out.execute(f"PRAGMA user_version = {int(header[0])}")
    out.execute(f"PRAGMA application_id = {int(header[1])}")
    out.execute("COMMIT")
    return report


def _copy_table(src, out, name: str, report: SalvageReport) -> int:
    quoted = '"' + name.replace('"', '""') + '"'
    copied = 0
    try:
        cur = src.execute(f"SELECT * FROM {quoted}")
        marks = ",".join("?" * len(cur.description))
        for row in cur:
            out.execute(f"INSERT INTO {quoted} VALUES ({marks})", row)
            copied += 1
    except sqlite3.DatabaseError:
        report.incomplete.append(name)
    return copied
