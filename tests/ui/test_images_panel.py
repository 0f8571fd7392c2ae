"""ImageListPanel: filters, next/prev, thumbnails, missing files and relinking."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtGui import QImage

from app.ui.images import ImageFilter, ImageListPanel
from app.ui.images.thumbnails import make_thumbnail

from .conftest import write_image


@pytest.fixture
def panel(qtbot, opened):
    panel = ImageListPanel()
    qtbot.addWidget(panel)
    panel.resize(320, 600)
    panel.show()
    panel.set_project(opened)
    yield panel
    panel.shutdown()


def test_lists_every_image_with_status_class_and_split(panel):
    assert panel.visible_ids() == [1, 2, 3, 4]
    e = panel.model.entry(1)
    assert (e.status_text, e.class_text, e.row.split) == ("labeled", "crack", "train")
    assert panel.model.entry(2).status_text == "in progress"
    assert not panel.footer.isVisible()
    panel.set_filter(ImageFilter(split="train"))
    assert panel.footer.isVisible() and panel.footer.text() == "2 of 4 images shown"
    assert not panel.missing_bar.isVisible()


@pytest.mark.parametrize(("spec", "ids"), [
    (ImageFilter(status="unlabeled"), [3, 4]),
    (ImageFilter(class_name="crack"), [1, 2]),
    (ImageFilter(class_name="blowhole"), [3]),
    (ImageFilter(split="train"), [1, 2]),
    (ImageFilter(split="unassigned"), [4]),
    (ImageFilter(split="val"), [3]),
    (ImageFilter(text="BLOW"), [3]),
    (ImageFilter(status="labeled", split="train"), [1]),
    (ImageFilter(status="labeled", split="val"), []),
])
def test_filters(panel, spec, ids):
    panel.set_filter(spec)
    assert panel.visible_ids() == ids
    assert panel.filters.value() == spec  # the editors show the filter in force
    assert panel.empty.isVisible() == (not ids)


def test_class_filter_also_matches_classes_present_in_the_mask(panel, opened):
    mask = np.zeros((32, 48), np.uint8)
    mask[0:3, 0:3] = opened.classes.by_name("blowhole").value
    opened.masks.save(4, mask)
    panel.refresh()
    panel.set_filter(ImageFilter(class_name="blowhole"))
    assert panel.visible_ids() == [3, 4]


def test_typing_in_the_text_filter_is_coalesced(panel, qtbot):
    with qtbot.waitSignal(panel.filters.changed, timeout=2000):
        panel.filters.text.setText("crack_0")
    assert panel.visible_ids() == [1, 2]


def test_next_and_prev_stop_at_the_ends(panel, qtbot):
    seen = []
    panel.image_selected.connect(seen.append)
    assert panel.select_next() and panel.current_image_id() == 1
    assert panel.select_next() and panel.select_next() and panel.select_next()
    assert not panel.select_next() and panel.current_image_id() == 4
    assert panel.select_prev() and panel.current_image_id() == 3
    assert seen == [1, 2, 3, 4, 3]
    assert not panel.select_image(99)


def test_selection_survives_filters_and_refresh(panel, opened):
    panel.select_image(2)
    panel.set_filter(ImageFilter(class_name="crack"))
    assert panel.current_image_id() == 2
    panel.set_filter(ImageFilter(split="train"))
    opened.images.set_status([2], "labeled")
    panel.set_filter(ImageFilter(status="in_progress"))
    panel.refresh(2)  # labeled now, but it stays under the cursor until the filter changes
    assert panel.visible_ids() == [2] and panel.model.entry(2).status_text == "labeled"
    panel.refresh()
    assert panel.visible_ids() == [] and panel.current_image_id() is None


def test_thumbnails_arrive_in_the_background(panel, qtbot):
    rows = [panel.model.entry(i).row for i in panel.visible_ids()]
    qtbot.waitUntil(lambda: all(panel.loader.thumbnail(r) is not None for r in rows),
                    timeout=5000)
    thumb = panel.loader.thumbnail(rows[1])  # the 16-bit ramp, windowed to 8 bits
    assert (thumb.width(), thumb.height()) == (48, 32)  # small images are not enlarged
    assert thumb.format() == QImage.Format.Format_Grayscale8
    assert thumb.pixelColor(0, 0).value() < 10 and thumb.pixelColor(47, 0).value() > 245
    assert panel.loader.thumbnail(rows[2]).format() == QImage.Format.Format_RGB888
    panel.grab()  # paints every row without error


def test_make_thumbnail_fits_96_px(tmp_path):
    item = write_image(tmp_path / "big.png", np.random.default_rng(0).integers(
        0, 65535, (300, 500), dtype=np.uint16))
    thumb = make_thumbnail(item.path)
    assert (thumb.width(), thumb.height()) == (96, 58)


def test_unreadable_file_is_flagged_not_raised(panel, opened, qtbot):
    row = opened.images.get(3)
    path = opened.images.abspath(row)
    path.write_bytes(b"\0" * row.size_bytes)  # same size: not "missing", but undecodable
    panel.loader.shutdown()  # forget what the first paint loaded
    panel.loader.clear_cache()
    panel.refresh()
    panel.loader.thumbnail(row)
    qtbot.waitUntil(lambda: panel.model.entry(3).error != "", timeout=5000)
    assert "unsupported format" in panel.model.entry(3).error


def test_missing_files_show_and_relink_finds_them(panel, opened, qtbot, tmp_path):
    src = opened.images.abspath(opened.images.get(1)).parent  # images/MT_Crack
    moved = tmp_path / "moved"
    shutil.move(src, moved / "MT_Crack")
    panel.refresh()
    assert panel.missing_ids() == [1, 2]
    assert panel.missing_bar.isVisible() and "2 image files missing" in panel.missing_label.text()
    messages = []
    panel.status_message.connect(messages.append)
    with qtbot.waitSignal(panel.relink_runner.finished, timeout=5000):
        panel.relink(str(moved))
    assert panel.missing_ids() == []
    assert not panel.missing_bar.isVisible()
    assert messages == ["Relinked 2 of 2 missing images"]
    assert opened.images.get(1).rel_path.startswith("moved/")


def test_no_project_and_empty_project(qtbot, tmp_path):
    from app.store import Project

    panel = ImageListPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert panel.empty.text() == "No project open"
    with Project.create(tmp_path / "empty.dsproj") as p:
        panel.set_project(p)
        assert panel.import_button.isVisible()
        with qtbot.waitSignal(panel.import_requested):
            panel.import_button.click()
        panel.shutdown()
