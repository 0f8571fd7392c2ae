"""A writer killed with SIGKILL at random moments never corrupts the project or loses a commit."""

import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from app.store import Project

from .helpers import make_image_file

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from app.store import Project
    p = Project.open(sys.argv[1])
    image_id = int(sys.argv[2])
    start = len(p.masks.revisions(image_id))
    mask = p.masks.load_or_empty(image_id)
    n = start
    while True:
        n += 1
        # stroke n paints row n % H with value (n % 250) + 1: every stroke is checkable
        mask[n % mask.shape[0], :] = (n % 250) + 1
        rev = p.masks.save(image_id, mask)
        print(f"{n} {rev}", flush=True)
""")


@pytest.mark.slow  # about 35 s; CI runs it (addopts deselects only `packaging`)
def test_sigkill_loses_nothing_committed(tmp_path):
    path = tmp_path / "crash.dsproj"
    with Project.create(path) as p:
        (image_id,) = p.images.add_many([make_image_file(tmp_path, "a.png", (64, 48))]).added
    rng = random.Random(1234)
    acknowledged: dict[int, int] = {}  # stroke number -> revision id the writer reported
    for _ in range(30):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(image_id)],
                                stdout=subprocess.PIPE, text=True)
        first = proc.stdout.readline()  # wait until it is committing
        assert first, "writer did not start"
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait()
        for line in (first + rest).splitlines():
            n, rev = map(int, line.split())
            acknowledged[n] = rev
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
    assert len(acknowledged) >= 30
    with Project.open(path) as p:
        revisions = {r.id for r in p.masks.revisions(image_id)}
        assert set(acknowledged.values()) <= revisions
        last = max(acknowledged)
        mask = p.masks.load_revision(acknowledged[last])
        assert (mask[last % 48, :] == (last % 250) + 1).all()
        # The current mask is the last acknowledged stroke or at most one unreported after it.
        current = p.masks.revisions(image_id)[-1].id
        assert current - acknowledged[last] in (0, 1)
