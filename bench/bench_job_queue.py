"""The worker queue: how fast N workers drain M no-op jobs, and how soon an idle worker starts a
job after it is queued (LISTEN/NOTIFY on PostgreSQL vs polling on SQLite).

    python bench/bench_job_queue.py [--workers 3] [--jobs 200] [--waits 20]

Starts a throw-away PostgreSQL cluster (tests/support/postgres.py). Prints, per engine: jobs/s
drained by the workers (threads, one connection pool each on PostgreSQL; one project shared on
SQLite, whose writer lock allows one process), whether every job ran exactly once, and the
enqueue -> claim latency p50/p95 of an idle worker whose poll interval is 5 s: on PostgreSQL a
short wait means NOTIFY woke it; on SQLite (nothing to LISTEN to) it polls every second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.jobs.queue_kinds import echo_params  # noqa: E402
from app.jobs.worker import Worker  # noqa: E402
from app.store import Project  # noqa: E402


def drain(open_project, workers: int, jobs: int, close: bool) -> tuple[float, bool]:
    projects = [open_project() for _ in range(workers + 1)]
    client = projects[0]
    ids = [client.jobs.enqueue("echo", echo_params()).id for _ in range(jobs)]
    started = time.perf_counter()
    threads = [threading.Thread(target=Worker(p, f"w{i}", "cpu", poll_s=0.2).run,
                                kwargs={"once": True}) for i, p in enumerate(projects[1:])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    once = all(client.jobs.get(i).status == "done" and client.jobs.get(i).attempts == 1
               and len(client.jobs.events(i, kinds=["claim"])) == 1 for i in ids)
    for p in projects if close else ():
        p.close()
    return jobs / seconds, once


def wake_latency(open_project, waits: int, close: bool) -> list[float]:
    client, server = open_project(), open_project()
    worker = Worker(server, "idle", "cpu", poll_s=5.0)
    thread = threading.Thread(target=worker.run)
    thread.start()
    time.sleep(0.5)  # the worker is asleep in its wait
    out = []
    for _ in range(waits):
        job = client.jobs.enqueue("echo", echo_params())
        while client.jobs.get(job.id).status != "done":
            time.sleep(0.005)
        claim = client.jobs.events(job.id, kinds=["claim"])[0]
        out.append((datetime.fromisoformat(claim.at)
                    - datetime.fromisoformat(job.created_at)).total_seconds())
        time.sleep(0.3)  # let it go back to sleep
    worker.stop()
    thread.join()
    for p in (client, server) if close else ():
        p.close()
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=200)
    ap.add_argument("--waits", type=int, default=20)
    args = ap.parse_args()
    from tests.support.postgres import PgCluster

    tmp = Path(tempfile.mkdtemp(prefix="ds-bench-queue-"))
    os.environ.setdefault("DEFECT_STUDIO_TEAM_DIR", str(tmp / "team"))
    cluster = PgCluster()
    try:
        for engine in ("postgresql", "sqlite"):
            if engine == "postgresql":
                url = cluster.url(cluster.new_database("bench"))
                Project.create(url).close()

                def open_project(url=url):
                    return Project.open(url)
            else:
                shared = Project.create(tmp / "bench.dsproj")

                def open_project(shared=shared):
                    return shared
            pg = engine == "postgresql"
            rate, once = drain(open_project, args.workers, args.jobs, close=pg)
            lat = wake_latency(open_project, args.waits, close=pg)
            print(f"{engine:10}  {args.workers} workers drain {args.jobs} echo jobs: "
                  f"{rate:6.1f} jobs/s, each exactly once: {once};  idle worker (poll 5 s) "
                  f"enqueue->claim p50 {1000 * statistics.median(lat):6.1f} ms, "
                  f"p95 {1000 * pct(lat, 95):6.1f} ms (n={len(lat)})", flush=True)
            if engine == "sqlite":
                shared.close()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
