"""What the connected login's team role may not do is greyed out with a tooltip saying why
(app/store/team_roles.py says who may do what; the database enforces it all the same)."""

from __future__ import annotations


def why_not(project, ability: str) -> str:
    """The sentence for a tooltip when the project's team role may not do `ability` ("" when
    it may, or when no project is open)."""
    if project is None:
        return ""
    why = project.why_not(ability)
    return why[:1].upper() + why[1:] if why else ""


def explain(target, why: str) -> None:
    """Tooltip of a QAction or widget: `why` while the role may not, its own tooltip back when
    it may (kept the first time)."""
    base = target.property("role_free_tooltip")
    if base is None:
        base = target.toolTip()
        target.setProperty("role_free_tooltip", base)
    target.setToolTip(why or base)
