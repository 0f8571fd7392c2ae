"""Crash-and-tamper bench: SIGKILL loops (imports and strokes) and the tamper cases of the probe.

    PYTHONPATH=. .venv/bin/python bench/bench_tamper.py [--kills 30] [--audit-rows 100000]

Prints counts, not timed assertions:
- import loop: a writer imports small folders (3 new defect classes each) one after another
  and prints each commit; it is SIGKILLed at a random moment, --kills times. Counted: kills,
  acknowledged imports, lost ones (an acknowledged folder missing after reopening), integrity
  failures (PRAGMA integrity_check or the audit chain), leftover classes (a class without an
  image of its folder: a killed import that left a class behind);
- stroke loop: the same with a writer saving one mask revision per stroke;
- tamper cases: each edit on a fresh copy of a project, with sqlite3 as an outsider would;
  counted as refused (the database said no), detected (the project then opens read-only with
  the warning, and `audit verify` exits 3) or undetected;
- the audit chain check on a project with --audit-rows rows: seconds to verify (best of 3).
POSIX only (SIGKILL, hard links).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import cv2
import numpy as np

from app.store import Project
from app.store.project import check_audit_chain

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

IMPORT_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from app.jobs.importing import ImportOptions, import_folder
    from app.store import Project
    p = Project.open(sys.argv[1])
    for folder in sorted(Path(sys.argv[2]).iterdir()):
        if folder.name in {r.rel_path.split('/')[1] for r in p.images.list()}:
            continue
        report = import_folder(p, folder, ImportOptions(class_pattern=r"MT_(\\w+)"))
        print(folder.name, len(report.added), flush=True)
""")

STROKE_WRITER = textwrap.dedent("""
    import sys
    from app.store import Project
    p = Project.open(sys.argv[1])
    image_id = int(sys.argv[2])
    mask = p.masks.load_or_empty(image_id)
    n = len(p.masks.revisions(image_id))
    while True:
        n += 1
        mask[n % mask.shape[0], :] = (n % 250) + 1
        rev = p.masks.save(image_id, mask)
        print(n, rev, flush=True)
""")


def integrity_ok(path: Path) -> bool:
    con = sqlite3.connect(path)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    with Project.open(path, readonly=True) as p:
        return ok and not p.warning


def kill_loop(cmd: list[str], kills: int, rng: random.Random, on_line, after_kill) -> dict:
    counts = {"kills": 0, "integrity_failures": 0}
    for _ in range(kills):
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, env=ENV)
        first = proc.stdout.readline()
        if not first:  # nothing left to do (the import loop ran out of folders)
            proc.wait()
            break
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait()
        counts["kills"] += 1
        for line in (first + rest).splitlines():
            on_line(line.split())
        counts["integrity_failures"] += not after_kill()
    return counts


def import_loop(tmp: Path, kills: int, rng: random.Random) -> dict:
    data = tmp / "folders"
    for i in range(kills * 10):  # more folders than the runs get through
        for k in range(3):
            d = data / f"f{i:03d}" / f"MT_K{i}x{k}"
            d.mkdir(parents=True)
            cv2.imwrite(str(d / "a.jpg"), np.full((24, 32), 90 + k, np.uint8))
            mask = np.zeros((24, 32), np.uint8)
            mask[4:9, 5:12] = 255
            cv2.imwrite(str(d / "a.png"), mask)
    path = tmp / "import.dsproj"
    Project.create(path).close()
    acked: set[str] = set()
    counts = kill_loop([sys.executable, "-c", IMPORT_WRITER, str(path), str(data)], kills, rng,
                       lambda words: acked.add(words[0]), lambda: integrity_ok(path))
    with Project.open(path, readonly=True) as p:
        folders = {r.rel_path.split("/")[1] for r in p.images.list()}
        with_images = {r.rel_path.split("/")[2] for r in p.images.list()}
        leftover = [c.name for c in p.classes.list() if f"MT_{c.name}" not in with_images]
    return {**counts, "acknowledged": len(acked), "lost": len(acked - folders),
            "leftover_classes": len(leftover)}


def stroke_loop(tmp: Path, kills: int, rng: random.Random) -> dict:
    path = tmp / "strokes.dsproj"
    img = tmp / "part.png"
    cv2.imwrite(str(img), np.full((48, 64), 100, np.uint8))
    from app.jobs.importing import import_folder

    with Project.create(path) as p:
        import_folder(p, tmp, None)
        image_id = p.images.list()[0].id
    acked: dict[int, int] = {}
    counts = kill_loop([sys.executable, "-c", STROKE_WRITER, str(path), str(image_id)], kills,
                       rng, lambda w: acked.__setitem__(int(w[0]), int(w[1])),
                       lambda: integrity_ok(path))
    with Project.open(path, readonly=True) as p:
        revisions = {r.id for r in p.masks.revisions(image_id)}
    return {**counts, "acknowledged": len(acked),
            "lost": len(set(acked.values()) - revisions)}


# -- tamper cases ---------------------------------------------------------------------------
def base_project(tmp: Path) -> Path:
    path = tmp / "base.dsproj"
    cv2.imwrite(str(tmp / "a.png"), np.full((6, 8), 100, np.uint8))
    from app.jobs.importing import import_folder

    with Project.create(path) as p:
        import_folder(p, tmp, None)
        p.masks.save(p.images.list()[0].id, np.ones((6, 8), np.uint8))
        p.recipes.save("housing", {"t": 0.5})
        p.classes.add("crack")
    con = sqlite3.connect(path)
    con.executescript("""
        INSERT INTO inspection_runs (id, name, recipe_id, created_at, author)
            VALUES (1, 'r', 1, 'now', 'ana');
        INSERT INTO inspection_results (id, run_id, image_path, sha256, created_at)
            VALUES (1, 1, 'a.png', 'x', 'now');
        INSERT INTO review_decisions (id, result_id, decision, grade, author, created_at)
            VALUES (1, 1, 'confirm', 'OK', 'ana', 'now');
    """)
    con.close()
    return path


def _guard(table: str, kind: str) -> str:
    return f"DROP TRIGGER {table}_no_{kind};"


TAMPER = {
    # table, then statements; refused ones raise inside sqlite3, the others must be detected
    **{f"REPLACE INTO {t} (existing id)": f"REPLACE INTO {t} SELECT * FROM {t} WHERE id = 1"
       for t in ("audit_log", "mask_revisions", "recipes", "review_decisions")},
    **{f"DELETE FROM {t}": f"DELETE FROM {t}"
       for t in ("audit_log", "mask_revisions", "recipes", "review_decisions")},
    **{f"UPDATE {t}": f"UPDATE {t} SET created_at = 'x'" if t != "audit_log"
       else "UPDATE audit_log SET author = 'QA-Manager (approved)'"
       for t in ("audit_log", "mask_revisions", "recipes", "review_decisions")},
    "DROP TRIGGER; DELETE FROM audit_log": "DROP TRIGGER audit_log_no_delete; "
                                          "DELETE FROM audit_log;",
    "DROP TRIGGER; UPDATE a row; re-create": (
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET author = 'QA-Manager "
        "(approved)' WHERE id = 2; CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON "
        "audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"),
    "DROP TRIGGER; DELETE a middle row; re-create": (
        "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 2; CREATE TRIGGER "
        "audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, "
        "'audit_log is append-only'); END;"),
    "DROP TRIGGER; DELETE the last rows; re-create": (
        "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id > 2; CREATE TRIGGER "
        "audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, "
        "'audit_log is append-only'); END;"),
    "DROP TRIGGER on mask_revisions; DELETE": "DROP TRIGGER mask_revisions_no_delete; "
                                              "DELETE FROM mask_revisions;",
}


def tamper_cases(tmp: Path) -> dict:
    base = base_project(tmp)
    out = {"attempts": 0, "refused": 0, "detected": 0, "undetected": []}
    for name, sql in TAMPER.items():
        path = tmp / "case.dsproj"
        shutil.copy(base, path)
        out["attempts"] += 1
        con = sqlite3.connect(path)
        try:
            con.executescript(sql)
        except sqlite3.DatabaseError:
            out["refused"] += 1
            continue
        finally:
            con.close()
        with Project.open(path) as p:
            flagged = p.readonly and bool(p.warning)
        verify = subprocess.run([sys.executable, "-m", "app", "audit", "verify", str(path)],
                                capture_output=True, env=ENV)
        if flagged and verify.returncode == 3:
            out["detected"] += 1
        else:
            out["undetected"].append(name)
        path.unlink()
    # the identity cases: a second writer through a hard link; a spoofed LOGNAME
    out["attempts"] += 2
    link = tmp / "alias.dsproj"
    with Project.open(base):
        os.link(base, link)
        second = subprocess.run([sys.executable, "-c", "import sys; from app.store import "
                                 "Project; Project.open(sys.argv[1])", str(link)],
                                capture_output=True, text=True, env=ENV)
    link.unlink()
    if second.returncode != 0 and "hard links" in second.stderr:
        out["refused"] += 1
    else:
        out["undetected"].append("second writer through a hard link")
    subprocess.run([sys.executable, "-c", "import sys; from app.store import Project\n"
                    "with Project.open(sys.argv[1]) as p: p.classes.add('spoof')", str(base)],
                   env={**ENV, "LOGNAME": "QA-Manager (approved)", "USER": "QA-Manager "
                        "(approved)"}, check=True)
    with Project.open(base, readonly=True) as p:
        authors = {r.author for r in p.audit.list()}
    if "QA-Manager (approved)" in authors:
        out["undetected"].append("LOGNAME spoofing")
    else:
        out["refused"] += 1
    return out


def chain_seconds(tmp: Path, rows: int) -> tuple[float, float, int, float]:
    from app.store import audit_chain

    path = tmp / "audit.dsproj"
    with Project.create(path) as p, p.db.session() as s:
        audit_chain.append(s, [dict(
            at="2026-12-06T07:00:00.000+00:00", author="ana", action="mask.revision",
            entity="image", entity_id=i,
            detail=json.dumps({"revision": i, "source": "edit", "defect_pixels": 1234}))
            for i in range(rows)])
    with Project.open(path, readonly=True) as p:
        best = best_cpu = float("inf")
        for _ in range(3):
            start, cpu = time.perf_counter(), time.process_time()
            check = check_audit_chain(p.db)
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - cpu)
        assert check.ok
    start = time.perf_counter()
    with Project.open(path):
        opened = time.perf_counter() - start
    return best, best_cpu, check.rows, opened


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--audit-rows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only-chain", action="store_true", help="only the audit chain timing")
    args = ap.parse_args()
    if sys.platform == "win32":
        print("POSIX only (SIGKILL, hard links)")
        return 0
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        loops = () if args.only_chain else (("import", import_loop), ("strokes", stroke_loop))
        for name, fn in loops:
            folder = tmp / name
            folder.mkdir()
            c = fn(folder, args.kills, rng)
            extra = (f", leftover classes {c['leftover_classes']}"
                     if "leftover_classes" in c else "")
            print(f"SIGKILL during {name}: kills {c['kills']}, acknowledged writes "
                  f"{c['acknowledged']}, lost writes {c['lost']}, integrity failures "
                  f"{c['integrity_failures']}{extra}")
        if not args.only_chain:
            folder = tmp / "tamper"
            folder.mkdir()
            t = tamper_cases(folder)
            print(f"tamper attempts {t['attempts']}: refused by the database {t['refused']}, "
                  f"detected on open and by audit verify {t['detected']}, undetected "
                  f"{len(t['undetected'])}{' ' + str(t['undetected']) if t['undetected'] else ''}")
        folder = tmp / "chain"
        folder.mkdir()
        seconds, cpu, rows, opened = chain_seconds(folder, args.audit_rows)
        print(f"audit chain check: {rows} rows in {seconds:.3f} s wall, {cpu:.3f} s CPU (best "
              f"of 3); whole Project.open for writing {opened:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
