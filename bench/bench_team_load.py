"""Team load: N simulated labelers (processes) saving strokes on 1 MP masks into one project.

    PYTHONPATH=$PWD .venv/bin/python bench/bench_team_load.py [--labelers 1 5 20]
        [--seconds 60] [--pause 0.5] [--durable] [--no-sqlite]

Starts a throw-away local PostgreSQL server (tests/support/postgres.py) and a team project in
it. Each labeler is a separate process that opens the project (Project.open(url)) and, for
`--seconds`, repeats: a small random edit (a filled disc) of a 1024 x 1024 uint8 mask, PNG
encode, MasksRepo.save with the revision it started from, then "think time": `--pause` seconds
on average, drawn uniformly from 0.5x to 1.5x of it, and each labeler starts at a random moment
within its first pause, so that labelers do not stroke in lockstep as no team does (0: as fast
as it can). Each labeler edits its own two images; every fourth labeler also
edits two shared images one stroke in four, so saves meet real conflicts: a conflicting save is
counted and then kept as a new revision on top (MasksRepo.keep_mine, the dialog's "Keep mine").
The same single-labeler run goes against a project file (SQLite) for comparison.

Printed per run: strokes/s (all labelers), save latency p50/p95/p99 in ms (the save call with
the PNG already encoded, as the Label workspace's committer does; keep-mine saves included),
the p95 of encode + save (the committer's whole background write, stroke to stored),
conflicts, and lost saves: afterwards every revision id a save returned must be in the
database, and each labeler's own images must hold exactly the last mask it saved; the audit
chain they all appended to must verify (an error line otherwise).

By default the server runs with fsync off, as the test suite's; --durable turns fsync and
synchronous commit on, as a production server (the project file always syncs: FULL).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIDE = 1024  # 1 MP masks
OWN = 2  # images per labeler
SHARED = 2  # images a few labelers edit together
SHARED_EVERY = 4  # labelers 0, 4, 8, ... also edit the shared images
SHARED_SHARE = 0.25  # of their strokes


@dataclass
class Result:
    labeler: int
    latencies_ms: list[float] = field(default_factory=list)
    encode_ms: list[float] = field(default_factory=list)
    stored_ms: list[float] = field(default_factory=list)  # encode + save
    revisions: list[int] = field(default_factory=list)
    last_crc: dict[int, int] = field(default_factory=dict)  # own image -> crc of last save
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)


def make_images(project, folder: Path, count: int) -> list[int]:
    """`count` 1 MP gray images in the project; their ids."""
    import cv2

    from app.core.hashing import sha256_file
    from app.store import NewImage

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    items = []
    for i in range(count):
        path = folder / f"part{i:03d}.png"
        cv2.imwrite(str(path), rng.integers(0, 255, (SIDE, SIDE), np.uint8))
        items.append(NewImage(str(path), sha256_file(path), path.stat().st_size, SIDE, SIDE,
                              8, 1))
    project.images.add_many(items)
    return [r.id for r in project.images.list()]


def labeler(location: str, index: int, own: list[int], shared: list[int], seconds: float,
            pause: float, start, out) -> None:
    """One simulated person: edits, saves with a base, keeps theirs on a conflict."""
    import cv2

    from app.core.imageio import encode_mask_png
    from app.store import Project, RevisionConflict

    result = Result(index)
    rng = np.random.default_rng(1000 + index)
    try:
        with Project.open(location) as project:
            images = own + (shared if index % SHARED_EVERY == 0 else [])
            masks, bases = {}, {}
            for image_id in images:
                mask, base = project.masks.load_current(image_id)
                masks[image_id] = (np.zeros((SIDE, SIDE), np.uint8) if mask is None
                                   else mask.copy())
                bases[image_id] = base
            start.wait()
            end = time.perf_counter() + seconds
            if pause:
                time.sleep(rng.uniform(0, pause))  # people do not start in step
            while time.perf_counter() < end:
                use_shared = images != own and rng.random() < SHARED_SHARE
                image_id = int(rng.choice(shared if use_shared else own))
                mask = masks[image_id]
                x, y = (int(v) for v in rng.integers(0, SIDE, 2))
                cv2.circle(mask, (x, y), int(rng.integers(4, 24)), int(rng.integers(0, 3)), -1)
                t0 = time.perf_counter()
                png = encode_mask_png(mask)
                t1 = time.perf_counter()
                try:
                    rev = project.masks.save(image_id, mask, png=png,
                                             base_revision=bases[image_id])
                except RevisionConflict as conflict:
                    rev = None
                    while rev is None:  # a third save may come between: keep mine again
                        result.conflicts += 1
                        try:
                            rev = project.masks.keep_mine(image_id, mask, conflict, png=png)
                        except RevisionConflict as again:
                            conflict = again
                t2 = time.perf_counter()
                result.encode_ms.append((t1 - t0) * 1000)
                result.latencies_ms.append((t2 - t1) * 1000)
                result.stored_ms.append((t2 - t0) * 1000)
                result.revisions.append(rev)
                bases[image_id] = rev
                if image_id in own:
                    result.last_crc[image_id] = zlib.crc32(mask)
                if pause:
                    time.sleep(pause * rng.uniform(0.5, 1.5))
    except Exception as e:  # noqa: BLE001 - reported in the table, the run goes on
        result.errors.append(f"{type(e).__name__}: {e}")
    out.put(result)


def run(location: str, n: int, image_ids: list[int], seconds: float, pause: float) -> dict:
    """N labeler processes on `location`; the figures and the lost-save check."""
    from app.store import Project
    from app.store.project import check_audit_chain

    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(n + 1), ctx.Queue()
    shared = image_ids[:SHARED]
    procs = [ctx.Process(target=labeler, args=(
        location, i, image_ids[SHARED + OWN * i:SHARED + OWN * (i + 1)], shared, seconds, pause,
        start, out)) for i in range(n)]
    for p in procs:
        p.start()
    start.wait(timeout=600)  # every labeler has opened the project
    t0 = time.perf_counter()
    results = [out.get(timeout=seconds + 600) for _ in procs]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join(60)
    lat = sorted(x for r in results for x in r.latencies_ms)
    stored = sorted(x for r in results for x in r.stored_ms)
    with Project.open(location, readonly=True) as project:
        kept = {r.id for i in image_ids for r in project.masks.revisions(i)}
        lost = sum(1 for r in results for rev in r.revisions if rev not in kept)
        wrong = sum(1 for r in results for image_id, crc in r.last_crc.items()
                    if zlib.crc32(project.masks.load(image_id)) != crc)
    with Project.open(location) as project:  # the audit chain all of them appended to
        chain = check_audit_chain(project._db)
    return dict(n=n, strokes=len(lat), per_s=len(lat) / wall,
                p50=_pct(lat, 50), p95=_pct(lat, 95), p99=_pct(lat, 99),
                stored95=_pct(stored, 95),
                encode=statistics.median(x for r in results for x in r.encode_ms) if lat else 0,
                conflicts=sum(r.conflicts for r in results), lost=lost, wrong=wrong,
                errors=[e for r in results for e in r.errors]
                + ([] if chain.ok else [chain.sentence()]))


def _pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labelers", type=int, nargs="+", default=[1, 5, 20])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--pause", type=float, default=0.5,
                    help="think time between one labeler's strokes, s (0: no pause)")
    ap.add_argument("--durable", action="store_true",
                    help="server with fsync and synchronous commit on")
    ap.add_argument("--no-sqlite", action="store_true")
    args = ap.parse_args()

    from app.store import Project
    from tests.support.postgres import PgCluster

    most = max(args.labelers)
    count = SHARED + OWN * most
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DEFECT_STUDIO_TEAM_DIR"] = str(Path(tmp) / "team")
        if not args.no_sqlite:
            path = str(Path(tmp) / "solo.dsproj")
            with Project.create(path) as p:
                ids = make_images(p, Path(tmp) / "solo", SHARED + OWN)
            rows.append(("SQLite file", run(path, 1, ids, args.seconds, args.pause)))
        cluster = PgCluster(durable=args.durable)
        try:
            for n in args.labelers:
                url = cluster.url(cluster.new_database("load"))
                with Project.create(url) as p:
                    ids = make_images(p, p.root / f"parts{n}", count)
                rows.append(("PostgreSQL", run(url, n, ids, args.seconds, args.pause)))
        finally:
            cluster.stop()
    server = "fsync on" if args.durable else "fsync off"
    print(f"\n{args.seconds:g} s per run, think time {args.pause:g} s, 1024x1024 masks, "
          f"PostgreSQL {server}, {os.cpu_count()} CPUs")
    print(f"{'store':<12} {'labelers':>8} {'strokes':>8} {'strokes/s':>9} {'p50 ms':>7} "
          f"{'p95 ms':>7} {'p99 ms':>7} {'encode':>7} {'enc+save p95':>12} {'conflicts':>9} "
          f"{'lost':>5}")
    for store, r in rows:
        print(f"{store:<12} {r['n']:>8} {r['strokes']:>8} {r['per_s']:>9.1f} {r['p50']:>7.1f} "
              f"{r['p95']:>7.1f} {r['p99']:>7.1f} {r['encode']:>7.1f} {r['stored95']:>12.1f} "
              f"{r['conflicts']:>9} "
              f"{r['lost'] + r['wrong']:>5}")
        for e in r["errors"]:
            print(f"  error: {e}")
    return 0 if all(r["lost"] + r["wrong"] == 0 and not r["errors"] for _, r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
