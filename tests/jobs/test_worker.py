"""The worker on the real server: three workers share twenty jobs (each runs once), a worker
killed mid-job leaves it to another after its lease, a cancel from another client stops a
running job; the same queue on a project file; a train job run by a worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.jobs.queue_kinds import echo_params
from app.jobs.worker import Worker
from app.store import Project

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout: float = 30.0, every: float = 0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not true within {timeout} s")


def run_workers(projects, names, **kw) -> list[Worker]:
    workers = [Worker(p, name, "cpu", **kw) for p, name in zip(projects, names, strict=True)]
    threads = [threading.Thread(target=w.run, kwargs={"once": True}) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    return workers


def assert_each_ran_once(project, ids):
    for job_id in ids:
        row = project.jobs.get(job_id)
        events = project.jobs.events(job_id)
        claims = [e for e in events if e.kind == "claim"]
        echoes = [e for e in events if e.kind == "log" and e.payload["text"] == f"echo {job_id}"]
        assert (row.status, row.attempts, len(claims), len(echoes)) == ("done", 1, 1, 1), row
        assert row.result == {"text": str(job_id)} and claims[0].payload["worker"] == row.worker


def enqueue_echoes(project, n: int, seconds: float = 0.05) -> list[int]:
    ids = []
    for _ in range(n):
        job = project.jobs.enqueue("echo", echo_params(seconds=seconds, steps=2))
        # The text is the job's own id, so each job's one echo can be told apart.
        ids.append(job.id)
    from sqlalchemy import update

    from app.store.schema import Job

    with project.db.session() as s:
        for job_id in ids:
            s.execute(update(Job).where(Job.id == job_id).values(
                params=f'{{"text": "{job_id}", "seconds": {seconds}, "steps": 2}}'))
    return ids


def test_three_workers_run_twenty_jobs_each_exactly_once(pg_url):
    projects = [Project.open(pg_url) for _ in range(4)]
    try:
        client = projects[0]
        ids = enqueue_echoes(client, 20)
        run_workers(projects[1:], ["w1", "w2", "w3"], poll_s=0.2)
        assert_each_ran_once(client, ids)
        by_worker = {}
        for job_id in ids:
            w = client.jobs.get(job_id).worker
            by_worker[w] = by_worker.get(w, 0) + 1
        assert sum(by_worker.values()) == 20 and set(by_worker) <= {"w1", "w2", "w3"}
        assert len(by_worker) >= 2, by_worker  # they shared the queue
        finished = [r for r in client.audit.list(action="job.finish")]
        assert len(finished) == 20
    finally:
        for p in projects:
            p.close()


def test_three_worker_processes_run_twenty_jobs_each_exactly_once(pg_url):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with Project.open(pg_url) as client:
        ids = enqueue_echoes(client, 20, seconds=0.2)
        workers = [subprocess.Popen(
            [sys.executable, "-m", "app", "worker", pg_url, "--once", "--name", f"p{i}",
             "--device", "cpu"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT) for i in range(3)]
        outs = [w.communicate(timeout=120)[0].decode() for w in workers]
        assert [w.returncode for w in workers] == [0, 0, 0], outs
        assert_each_ran_once(client, ids)
        ran = sum(out.count(" done") for out in outs)
        assert ran == 20, outs  # each worker's log: one "job N done" per job it ran


def test_the_queue_on_a_project_file_runs_each_job_once(tmp_path):
    with Project.create(tmp_path / "one.dsproj") as project:
        ids = enqueue_echoes(project, 8, seconds=0.01)
        run_workers([project] * 3, ["a", "b", "c"], poll_s=0.1)
        assert_each_ran_once(project, ids)


def test_a_killed_worker_s_job_is_taken_over_after_its_lease(pg_url, tmp_path):
    with Project.open(pg_url) as client:
        job = client.jobs.enqueue("echo", echo_params("survived", seconds=3.0, steps=30))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        doomed = subprocess.Popen(
            [sys.executable, "-m", "app", "worker", pg_url, "--name", "doomed", "--lease", "2",
             "--poll", "0.2", "--device", "cpu"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: (r := client.jobs.get(job.id)).worker == "doomed"
                     and r.progress > 0, timeout=60)
        finally:
            doomed.send_signal(signal.SIGKILL)
            out = doomed.communicate(timeout=30)[0].decode()
        row = client.jobs.get(job.id)
        assert (row.status, row.worker, row.attempts) == ("running", "doomed", 1), out
        rescuer = Worker(client, "rescuer", "cpu", lease_s=5)
        final = wait_for(rescuer.run_one, timeout=15)
        assert (final.id, final.status, final.worker, final.attempts) == (job.id, "done",
                                                                          "rescuer", 2)
        # Not before the lease had run out: until then the job was still the dead worker's.
        taken = client.jobs.events(job.id, kinds=["claim"])[-1]
        assert taken.payload == {"worker": "rescuer", "attempt": 2}
        assert taken.at >= row.lease_expires_at
        logs = [e.payload["text"] for e in client.jobs.events(job.id, kinds=["log"])]
        assert any("worker doomed stopped answering" in t for t in logs)
        assert "echo survived" in logs


def test_a_cancel_from_another_client_stops_a_running_job(pg_url):
    with Project.open(pg_url) as client, Project.open(pg_url) as server:
        job = client.jobs.enqueue("echo", echo_params(seconds=60, steps=600))
        worker = Worker(server, "w", "cpu", lease_s=0.6)
        thread = threading.Thread(target=worker.run_one)
        thread.start()
        try:
            wait_for(lambda: client.jobs.get(job.id).progress > 0)
            asked = time.monotonic()
            client.jobs.request_cancel(job.id)
            thread.join(30)
            took = time.monotonic() - asked
        finally:
            worker.stop()
            thread.join(30)
        row = client.jobs.get(job.id)
        assert (row.status, row.error, row.cancel_requested) == ("canceled", None, True)
        assert took < 5, took
        actions = [r.action for r in client.audit.list(entity="job")]
        assert actions[:2] == ["job.finish", "job.cancel"]


def test_a_failing_job_fails_with_its_reason_and_the_worker_goes_on(tmp_path):
    with Project.create(tmp_path / "one.dsproj") as project:
        bad = project.jobs.enqueue("predict", {"model_id": 99, "image_ids": [1]})
        unknown = project.jobs.enqueue("teleport", {})
        good = project.jobs.enqueue("echo", echo_params("ok"))
        assert Worker(project, "w", "cpu").run(once=True) == 2
        assert project.jobs.get(bad.id).status == "failed"
        assert "99" in project.jobs.get(bad.id).error
        # A kind this build does not know is left for a worker that does.
        assert project.jobs.get(unknown.id).status == "queued"
        assert project.jobs.get(good.id).status == "done"


def test_cli_lists_and_cancels_jobs(tmp_path, capsys):
    from app.cli import main

    path = tmp_path / "one.dsproj"
    Project.create(path).close()
    assert main(["jobs", str(path), "echo", "--text", "hi"]) == 0
    assert main(["jobs", str(path), "echo"]) == 0
    assert main(["jobs", str(path), "cancel", "2"]) == 0
    assert main(["worker", str(path), "--once", "--name", "cli-w"]) == 0
    capsys.readouterr()
    assert main(["jobs", str(path), "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["2", "echo", "canceled"]
    assert lines[1].split()[:5] == ["1", "echo", "done", "100%", "on"]
    assert main(["jobs", str(path), "cancel", "1"]) == 1
    assert "already finished (done)" in capsys.readouterr().err


@pytest.mark.usefixtures("one_thread")
def test_a_train_job_run_by_a_worker_registers_the_model_and_reports_its_curves(tmp_path):
    pytest.importorskip("torch")
    from app.jobs.queue_kinds import TRAIN_EVENT, train_event_of, train_params
    from app.ml.spec import ModelSpec
    from tests.support.tiny_project import make_tiny_project

    os.environ.setdefault("DEFECT_STUDIO_OFFLINE", "1")
    spec = ModelSpec("Unet", "resnet18", (16, 8, 8, 8, 8), 1, 2, 32, None)
    values = {"epochs": 1, "batch_size": 4, "lr": 3e-3, "crops_per_image": 2}
    with Project.open(make_tiny_project(tmp_path, n=6, size=40, unlabeled=2)) as project:
        job = project.jobs.enqueue("train", train_params(spec, values, predict=True))
        assert Worker(project, "gpu", "cpu").run(once=True) == 1
        row = project.jobs.get(job.id)
        assert row.status == "done", row.error
        model = project.models.get(row.result["model_id"])
        assert model.name == row.result["name"]
        assert len(row.result["predicted"]) == 8  # every image, after training
        events = [train_event_of(e.payload)
                  for e in project.jobs.events(job.id, kinds=[TRAIN_EVENT])]
        kinds = [e.kind for e in events]
        assert kinds[0] == "start" and "step" in kinds and "predict" in kinds
        epochs = [e for e in events if e.kind == "epoch"]
        assert [e.epoch for e in epochs] == [0] and epochs[0].epochs == 1
        assert all(e.loss is not None for e in events if e.kind == "step")


def test_cli_watch_follows_a_job_on_the_server_until_it_ends(pg_url, capsys):
    from app.cli import main

    with Project.open(pg_url) as client, Project.open(pg_url) as server:
        job = client.jobs.enqueue("echo", echo_params("hi", seconds=1.0, steps=4))
        worker = Worker(server, "w", "cpu", poll_s=0.2)
        thread = threading.Thread(target=worker.run, kwargs={"once": True})
        thread.start()
        try:
            assert main(["jobs", pg_url, "watch", str(job.id)]) == 0
        finally:
            thread.join(30)
    out = capsys.readouterr().out.splitlines()
    assert "claimed by w (attempt 1)" in out and "echo hi" in out
    assert out[-1] == f"Job {job.id} done"
    assert any(line.startswith("[running ") and "Echo step" in line for line in out)


def test_stopping_the_worker_stops_its_job_and_says_so(tmp_path):
    with Project.create(tmp_path / "one.dsproj") as project:
        job = project.jobs.enqueue("echo", echo_params(seconds=60, steps=600))
        worker = Worker(project, "w", "cpu", poll_s=0.1)
        thread = threading.Thread(target=worker.run)
        thread.start()
        try:
            wait_for(lambda: project.jobs.get(job.id).progress > 0)
        finally:
            worker.stop()
            thread.join(30)
        assert not thread.is_alive()
        row = project.jobs.get(job.id)
        assert (row.status, row.error, row.cancel_requested) == ("canceled",
                                                                 "worker w was stopped", False)
