"""Every window-level QAction is declared here, once; menus and the shortcuts list read them.

Workspaces declare their own actions (``Workspace.workspace_actions()``); `shortcut_rows`
lists both, so the Keyboard shortcuts dialog is generated from the live actions.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

MENUS = ("File", "View", "Help")  # in menu-bar order; workspace menus go between View and Help


@dataclass(frozen=True)
class ActionSpec:
    id: str
    text: str
    handler: str  # name of the window method the action triggers
    group: str  # the menu it sits in
    shortcut: str = ""
    tooltip: str = ""
    checkable: bool = False
    arg: str | None = None  # passed to the handler (one handler for several actions)


WINDOW_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("file.new", "&New project…", "new_project_dialog", "File", "Ctrl+N",
               "Create a new project file"),
    ActionSpec("file.new_team", "New &team project…", "new_team_dialog", "File", "",
               "Create a team project in an empty PostgreSQL database"),
    ActionSpec("file.open", "&Open project…", "open_project_dialog", "File", "Ctrl+O",
               "Open a project file (.dsproj)"),
    ActionSpec("file.open_team", "Open t&eam project…", "open_team_dialog", "File", "",
               "Open a team project on a PostgreSQL server (address and password)"),
    ActionSpec("file.import", "&Import images…", "import_images", "File", "Ctrl+I",
               "Add a folder of images (and masks) to the project"),
    ActionSpec("file.roots", "&Storage roots…", "storage_roots_dialog", "File", "",
               "Where the team project's images are on this workstation"),
    ActionSpec("file.members", "Team &members…", "team_members_dialog", "File", "",
               "Who works in the team project, with which role"),
    ActionSpec("file.copy", "Cop&y project to…", "copy_project_dialog", "File", "",
               "Copy the project with every row to a new project file or an empty team "
               "database"),
    ActionSpec("file.close", "&Close project", "close_project", "File", "Ctrl+W",
               "Save pending edits and close the project"),
    ActionSpec("file.quit", "&Quit", "close", "File", "Ctrl+Q", "Quit Defect Studio"),
    ActionSpec("view.fullscreen", "&Full screen", "set_full_screen", "View", "F11",
               "Toggle full screen", checkable=True),
    ActionSpec("help.shortcuts", "&Keyboard shortcuts", "show_shortcuts", "Help", "Ctrl+F1",
               "List every keyboard shortcut"),
    ActionSpec("help.about", "&About Defect Studio", "show_about", "Help", "",
               "Version and licenses"),
)


def workspace_specs(names: list[str]) -> list[ActionSpec]:
    """View > one action per workspace, Ctrl+1.. in registry order."""
    return [
        ActionSpec(f"view.workspace.{name.lower()}", f"&{name} workspace", "show_workspace",
                   "View", f"Ctrl+{i}" if i < 10 else "", f"Switch to the {name} workspace",
                   arg=name)
        for i, name in enumerate(names, start=1)
    ]


def plain_text(text: str) -> str:
    """Menu text without mnemonics and ellipsis: '&Import images…' -> 'Import images'."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def shortcut_keys(action: QAction) -> tuple[str, ...]:
    """Every key sequence of the action (Redo has two), as the platform writes them."""
    return tuple(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
                 if not k.isEmpty())


def shortcut_text(action: QAction) -> str:
    return ", ".join(shortcut_keys(action))


def with_shortcut(text: str, shortcut: str) -> str:
    """'Brush', 'B' -> 'Brush (B)': tooltips teach the shortcut."""
    return f"{text} ({shortcut})" if shortcut else text


def decorate_tooltip(action: QAction) -> None:
    """Make the tooltip end with the shortcut, whoever built the action (idempotent)."""
    keys = shortcut_keys(action)
    tip = action.toolTip() or plain_text(action.text())
    if keys and not tip.endswith(f"({keys[0]})"):
        action.setToolTip(with_shortcut(tip, keys[0]))


def build_actions(target: QWidget, specs=WINDOW_ACTIONS) -> dict[str, QAction]:
    """QActions owned by `target`, triggering `target.<handler>`; keyed by spec id."""
    actions = {}
    for spec in specs:
        action = QAction(spec.text, target)
        action.setObjectName(spec.id)
        if spec.shortcut:
            action.setShortcut(QKeySequence(spec.shortcut))
        action.setToolTip(spec.tooltip or plain_text(spec.text))
        action.setStatusTip(spec.tooltip)
        decorate_tooltip(action)
        action.setCheckable(spec.checkable)
        handler = getattr(target, spec.handler)
        if spec.checkable:
            action.toggled.connect(handler)
        elif spec.arg is not None:
            action.triggered.connect(lambda _checked=False, h=handler, a=spec.arg: h(a))
        else:
            # triggered(bool) would land in the handler's first parameter otherwise
            action.triggered.connect(lambda _checked=False, h=handler: h())
        action.setData(spec.group)
        actions[spec.id] = action
    return actions


@dataclass(frozen=True)
class ShortcutRow:
    where: str  # "File", "View", ... or a workspace title
    action: str
    shortcut: str  # for display: "Ctrl+Shift+Z, Ctrl+Y"
    tooltip: str
    keys: tuple[str, ...] = ()


def shortcut_rows(window) -> list[ShortcutRow]:
    """Every action of `window` (its `action_map` and its workspaces' actions) with its keys."""
    rows = []
    for action in window.action_map.values():
        rows.append(_row(str(action.data() or ""), action))
    for workspace in window.workspaces():
        rows.extend(_row(workspace.title, a) for a in workspace.workspace_actions())
    return rows


def _row(where: str, action: QAction) -> ShortcutRow:
    return ShortcutRow(where, plain_text(action.text()), shortcut_text(action), action.toolTip(),
                       shortcut_keys(action))


def conflicts(rows: list[ShortcutRow]) -> dict[str, list[ShortcutRow]]:
    """Shortcut -> rows sharing it, where they can be active together.

    Workspace actions are only active in their workspace, so two workspaces may reuse a key;
    window actions are always active and clash with everything.
    """
    window_groups = set(MENUS)
    out: dict[str, list[ShortcutRow]] = {}
    by_key: dict[str, list[ShortcutRow]] = {}
    for row in rows:
        for key in row.keys:
            by_key.setdefault(key, []).append(row)
    for key, same in by_key.items():
        for i, a in enumerate(same):
            for b in same[i + 1:]:
                if a.where == b.where or a.where in window_groups or b.where in window_groups:
                    out[key] = same
    return out


def markdown_sheet(rows: list[ShortcutRow]) -> str:
    """The shortcut sheet as a Markdown table (the README's copy), rows that have keys only."""
    lines = ["| Where | Action | Keys |", "|---|---|---|"]
    for row in rows:
        if row.shortcut:
            keys = ", ".join(f"`{k}`" for k in row.keys)
            lines.append(f"| {row.where} | {row.action.replace('|', '/')} | {keys} |")
    return "\n".join(lines) + "\n"
