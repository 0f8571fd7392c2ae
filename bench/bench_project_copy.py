"""`project copy` bench: a project file -> a team database -> a project file, on a throw-away
local PostgreSQL server (tests/support/postgres.py).

    PYTHONPATH=. .venv/bin/python bench/bench_project_copy.py [--images 2000] [--revisions 3]

The project: --images images of 256x256 (referenced, not copied), --revisions mask revisions
each, a prediction each, and the audit rows of that work. Prints rows, seconds and rows/s of
each direction, and whether the final file's rows equal the original's (table by table) and
both audit chains hold. Not a timed assertion.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.store import NewImage, Project  # noqa: E402
from app.store.project import check_audit_chain  # noqa: E402
from app.store.project_copy import copy_location  # noqa: E402
from tests.support.full_project import file_rows  # noqa: E402
from tests.support.postgres import PgCluster  # noqa: E402


def build(folder: Path, n: int, revisions: int) -> Path:
    path = folder / "bench.dsproj"
    img = np.full((256, 256), 100, np.uint8)
    (folder / "parts").mkdir()
    items = []
    for i in range(n):
        p = folder / "parts" / f"p{i:05d}.png"
        img[0, 0] = i % 256
        cv2.imwrite(str(p), img)
        data = p.read_bytes()
        items.append(NewImage(str(p), hashlib.sha256(data).hexdigest(), len(data), 256, 256, 8, 1))
    with Project.create(path) as proj:
        crack = proj.classes.add("crack")
        ids = proj.images.add_many(items).added
        rng = np.random.default_rng(0)
        for image_id in ids:
            for _ in range(revisions):
                mask = np.zeros((256, 256), np.uint8)
                y, x = rng.integers(0, 200, 2)
                mask[y:y + 40, x:x + 40] = crack.value
                proj.masks.save(image_id, mask)
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--revisions", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ds-copy-bench-"))
    os.environ["DEFECT_STUDIO_TEAM_DIR"] = str(work / "team")
    t = time.perf_counter()
    src = build(work, args.images, args.revisions)
    print(f"built {args.images} images x {args.revisions} revisions in "
          f"{time.perf_counter() - t:.1f} s ({src.stat().st_size / 1e6:.1f} MB)")
    cluster = PgCluster()
    try:
        url = cluster.url(cluster.new_database())
        for label, a, b in (("file -> team", src, url),
                            ("team -> file", url, src.with_name("back.dsproj"))):
            t = time.perf_counter()
            report = copy_location(a, b)
            dt = time.perf_counter() - t
            rows = sum(report.rows.values())
            print(f"{label}: {rows} rows in {dt:.2f} s ({rows / dt:.0f} rows/s)")
        before, after = file_rows(src), file_rows(src.with_name("back.dsproj"))
        differ = [t for t in before if before[t] != after.get(t)]
        print(f"round trip: {len(before)} tables compared, differing: {differ or 'none'}")
        with Project.open(url, readonly=True) as team:
            print(f"team copy: {check_audit_chain(team.db).sentence()}")
        with Project.open(src.with_name("back.dsproj"), readonly=True) as back:
            print(f"final file: {check_audit_chain(back.db).sentence()}")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
