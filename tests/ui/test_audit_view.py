"""The audit trail view lists the project's audit rows newest first and filters them."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.core.inspection_record import InspectionRecord
from app.store import Project
from app.ui.audit import AuditView
from app.ui.audit.model import detail_text


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "audit.dsproj")
    recipe = p.recipes.save("housing", {"t": 0.5})
    run = p.runs.create("lot 7", None, recipe.id)
    a = p.runs.add_result(run.id, "a.png", InspectionRecord("SCRAP", sha256="h1", flagged=True))
    b = p.runs.add_result(run.id, "b.png", InspectionRecord("REWORK", sha256="h2", flagged=True))
    p.runs.decide(a, "confirm", "SCRAP", seconds=1.5)
    p.runs.decide(b, "override", "OK", reason="reflection: lamp at 45°", seconds=4.0)
    yield p
    p.close()


@pytest.fixture
def view(qtbot, project):
    v = AuditView(project)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    return v


def actions(view):
    return [r.action for r in view.model.rows]


def test_lists_everything_newest_first(view, project):
    assert actions(view) == [a.action for a in project.audit.list()]
    assert actions(view)[:2] == ["review.override", "review.confirm"]
    assert actions(view)[-1] == "project.create"
    me = project.audit.list()[0].author
    assert view.model.data(view.model.index(0, 1)) == \
        f"{me} overrode b REWORK -> OK: reflection: lamp at 45°"
    assert view.model.data(view.model.index(1, 1)) == f"{me} confirmed a SCRAP"
    assert view.model.data(view.model.index(0, 2)) == "review.override"
    tip = view.model.data(view.model.index(0, 1), Qt.ItemDataRole.ToolTipRole)
    assert "inspection_result #2" in tip and "reason=reflection: lamp at 45°" in tip
    assert view.count.text().startswith(f"{len(actions(view))} of")
    view.table.selectRow(0)
    assert '"reason": "reflection: lamp at 45°"' in view.detail.toPlainText()


def test_filters_by_action_entity_author_and_text(qtbot, view, project):
    view.set_filter(action="review.confirm")
    assert actions(view) == ["review.confirm"]
    view.set_filter(action="Any", entity="inspection_run")
    assert set(actions(view)) == {"run.create"}
    view.set_filter(entity="Any", author="nobody-here")
    assert actions(view) == []
    view.set_filter(author="Any")
    view.text.setFocus()
    QTest.keyClicks(view.text, "lamp")  # typed, as a person filters
    assert actions(view) == ["review.override"]
    view.text.clear()
    QTest.keyClicks(view.text, "confirmed a")  # the sentence is searchable too
    assert actions(view) == ["review.confirm"]
    QTest.keyClick(view.text, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view.text, Qt.Key.Key_Delete)
    assert len(actions(view)) == len(project.audit.list())


def test_reload_shows_new_rows_and_preset_filters(qtbot, project):
    view = AuditView(project, entity="inspection_result")
    qtbot.addWidget(view)
    assert set(actions(view)) == {"review.override", "review.confirm"}
    project.runs.decide(1, "to_labeling", "SCRAP", reason="pre-label: boxes")
    view.reload()
    assert actions(view)[0] == "review.to_labeling"


def test_detail_text_is_one_line():
    assert detail_text({"a": 1, "b": "x", "c": [1, 2]}) == "a=1, b=x, c=[1,2]"
