"""``defect-studio worker PROJECT``: run the project's queued jobs (train, predict, inspect) here.

Start it on the machine with the GPU, on a team project's URL (or a project file). It claims
one job at a time, reports progress and curves through the database and runs until stopped
(Ctrl-C or SIGTERM: the running job is stopped, as "canceled", and the worker ends), or with
--once until no job is waiting. A worker that dies leaves its job to the next worker once its
lease has run out (app/store/jobs_repo.py).

Exit status: 0 stopped or queue empty, 1 error.
"""

from __future__ import annotations

import argparse
import signal
import sys

from .command import Command
from .numbers import float_above


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "worker", help="run a project's queued jobs (train, predict, inspect) on this machine",
        description="Claim the jobs queued in PROJECT (a team project's URL or a project file) "
                    "and run them here, one at a time, until stopped.")
    p.add_argument("project", metavar="PROJECT",
                   help="postgresql+psycopg://user@host/database, or a project file (.dsproj)")
    p.add_argument("--device", default="auto", metavar="DEV",
                   help="auto (default), cpu, cuda, cuda:N or mps")
    p.add_argument("--once", action="store_true",
                   help="run the jobs waiting now, then exit (default: wait for more)")
    p.add_argument("--name", metavar="NAME",
                   help="this worker's name in the job list (default: host:pid)")
    p.add_argument("--lease", type=float_above(0), default=60.0, metavar="S",
                   help="seconds a job stays this worker's without a heartbeat; after that "
                        "another worker takes it over (default 60)")
    p.add_argument("--poll", type=float_above(0), default=5.0, metavar="S",
                   help="seconds between looks at the queue when nothing wakes the worker "
                        "(default 5; PostgreSQL wakes it at once on a new job)")
    return p


def run(args: argparse.Namespace) -> int:
    from app.jobs.worker import Worker

    with Command("worker", errors=(ValueError,)) as cmd:
        project = cmd.open(args.project)
        worker = Worker(project, args.name, args.device, lease_s=args.lease, poll_s=args.poll,
                        log=lambda text: print(text, flush=True))
        previous = {sig: signal.signal(sig, lambda *_: worker.stop())
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            print(f"Worker {worker.name} on {project.location} "
                  f"(device {args.device}); jobs: {', '.join(worker.kinds)}", flush=True)
            ran = worker.run(once=args.once)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        print(f"Worker {worker.name} ended after {ran} job(s)", file=sys.stderr)
        return 0
    return cmd.status
