"""The worker: claims queued jobs from the project's store and runs them here (the GPU machine).

    worker = Worker(project, name="gpu-box", device="cuda")
    worker.run(stop_event)          # until stopped; worker.run(once=True): until the queue is empty

Each job runs the same function the CLI and the window run (app/jobs/queue_kinds.py), with a
JobContext whose progress, log lines and events go to the store (jobs.progress / message and
job_events, batched about twice a second), and whose cancel is set when a client asks
(`cancel_requested`, read at each heartbeat) or when the claim was lost. A heartbeat thread
extends the lease while the job runs; a worker that dies stops heartbeating, and after its lease
ran out another worker takes the job over (app/store/jobs_repo.py). On PostgreSQL the worker
LISTENs for new jobs and starts at once; on SQLite it polls.

Ends of a job: its function returned -> "done" (or "canceled" when a stop came in while it
wrapped up, e.g. training registered its best model so far); raised Canceled -> "canceled";
raised anything else -> "failed" with "Type: message" as the error (the traceback in a log
event). No Qt.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.exc import OperationalError

from app.store.job_listen import JobListener
from app.store.jobs_repo import (
    CANCELED,
    DONE,
    FAILED,
    LEASE_S,
    NEW_CHANNEL,
    JobRow,
    LostLease,
)

from .context import Canceled, JobContext
from .queue_kinds import KINDS, Call, refusal, runner

FLUSH_S = 0.5  # progress and events reach the store at most this late


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobReporter:
    """One claimed job's JobContext callbacks and events -> the store, batched; the heartbeat
    (a thread) extends the lease and turns a cancel request or a lost claim into ctx.cancel()."""

    def __init__(self, jobs, claim: JobRow, ctx: JobContext, lease_s: float = LEASE_S):
        self.jobs, self.claim, self.ctx, self.lease_s = jobs, claim, ctx, lease_s
        self.lost = False  # the claim was taken over: write nothing more
        self._lock = threading.Lock()
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._progress: float | None = None
        self._message: str | None = None
        self._flushed = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{claim.id}-heartbeat",
                                        daemon=True)
        ctx.progress_fn = self.progress
        ctx.log_fn = self.log

    # the job's side (its own thread) ---------------------------------------------------------
    def progress(self, done: int, total: int, message: str = "") -> None:
        with self._lock:
            if total > 0:
                self._progress = done / total
            if message:
                self._message = message
        self._maybe_flush()

    def log(self, text: str) -> None:
        self.emit("log", {"text": text})

    def emit(self, kind: str, payload: dict[str, Any]) -> None:
        with self._lock:
            self._events.append((kind, payload))
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if time.monotonic() - self._flushed >= FLUSH_S:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            events, self._events = self._events, []
            progress, message = self._progress, self._message
            self._progress = self._message = None
            self._flushed = time.monotonic()
            if self.lost or (not events and progress is None and message is None):
                return
            try:
                self.jobs.report(self.claim, progress, message, events)
            except LostLease:
                self._lose()

    # the heartbeat ----------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.flush()

    def _beat(self) -> None:
        every = max(0.05, self.lease_s / 3)
        tick = min(FLUSH_S, every)
        last = time.monotonic()
        while not self._stop.wait(tick):
            self.flush()
            if time.monotonic() - last < every or self.lost:
                continue
            last = time.monotonic()
            try:
                if self.jobs.heartbeat(self.claim, self.lease_s):
                    self.ctx.cancel()
            except LostLease:
                with self._lock:
                    self._lose()
            except Exception:  # noqa: BLE001 - a network blip: the next beat tries again
                continue

    def _lose(self) -> None:
        self.lost = True
        self.ctx.cancel()


class Worker:
    def __init__(self, project, name: str | None = None, device: str | None = None, *,
                 lease_s: float = LEASE_S, poll_s: float = 5.0,
                 kinds: Iterable[str] | None = None,
                 log: Callable[[str], None] = lambda text: None):
        self.project = project
        self.name = name or default_name()
        self.device = None if device in (None, "auto") else device
        self.lease_s = lease_s
        self.poll_s = poll_s
        self.kinds = list(kinds) if kinds is not None else list(KINDS)
        self.log = log
        self.stop_event = threading.Event()
        self.current: JobContext | None = None  # the running job's context

    def stop(self) -> None:
        """Ends the loop; the running job is stopped (canceled) first."""
        self.stop_event.set()
        ctx = self.current
        if ctx is not None:
            ctx.cancel()

    def run(self, once: bool = False) -> int:
        """Runs jobs until stop() (once: until none is waiting); returns how many ran."""
        ran = 0
        with JobListener(self.project.db, NEW_CHANNEL) as listener:
            while not self.stop_event.is_set():
                try:
                    row = self.run_one()
                except OperationalError as e:  # the server restarted, the network blinked
                    self.log(f"cannot reach the project ({str(e.orig).strip()}); trying again "
                             f"in {self.poll_s:g} s")
                    self.stop_event.wait(self.poll_s)
                    continue
                if row is not None:
                    ran += 1
                    continue
                if once:
                    break
                # LISTEN wakes us at an enqueue; the timeout still finds expired leases.
                listener.wait(self.poll_s if listener.listens else min(self.poll_s, 1.0))
        return ran

    def run_one(self) -> JobRow | None:
        """Claims one job and runs it to its end; returns its final row (None: none waiting)."""
        jobs = self.project.jobs
        claim = jobs.claim(self.name, self.lease_s, self.kinds)
        if claim is None:
            return None
        self.log(f"job {claim.id} ({claim.kind}, attempt {claim.attempts}) started")
        ctx = JobContext()
        reporter = JobReporter(jobs, claim, ctx, self.lease_s)
        self.current = ctx
        reporter.start()
        try:
            status, result, error = self._execute(claim, ctx, reporter)
        finally:
            reporter.stop()
            self.current = None
        if reporter.lost:
            self.log(f"job {claim.id}: taken over by another worker; left to it")
            return jobs.get(claim.id)
        if status == CANCELED and self.stop_event.is_set() and not ctx_cancel_asked(jobs, claim):
            error = f"worker {self.name} was stopped"
        try:
            row = jobs.finish(claim, status, result, error)
        except LostLease:
            return jobs.get(claim.id)
        self.log(f"job {claim.id} {status}" + (f": {error}" if error else ""))
        return row

    def _execute(self, claim: JobRow, ctx: JobContext,
                 reporter: JobReporter) -> tuple[str, dict | None, str | None]:
        try:
            why = refusal(self.project, claim.kind, claim.created_by)
            if why:
                return FAILED, None, f"Not allowed: {why}"
            result = runner(claim.kind)(Call(self.project, claim.params, ctx, self.device,
                                             reporter.emit))
        except Canceled as e:
            run_id = getattr(e, "run_id", None)
            return CANCELED, ({"run_id": run_id} if run_id is not None else None), None
        except Exception as e:  # noqa: BLE001 - the job fails with its reason; the worker goes on
            reporter.log(traceback.format_exc())
            return FAILED, None, f"{type(e).__name__}: {e}"
        return (CANCELED if ctx.canceled else DONE), result, None


def ctx_cancel_asked(jobs, claim: JobRow) -> bool:
    """Whether a client asked the job to stop (else the worker's own stop did)."""
    try:
        return jobs.get(claim.id).cancel_requested
    except KeyError:
        return False
