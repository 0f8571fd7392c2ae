"""The queue of heavy jobs (train, predict, inspect) that a worker runs, in the project's store.

    job = project.jobs.enqueue("train", {"spec": ..., "config": ...})   # any client
    claimed = project.jobs.claim("gpu-box:4711", lease_s=60)           # the worker
    project.jobs.report(claimed, progress=0.3, message="Epoch 3/10", events=[("log", {...})])
    canceled = project.jobs.heartbeat(claimed, lease_s=60)              # extends the lease
    project.jobs.finish(claimed, "done", result={"model_id": 7})
    project.jobs.request_cancel(job.id)                                  # any client

Claiming takes the oldest queued job of the highest priority with `SELECT ... FOR UPDATE SKIP
LOCKED` on PostgreSQL (workers never wait on each other's row, and never take the same one); on
SQLite every writing transaction begins IMMEDIATE, so claims already take turns. A running job
whose lease ran out (its worker died or lost the network) is taken over by the next claim, up to
MAX_ATTEMPTS claims in all; then it fails with the reason. Leases use the database's clock on
PostgreSQL (clock_timestamp()), so the workers' clocks do not matter.

A claim is owned by (worker, attempt): a worker that comes back after its job was taken over
gets LostLease from report/heartbeat/finish, and writes nothing more.

On PostgreSQL, enqueue NOTIFYs NEW_CHANNEL (a worker LISTENing starts at once) and every change
of a job NOTIFYs UPDATE_CHANNEL with its id (app/store/job_listen.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import Session

from .audit_repo import record
from .database import Database, author_of
from .schema import Job, JobEvent

QUEUED, RUNNING, DONE, FAILED, CANCELED = "queued", "running", "done", "failed", "canceled"
FINISHED = (DONE, FAILED, CANCELED)
MAX_ATTEMPTS = 3  # claims of one job before a job whose workers keep dying fails
LEASE_S = 60.0
NEW_CHANNEL = "ds_jobs"  # NOTIFY on enqueue: a job is waiting
UPDATE_CHANNEL = "ds_job_updates"  # NOTIFY <job id> when a job's progress or status changed


class JobError(Exception):
    """What a client asked of a job that cannot be done (unknown id, already finished)."""


class LostLease(Exception):
    """The job is no longer this worker's claim (taken over after its lease ran out, or
    finished by someone else): the worker stops it and writes nothing more."""


@dataclass(frozen=True)
class JobRow:
    id: int
    kind: str
    params: dict[str, Any]
    status: str
    priority: int
    created_by: str
    created_at: str
    worker: str | None
    started_at: str | None
    heartbeat_at: str | None
    lease_expires_at: str | None
    finished_at: str | None
    cancel_requested: bool
    attempts: int
    progress: float
    message: str
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True)
class JobEventRow:
    id: int
    job_id: int
    at: str
    kind: str
    payload: dict[str, Any]


def _row(j: Job) -> JobRow:
    return JobRow(j.id, j.kind, json.loads(j.params or "{}"), j.status, j.priority, j.created_by,
                  j.created_at, j.worker, j.started_at, j.heartbeat_at, j.lease_expires_at,
                  j.finished_at, bool(j.cancel_requested), j.attempts, j.progress, j.message,
                  json.loads(j.result or "{}"), j.error)


def _stamp(t: datetime) -> str:
    """One spelling of an instant (UTC, milliseconds), so stored times compare as text."""
    return t.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def db_now(s: Session) -> datetime:
    """The database's clock on PostgreSQL (one clock for every worker), this machine's on
    SQLite (one machine)."""
    if s.info.get("dialect") == "postgresql":
        return s.execute(text("SELECT clock_timestamp()")).scalar_one()
    return datetime.now(timezone.utc)


def _notify(s: Session, channel: str, payload: str = "") -> None:
    """Delivered at commit, to the sessions LISTENing (PostgreSQL only)."""
    if s.info.get("dialect") == "postgresql":
        s.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": payload})


def _plain(value: Any) -> Any:
    """numpy scalars (metrics, losses) as numbers, anything else JSON lacks as text."""
    return value.item() if hasattr(value, "item") else str(value)


def _json(value: Any) -> str:
    return json.dumps(value if value is not None else {}, default=_plain)


class JobsRepo:
    def __init__(self, db: Database):
        self._db = db

    # clients ---------------------------------------------------------------------------------
    def enqueue(self, kind: str, params: dict[str, Any] | None = None,
                priority: int = 0) -> JobRow:
        with self._db.session() as s:
            job = Job(kind=kind, params=_json(params), status=QUEUED, priority=priority,
                      created_by=author_of(s), created_at=_stamp(db_now(s)))
            s.add(job)
            s.flush()
            record(s, "job.enqueue", "job", job.id, kind=kind)
            _notify(s, NEW_CHANNEL, str(job.id))
            return _row(job)

    def request_cancel(self, job_id: int) -> JobRow:
        """A queued job is canceled at once; a running one is asked to stop (its worker sees
        it at the next heartbeat). Raises JobError for an unknown or finished job."""
        with self._db.session() as s:
            job = s.scalars(select(Job).where(Job.id == job_id).with_for_update()).first()
            if job is None:
                raise JobError(f"no job {job_id} in this project")
            if job.status in FINISHED:
                raise JobError(f"job {job_id} has already finished ({job.status})")
            if job.status == QUEUED:
                job.status, job.finished_at = CANCELED, _stamp(db_now(s))
                job.message = f"canceled by {author_of(s)} before it started"
            job.cancel_requested = True
            record(s, "job.cancel", "job", job.id, kind=job.kind, status=job.status)
            _notify(s, UPDATE_CHANNEL, str(job.id))
            s.flush()
            return _row(job)

    def get(self, job_id: int) -> JobRow:
        with self._db.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                raise KeyError(f"no job {job_id} in this project")
            return _row(job)

    def events(self, job_id: int, after_id: int = 0,
               kinds: Iterable[str] | None = None) -> list[JobEventRow]:
        """The job's events after event `after_id`, in order (a client polls with the last id
        it has seen)."""
        q = (select(JobEvent).where(JobEvent.job_id == job_id, JobEvent.id > after_id)
             .order_by(JobEvent.id))
        if kinds is not None:
            q = q.where(JobEvent.kind.in_(list(kinds)))
        with self._db.session() as s:
            return [JobEventRow(e.id, e.job_id, e.at, e.kind, json.loads(e.payload))
                    for e in s.scalars(q)]

    def list(self, status: str | Iterable[str] | None = None, kind: str | None = None,
             limit: int | None = None) -> list[JobRow]:
        """Newest first."""
        q = select(Job).order_by(Job.id.desc())
        if status is not None:
            q = q.where(Job.status.in_([status] if isinstance(status, str) else list(status)))
        if kind is not None:
            q = q.where(Job.kind == kind)
        if limit:
            q = q.limit(limit)
        with self._db.session() as s:
            return [_row(j) for j in s.scalars(q)]

    # workers ---------------------------------------------------------------------------------
    def claim(self, worker: str, lease_s: float = LEASE_S, kinds: Iterable[str] | None = None,
              max_attempts: int = MAX_ATTEMPTS) -> JobRow | None:
        """The next job for `worker` (now running, leased for `lease_s`), or None. A running
        job whose lease has run out is taken over (attempts + 1), or failed once it has been
        claimed `max_attempts` times."""
        kinds = None if kinds is None else list(kinds)
        while True:
            with self._db.session() as s:
                now = db_now(s)
                q = (select(Job)
                     .where(or_(Job.status == QUEUED,
                                and_(Job.status == RUNNING,
                                     Job.lease_expires_at < _stamp(now))))
                     .order_by(Job.priority.desc(), Job.id).limit(1)
                     .with_for_update(skip_locked=True))
                if kinds is not None:
                    q = q.where(Job.kind.in_(kinds))
                job = s.scalars(q).first()
                if job is None:
                    return None
                if job.status == RUNNING and not self._take_over(s, job, now, max_attempts):
                    continue  # that one ended here (failed or canceled): look again
                job.status, job.worker = RUNNING, worker
                job.started_at = job.heartbeat_at = _stamp(now)
                job.lease_expires_at = _stamp(now + timedelta(seconds=lease_s))
                job.attempts += 1
                job.error = None
                s.add(JobEvent(job_id=job.id, at=_stamp(now), kind="claim",
                               payload=_json({"worker": worker, "attempt": job.attempts})))
                _notify(s, UPDATE_CHANNEL, str(job.id))
                s.flush()
                return _row(job)

    def _take_over(self, s: Session, job: Job, now: datetime, max_attempts: int) -> bool:
        """An expired running job: True to claim it again; else ends it here."""
        lost = f"worker {job.worker} stopped answering (lease ran out at {job.lease_expires_at})"
        if job.cancel_requested:
            self._end(s, job, now, CANCELED, None, f"canceled; {lost}")
            return False
        if job.attempts >= max_attempts:
            self._end(s, job, now, FAILED, None,
                      f"gave up after {job.attempts} attempts: each time the worker stopped "
                      f"answering; the last: {lost}")
            return False
        s.add(JobEvent(job_id=job.id, at=_stamp(now), kind="log",
                       payload=_json({"text": f"Taken over: {lost}"})))
        return True

    def _mine(self, s: Session, claim: JobRow) -> Job:
        """The job row, locked, if `claim` still owns it; else LostLease."""
        job = s.scalars(select(Job).where(Job.id == claim.id).with_for_update()).first()
        if (job is None or job.status != RUNNING or job.worker != claim.worker
                or job.attempts != claim.attempts):
            raise LostLease(f"job {claim.id} is no longer this worker's "
                            f"({'gone' if job is None else f'{job.status}, {job.worker}'})")
        return job

    def heartbeat(self, claim: JobRow, lease_s: float = LEASE_S) -> bool:
        """Extends the claim's lease; returns whether a client asked the job to stop."""
        with self._db.session() as s:
            job = self._mine(s, claim)
            now = db_now(s)
            job.heartbeat_at = _stamp(now)
            job.lease_expires_at = _stamp(now + timedelta(seconds=lease_s))
            return bool(job.cancel_requested)

    def report(self, claim: JobRow, progress: float | None = None, message: str | None = None,
               events: Iterable[tuple[str, dict[str, Any]]] = ()) -> None:
        """Progress (0..1), the status line and events (curve points, log lines), in one go."""
        with self._db.session() as s:
            job = self._mine(s, claim)
            at = _stamp(db_now(s))
            if progress is not None:
                job.progress = float(min(max(progress, 0.0), 1.0))
            if message is not None:
                job.message = message
            s.add_all([JobEvent(job_id=job.id, at=at, kind=kind, payload=_json(payload))
                       for kind, payload in events])
            _notify(s, UPDATE_CHANNEL, str(job.id))

    def finish(self, claim: JobRow, status: str, result: dict[str, Any] | None = None,
               error: str | None = None, message: str | None = None) -> JobRow:
        if status not in FINISHED:
            raise ValueError(f"a job finishes as one of {', '.join(FINISHED)}, not {status!r}")
        with self._db.session() as s:
            job = self._mine(s, claim)
            if message is not None:
                job.message = message
            self._end(s, job, db_now(s), status, result, error)
            s.flush()
            return _row(job)

    def _end(self, s: Session, job: Job, now: datetime, status: str,
             result: dict[str, Any] | None, error: str | None) -> None:
        job.status, job.finished_at = status, _stamp(now)
        job.lease_expires_at = None
        if status == DONE:
            job.progress = 1.0
        if result is not None:
            job.result = _json(result)
        job.error = error
        if error and not job.message:
            job.message = error
        s.add(JobEvent(job_id=job.id, at=_stamp(now), kind="status",
                       payload=_json({"status": status, "error": error})))
        record(s, "job.finish", "job", job.id, kind=job.kind, status=status, worker=job.worker,
               error=error)
        _notify(s, UPDATE_CHANNEL, str(job.id))
