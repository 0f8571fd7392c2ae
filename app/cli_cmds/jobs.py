"""``defect-studio jobs PROJECT list|cancel ID|echo``: the project's queue of worker jobs.

    list        newest first: id, kind, status, progress, worker, who queued it, message
    cancel ID   a queued job ends at once; a running one is asked to stop (its worker stops it
                at the next heartbeat)
    echo        queue a diagnostic job that only says hello: checks a worker answers
    watch ID    follow a job: its log lines and progress as they come (woken by NOTIFY on
                PostgreSQL, a look every second on a project file), until it ends

Exit status: 0 done, 1 error (watch: 1 when the job failed, 130 when it was canceled).
"""

from __future__ import annotations

import argparse

from .command import Command, CommandError
from .numbers import int_at_least


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("jobs", help="list or cancel the jobs queued for workers",
                              description="The jobs of PROJECT queued for a worker "
                                          "(defect-studio worker).")
    p.add_argument("project", metavar="PROJECT",
                   help="postgresql+psycopg://user@host/database, or a project file (.dsproj)")
    sub = p.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="the jobs, newest first")
    ls.add_argument("--limit", type=int_at_least(1), default=30, metavar="N",
                    help="show the newest N (default 30)")
    c = sub.add_parser("cancel", help="stop a queued or running job")
    c.add_argument("id", type=int_at_least(1), metavar="ID")
    w = sub.add_parser("watch", help="follow a job's log and progress until it ends")
    w.add_argument("id", type=int_at_least(1), metavar="ID")
    e = sub.add_parser("echo", help="queue a diagnostic job that checks a worker answers")
    e.add_argument("--text", default="hello", help="what it says back (default hello)")
    return p


def run(args: argparse.Namespace) -> int:
    from app.store.jobs_repo import JobError

    with Command("jobs", errors=(JobError,)) as cmd:
        project = cmd.open(args.project)
        jobs = project.jobs
        if args.jobs_command == "cancel":
            try:
                row = jobs.request_cancel(args.id)
            except JobError as e:
                raise CommandError(str(e)) from None
            print(f"Job {row.id} ({row.kind}) "
                  + ("canceled" if row.status == "canceled" else
                     f"asked to stop; worker {row.worker} stops it at its next heartbeat"))
            return 0
        if args.jobs_command == "echo":
            from app.jobs.queue_kinds import echo_params

            row = jobs.enqueue("echo", echo_params(args.text))
            print(f"Queued job {row.id} (echo)")
            return 0
        if args.jobs_command == "watch":
            return watch(project, args.id)
        rows = jobs.list(limit=args.limit)
        if not rows:
            print("No jobs.")
        for r in rows:
            print(line(r))
        return 0
    return cmd.status


def line(r) -> str:
    where = f" on {r.worker}" if r.worker else ""
    tail = r.error or r.message
    return (f"{r.id:>5}  {r.kind:<8} {r.status:<9} {r.progress:4.0%}{where}  "
            f"queued by {r.created_by} at {r.created_at[:19]}" + (f"  {tail}" if tail else ""))


def watch(project, job_id: int) -> int:
    from app.store.job_listen import JobListener
    from app.store.jobs_repo import UPDATE_CHANNEL

    from .command import INTERRUPTED

    try:
        row = project.jobs.get(job_id)
    except KeyError as e:
        raise CommandError(str(e).strip("'\"")) from None
    seen, shown = 0, None
    with JobListener(project.db, UPDATE_CHANNEL) as listener:
        while True:
            for e in project.jobs.events(job_id, seen, kinds=["log", "claim"]):
                seen = e.id
                print(e.payload["text"] if e.kind == "log"
                      else f"claimed by {e.payload['worker']} (attempt {e.payload['attempt']})",
                      flush=True)
            row = project.jobs.get(job_id)
            state = (row.status, round(row.progress, 2), row.message)
            if state != shown and not row.finished:
                print(f"[{row.status} {row.progress:.0%}] {row.message}", flush=True)
                shown = state
            if row.finished:
                break
            listener.wait(1.0)
    print(f"Job {row.id} {row.status}" + (f": {row.error}" if row.error else ""))
    return {"done": 0, "canceled": INTERRUPTED}.get(row.status, 1)
