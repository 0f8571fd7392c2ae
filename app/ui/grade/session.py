"""GradeSession: the Grade workspace's state (recipe version, working recipe, part, verdict).

The project holds the truth; the session holds what is shown and what is being tried. Every
edit changes a working copy (the draft) and nothing else; only `save` writes a new recipe
version, so experimenting never changes what inspections grade with:

    session.preview(recipe)   # while a slider moves: regrade soon (coalesced)
    session.edit(recipe)      # when it is let go: the draft is `recipe` (what-if runs now)
    session.save(note)        # a new recipe version from the draft, with a note
    session.revert()          # drop the draft: back to the saved version

Previews coalesce: a burst of them before the event loop turns costs one grading, of the
latest recipe (a 0 ms single-shot timer), so nothing queues behind a fast drag.
"""

from __future__ import annotations

import dataclasses
import time

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.grading import ClassSetting, Recipe, ZoneCache, grade, grade_mask, starter_recipe
from app.core.grading.components import mask_components, threshold_components
from app.store.errors import ReadOnlyError, RoleRefusedError

from .loader import LABELS, PREDICTION, PartData

DEFAULT_NAME = "default"


def with_class_names(recipe: Recipe, classes) -> Recipe:
    """Name the project's classes in the recipe (grading is unchanged; reasons read better)."""
    settings = {c.value: c for c in recipe.classes}
    changed = False
    for c in classes:
        s = settings.get(c.value)
        if s is None or not s.name:
            settings[c.value] = dataclasses.replace(s or ClassSetting(c.value), name=c.name)
            changed = True
    return dataclasses.replace(recipe, classes=tuple(settings.values())) if changed else recipe


class GradeSession(QObject):
    recipe_changed = Signal()  # the working recipe changed (preview, edit, save, another version)
    edited = Signal()  # an edit gesture ended: the draft holds it
    committed = Signal(object)  # the RecipeRow just saved
    verdict_changed = Signal()  # the shown part was graded again
    part_changed = Signal()  # another part is shown (or none)
    message = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.project = None
        self.classes: list = []  # DefectClassRow of the project
        self.name = DEFAULT_NAME
        self.row = None  # RecipeRow shown; None: an unsaved default
        self.latest_version = 0
        self.saved = Recipe(name=DEFAULT_NAME)
        self.recipe = self.saved
        self.part: PartData | None = None
        self.verdict = None
        self.zones = ZoneCache()
        self.grade_count = 0  # gradings done (tests check that bursts coalesce)
        self.grade_ms = 0.0
        self._areas: tuple = (None, [])  # (part, class, level) -> areas, for the histogram
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self.regrade)

    # -- project and recipes ---------------------------------------------------------------------
    def set_project(self, project) -> None:
        self.project = project
        self.part = self.verdict = None
        self.classes = project.classes.list() if project is not None else []
        names = project.recipes.names() if project is not None else []
        if names:
            self.select(names[0])
        else:
            self._show(None, self._blank(DEFAULT_NAME))
        self.part_changed.emit()

    def reload_classes(self) -> None:
        if self.project is not None:
            self.classes = self.project.classes.list()
            if self.row is None and not self.dirty:  # the starter recipe follows the classes
                self._show(None, self._blank(self.name))

    @property
    def editable(self) -> bool:
        return self.project is not None and not self.project.readonly

    @property
    def is_latest(self) -> bool:
        return self.row is None or self.row.version == self.latest_version

    @property
    def dirty(self) -> bool:
        """The working recipe differs from the version shown: there is an unsaved draft."""
        return self.recipe.content_hash != self.saved.content_hash

    @property
    def can_save(self) -> bool:
        """A draft, a recipe never saved, or an older version (saved again as the latest)."""
        return (self.editable and not self.why_not_save
                and (self.dirty or self.row is None or not self.is_latest))

    @property
    def why_not_save(self) -> str:
        """Why this login's team role may not save recipe versions ("" when it may)."""
        return self.project.why_not("recipe.save") if self.project is not None else ""

    @property
    def ref(self) -> str:
        return self.row.ref if self.row is not None else self.name

    @property
    def class_names(self) -> dict[int, str]:
        return {c.value: c.name for c in self.classes}

    def select(self, name: str, version: int | None = None) -> None:
        """Show recipe `name` at `version` (default: the latest)."""
        ref = name if version is None else f"{name}@{version}"
        row = self.project.recipes.get(ref)
        self._show(row, Recipe.from_dict(row.body))

    def new_recipe(self, name: str, copy_current: bool = True, note: str = ""):
        """Save a new recipe `name` as its v1 (a copy of the working recipe, draft included, or
        blank) and show it."""
        name = name.strip()
        if not name or "@" in name:
            raise ValueError("a recipe name must not be empty nor contain '@'")
        if name in self.project.recipes.names():
            raise ValueError(f"there is already a recipe named {name!r}")
        base = self.recipe if copy_current else self._blank(name)
        self.name = name
        self.row = None
        self.recipe = dataclasses.replace(base, name=name)
        return self.save(note)

    def _blank(self, name: str) -> Recipe:
        mmpp = 1.0
        if self.project is not None and self.project.settings.get("calibrated"):
            mmpp = float(self.project.settings.get("mm_per_pixel"))
        return starter_recipe(name, [(c.value, c.name) for c in self.classes], mmpp)

    def _show(self, row, recipe: Recipe) -> None:
        self.row = row
        self.name = row.name if row is not None else recipe.name or DEFAULT_NAME
        versions = self.project.recipes.versions(self.name) if self.project and row else []
        self.latest_version = versions[-1].version if versions else 0
        self.saved = self.recipe = with_class_names(recipe, self.classes)
        self.recipe_changed.emit()
        self.schedule()

    # -- the draft -----------------------------------------------------------------------------
    def preview(self, recipe: Recipe) -> None:
        """Try `recipe` on the part (coalesced regrade); nothing is saved."""
        self.recipe = recipe
        self.recipe_changed.emit()
        self.schedule()

    def edit(self, recipe: Recipe) -> None:
        """An edit is done (slider let go, zone closed, rule typed): the draft is `recipe`.
        Nothing is saved: `save` writes the version."""
        self.preview(recipe)
        self.edited.emit()

    def save(self, note: str = ""):
        """Save the working recipe as the next version of the shown recipe, with `note`.
        Returns the RecipeRow, or None when nothing was saved (read-only, nothing to save)."""
        recipe = dataclasses.replace(self.recipe, name=self.name)
        if not self.editable:
            self.message.emit("The project is open read-only: the recipe is not saved")
            return None
        if self.row is not None and not self.dirty and self.is_latest:
            self.message.emit(f"Nothing to save: {self.row.ref} is unchanged")
            return None
        try:
            row = self.project.recipes.save(self.name, recipe.to_dict(), note)
        except (ReadOnlyError, RoleRefusedError) as e:
            self.message.emit(str(e))
            return None
        self.row, self.latest_version = row, row.version
        self.saved = self.recipe = recipe
        self.committed.emit(row)
        self.message.emit(f"Saved recipe {row.ref}")
        self.recipe_changed.emit()
        self.schedule()
        return row

    def revert(self) -> None:
        """Drop the draft: the working recipe is the shown version again."""
        if self.dirty:
            self.edit(self.saved)

    # -- the part and its verdict ----------------------------------------------------------------
    def set_part(self, part: PartData | None) -> None:
        self.part = part
        self.verdict = None
        self.part_changed.emit()
        self.regrade()

    def schedule(self) -> None:
        """Regrade once the event loop turns; repeated calls before that merge into one."""
        if not self._timer.isActive():
            self._timer.start()

    def regrade(self) -> None:
        self._timer.stop()
        part = self.part
        verdict = None
        t0 = time.perf_counter()
        try:
            if part is not None and part.source == PREDICTION:
                verdict = grade(part.probs, part.class_values, self.recipe, self.zones)
            elif part is not None and part.source == LABELS:
                verdict = grade_mask(part.label, part.class_values, self.recipe, self.zones)
        except (ValueError, KeyError) as e:
            self.message.emit(f"Cannot grade: {e}")
        self.grade_ms = (time.perf_counter() - t0) * 1e3
        self.grade_count += 1
        self.verdict = verdict
        self.verdict_changed.emit()

    def part_areas(self, class_value: int):
        """px areas of every component of `class_value` on the part at the working threshold
        (no noise floor: the histogram shows what the floor would drop)."""
        part = self.part
        if part is None or class_value not in part.class_values:
            return []
        key = (part, class_value, round(self.recipe.threshold(class_value) * 255))
        if self._areas[0] != key:
            self._areas = (key, self._find_areas(part, class_value))
        return self._areas[1]

    def _find_areas(self, part, class_value: int) -> list[int]:
        if part.source == PREDICTION:
            i = part.class_values.index(class_value)
            comps = threshold_components(part.probs[i], self.recipe.threshold(class_value))
        elif part.source == LABELS:
            comps = mask_components(part.label, class_value)
        else:
            return []
        return [c.area_px for c in comps]
