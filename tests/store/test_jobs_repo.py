"""The job queue in the store, on both engines: enqueue, claim, lease, take-over, cancel, finish."""

import time

import pytest

from app.store.job_listen import JobListener
from app.store.jobs_repo import NEW_CHANNEL, JobError, LostLease


def test_a_job_goes_from_queued_to_done_with_its_events_and_audit(project):
    jobs = project.jobs
    job = jobs.enqueue("echo", {"seconds": 0}, priority=0)
    assert (job.status, job.params, job.created_by) == ("queued", {"seconds": 0},
                                                        project.db.identity)
    claim = jobs.claim("w1", lease_s=30)
    assert (claim.id, claim.status, claim.worker, claim.attempts) == (job.id, "running", "w1", 1)
    assert claim.lease_expires_at > claim.heartbeat_at
    assert jobs.claim("w2") is None  # nothing else queued
    jobs.report(claim, progress=0.5, message="half", events=[("log", {"text": "hi"})])
    assert jobs.heartbeat(claim, lease_s=30) is False
    done = jobs.finish(claim, "done", result={"answer": 42})
    assert (done.status, done.progress, done.result, done.message) == ("done", 1.0,
                                                                       {"answer": 42}, "half")
    kinds = [e.kind for e in jobs.events(job.id)]
    assert kinds == ["claim", "log", "status"]
    assert jobs.events(job.id, kinds=["log"])[0].payload == {"text": "hi"}
    actions = [r.action for r in project.audit.list(entity="job")]
    assert actions == ["job.finish", "job.enqueue"]


def test_priority_then_age_orders_the_queue_and_kinds_filter(project):
    jobs = project.jobs
    low = jobs.enqueue("echo")
    other = jobs.enqueue("train")
    high = jobs.enqueue("echo", priority=5)
    assert jobs.claim("w", kinds=["echo"]).id == high.id
    assert jobs.claim("w", kinds=["echo"]).id == low.id
    assert jobs.claim("w", kinds=["echo"]) is None
    assert jobs.claim("w").id == other.id


def test_cancel_a_queued_job_ends_it_a_running_one_asks_its_worker(project):
    jobs = project.jobs
    queued = jobs.enqueue("echo")
    running = jobs.enqueue("echo")
    jobs.request_cancel(queued.id)
    assert jobs.get(queued.id).status == "canceled"
    claim = jobs.claim("w")
    assert claim.id == running.id  # the canceled one is never claimed
    assert jobs.request_cancel(running.id).status == "running"
    assert jobs.heartbeat(claim) is True
    jobs.finish(claim, "canceled")
    with pytest.raises(JobError, match="already finished"):
        jobs.request_cancel(running.id)
    with pytest.raises(JobError, match="no job 999"):
        jobs.request_cancel(999)
    assert [r.action for r in project.audit.list(entity="job")].count("job.cancel") == 2


def test_an_expired_lease_is_taken_over_and_the_old_worker_loses_it(project):
    jobs = project.jobs
    job = jobs.enqueue("echo")
    old = jobs.claim("dead", lease_s=0.05)
    time.sleep(0.1)
    new = jobs.claim("alive", lease_s=30)
    assert (new.id, new.worker, new.attempts) == (job.id, "alive", 2)
    for call in (lambda: jobs.heartbeat(old), lambda: jobs.report(old, progress=0.1),
                 lambda: jobs.finish(old, "done")):
        with pytest.raises(LostLease):
            call()
    jobs.finish(new, "done")
    texts = [e.payload.get("text", "") for e in jobs.events(job.id, kinds=["log"])]
    assert any("worker dead stopped answering" in t for t in texts)


def test_a_job_whose_workers_keep_dying_fails_with_the_reason(project):
    jobs = project.jobs
    job = jobs.enqueue("echo")
    for _ in range(2):
        jobs.claim("dies", lease_s=0.01, max_attempts=2)
        time.sleep(0.05)
    assert jobs.claim("next", max_attempts=2) is None
    row = jobs.get(job.id)
    assert row.status == "failed"
    assert row.error.startswith("gave up after 2 attempts")
    assert "worker dies stopped answering" in row.error


def test_finish_refuses_a_status_that_is_not_an_end(project):
    jobs = project.jobs
    jobs.enqueue("echo")
    claim = jobs.claim("w")
    with pytest.raises(ValueError, match="not 'running'"):
        jobs.finish(claim, "running")
    assert jobs.get(claim.id).status == "running"


def test_listener_wakes_on_enqueue_on_postgresql_and_sleeps_on_sqlite(project):
    with JobListener(project.db, NEW_CHANNEL) as listener:
        job = project.jobs.enqueue("echo")
        started = time.monotonic()
        heard = listener.wait(5.0 if listener.listens else 0.05)
        waited = time.monotonic() - started
    if project.db.dialect == "postgresql":
        assert heard == [str(job.id)] and waited < 2.0
    else:
        assert heard == [] and not listener.listens


def test_numpy_numbers_in_events_stay_numbers(project):
    import numpy as np

    jobs = project.jobs
    jobs.enqueue("echo")
    claim = jobs.claim("w")
    jobs.report(claim, events=[("train", {"loss": np.float32(0.25), "step": np.int64(3),
                                          "path": object.__new__(object)})])
    payload = jobs.events(claim.id, kinds=["train"])[0].payload
    assert payload["loss"] == 0.25 and payload["step"] == 3 and isinstance(payload["path"], str)
