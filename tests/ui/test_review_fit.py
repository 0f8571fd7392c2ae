"""The Review workspace at 1280 x 800: nothing truncated, progress readable, captions apart."""

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractButton

from app.core.inspection_record import InspectionRecord
from app.ui.review.workspace import ReviewWorkspace
from tests.support.review_ui import build_project, component, write_png


@pytest.fixture
def workspace_registry():
    return [("Review", ReviewWorkspace)]


def luminance(c: QColor) -> float:
    def channel(v):
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture
def review(qtbot, bare_window, tmp_path):
    p, run, _ids = build_project(tmp_path)
    img = write_png(tmp_path / "line3" / "part-F-from-the-line-camera-station-2-lot-4711.png", 200)
    crack = p.classes.by_name("crack").value
    comps = [component("crack", crack, "SCRAP", (10 + 3 * i, 10 + 2 * i, 6, 6), "sealing face")
             for i in range(5)]
    for c in comps:
        c["borderline"] = ["area"]
    comps[0]["zones"] = {"whole-image": 0.2, "sealing face": 0.3}  # across a zone's border
    reasons = [{"kind": "area", "text": "crack too big in sealing face"}] + \
        [{"kind": "borderline", "text": "crack near threshold"}] * 5
    p.runs.add_result(run.id, img.path, InspectionRecord.from_dict(dict(
        sha256=img.sha256, grade="SCRAP", reasons=reasons, components=comps, risk=0.95,
        flagged=True)))
    path = p.path
    p.close()
    window = bare_window
    window.resize(1280, 800)
    assert window.open_project(path)
    ws = window.current_workspace()
    qtbot.waitUntil(lambda: ws.view.layer is not None and ws.current.risk == 0.95,
                    timeout=10_000)
    return window, ws


def test_review_fits_1280_by_800(qtbot, review):
    window, ws = review
    assert (window.width(), window.height()) == (1280, 800)
    for b in ws.findChildren(QAbstractButton):
        if b.isVisibleTo(ws):
            assert b.width() >= b.sizeHint().width(), b.text()  # no clipped button
    tree = ws.details.tree
    assert tree.horizontalScrollBar().maximum() == 0  # every component column in view
    for chart in (ws.summary.grades, ws.summary.by_class, ws.summary.by_zone):
        assert chart.height() >= chart.minimumHeight() and chart.width() > 200
    assert ws.geometry().bottom() < window.statusBar().geometry().top()
    queue_row = ws.queue_panel.model.data(ws.queue_panel.model.index(0))
    assert queue_row.startswith("• SCRAP   risk 0.95")  # grade and risk lead: never elided


def test_repeated_borderline_lines_read_once_with_a_count(review):
    _window, ws = review
    text = ws.details.verdict.text()
    assert text.count("crack near threshold") == 1 and "crack near threshold (×5)" in text


def test_inspection_progress_is_readable_and_not_clipped(qtbot, review):
    _window, ws = review
    bar = ws.run_bar
    bar.set_running(True, "Inspecting 4000 parts…")
    long_name = "Inspecting part-0012-from-the-line-camera-station-2-lot-4711.png"
    bar.show_progress(1234, 4000, long_name)
    qtbot.waitUntil(lambda: bar.progress.isVisible())
    count = bar.progress.text()
    assert count == "1234 / 4000"
    assert bar.progress.fontMetrics().horizontalAdvance(count) + 20 <= bar.progress.width()
    assert bar.message.full_text == long_name and bar.message.toolTip() == long_name
    shown = bar.message.text()
    assert bar.message.fontMetrics().horizontalAdvance(shown) <= bar.message.width()
    assert shown == long_name or "…" in shown
    pal = bar.message.palette()
    assert contrast(pal.color(QPalette.ColorRole.WindowText),
                    pal.color(QPalette.ColorRole.Window)) >= 4.5
    assert bar.message.font().pointSizeF() >= bar.font().pointSizeF()
    bar.set_running(False)


def test_outline_captions_in_the_workspace_do_not_overlap(review):
    _window, ws = review
    view = ws.view
    rects = [r for r in view.caption_rects([view.widget_box(o) for o in view.outlines]) if r]
    assert len(rects) == 5
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])


def test_grade_coloured_text_is_readable_on_the_list(review):
    _window, ws = review
    model = ws.queue_panel.model
    base = ws.queue_panel.list.palette().color(QPalette.ColorRole.Base)
    from PySide6.QtCore import Qt

    grades = set()
    for row in range(model.rowCount()):
        color = model.data(model.index(row), Qt.ItemDataRole.ForegroundRole)
        grades.add(ws.queue.items[ws.queue.visible[row]].final_grade)
        assert contrast(color, base) >= 4.5, color.name()
    assert {"OK", "REWORK", "SCRAP"} <= grades  # every grade colour was checked
