"""The Label workspace's parts, one at a time: view math, overlay, committer,
loader prefetch, brush ring region."""

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QRect

from app.store import RevisionConflict
from app.ui.label.committer import MaskCommitter
from app.ui.label.overlay import TILE, MaskOverlay
from app.ui.label.palette import palette_table
from app.ui.label.previews import ring_region
from app.ui.label.viewport import ViewTransform


class Cls:
    def __init__(self, value, color):
        self.value, self.color = value, color


TABLE = palette_table([Cls(1, "#ff0000"), Cls(2, "#0000ff")])


def test_view_fit_maps_pixel_centres_exactly():
    v = ViewTransform()
    v.fit(40, 30, 400, 300)
    assert (v.zoom, v.ox, v.oy) == (10, 0, 0)
    assert v.to_image(125, 75) == (12.5, 7.5)
    assert v.widget_rect_to_image((0, 0, 15, 15), 40, 30) == (0, 0, 2, 2)
    assert v.image_rect_to_widget((1, 1, 2, 2), margin=0) == (10, 10, 20, 20)
    v.fit(40, 30, 500, 300)  # letterboxed: centred
    assert (v.zoom, v.ox, v.oy) == (10, 50, 0)


def test_view_zoom_keeps_the_point_under_the_cursor():
    v = ViewTransform(zoom=1.0, ox=13, oy=-7)
    x, y = v.to_image(300, 200)
    v.set_zoom_about(4.0, 300, 200)
    assert v.to_image(300, 200) == pytest.approx((x, y), abs=0.25)


def test_palette_is_argb_with_transparent_background():
    assert TABLE[0] == 0
    assert TABLE[1] == 0xFFFF0000 and TABLE[2] == 0xFF0000FF
    assert TABLE[7] >> 24 == 255  # a value without a class is still drawn
    assert TABLE.view(np.uint8).reshape(256, 4).shape == (256, 4)


def test_overlay_allocates_only_labelled_tiles_and_recolours_only_the_dirty_rect():
    mask = np.zeros((3 * TILE, 2 * TILE + 10), np.uint8)
    mask[10:20, 10:20] = 1
    ov = MaskOverlay(mask, TABLE)
    assert ov.tile_count == 1
    mask[:, :] = 2  # changed everywhere, but only this rectangle is reported dirty
    ov.update((0, 0, 5, 5))
    tile = ov._tiles[0, 0].pixels
    assert (tile[:5, :5] == TABLE[2]).all()
    assert (tile[10:20, 10:20] == TABLE[1]).all()  # outside the dirty rect: untouched
    assert ov.tile_count == 1
    ov.update((TILE * 2, TILE * 2, TILE * 2 + 10, TILE * 2 + 3))  # the ragged edge tile
    assert ov._tiles[2, 2].pixels.shape == (TILE, 10)
    assert (ov._tiles[2, 2].pixels[:3] == TABLE[2]).all()


def test_ring_region_is_a_thin_ring_not_the_bounding_box():
    region = ring_region(500, 400, 300, 3)
    area = sum(r.width() * r.height() for r in region)
    assert area < 0.25 * 606 * 606
    for angle in np.linspace(0, 2 * np.pi, 64):
        x, y = 500 + 300 * np.cos(angle), 400 + 300 * np.sin(angle)
        assert region.contains(QRect(int(x) - 1, int(y) - 1, 2, 2))
    assert not region.contains(QRect(500, 400, 1, 1))


class SlowStore:
    """A save function that records calls and can be held back."""

    def __init__(self):
        self.calls = []
        self.gate = threading.Event()
        self.gate.set()
        self.active = 0
        self.max_active = 0
        self.fail = False

    def __call__(self, image_id, mask, png):
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        self.gate.wait(5)
        self.active -= 1
        if self.fail:
            raise OSError("disk full")
        self.calls.append((image_id, int(mask[0, 0]), len(png) > 0))


def test_committer_coalesces_bursts_and_flush_waits(qtbot):
    store = SlowStore()
    c = MaskCommitter(store)
    pending = []
    c.pending_changed.connect(pending.append)
    mask = np.zeros((8, 8), np.uint8)
    store.gate.clear()
    c.schedule(1, mask)  # written first, while the burst queues
    time.sleep(0.05)
    for v in range(2, 7):
        mask[0, 0] = v
        c.schedule(1, mask)  # each replaces the previous queued state
    mask[0, 0] = 99  # the committer copied: later edits do not leak into a queued state
    store.gate.set()
    assert c.flush(5)
    assert store.calls == [(1, 0, True), (1, 6, True)]
    assert store.max_active == 1
    assert pending == [True, False] and not c.pending
    c.shutdown()
    assert c._thread is None


def test_committer_reports_failures_and_retries_on_flush(qtbot):
    store = SlowStore()
    store.fail = True
    c = MaskCommitter(store)
    failures = []
    c.failed.connect(lambda i, m: failures.append((i, m)))
    c.schedule(3, np.ones((4, 4), np.uint8))
    assert not c.flush(5)
    qtbot.waitUntil(lambda: bool(failures), timeout=2000)
    assert failures[0][0] == 3 and "disk full" in failures[0][1]
    assert c.pending
    store.fail = False
    assert c.flush(5)  # the failed state is tried again
    assert store.calls == [(3, 1, True)] and not c.pending
    c.shutdown()




def test_committer_holds_a_conflicted_mask_until_the_user_chooses(qtbot):
    saved, refuse = [], [True]

    def save(image_id, mask, png):
        if refuse[0]:
            raise RevisionConflict(image_id, 1, 2, "anna", "2026-12-06T09:00:00.000+00:00")
        saved.append(int(mask[0, 0]))
        return 3

    c = MaskCommitter(save)
    seen = []
    c.conflicted.connect(lambda i, conflict: seen.append((i, conflict.author)))
    mask = np.zeros((4, 4), np.uint8)
    mask[0, 0] = 1
    c.schedule(7, mask)
    assert not c.flush(5)  # a conflict is no failure to retry: flush leaves it
    qtbot.waitUntil(lambda: seen == [(7, "anna")], timeout=2000)
    assert c.pending and [x.revision_id for x in c.conflicts()] == [2]
    mask[0, 0] = 2
    c.schedule(7, mask)  # painting on: kept with the conflict, not written
    assert not c.flush(5) and saved == [] and len(seen) == 1
    refuse[0] = False
    c.resolve(7, keep=True)  # "keep mine": the latest state is written
    assert c.flush(5) and saved == [2] and not c.pending
    refuse[0] = True
    c.schedule(7, mask)
    assert not c.flush(5)
    c.resolve(7, keep=False)  # "reload theirs": dropped
    assert c.flush(5) and saved == [2] and not c.pending and c.conflicts() == []
    c.shutdown()
