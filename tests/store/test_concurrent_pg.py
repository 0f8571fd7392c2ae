"""Two clients on the real server save the same image from the same base: exactly one wins,
the other gets RevisionConflict naming the winner, and nothing is lost (the loser keeps its
mask as a new revision on top). Threads in one process, then two processes."""

import multiprocessing as mp
import threading

import numpy as np

from app.store import Project, RevisionConflict
from tests.support.pg_roles import as_role

from .helpers import make_image_file


def _mask(value):
    m = np.zeros((30, 40), np.uint8)
    m[value:value + 4, :] = value
    return m


def _one_image(url, tmp_path):
    with Project.open(url) as p:
        p.images.add_many([make_image_file(tmp_path / "imgs")])
        image_id = p.images.list()[0].id
        base = p.masks.save(image_id, _mask(1), base_revision=None)
    return image_id, base


def _race(saves):
    """Runs the save callables at once; returns their results (a revision id or the error)."""
    barrier = threading.Barrier(len(saves))
    out = [None] * len(saves)

    def go(i):
        barrier.wait()
        try:
            out[i] = saves[i]()
        except Exception as e:  # noqa: BLE001 - the result under test
            out[i] = e

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(saves))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_two_clients_save_one_image_from_one_base(pg_cluster, pg_url, tmp_path):
    image_id, base = _one_image(pg_url, tmp_path)
    anna = Project.open(as_role(pg_cluster, pg_url, "anna"))
    ben = Project.open(as_role(pg_cluster, pg_url, "ben"))
    try:
        for _ in range(5):  # a few rounds: whichever wins, the rule holds
            out = _race([lambda b=base: anna.masks.save(image_id, _mask(2), base_revision=b),
                         lambda b=base: ben.masks.save(image_id, _mask(3), base_revision=b)])
            won = [r for r in out if isinstance(r, int)]
            lost = [r for r in out if isinstance(r, RevisionConflict)]
            assert len(won) == 1 and len(lost) == 1, out
            winner = "anna" if isinstance(out[0], int) else "ben"
            loser_mask = _mask(3) if winner == "anna" else _mask(2)
            conflict = lost[0]
            assert (conflict.author, conflict.revision_id) == (winner, won[0])
            assert winner in str(conflict)
            loser = ben if winner == "anna" else anna
            kept = loser.masks.keep_mine(image_id, loser_mask, conflict)

            revs = anna.masks.revisions(image_id)
            assert [r.id for r in revs[-2:]] == [won[0], kept]
            assert (revs[-2].base_revision, revs[-1].base_revision) == (base, won[0])
            assert np.array_equal(anna.masks.load_revision(won[0]),
                                  _mask(2) if winner == "anna" else _mask(3))
            assert np.array_equal(ben.masks.load(image_id), loser_mask)
            base = kept
    finally:
        anna.close()
        ben.close()


def _save_in_process(url, image_id, base, value, barrier, results):
    with Project.open(url) as p:
        barrier.wait()
        try:
            results.put((value, p.masks.save(image_id, _mask(value), base_revision=base), ""))
        except RevisionConflict as e:
            results.put((value, e.revision_id, e.author))


def test_two_processes_save_one_image_from_one_base(pg_cluster, pg_url, tmp_path):
    image_id, base = _one_image(pg_url, tmp_path)
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_save_in_process,
                         args=(as_role(pg_cluster, pg_url, role), image_id, base, value,
                               barrier, results))
             for role, value in (("anna", 2), ("ben", 3))]
    for p in procs:
        p.start()
    got = sorted(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    wins = [g for g in got if not g[2]]
    losses = [g for g in got if g[2]]
    assert len(wins) == 1 and len(losses) == 1, got
    (win_value, win_rev, _), (_, seen_rev, author) = wins[0], losses[0]
    assert seen_rev == win_rev and author == {2: "anna", 3: "ben"}[win_value]
    with Project.open(pg_url) as p:
        assert [r.id for r in p.masks.revisions(image_id)] == [base, win_rev]
        assert np.array_equal(p.masks.load(image_id), _mask(win_value))
